import { genericScheme } from '../../../runtime/schemes/hmac';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(genericScheme);
