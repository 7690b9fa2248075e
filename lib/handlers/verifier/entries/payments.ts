import { senderFactory } from '../../../runtime/schemes/factory';
import { PAYMENTS } from '../../../runtime/schemes/senders/payments';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(senderFactory(PAYMENTS));
