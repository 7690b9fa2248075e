import { codeSenderFactory } from '../../../runtime/schemes/factory';
import { SIGNING_KEYS } from '../../../runtime/schemes/senders/signing-keys';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(codeSenderFactory(SIGNING_KEYS));
