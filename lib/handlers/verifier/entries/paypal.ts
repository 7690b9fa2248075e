import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { PAYPAL } from '../../../runtime/schemes/senders/paypal-family';
import { verifierEntry } from '../entry';
import { publishedKeys } from '../published';

export const handler = verifierEntry(codeSenderFactory(PAYPAL), { published: publishedKeys() });
