import { randomBytes } from 'node:crypto';
import { RejectionReason, WebhookRequest } from '../types';
import { parseTimestamp, SignedContent } from './common';
import { HmacScheme, SignInput } from './scheme';

const MAX_HEADER = 4096;
const MAX_ENTRIES = 32;

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]` (several v1 while the endpoint secret
 * rolls; v0 and other schemes ignored), HMAC-SHA256 over `t.body`, the whsec_ secret used as-is.
 * Stripe sends no event id header: duplicates are recognised by the payload's SHA-256 (a retry
 * resends the same event body).
 */
export class StripeScheme extends HmacScheme {
  readonly requiredHeaders = ['stripe-signature'];
  readonly signatureHeaders = ['stripe-signature'];
  readonly contentTypes = ['application/json'];
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds = 300;

  constructor() {
    super('sha256', MAX_ENTRIES);
  }

  generateKey(): string {
    return 'whsec_' + randomBytes(24).toString('base64url');
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    const t = String(input.timestamp ?? Math.floor(Date.now() / 1000));
    return { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${this.mac(secret, `${t}.`, input.body, 'hex')}` };
  }

  protected parse(required: readonly string[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const header = required[0];
    if (header.length > MAX_HEADER) return 'malformed_header';
    let timestamp: string | undefined;
    // Walks the comma-separated `key=value` entries in place: no array of entries, and no key string
    // for the usual `t` and `v1` (spaces around keys and values are tolerated).
    let entries = 0;
    for (let start = 0; start <= header.length; ) {
      if (++entries > MAX_ENTRIES) return 'malformed_header';
      const comma = header.indexOf(',', start);
      const end = comma < 0 ? header.length : comma;
      const eq = header.indexOf('=', start);
      if (eq <= start || eq >= end) return 'malformed_header';
      const key = eq - start === 1 ? (header.charCodeAt(start) === 116 ? 't' : '') : header.startsWith('v1=', start) ? 'v1' : header.slice(start, eq).trim();
      if (key === 't') {
        if (timestamp !== undefined) return 'malformed_header';
        timestamp = header.slice(eq + 1, end).trim();
      } else if (key === 'v1') {
        if (!out.addSignature(header.slice(eq + 1, end).trim(), 'hex')) return 'malformed_header';
      }
      start = end + 1;
    }
    if (timestamp === undefined) return 'malformed_timestamp';
    const sentAt = parseTimestamp(timestamp);
    if (typeof sentAt !== 'number') return sentAt;
    if (out.count === 0) return 'malformed_header';
    out.prefix = `${timestamp}.`;
    out.timestamp = sentAt;
    return undefined;
  }
}
