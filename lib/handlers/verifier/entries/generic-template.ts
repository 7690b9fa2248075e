import { GenericHmacSchemeConfig, SchemeConfigData } from '../../../runtime/types';
import { isHmacTemplate, templateHmacScheme } from '../../../runtime/schemes/hmac';
import { verifierEntry } from '../entry';
import { signedUrl } from '../stages/signed-url';

// The generic HMAC with a template of the signed string, read by the catalogue's row engine.
export const handler = verifierEntry((config: SchemeConfigData) => (isHmacTemplate(config) ? templateHmacScheme(config as GenericHmacSchemeConfig) : undefined), { signedUrl });
