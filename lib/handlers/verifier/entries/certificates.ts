import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { CERTIFICATES } from '../../../runtime/schemes/senders/certificates';
import { verifierEntry } from '../entry';
import { publishedKeys } from '../published';
import { settleWithCall } from '../stages/settle-with-call';

export const handler = verifierEntry(codeSenderFactory(CERTIFICATES), { published: publishedKeys(), settleWithCall });
