import { GenericHmacSchemeConfig, SchemeConfig } from '../../../runtime/types';
import { isHmacTemplate, templateHmacScheme } from '../../../runtime/schemes/hmac';
import { verifierEntry } from '../entry';

// The generic HMAC with a template of the signed string, read by the catalogue's row engine.
export const handler = verifierEntry((config: SchemeConfig) => (isHmacTemplate(config) ? templateHmacScheme(config as GenericHmacSchemeConfig) : undefined));
