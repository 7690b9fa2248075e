import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { SOAP } from '../../../runtime/schemes/senders/soap';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(codeSenderFactory(SOAP));
