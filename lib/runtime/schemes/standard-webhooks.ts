import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DUPLICATE } from '../headers';
import { StandardWebhooksSchemeConfig, VerifyResult } from '../types';
import { Scheme, SchemeInput } from './scheme';

const SECRET_PREFIX = 'whsec_';
const MAX_SIGNATURE_HEADER = 4096;
const MAX_SIGNATURES = 16;
const MAX_ID_LENGTH = 256;
// Printable ASCII without space: what msg_... / evt_... / UUID ids are made of.
const ID_PATTERN = /^[\x21-\x7e]+$/;
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
// Exactly one canonical base64 encoding of 32 bytes.
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

export class StandardWebhooksScheme implements Scheme {
  readonly requiredHeaders: readonly string[];
  readonly contentTypes = ['application/json'];
  readonly defaultToleranceSeconds = 300;
  private readonly idHeader: string;
  private readonly timestampHeader: string;
  private readonly signatureHeader: string;

  constructor(config: StandardWebhooksSchemeConfig) {
    const prefix = config.headerPrefix ?? 'webhook';
    this.idHeader = `${prefix}-id`;
    this.timestampHeader = `${prefix}-timestamp`;
    this.signatureHeader = `${prefix}-signature`;
    this.requiredHeaders = [this.idHeader, this.timestampHeader, this.signatureHeader];
  }

  decodeKey(secret: string): Buffer {
    const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
    if (!BASE64_PATTERN.test(encoded)) throw new Error('a Standard Webhooks secret must be base64 after the whsec_ prefix');
    const key = Buffer.from(encoded, 'base64');
    if (key.length < 24 || key.length > 64) throw new Error('a Standard Webhooks secret must decode to 24 to 64 bytes');
    return key;
  }

  generateKey(): string {
    return SECRET_PREFIX + randomBytes(32).toString('base64');
  }

  verify({ headers, body, keys, nowMs, toleranceSeconds }: SchemeInput): VerifyResult {
    const id = headers.get(this.idHeader);
    const timestamp = headers.get(this.timestampHeader);
    const signature = headers.get(this.signatureHeader);
    if (id === DUPLICATE || timestamp === DUPLICATE || signature === DUPLICATE) return { ok: false, reason: 'duplicate_header' };
    if (!id || !timestamp || !signature) return { ok: false, reason: 'missing_header' };
    if (id.length > MAX_ID_LENGTH || !ID_PATTERN.test(id)) return { ok: false, reason: 'malformed_header' };
    if (!TIMESTAMP_PATTERN.test(timestamp)) return { ok: false, reason: 'malformed_timestamp' };

    const candidates = parseSignatures(signature);
    if (candidates === undefined) return { ok: false, reason: 'malformed_header' };
    if (keys.length === 0) return { ok: false, reason: 'no_active_key' };

    const signedPrefix = `${id}.${timestamp}.`;
    let matched = false;
    for (const { key, notAfterMs } of keys) {
      if (notAfterMs <= nowMs) continue;
      const hmac = createHmac('sha256', key).update(signedPrefix);
      const expected = (typeof body === 'string' ? hmac.update(body, 'utf8') : hmac.update(body)).digest();
      // Compare against every candidate (no early exit) so timing does not reveal which one matched.
      for (const candidate of candidates) matched = timingSafeEqual(expected, candidate) || matched;
      if (matched) break;
    }
    if (!matched) return { ok: false, reason: 'signature_invalid' };

    const sentAt = Number(timestamp);
    if (Math.abs(nowMs / 1000 - sentAt) > toleranceSeconds) return { ok: false, reason: 'timestamp_out_of_tolerance' };
    return { ok: true, eventId: id, timestamp: sentAt };
  }
}

/** `v1,<b64> v1,<b64> v2,...` → the v1 signatures as bytes; undefined when the list is malformed. */
function parseSignatures(header: string): Buffer[] | undefined {
  if (header.length > MAX_SIGNATURE_HEADER) return undefined;
  const out: Buffer[] = [];
  let entries = 0;
  for (const entry of header.split(' ')) {
    if (entry === '') continue;
    if (++entries > MAX_SIGNATURES) return undefined;
    const comma = entry.indexOf(',');
    if (comma <= 0) return undefined;
    // Other versions (e.g. v1a asymmetric signatures) are not ours to check; skip them.
    if (entry.slice(0, comma) !== 'v1') continue;
    const encoded = entry.slice(comma + 1);
    if (!SIGNATURE_PATTERN.test(encoded)) return undefined;
    out.push(Buffer.from(encoded, 'base64'));
  }
  return out.length > 0 ? out : undefined;
}
