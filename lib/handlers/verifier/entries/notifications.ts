import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { NOTIFICATIONS } from '../../../runtime/schemes/senders/notifications';
import { verifierEntry } from '../entry';
import { answerUnsigned } from '../stages/handshakes';

export const handler = verifierEntry(codeSenderFactory(NOTIFICATIONS), { unsignedHandshakes: answerUnsigned });
