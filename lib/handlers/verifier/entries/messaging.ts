import { senderFactory } from '../../../runtime/schemes/factory';
import { MESSAGING } from '../../../runtime/schemes/senders/messaging';
import { verifierEntry } from '../entry';
import { answerGet, answerUnsigned } from '../stages/handshakes';

export const handler = verifierEntry(senderFactory(MESSAGING), { getHandshake: answerGet, unsignedHandshakes: answerUnsigned });
