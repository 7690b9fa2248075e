import { SchemeConfigData } from '../../../runtime/types';
import { GenericHmacScheme } from '../../../runtime/schemes/hmac';
import { verifierEntry } from '../entry';

// The generic HMAC over the body or `<timestamp><separator><body>`; a template runs generic-template.
export const handler = verifierEntry((config: SchemeConfigData) =>
  (config as { type?: unknown }).type === 'hmac' && (config as { signedContent?: unknown }).signedContent !== 'template' ? new GenericHmacScheme(config as never) : undefined,
);
