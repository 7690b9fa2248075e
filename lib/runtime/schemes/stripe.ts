import { randomBytes } from 'node:crypto';
import { RejectionReason, WebhookRequest } from '../types';
import { parseTimestamp, SignedContent } from './common';
import { HmacScheme } from './scheme';

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
  readonly defaultToleranceSeconds = 300;

  constructor() {
    super('sha256', MAX_ENTRIES);
  }

  generateKey(): string {
    return 'whsec_' + randomBytes(24).toString('base64url');
  }

  protected parse(required: readonly string[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const header = required[0];
    if (header.length > MAX_HEADER) return 'malformed_header';
    let timestamp: string | undefined;
    const entries = header.split(',');
    if (entries.length > MAX_ENTRIES) return 'malformed_header';
    for (const entry of entries) {
      const eq = entry.indexOf('=');
      if (eq <= 0) return 'malformed_header';
      const key = entry.slice(0, eq).trim();
      const value = entry.slice(eq + 1).trim();
      if (key === 't') {
        if (timestamp !== undefined) return 'malformed_header';
        timestamp = value;
      } else if (key === 'v1') {
        if (!out.addSignature(value, 'hex')) return 'malformed_header';
      }
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
