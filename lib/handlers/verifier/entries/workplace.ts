import { senderFactory } from '../../../runtime/schemes/factory';
import { WORKPLACE } from '../../../runtime/schemes/senders/workplace';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(senderFactory(WORKPLACE));
