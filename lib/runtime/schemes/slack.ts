import { RejectionReason, WebhookRequest } from '../types';
import { parseTimestamp, SignedContent } from './common';
import { smallJson } from './handshakes';
import { HmacScheme, SignInput } from './scheme';

/**
 * Slack: `X-Slack-Signature: v0=<hex>` over `v0:<X-Slack-Request-Timestamp>:<body>`, 5 minutes.
 * Events API `url_verification` requests are answered with their challenge, after the signature
 * verified, and never queued. No event id header: duplicates are recognised by payload SHA-256.
 */
export class SlackScheme extends HmacScheme {
  readonly requiredHeaders = ['x-slack-signature', 'x-slack-request-timestamp'];
  readonly optionalHeaders = ['x-slack-retry-num'];
  readonly signatureHeaders = ['x-slack-signature'];
  readonly contentTypes = ['application/json', 'application/x-www-form-urlencoded'];
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds = 300;

  constructor() {
    super('sha256');
  }

  protected parse(headers: readonly (string | undefined)[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const signature = headers[0] as string;
    const timestamp = headers[1] as string;
    const retry = headers[2];
    if (retry !== undefined) {
      if (!/^\d{1,3}$/.test(retry)) return 'malformed_header';
      out.metadata = { 'unsigned.attempt': retry };
    }
    const sentAt = parseTimestamp(timestamp);
    if (typeof sentAt !== 'number') return sentAt;
    if (!signature.startsWith('v0=') || !out.addSignature(signature.slice(3), 'hex')) return 'malformed_header';
    out.prefix = `v0:${timestamp}:`;
    out.timestamp = sentAt;
    return undefined;
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    const t = String(input.timestamp ?? Math.floor(Date.now() / 1000));
    return { 'content-type': 'application/json', 'x-slack-request-timestamp': t, 'x-slack-signature': `v0=${this.mac(secret, `v0:${t}:`, input.body, 'hex')}` };
  }

  immediateResponse(body: string | Uint8Array): { body: string } | undefined {
    // Only the tiny url_verification payload is ever parsed; anything not a JSON object read one way
    // (an ordinary form-encoded delivery, a key twice) is queued.
    const parsed = smallJson(body, 'url_verification');
    return parsed?.type === 'url_verification' && typeof parsed.challenge === 'string' ? { body: JSON.stringify({ challenge: parsed.challenge }) } : undefined;
  }
}
