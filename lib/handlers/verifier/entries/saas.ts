import { senderFactory } from '../../../runtime/schemes/factory';
import { SAAS } from '../../../runtime/schemes/senders/saas';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(senderFactory(SAAS));
