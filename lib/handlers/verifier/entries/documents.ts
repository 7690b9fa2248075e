import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { DOCUMENTS } from '../../../runtime/schemes/senders/documents';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(codeSenderFactory(DOCUMENTS));
