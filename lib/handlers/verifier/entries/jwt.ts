import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { JWT } from '../../../runtime/schemes/senders/jwt';
import { verifierEntry } from '../entry';
import { answerUnsigned } from '../stages/handshakes';

export const handler = verifierEntry(codeSenderFactory(JWT), { unsignedHandshakes: answerUnsigned });
