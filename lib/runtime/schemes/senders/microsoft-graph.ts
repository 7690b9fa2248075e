import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ActiveKey, HeaderInput, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { accepted, rejected, SignedContent } from '../common';
import { bodyText } from '../body-text';
import { single } from '../handshakes';
import { Handshake, ImmediateAnswer, Scheme, SchemeDescription, SignInput } from '../scheme';
import { parseObjectStrict, spelledAsRead } from '../strict-json';

/*
 * Microsoft Graph change notifications through webhooks.
 * https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks
 * https://learn.microsoft.com/en-us/graph/api/resources/changenotificationcollection
 * https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events
 * Graph signs nothing. A subscription carries a `clientState` the app chooses ("should remain secret
 * and known only to your application and the Microsoft Graph service", at most 128 characters), and
 * every notification in the POSTed `{"value":[...]}` repeats it: that shared token is what is checked,
 * each item's SHA-256 against each active key's in constant time. One item without it or with another
 * refuses the whole request (a batch can mix subscriptions: give them all this source's clientState).
 * Lifecycle notifications (`lifecycleEvent`) carry the clientState too, and are checked alike.
 * Like every token, it binds no body (`unsigned`): whoever sees one notification can send anything,
 * so duplicates key on the body's SHA-256 and an IP allowlist (Graph's published ranges) is advised.
 * Rich notifications' `validationTokens` (JWTs Microsoft signs) are NOT verified here: the resource
 * data they vouch for is encrypted for the app, which decrypts and checks them itself.
 *
 * The subscription's validation: Graph POSTs to the URL with `?validationToken=<token>` (an empty
 * text/plain body) and wants the URL-decoded token back as text/plain with 200 within 10 seconds
 * (https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#notificationurl-validation).
 * Answered as an unsigned handshake, never queued, and only for a token of safe characters (Graph's
 * read `Validation: Testing client application reachability for subscription Request-Id: <guid>`,
 * sent with `+` for spaces): nothing that could make the echo markup.
 */

const MAX_CLIENT_STATE = 128;
// What the echo may hold, once `+` reads as a space (as Graph form-encodes the token).
const VALIDATION_TOKEN = /^[A-Za-z0-9 :._~/=-]{1,1024}$/;
const MAX_ITEMS = 1000;
const TOP_KEY = spelledAsRead(['value', 'validationTokens']);
const ITEM_KEY = spelledAsRead(['clientState']);

/** The validation POST's answer: the token, URL-decoded, as text/plain; undefined for anything else. */
function validation(body: string | Uint8Array, _headers: HeaderInput, query: Readonly<Record<string, readonly string[] | undefined>>): ImmediateAnswer | undefined {
  if (body.length !== 0) return undefined;
  const sent = single(query, 'validationToken');
  if (sent === undefined) return undefined;
  const token = sent.replace(/\+/g, ' ');
  return VALIDATION_TOKEN.test(token) ? { body: token, contentType: 'text/plain' } : undefined;
}

const HANDSHAKE: Handshake = {
  description: 'unsigned POST `?validationToken=<token>` (empty body) → the token as `text/plain`',
  unsigned: validation,
};

export class MicrosoftGraphScheme implements Scheme {
  readonly requiredHeaders: readonly string[] = [];
  readonly signatureHeaders: readonly string[] = [];
  readonly contentTypes = ['application/json'];
  readonly bodyBinding = 'unsigned';
  readonly signsUrl = false;
  readonly issuesKey = false;
  readonly handshake = HANDSHAKE;
  // The clientState, the source's secret, is a field of every notification: it is queued with it.
  readonly credentialInBody = true;
  private readonly signed = new SignedContent(0, 0);

  /** The clientState, as given when the subscription is created: 16 to 128 printable ASCII characters. */
  decodeKey(secret: string): Buffer {
    if (typeof secret !== 'string' || secret.length < 16 || secret.length > MAX_CLIENT_STATE || !/^[\x21-\x7e]+$/.test(secret)) {
      throw new WebhookConfigurationError(`a microsoft-graph clientState must be 16 to ${MAX_CLIENT_STATE} printable characters`);
    }
    return Buffer.from(secret, 'utf8');
  }

