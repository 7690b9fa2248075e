import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { CERTIFICATES } from '../../../runtime/schemes/senders/certificates';
import { verifierEntry } from '../entry';
import { publishedKeys } from '../published';

export const handler = verifierEntry(codeSenderFactory(CERTIFICATES), publishedKeys());
