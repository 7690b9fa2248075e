import { senderFactory } from '../../../runtime/schemes/factory';
import { SAAS } from '../../../runtime/schemes/senders/saas';
import { verifierEntry } from '../entry';
import { signedUrl } from '../stages/signed-url';

export const handler = verifierEntry(senderFactory(SAAS), { signedUrl });
