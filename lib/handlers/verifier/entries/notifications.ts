import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { NOTIFICATIONS } from '../../../runtime/schemes/senders/notifications';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(codeSenderFactory(NOTIFICATIONS));
