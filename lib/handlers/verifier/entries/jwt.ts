import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { JWT } from '../../../runtime/schemes/senders/jwt';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(codeSenderFactory(JWT));
