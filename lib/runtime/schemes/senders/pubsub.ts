import { KeyObject } from 'node:crypto';
import { HeaderValue } from '../../headers';
import { KeyFetcher, keyReference, PublishedKey, PublishedKeySource, refusedReference } from '../../published-keys';
import { ActiveKey, PubSubSchemeConfig, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { accepted, readHeaders, rejected, SignedContent } from '../common';
import { checkTimeClaims, CompactJws, keyFromJwk, parseCompactJws, signJws, tokenSigningSecret, verifyJws } from '../jws';
import { Scheme, SchemeDescription, SignInput } from '../scheme';
import { parseObjectStrict } from '../strict-json';
import { bodyText } from '../body-text';

/*
 * Google Cloud Pub/Sub push subscriptions with authentication.
 * https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions
 *
 * `Authorization: Bearer <OIDC token>`: an RS256 JWT signed by Google (keys at
 * https://www.googleapis.com/oauth2/v3/certs, fetched as a whole and cached by `kid`), with `iss`
 * accounts.google.com (with or without https://), `aud` the subscription's audience, `email` the push
 * service account and `email_verified` true. A genuine Google token for another audience or account
 * is `not_allowed`.
 *
 * The token binds no body: it proves Google pushed to this endpoint for this subscription within the
 * token's life (an hour), not what it pushed, so a captured request can be resent with another body
 * until the token expires (the same weakness as a shared token, like GitLab's or Okta's; TLS keeps it
 * from being captured in transit). Duplicates key on the body's hash, so the dedupe window must
 * outlive the token for a resent identical body to be caught; the message id travels as unsigned
 * metadata. The tolerance is the clock skew allowed on `iat`, `nbf` and `exp`, not the token's life.
 */

const JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
const ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];
// A service account's address: <name>@<project>.iam.gserviceaccount.com, <project>@appspot.gserviceaccount.com, ...
const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,63}$/;
const METADATA_VALUE = /^[\x21-\x7e]{1,256}$/;

export class PubSubScheme implements Scheme {
  readonly requiredHeaders = ['authorization'];
  readonly signatureHeaders = ['authorization'];
  readonly contentTypes = ['application/json'];
  // Google's token says who pushed, not what: nothing binds the body.
  readonly bodyBinding = 'unsigned';
  readonly defaultToleranceSeconds = 300;
  readonly signsUrl = false;
  readonly issuesKey = true;
  readonly published: PublishedKeySource;
  private readonly audience: string;
  private readonly email: string;
  private readonly values: HeaderValue[] = [];
  private readonly signed = new SignedContent(0, 0);

  constructor(config: PubSubSchemeConfig) {
    const { audience, serviceAccountEmail } = config as { audience?: unknown; serviceAccountEmail?: unknown };
    const problems: string[] = [];
    if (typeof audience !== 'string' || audience.length === 0 || audience.length > 2048) problems.push(`pubsub audience ${JSON.stringify(audience)} must be the push subscription's audience (by default its push endpoint URL)`);
    if (typeof serviceAccountEmail !== 'string' || !EMAIL.test(serviceAccountEmail)) problems.push(`pubsub serviceAccountEmail ${JSON.stringify(serviceAccountEmail)} is not an email address (the push subscription's service account)`);
    if (problems.length > 0) throw new WebhookConfigurationError(problems.join('; '));
    this.audience = audience as string;
    this.email = serviceAccountEmail as string;
    this.published = {
      needsCredential: false,
      reference: (request) => {
        const jws = this.token(request);
        return typeof jws === 'string' ? refusedReference(jws) : keyReference(jws.kid);
      },
      load: (_kid, fetch) => loadGoogleKeys(fetch),
    };
  }

  decodeKey(): Buffer {
    throw new WebhookConfigurationError('pubsub has no key of yours: Google\'s keys are fetched (KeySource.PUBLISHED)');
  }

