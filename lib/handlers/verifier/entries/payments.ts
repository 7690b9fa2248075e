import { senderFactory } from '../../../runtime/schemes/factory';
import { PAYMENTS } from '../../../runtime/schemes/senders/payments';
import { verifierEntry } from '../entry';
import { signedUrl } from '../stages/signed-url';
import { answerUnsigned } from '../stages/handshakes';

export const handler = verifierEntry(senderFactory(PAYMENTS), { signedUrl, unsignedHandshakes: answerUnsigned });
