import { senderFactory } from '../../../runtime/schemes/factory';
import { PLATFORMS } from '../../../runtime/schemes/senders/platforms';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(senderFactory(PLATFORMS));
