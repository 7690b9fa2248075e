import { senderFactory } from '../../../runtime/schemes/factory';
import { MESSAGING } from '../../../runtime/schemes/senders/messaging';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(senderFactory(MESSAGING));
