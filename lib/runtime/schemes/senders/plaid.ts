import { createHash, KeyObject, timingSafeEqual } from 'node:crypto';
import { HeaderValue } from '../../headers';
import { KeyFetcher, keyReference, PublishedKey, PublishedKeySource, refusedReference } from '../../published-keys';
import { ActiveKey, PlaidSchemeConfig, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { accepted, readHeaders, rejected, SignedContent } from '../common';
import { checkTimeClaims, keyFromJwk, numericClaim, parseCompactJws, signJws, tokenSigningSecret, verifyJws } from '../jws';
import { Scheme, SchemeDescription, SignInput } from '../scheme';
import { parseObjectStrict } from '../strict-json';
import { bodyText } from '../body-text';

/*
 * Plaid webhooks.
 * https://plaid.com/docs/api/webhooks/webhook-verification/
 *
 * `Plaid-Verification` is an ES256 JWT whose payload carries `iat` and `request_body_sha256` (hex
 * SHA-256 of the raw body); its `kid` names a key fetched from Plaid's
 * `/webhook_verification_key/get` (production.plaid.com or sandbox.plaid.com), which takes the Plaid
 * API client id and secret: the client id is configuration, the secret is the source's secret (a
 * credential for the key endpoint, never a verification key, never in an error or a log). What is
 * decided here beyond Plaid's words:
 * - A key Plaid reports expired (`expired_at` set) is not used, as Plaid's own example does: the
 *   request it signed is refused. A `kid` Plaid does not know (400 `INVALID_WEBHOOK_VERIFICATION_KEY_ID`)
 *   is a forged or junk request, refused `signature_invalid` (4xx); any other failure of the endpoint
 *   (bad API keys, an outage, an unexpected key) is a fetch error (5xx: Plaid retries).
 * - `iat` must be within the tolerance either way (Plaid says 5 minutes old at most; a token from the
 *   future is refused too); `exp` and `nbf`, which Plaid does not send, are honoured when present.
 * - The body is bound by its hash, compared in constant time after the signature verified. What the
 *   body says (`webhook_type`.`webhook_code`, `item_id`) is therefore signed metadata, read from the
 *   verified bytes themselves; duplicates key on the body's hash.
 */

export const PLAID_TOLERANCE_SECONDS = 300;
const HOSTS = { production: 'https://production.plaid.com', sandbox: 'https://sandbox.plaid.com' } as const;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const PLAID_ERROR_CODE = /^[A-Z0-9_]{1,64}$/;
const METADATA_VALUE = /^[\x21-\x7e]{1,128}$/;

export class PlaidScheme implements Scheme {
  readonly requiredHeaders = ['plaid-verification'];
  readonly signatureHeaders = ['plaid-verification'];
  readonly contentTypes = ['application/json'];
  // Plaid's token carries the body's SHA-256, checked against every byte of it.
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds = PLAID_TOLERANCE_SECONDS;
  readonly signsUrl = false;
  readonly issuesKey = true;
  readonly published: PublishedKeySource;
  private readonly clientId: string;
  private readonly host: string;
  private readonly values: HeaderValue[] = [];
  private readonly signed = new SignedContent(0, 0);

  constructor(config: PlaidSchemeConfig) {
    const { clientId, environment = 'production' } = config as { clientId?: unknown; environment?: unknown };
    const problems: string[] = [];
    if (typeof clientId !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(clientId)) problems.push(`plaid clientId ${JSON.stringify(clientId)} is not a Plaid client id (letters and digits, as the Plaid dashboard's Keys page shows it)`);
    if (environment !== 'production' && environment !== 'sandbox') problems.push(`plaid environment ${JSON.stringify(environment)} must be 'production' or 'sandbox'`);
    if (problems.length > 0) throw new WebhookConfigurationError(problems.join('; '));
    this.clientId = clientId as string;
    this.host = HOSTS[environment as keyof typeof HOSTS];
    this.published = {
      needsCredential: true,
      reference: (request) => {
        const problem = readHeaders(request.headers, this.requiredHeaders, 1, this.values);
        if (problem) return refusedReference(problem);
        const jws = parseCompactJws(this.values[0] as string, 'ES256');
        return typeof jws === 'string' ? refusedReference(jws) : keyReference(jws.kid);
      },
      load: (kid, fetch, _nowMs, credential) => this.loadKey(kid, fetch, credential),
    };
  }

  /** The Plaid API secret (the key endpoint's credential): checked for form, kept as bytes. */
  decodeKey(secret: string): Buffer {
    if (typeof secret !== 'string' || !/^[A-Za-z0-9]{16,128}$/.test(secret)) throw new WebhookConfigurationError('the Plaid source\'s secret is the Plaid API secret (letters and digits, as the Keys page shows it)');
    return Buffer.from(secret, 'utf8');
  }

  generateKey(): string {
    throw new WebhookConfigurationError('Plaid issues its API secret: import it (put-key)');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const problem = readHeaders(request.headers, this.requiredHeaders, 1, this.values);
    if (problem) return rejected(problem);
    const jws = parseCompactJws(this.values[0] as string, 'ES256');
    if (typeof jws === 'string') return rejected(jws);
    const key = keys.find((k) => k.key instanceof KeyObject && k.notAfterMs > nowMs)?.key as KeyObject | undefined;
    if (!key) return rejected('no_active_key');
    if (!verifyJws(jws, key, 'ES256')) return rejected('signature_invalid');
    const claimed = jws.payload.request_body_sha256;
    const time = checkTimeClaims(jws.payload, nowMs / 1000, toleranceSeconds, ['iat']);
    if (time === 'malformed_header' || typeof claimed !== 'string' || !SHA256_HEX.test(claimed)) return rejected('malformed_header');
    const actual = createHash('sha256').update(request.body).digest();
    if (!timingSafeEqual(actual, Buffer.from(claimed, 'hex'))) return rejected('signature_invalid');
    if (time) return rejected(time);
    const signed = this.signed.reset();
    // accepted() refuses an iat older than the tolerance (checkTimeClaims only one from the future).
    signed.timestamp = numericClaim(jws.payload, 'iat');
    signed.bodyBinding = this.bodyBinding;
    // Signed metadata is read from the body only as its consumer reads it (a body that is not UTF-8,
    // which Plaid never sends, is refused rather than read with replacement characters).
    const text = bodyText(request.body);
    if (text === undefined) return rejected('malformed_body');
    signed.metadata = bodyMetadata(text);
    return accepted(signed, request.body, nowMs, toleranceSeconds, key);
  }

  /** The header Plaid would send. The secret is JSON: `{"privateKey": "<PKCS#8 PEM, EC P-256>", "kid": "..."}`. */
  sign(input: SignInput, secret: string): Record<string, string> {
    const { privateKey, kid } = tokenSigningSecret(secret, 'Plaid', 'ES256');
    const iat = Math.floor(input.timestamp ?? Date.now() / 1000);
    const token = signJws({ kid, typ: 'JWT' }, { iat, request_body_sha256: createHash('sha256').update(input.body).digest('hex') }, privateKey, 'ES256');
    return { 'content-type': 'application/json', 'plaid-verification': token };
  }

  describe(): SchemeDescription {
    return {
      signature: '`Plaid-Verification`: ES256 JWT carrying the body\'s SHA-256, its key fetched from Plaid by `kid` (with the Plaid API secret, cached)',
      replay: 'signed `iat`, 5 min; dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: ['signed.eventType', 'signed.itemId'],
    };
  }

  private async loadKey(kid: string, fetch: KeyFetcher, credential: string | undefined): Promise<ReadonlyMap<string, PublishedKey>> {
    if (!credential) throw new Error('the Plaid API secret is needed to fetch Plaid\'s key');
    const response = await fetch({
      url: `${this.host}/webhook_verification_key/get`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: this.clientId, secret: credential, key_id: kid }),
    });
    const doc = parseObjectStrict(response.body);
    // Plaid knows no such key: the request names a key Plaid never issued, refused like a bad signature.
    if (response.status === 400 && doc?.error_code === 'INVALID_WEBHOOK_VERIFICATION_KEY_ID') return new Map();
    if (response.status !== 200) {
      const code = typeof doc?.error_code === 'string' && PLAID_ERROR_CODE.test(doc.error_code) ? ` (${doc.error_code})` : '';
      throw new Error(`Plaid's key endpoint answered ${response.status}${code}`);
    }
    const jwk = doc?.key as { kid?: unknown; expired_at?: unknown } | undefined;
    if (!jwk || typeof jwk !== 'object') throw new Error('Plaid\'s key endpoint returned no key');
    if (jwk.kid !== kid) throw new Error('Plaid\'s key endpoint returned a key for another kid');
    const key = keyFromJwk(jwk, 'ES256');
    // A key Plaid has expired is not used: the request it signed is then refused.
    if (jwk.expired_at !== null && jwk.expired_at !== undefined) return new Map();
    return new Map([[kid, { key, notAfterMs: Number.POSITIVE_INFINITY }]]);
  }
}

/** `webhook_type`.`webhook_code` and `item_id` from the (hash-bound) body, where present. */
function bodyMetadata(text: string): Record<string, string> | undefined {
  const doc = parseObjectStrict(text);
  if (!doc) return undefined;
  const out: Record<string, string> = {};
  const { webhook_type: type, webhook_code: code, item_id: item } = doc;
  if (typeof type === 'string' && typeof code === 'string' && METADATA_VALUE.test(`${type}.${code}`)) out['signed.eventType'] = `${type}.${code}`;
  if (typeof item === 'string' && METADATA_VALUE.test(item)) out['signed.itemId'] = item;
  return Object.keys(out).length > 0 ? out : undefined;
}
