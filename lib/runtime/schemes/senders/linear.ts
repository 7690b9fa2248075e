import { randomUUID } from 'node:crypto';
import { ActiveKey, RejectionReason, VerifyResult, WebhookRequest } from '../../types';
import { bodyText } from '../body-text';
import { isEventId, rejected, SignedContent } from '../common';
import { parseObjectStrict } from '../strict-json';
import { HmacScheme, SchemeDescription, SignInput } from '../scheme';

/** Linear's documented window: a delivery whose `webhookTimestamp` is more than a minute off is refused. */
export const LINEAR_TOLERANCE_SECONDS = 60;

// The top-level key, with its quotes: inside a JSON string the quotes are escaped (`\"`), so an issue
// title that merely mentions the name does not match; a nested object with a key of that name does,
// and is refused as ambiguous rather than guessed at.
const TIMESTAMP_KEY = '"webhookTimestamp"';
// Unix milliseconds with 12 to 15 digits: 2001 to 33658.
const MIN_MS = 1e12;
const MAX_MS = 1e15;

/**
 * Linear: `Linear-Signature: <hex>`, HMAC-SHA256 over the raw body under the webhook's signing secret
 * (its UTF-8 bytes, exactly as Linear shows it). The replay control is inside the signed body: the
 * top-level `webhookTimestamp` (unix ms), which must be within a minute of now. Linear's own SDK
 * (`LinearWebhookClient.verify`) trusts only that field and ignores the `Linear-Timestamp` header,
 * which the signature does not cover; so do we.
 *
 * The body is parsed only after its signature matched (`afterMatch`): an unsigned body is never
 * parsed. A signed body without a `webhookTimestamp` (missing, not a whole number of milliseconds,
 * present twice, or the body not JSON, a BOM or a key twice included) is refused as
 * `malformed_timestamp`, and a body that is not UTF-8 as `malformed_body`: fail closed, as the SDK
 * does. `Linear-Delivery` and `Linear-Event` are unsigned metadata; duplicates key on the body's
 * SHA-256 (each delivery's body carries its own `webhookTimestamp`).
 *
 * https://linear.app/developers/webhooks#securing-webhooks
 */
export class LinearScheme extends HmacScheme {
  readonly requiredHeaders = ['linear-signature'];
  readonly optionalHeaders = ['linear-delivery', 'linear-event'];
  readonly signatureHeaders = ['linear-signature'];
  readonly contentTypes = ['application/json'];
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds = LINEAR_TOLERANCE_SECONDS;
  // Why the signed body's timestamp could not be read, for the request being verified.
  private bodyProblem: RejectionReason | undefined;

  constructor() {
    super('sha256');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    this.bodyProblem = undefined;
    const result = super.verify(request, keys, nowMs, toleranceSeconds);
    return !result.ok && this.bodyProblem ? rejected(this.bodyProblem) : result;
  }

  protected parse(headers: readonly (string | undefined)[], request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const [signature, delivery, event] = headers;
    if ((delivery !== undefined && !isEventId(delivery)) || (event !== undefined && !isEventId(event))) return 'malformed_header';
    if (!out.addSignature(signature as string, 'hex')) return 'malformed_header';
    out.unsignedEventId = delivery;
    out.unsignedEventType = event;
    const body = request.body;
    out.afterMatch = () => {
      const sentAt = bodyTimestamp(body);
      if (typeof sentAt !== 'number') {
        this.bodyProblem = sentAt;
        return false;
      }
      out.timestamp = sentAt;
      return true;
    };
    return undefined;
  }

  describe(): SchemeDescription {
    return {
      signature: '`Linear-Signature`, HMAC-SHA256 hex over body',
      replay: 'signed `webhookTimestamp` inside the body (unix ms), 1 min; dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: ['unsigned.eventId', 'unsigned.eventType'],
    };
  }

  /**
   * The headers Linear sends with `input.body`. The timestamp Linear signs is the body's own
   * `webhookTimestamp`: a body without one signs, but never verifies.
   */
  sign(input: SignInput, secret: string): Record<string, string> {
    return {
      'content-type': 'application/json',
      'linear-delivery': input.id ?? randomUUID(),
      'linear-signature': this.mac(secret, '', input.body, 'hex'),
    };
  }
}

/** The top-level `webhookTimestamp` of a signed body, in unix seconds, or why it cannot be read. */
export function bodyTimestamp(body: string | Uint8Array): number | RejectionReason {
  // As its consumer reads it: a BOM kept (not JSON, to JSON.parse), a key twice anywhere refused.
  const text = bodyText(body);
  if (text === undefined) return 'malformed_body';
  const at = text.indexOf(TIMESTAMP_KEY);
  if (at < 0 || text.indexOf(TIMESTAMP_KEY, at + 1) >= 0) return 'malformed_timestamp';
  const parsed = parseObjectStrict(text);
  if (parsed === undefined) return 'malformed_timestamp';
  const ms = parsed.webhookTimestamp;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || !(ms >= MIN_MS && ms < MAX_MS)) return 'malformed_timestamp';
  return ms / 1000;
}
