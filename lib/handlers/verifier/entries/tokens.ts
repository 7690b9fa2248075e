import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { TOKENS } from '../../../runtime/schemes/senders/tokens';
import { verifierEntry } from '../entry';
import { publishedKeys } from '../published';

export const handler = verifierEntry(codeSenderFactory(TOKENS), { published: publishedKeys() });
