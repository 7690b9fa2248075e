import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { FORMS } from '../../../runtime/schemes/senders/forms';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(codeSenderFactory(FORMS));
