import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { CRM } from '../../../runtime/schemes/senders/crm';
import { verifierEntry } from '../entry';
import { signedUrl } from '../stages/signed-url';

export const handler = verifierEntry(codeSenderFactory(CRM), { signedUrl });
