import { senderFactory } from '../../../runtime/schemes/factory';
import { DEVELOPER } from '../../../runtime/schemes/senders/developer';
import { verifierEntry } from '../entry';
import { answerGet } from '../stages/handshakes';

export const handler = verifierEntry(senderFactory(DEVELOPER), { getHandshake: answerGet });