  /** 32 random bytes, base64url: 43 characters, within Graph's 128. */
  generateKey(): string {
    return randomBytes(32).toString('base64url');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const states = clientStates(request.body);
    if (typeof states === 'string') return rejected(states);
    const active = keys.filter((key) => key.notAfterMs > nowMs && Buffer.isBuffer(key.key)).map((key) => key.key as Buffer);
    if (active.length === 0) return rejected('no_active_key');
    const digests = active.map((key) => createHash('sha256').update(key).digest());
    let matchedKey: Buffer | undefined;
    for (const state of states) {
      const sent = createHash('sha256').update(state, 'utf8').digest();
      let matched = -1;
      // Every key compared, no early exit.
      for (let k = 0; k < digests.length; k++) if (timingSafeEqual(digests[k], sent) && matched < 0) matched = k;
      if (matched < 0) return rejected('signature_invalid');
      matchedKey ??= active[matched];
    }
    const signed = this.signed.reset();
    signed.bodyBinding = 'unsigned';
    return accepted(signed, request.body, nowMs, toleranceSeconds, matchedKey!);
  }

  /**
   * A change notification as Graph would post it, carrying `secret` as its clientState (tests and the
   * CLI). `input.body`, a JSON object, is the collection when it has a `value` list (each item is
   * given the clientState), else the `resourceData` of one `created` notification (anything else
   * its `id`).
   */
  signDelivery(input: SignInput, secret: string): { headers: Record<string, string>; body: string } {
    this.decodeKey(secret);
    const text = typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8');
    // A body that is not a JSON object travels as the resource's id.
    const given = parseObjectStrict(text) ?? { id: text };
    const collection = Array.isArray(given.value)
      ? { ...given, value: given.value.map((item: unknown) => ({ ...(item as object), clientState: secret })) }
      : {
          value: [
            {
              subscriptionId: input.id ?? randomUUID(),
              subscriptionExpirationDateTime: new Date(((input.timestamp ?? Date.now() / 1000) + 3 * 86400) * 1000).toISOString(),
              changeType: 'created',
              resource: 'Users/00000000-0000-0000-0000-000000000000/Messages/AAMk',
              clientState: secret,
              tenantId: '00000000-0000-0000-0000-000000000000',
              resourceData: given,
            },
          ],
        };
    return { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(collection) };
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    return this.signDelivery(input, secret).headers;
  }

  describe(): SchemeDescription {
    return {
      signature: 'in the JSON body: every notification\'s `clientState` (change and lifecycle), a shared token compared in constant time as SHA-256 digests; no signature (the body is not bound; rich notifications\' `validationTokens` are not verified); the `clientState` travels in every queued message',
      replay: 'dedupe record only (nothing signed in time)',
      dedupe: 'SHA-256 of the body (which a token does not bind)',
      metadata: [],
    };
  }
}

/** Every notification's clientState, read strictly from `{"value":[...]}`; or why the body is refused. */
function clientStates(body: string | Uint8Array): string[] | RejectionReason {
  const text = bodyText(body);
  const doc = text === undefined ? undefined : parseObjectStrict(text);
  if (!doc || !Object.keys(doc).every(TOP_KEY)) return 'malformed_body';
  const items = doc.value;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ITEMS) return 'malformed_body';
  const out: string[] = [];
  for (const item of items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item) || !Object.keys(item).every(ITEM_KEY)) return 'malformed_body';
    const state = (item as { clientState?: unknown }).clientState;
    if (state === undefined) return 'missing_header';
    if (typeof state !== 'string' || state.length === 0 || state.length > MAX_CLIENT_STATE) return 'malformed_header';
    out.push(state);
  }
  return out;
}
