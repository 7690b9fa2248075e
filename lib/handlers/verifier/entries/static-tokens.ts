import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { STATIC_TOKENS } from '../../../runtime/schemes/senders/static-tokens';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(codeSenderFactory(STATIC_TOKENS));
