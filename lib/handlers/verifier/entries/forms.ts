import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { FORMS } from '../../../runtime/schemes/senders/forms';
import { verifierEntry } from '../entry';
import { signedUrl } from '../stages/signed-url';

export const handler = verifierEntry(codeSenderFactory(FORMS), { signedUrl });
