import { Headers, HeaderValue } from '../headers';
import { RejectionReason } from '../types';
import { decodeSignature, Parsed, parsed, parseTimestamp, readRequired } from './common';
import { HmacScheme } from './scheme';

const MAX_CHALLENGE_BODY = 4096;

/**
 * Slack: `X-Slack-Signature: v0=<hex>` over `v0:<X-Slack-Request-Timestamp>:<body>`, 5 minutes.
 * Events API `url_verification` requests are answered with their challenge, after the signature
 * verified, and never queued. No event id header: duplicates are recognised by payload SHA-256.
 */
export class SlackScheme extends HmacScheme {
  readonly requiredHeaders = ['x-slack-signature', 'x-slack-request-timestamp'];
  readonly signatureHeaders = ['x-slack-signature'];
  readonly contentTypes = ['application/json', 'application/x-www-form-urlencoded'];
  readonly defaultToleranceSeconds = 300;
  protected readonly algorithm = 'sha256';

  private readonly values: HeaderValue[] = [undefined, undefined];

  protected parse(headers: Headers): Parsed | RejectionReason {
    const problem = readRequired(headers, this.requiredHeaders, this.values);
    if (problem) return problem;
    const signature = this.values[0] as string;
    const timestamp = this.values[1] as string;
    const sentAt = parseTimestamp(timestamp);
    if (typeof sentAt !== 'number') return sentAt;
    const decoded = signature.startsWith('v0=') ? decodeSignature(signature.slice(3), 'hex', 32) : undefined;
    if (!decoded) return 'malformed_header';
    return parsed([decoded], `v0:${timestamp}:`, true, sentAt, undefined);
  }

  immediateResponse(body: string | Uint8Array): { body: string } | undefined {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    // Cheap test first: only the tiny url_verification payload is ever parsed.
    if (text.length > MAX_CHALLENGE_BODY || !text.includes('url_verification')) return undefined;
    try {
      const parsed = JSON.parse(text) as { type?: unknown; challenge?: unknown };
      if (parsed.type === 'url_verification' && typeof parsed.challenge === 'string') return { body: JSON.stringify({ challenge: parsed.challenge }) };
    } catch {
      // Not JSON: an ordinary form-encoded delivery.
    }
    return undefined;
  }
}
