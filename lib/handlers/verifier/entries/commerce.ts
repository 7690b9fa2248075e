import { senderFactory } from '../../../runtime/schemes/factory';
import { COMMERCE } from '../../../runtime/schemes/senders/commerce';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(senderFactory(COMMERCE));
