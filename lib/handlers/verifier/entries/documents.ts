import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { DOCUMENTS } from '../../../runtime/schemes/senders/documents';
import { verifierEntry } from '../entry';
import { signedUrl } from '../stages/signed-url';

export const handler = verifierEntry(codeSenderFactory(DOCUMENTS), { signedUrl });
