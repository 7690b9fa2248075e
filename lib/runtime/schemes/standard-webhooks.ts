import { randomBytes } from 'node:crypto';
import { RejectionReason, StandardWebhooksSchemeConfig, WebhookConfigurationError, WebhookRequest } from '../types';
import { isEventId, parseTimestamp, SignedContent } from './common';
import { HmacScheme, SignInput } from './scheme';

const SECRET_PREFIX = 'whsec_';
const MAX_SIGNATURE_HEADER = 4096;
const MAX_SIGNATURES = 16;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Standard Webhooks (and Svix, under svix-* names): `id.timestamp.body`, HMAC-SHA256, base64, a
 * space-separated list of `v1,<sig>` entries; the key is the base64 after `whsec_`.
 */
export class StandardWebhooksScheme extends HmacScheme {
  readonly requiredHeaders: readonly string[];
  readonly signatureHeaders: readonly string[];
  readonly contentTypes = ['application/json'];
  readonly defaultToleranceSeconds = 300;

  constructor(config: StandardWebhooksSchemeConfig) {
    super('sha256', MAX_SIGNATURES);
    const prefix = config.headerPrefix ?? 'webhook';
    this.requiredHeaders = [`${prefix}-id`, `${prefix}-timestamp`, `${prefix}-signature`];
    this.signatureHeaders = [`${prefix}-signature`];
  }

  decodeKey(secret: string): Buffer {
    if (typeof secret !== 'string') throw new WebhookConfigurationError('a Standard Webhooks secret must be a string (whsec_<base64>)');
    const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
    if (!BASE64_PATTERN.test(encoded)) throw new WebhookConfigurationError('a Standard Webhooks secret must be base64 after the whsec_ prefix');
    const key = Buffer.from(encoded, 'base64');
    if (key.length < 24 || key.length > 64) throw new WebhookConfigurationError('a Standard Webhooks secret must decode to 24 to 64 bytes');
    return key;
  }

  generateKey(): string {
    return SECRET_PREFIX + randomBytes(32).toString('base64');
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    const [idHeader, timestampHeader, signatureHeader] = this.requiredHeaders;
    const id = input.id ?? `msg_${randomBytes(12).toString('hex')}`;
    const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = this.mac(secret, `${id}.${timestamp}.`, input.body, 'base64');
    return { 'content-type': 'application/json', [idHeader]: id, [timestampHeader]: timestamp, [signatureHeader]: `v1,${signature}` };
  }

  protected parse(required: readonly string[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const id = required[0];
    const timestamp = required[1];
    if (!isEventId(id)) return 'malformed_header';
    const sentAt = parseTimestamp(timestamp);
    if (typeof sentAt !== 'number') return sentAt;
    if (!readSignatureList(required[2], out)) return 'malformed_header';
    out.prefix = `${id}.${timestamp}.`;
    out.timestamp = sentAt;
    // Signed (`id.timestamp.body`), so it may key duplicates: retries resend the id under a new timestamp.
    out.eventId = id;
    return undefined;
  }
}

/** `v1,<b64> v1,<b64> v1a,...` → the v1 signatures into `out`; false when the list is malformed. */
function readSignatureList(header: string, out: SignedContent): boolean {
  if (header.length > MAX_SIGNATURE_HEADER) return false;
  // The usual case, one signature, without splitting.
  if (header.startsWith('v1,') && header.indexOf(' ') < 0) return out.addSignature(header.slice(3), 'base64');
  let entries = 0;
  for (const entry of header.split(' ')) {
    if (entry === '') continue;
    if (++entries > MAX_SIGNATURES) return false;
    const comma = entry.indexOf(',');
    if (comma <= 0) return false;
    // Other versions (e.g. v1a asymmetric signatures) are not ours to check; skip them.
    if (entry.slice(0, comma) !== 'v1') continue;
    if (!out.addSignature(entry.slice(comma + 1), 'base64')) return false;
  }
  return out.count > 0;
}
