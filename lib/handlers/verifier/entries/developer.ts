import { senderFactory } from '../../../runtime/schemes/factory';
import { DEVELOPER } from '../../../runtime/schemes/senders/developer';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(senderFactory(DEVELOPER));
