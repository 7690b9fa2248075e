import { randomBytes } from 'node:crypto';
import { RejectionReason, StandardWebhooksSchemeConfig } from '../types';
import { Headers, HeaderValue } from '../headers';
import { decodeSignature, isEventId, Parsed, parsed, parseTimestamp, readRequired } from './common';
import { HmacScheme } from './scheme';

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
  // The id is part of the signed content (`id.timestamp.body`).
  readonly eventIdSigned = true;
  protected readonly algorithm = 'sha256';
  private readonly idHeader: string;
  private readonly timestampHeader: string;
  private readonly signatureHeader: string;
  // Reused by every parse (synchronous, single-threaded): no allocation per request.
  private readonly values: HeaderValue[] = [undefined, undefined, undefined];

  constructor(config: StandardWebhooksSchemeConfig) {
    super();
    const prefix = config.headerPrefix ?? 'webhook';
    this.idHeader = `${prefix}-id`;
    this.timestampHeader = `${prefix}-timestamp`;
    this.signatureHeader = `${prefix}-signature`;
    this.requiredHeaders = [this.idHeader, this.timestampHeader, this.signatureHeader];
    this.signatureHeaders = [this.signatureHeader];
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

  protected parse(headers: Headers): Parsed | RejectionReason {
    const problem = readRequired(headers, this.requiredHeaders, this.values);
    if (problem) return problem;
    const id = this.values[0] as string;
    const timestamp = this.values[1] as string;
    const signature = this.values[2] as string;
    if (!isEventId(id)) return 'malformed_header';
    const sentAt = parseTimestamp(timestamp);
    if (typeof sentAt !== 'number') return sentAt;
    const candidates = parseSignatureList(signature);
    if (!candidates) return 'malformed_header';
    return parsed(candidates, `${id}.${timestamp}.`, true, sentAt, id);
  }
}

/** `v1,<b64> v1,<b64> v1a,...` → the v1 signatures; undefined when the list is malformed. */
function parseSignatureList(header: string): Buffer[] | undefined {
  if (header.length > MAX_SIGNATURE_HEADER) return undefined;
  // The usual case, one signature, without splitting.
  if (header.startsWith('v1,') && header.indexOf(' ') < 0) {
    const only = decodeSignature(header.slice(3), 'base64', 32);
    return only ? [only] : undefined;
  }
  const out: Buffer[] = [];
  let entries = 0;
  for (const entry of header.split(' ')) {
    if (entry === '') continue;
    if (++entries > MAX_SIGNATURES) return undefined;
    const comma = entry.indexOf(',');
    if (comma <= 0) return undefined;
    // Other versions (e.g. v1a asymmetric signatures) are not ours to check; skip them.
    if (entry.slice(0, comma) !== 'v1') continue;
    const decoded = decodeSignature(entry.slice(comma + 1), 'base64', 32);
    if (!decoded) return undefined;
    out.push(decoded);
  }
  return out.length > 0 ? out : undefined;
}