  generateKey(): string {
    throw new WebhookConfigurationError('pubsub has no key of yours: Google\'s keys are fetched (KeySource.PUBLISHED)');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const jws = this.token(request);
    if (typeof jws === 'string') return rejected(jws);
    const key = keys.find((k) => k.key instanceof KeyObject && k.notAfterMs > nowMs)?.key as KeyObject | undefined;
    if (!key) return rejected('no_active_key');
    if (!verifyJws(jws, key, 'RS256')) return rejected('signature_invalid');
    const time = checkTimeClaims(jws.payload, nowMs / 1000, toleranceSeconds, ['iat', 'exp']);
    if (time) return rejected(time);
    const { iss, aud, email, email_verified: verified } = jws.payload;
    if (typeof iss !== 'string' || !ISSUERS.includes(iss) || aud !== this.audience || email !== this.email || verified !== true) return rejected('not_allowed');
    const signed = this.signed.reset();
    // Google pushes UTF-8 JSON: a body with no exact reading is refused, not read one way here.
    const text = bodyText(request.body);
    if (text === undefined) return rejected('malformed_body');
    const { messageId, subscription } = pushIds(text);
    signed.unsignedEventId = messageId;
    signed.bodyBinding = this.bodyBinding;
    if (subscription) signed.metadata = { 'unsigned.subscription': subscription };
    return accepted(signed, request.body, nowMs, toleranceSeconds, key);
  }

  /** The header Google would send. The secret is JSON: `{"privateKey": "<PKCS#8 PEM, RSA>", "kid": "..."}`. */
  sign(input: SignInput, secret: string): Record<string, string> {
    const { privateKey, kid } = tokenSigningSecret(secret, 'Google', 'RS256');
    const iat = Math.floor(input.timestamp ?? Date.now() / 1000);
    const payload = { iss: 'https://accounts.google.com', aud: this.audience, email: this.email, email_verified: true, sub: '100000000000000000000', iat, exp: iat + 3600 };
    return { 'content-type': 'application/json', authorization: `Bearer ${signJws({ kid, typ: 'JWT' }, payload, privateKey, 'RS256')}` };
  }

  describe(): SchemeDescription {
    return {
      signature: '`Authorization: Bearer` OIDC token, RS256 by Google (keys fetched by `kid`, cached), with the configured audience and service account; binds no body',
      replay: 'token life (`iat`/`exp`, 5 min skew); dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: ['unsigned.eventId', 'unsigned.subscription'],
    };
  }

  private token(request: WebhookRequest): CompactJws | 'missing_header' | 'duplicate_header' | 'malformed_header' {
    const problem = readHeaders(request.headers, this.requiredHeaders, 1, this.values);
    if (problem) return problem as 'missing_header' | 'duplicate_header';
    const value = this.values[0] as string;
    // The auth scheme's name is case-insensitive (RFC 9110 11.1); Google sends `Bearer`.
    if (value.slice(0, 7).toLowerCase() !== 'bearer ') return 'malformed_header';
    const jws = parseCompactJws(value.slice(7), 'RS256');
    return typeof jws === 'string' ? 'malformed_header' : jws;
  }
}

/**
 * Google's published OIDC signing keys, every RS256 one by kid. A key of another kind or use is
 * skipped (it verifies nothing here); a set with no usable key, or one kid twice, is an error.
 */
async function loadGoogleKeys(fetch: KeyFetcher): Promise<ReadonlyMap<string, PublishedKey>> {
  const response = await fetch({ url: JWKS_URL });
  if (response.status !== 200) throw new Error(`Google's key set answered ${response.status}`);
  const doc = parseObjectStrict(response.body);
  if (!doc || !Array.isArray(doc.keys)) throw new Error('Google\'s key set is not a JWKS');
  const keys = new Map<string, PublishedKey>();
  const seen = new Set<string>();
  for (const jwk of doc.keys as unknown[]) {
    const kid = (jwk as { kid?: unknown } | null)?.kid;
    if (typeof kid !== 'string' || kid.length === 0) continue;
    if (seen.has(kid)) throw new Error('Google\'s key set names one kid twice');
    seen.add(kid);
    let key: KeyObject;
    try {
      key = keyFromJwk(jwk, 'RS256');
    } catch {
      continue;
    }
    keys.set(kid, { key, notAfterMs: Number.POSITIVE_INFINITY });
  }
  if (keys.size === 0) throw new Error('Google\'s key set holds no RS256 signing key');
  return keys;
}

/** The push's `message.messageId` (or `message_id`) and `subscription`, where the body carries them. */
function pushIds(text: string): { messageId?: string; subscription?: string } {
  const doc = parseObjectStrict(text);
  const message = doc?.message as { messageId?: unknown; message_id?: unknown } | undefined;
  const ok = (v: unknown) => (typeof v === 'string' && METADATA_VALUE.test(v) ? v : undefined);
  return { messageId: ok(message?.messageId ?? message?.message_id), subscription: ok(doc?.subscription) };
}
