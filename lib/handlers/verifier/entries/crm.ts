import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { CRM } from '../../../runtime/schemes/senders/crm';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(codeSenderFactory(CRM));
