import { senderFactory } from '../../../runtime/schemes/factory';
import { PLATFORMS } from '../../../runtime/schemes/senders/platforms';
import { verifierEntry } from '../entry';
import { answerGet } from '../stages/handshakes';

export const handler = verifierEntry(senderFactory(PLATFORMS), { getHandshake: answerGet });
