import { RejectionReason, WebhookRequest } from '../../types';
import { SignedContent } from '../common';
import { bodyText } from '../body-text';
import { smallJson } from '../handshakes';
import { Handshake, HmacScheme, SchemeDescription, SignInput } from '../scheme';

const PREFIX = 'sha256=';
const MARKER = '"verification_token"';
// What Notion's tokens are made of (`secret_` and letters and digits), with room for the shape to
// grow; nothing that could not be a key typed back in, at least the 16 characters a key needs.
const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

/**
 * Notion's verification request: before any key exists, Notion POSTs `{"verification_token": "..."}`,
 * unsigned; that token is the secret every later delivery is signed with, and Notion activates the
 * subscription once its user types it back in. Recognised only in exactly that shape (one top-level
 * key, named once, a string of token characters): anything else is not the handshake, and so is
 * verified (and refused) like any other delivery. The answer is a bare 200; the token is what the
 * verifier keeps, in the source's capture secret (the first one only), where it verifies nothing until
 * an operator puts it as the key.
 * https://developers.notion.com/reference/webhooks#step-2-verifying-the-subscription
 */
export const NOTION_VERIFICATION: Handshake = {
  description: 'unsigned POST `{"verification_token": ...}` before any key → 200; the first token is kept in a capture secret (later ones refused, 409) for the operator to put as the key',
  capture(body) {
    const parsed = smallJson(body, MARKER);
    if (!parsed) return undefined;
    // Parsed JSON keeps the last of two equal keys: a token named twice is ambiguous, so refused.
    const text = bodyText(body) as string;
    if (text.indexOf(MARKER) !== text.lastIndexOf(MARKER)) return undefined;
    const names = Object.keys(parsed);
    const token = parsed.verification_token;
    if (names.length !== 1 || typeof token !== 'string' || !TOKEN.test(token)) return undefined;
    return { answer: { body: '{}' }, captured: token };
  },
};

/**
 * Notion (integration webhooks): `X-Notion-Signature: sha256=<hex>`, HMAC-SHA256 over the raw body
 * under the subscription's verification token (its UTF-8 bytes, exactly as Notion sent it). No
 * timestamp is signed (the body's `timestamp` is not a documented replay control) and no metadata
 * header is sent: the dedupe record is the replay control, keyed on the body's SHA-256 (the body
 * carries the event `id` and `attempt_number`).
 *
 * Code rather than a catalogue row for one reason: the verification request carries no signature,
 * so the signature header cannot be a required header (API Gateway would refuse the handshake before
 * the verifier sees it). It is read as optional and its absence refused here, as `missing_header`.
 * https://developers.notion.com/reference/webhooks#step-3-validating-event-payloads-recommended
 */
export class NotionScheme extends HmacScheme {
  readonly requiredHeaders: readonly string[] = [];
  readonly optionalHeaders = ['x-notion-signature'];
  readonly signatureHeaders = ['x-notion-signature'];
  readonly contentTypes = ['application/json'];
  readonly bodyBinding = 'signed';
  readonly issuesKey = true;
  readonly handshake = NOTION_VERIFICATION;

  constructor() {
    super('sha256');
  }

  protected parse([signature]: readonly (string | undefined)[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    if (signature === undefined) return 'missing_header';
    if (!signature.startsWith(PREFIX) || !out.addSignature(signature.slice(PREFIX.length), 'hex')) return 'malformed_header';
    return undefined;
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    return { 'content-type': 'application/json', 'x-notion-signature': PREFIX + this.mac(secret, '', input.body, 'hex') };
  }

  describe(): SchemeDescription {
    return {
      signature: '`X-Notion-Signature`: `sha256=<sig>`, HMAC-SHA256 hex over body',
      replay: 'dedupe record only (nothing signed in time)',
      dedupe: 'SHA-256 of the body',
      metadata: [],
    };
  }
}
