import { senderFactory } from '../../../runtime/schemes/factory';
import { WORKPLACE } from '../../../runtime/schemes/senders/workplace';
import { verifierEntry } from '../entry';
import { answerUnsigned } from '../stages/handshakes';

export const handler = verifierEntry(senderFactory(WORKPLACE), { unsignedHandshakes: answerUnsigned });
