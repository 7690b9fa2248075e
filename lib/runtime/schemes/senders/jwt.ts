import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { HeaderValue } from '../../headers';
import { ActiveKey, BodyBinding, HeaderInput, RejectionReason, VerifiedWebhook, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { bodyText } from '../body-text';
import { accepted, readHeaders, rejected, SignedContent } from '../common';
import { CHALLENGE, smallJson } from '../handshakes';
import { parseObjectStrict, spelledAsRead } from '../strict-json';
import { checkTimeClaims, hs256Key, numericClaim, parseHs256, signHs256, TimeClaim } from '../jws';
import { Handshake, ImmediateAnswer, Scheme, SchemeDescription, SignInput } from '../scheme';
import { CodeSender, SenderEntry } from '../sender';
import { DEFAULT_TOLERANCE_SECONDS } from '../tolerance';

/*
 * Senders that sign a JWT with HS256 under a secret they share with the endpoint, read by one engine
 * (the strict compact-JWS reader of ../jws.ts): `alg` exactly HS256 (so never `none`, never RS256
 * keyed with a secret), a JSON header and claim set each naming a key once, a 32-byte signature
 * compared in constant time under every active key. What differs per sender is data (`TokenSpec`):
 * where the token is, which claim carries the body's SHA-256, which claims must be present or must
 * say what, and what the time claims mean. Checks after the signature, as Plaid's: the claims (a
 * required one missing or ill-typed is malformed), then the body hash in constant time, then time.
 */

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const METADATA_VALUE = /^[\x21-\x7e]{1,128}$/;
const BEARER = 'bearer ';
/** Clock skew allowed on time claims that are not a replay window (monday's `exp`, any Netlify sends), unless a larger tolerance is configured. */
const CLAIM_SKEW_SECONDS = 60;

interface TokenSpec {
  readonly docs: string;
  readonly ipRanges?: string;
  readonly issuesKey: boolean;
  /** Lower-case header carrying the token. */
  readonly header: string;
  /** Whether the value is `Bearer <token>` (required), may be (optional), or is the bare token. */
  readonly bearer: 'required' | 'optional' | 'none';
  /** The claim holding the hex SHA-256 of the raw body; absent: the token binds no body. */
  readonly bodyHash?: string;
  /** String claims that must have exactly this value. */
  readonly fixed?: Readonly<Record<string, string>>;
  /** Time claims that must be present. */
  readonly required: readonly TimeClaim[];
  /** Whether `iat` is the signed timestamp, held to the tolerance either way (the replay window). */
  readonly iatWindow: boolean;
  readonly defaultToleranceSeconds?: number;
  /** Claims forwarded as `signed.<name>` when a string or integer of printable characters. */
  readonly metadata: readonly (readonly [claim: string, name: string])[];
  /** The claims the sender would sign for `input` at `iat`, the body's hash given. */
  readonly claims: (input: SignInput, iat: number, bodySha256: string) => Record<string, unknown>;
  readonly describe: SchemeDescription;
  readonly handshake?: Handshake;
}

/** For a JSON body that is exactly `{"challenge": "<token characters>"}`, the same JSON back; else undefined. */
function challengeAnswer(body: string | Uint8Array): ImmediateAnswer | undefined {
  const doc = smallJson(body, 'challenge');
  const challenge = doc?.challenge;
  return doc && Object.keys(doc).length === 1 && typeof challenge === 'string' && CHALLENGE.test(challenge) ? { body: JSON.stringify({ challenge }) } : undefined;
}

const spelledAsChallenge = spelledAsRead(['challenge']);

/**
 * For a sender whose token binds no body and who sends a challenge (monday.com): the body is taken
 * only when it reads one way to every consumer, the challenge exactly as answered or an event with
 * no challenge in it. A body that is not a strict JSON object (a BOM, bytes that are not UTF-8, a key
 * twice), or that names `challenge` in another spelling or in a form not answered, is refused: a
 * lenient consumer could read a queued event as a challenge, or the reverse.
 */
function challengeOrEvent(body: string | Uint8Array): RejectionReason | undefined {
  const text = bodyText(body);
  const doc = text === undefined ? undefined : parseObjectStrict(text);
  if (doc === undefined) return 'malformed_body';
  const keys = Object.keys(doc);
  // A key that holds the word beside something else (`challenge\uFFFD`, `challenge_`) is refused too:
  // a reader that drops what it cannot read, or trims, finds the challenge in it.
  if (!keys.every(spelledAsChallenge) || keys.some((key) => key !== 'challenge' && /challenge/i.test(key.normalize('NFKC')))) return 'malformed_body';
  return Object.prototype.hasOwnProperty.call(doc, 'challenge') && !challengeAnswer(body) ? 'malformed_body' : undefined;
}

/**
 * monday.com's URL verification: when a webhook is created, monday POSTs `{"challenge": "<token>"}`
 * and expects the same JSON back. Answered when the POST verifies (an app's webhook, signed like
 * its deliveries) and also when it carries no `Authorization` at all: monday's pages do not say the
 * challenge is signed, and a board webhook created with the API is not. Unsigned, it is answered only
 * in exactly that shape (one key, named once, a string of token characters) and echoes only what was
 * sent: nothing is queued, stored or revealed, and every later delivery must still verify, so a
 * webhook someone else points here gains nothing.
 * https://developer.monday.com/api-reference/docs/webhooks#url-verification
 */
export const MONDAY_CHALLENGE: Handshake = {
  description: 'POST `{"challenge": ...}` (signed, or with no `Authorization`) → the same JSON back',
  unsigned: challengeAnswer,
};

/** One HS256-token sender, as its `TokenSpec` says. */
export class HsTokenScheme implements Scheme {
  readonly requiredHeaders: readonly string[];
  readonly signatureHeaders: readonly string[];
  readonly contentTypes = ['application/json'];
  readonly bodyBinding: BodyBinding;
  readonly defaultToleranceSeconds?: number;
  readonly signsUrl = false;
  readonly issuesKey: boolean;
  readonly handshake?: Handshake;
  /** Only for a sender with a handshake: a verified challenge is answered, never queued. */
  readonly immediateResponse?: (body: string | Uint8Array, verified?: VerifiedWebhook, headers?: HeaderInput) => ImmediateAnswer | undefined;
  private readonly values: HeaderValue[] = [];
  private readonly signed = new SignedContent(0, 0);

  constructor(private readonly spec: TokenSpec) {
    this.requiredHeaders = [spec.header];
    this.signatureHeaders = [spec.header];
    this.bodyBinding = spec.bodyHash ? 'signed' : 'unsigned';
    this.defaultToleranceSeconds = spec.defaultToleranceSeconds;
    this.issuesKey = spec.issuesKey;
    this.handshake = spec.handshake;
    if (spec.handshake) this.immediateResponse = (body, verified) => (verified?.ok ? challengeAnswer(body) : undefined);
  }

  /** The shared secret as the sender shows it: its UTF-8 bytes. */
  decodeKey(secret: string): Buffer {
    if (typeof secret !== 'string' || secret.length < 16) throw new WebhookConfigurationError('an HS256 signing secret must be a string of at least 16 characters');
    return Buffer.from(secret, 'utf8');
  }

  generateKey(): string {
    return randomBytes(32).toString('hex');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const { spec } = this;
    const problem = readHeaders(request.headers, this.requiredHeaders, 1, this.values);
    if (problem) return rejected(problem);
    let token = this.values[0] as string;
    // The auth scheme's name is case-insensitive (RFC 9110 11.1).
    const bearer = token.slice(0, BEARER.length).toLowerCase() === BEARER;
    if (spec.bearer === 'required' && !bearer) return rejected('malformed_header');
    if (bearer && spec.bearer !== 'none') token = token.slice(BEARER.length);
    const jws = parseHs256(token);
    if (typeof jws === 'string') return rejected(jws);
    if (keys.length === 0) return rejected('no_active_key');
    const key = hs256Key(jws, keys, nowMs);
    if (!key) return rejected('signature_invalid');
    const { payload } = jws;
    // Where iat is not the replay window, the tolerance is only clock skew on the time claims: at least a minute.
    const skew = spec.iatWindow ? toleranceSeconds : Math.max(toleranceSeconds, CLAIM_SKEW_SECONDS);
    const time = checkTimeClaims(payload, nowMs / 1000, skew, spec.required);
    if (time === 'malformed_header') return rejected(time);
    for (const [name, value] of Object.entries(spec.fixed ?? {})) if (payload[name] !== value) return rejected('malformed_header');
    const signed = this.signed.reset();
    signed.bodyBinding = this.bodyBinding;
    if (spec.bodyHash) {
      const claimed = payload[spec.bodyHash];
      if (typeof claimed !== 'string' || !SHA256_HEX.test(claimed)) return rejected('malformed_header');
      if (!timingSafeEqual(createHash('sha256').update(request.body).digest(), Buffer.from(claimed, 'hex'))) return rejected('signature_invalid');
    }
    if (time) return rejected(time);
    // accepted() holds a signed iat to the tolerance either way; checkTimeClaims refused exp and nbf.
    if (spec.iatWindow) signed.timestamp = numericClaim(payload, 'iat');
    signed.metadata = claimMetadata(payload, spec.metadata);
    if (spec.handshake) {
      const ambiguous = challengeOrEvent(request.body);
      if (ambiguous) return rejected(ambiguous);
    }
    return accepted(signed, request.body, nowMs, toleranceSeconds, key);
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    const { spec } = this;
    const iat = Math.floor(input.timestamp ?? Date.now() / 1000);
    const token = signHs256(spec.claims(input, iat, createHash('sha256').update(input.body).digest('hex')), this.decodeKey(secret));
    return { 'content-type': 'application/json', [spec.header]: spec.bearer === 'required' ? `Bearer ${token}` : token };
  }

  describe(): SchemeDescription {
    return this.spec.describe;
  }
}

/** The listed claims that are printable strings or safe integers, as `signed.<name>`; undefined when none. */
function claimMetadata(payload: Record<string, unknown>, names: TokenSpec['metadata']): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [claim, name] of names) {
    const value = payload[claim];
    const text = typeof value === 'string' ? value : Number.isSafeInteger(value) ? String(value) : undefined;
    if (text !== undefined && METADATA_VALUE.test(text)) (out ??= {})[`signed.${name}`] = text;
  }
  return out;
}

function tokenSender(spec: TokenSpec): CodeSender {
  return { docs: spec.docs, ipRanges: spec.ipRanges, issuesKey: spec.issuesKey, create: () => new HsTokenScheme(spec) };
}

export const JWT = {
  /**
   * Vonage signed webhooks (Messages, Dispatch, Voice; on by default): `Authorization: Bearer <JWT>`,
   * HS256 under the account's signature secret (its text), claims `iat`, `jti`, `iss` (`Vonage`),
   * `payload_hash` (hex SHA-256 of the request payload), `api_key` and, for an application,
   * `application_id`. Vonage calls the hash check optional over HTTPS; here it is required, so the
   * token binds every byte of the body (Vonage posts the payload as compact JSON: its hash is the raw
   * body's). Vonage documents no window and no `exp`: `iat` is held to the library's 5 minutes either
   * way (its developer blog advises refusing stale tokens); `exp` and `nbf` are honoured if present.
   * `iss` is not checked: only Vonage and the account hold the secret. `api_key` and `application_id`
   * travel as signed metadata. Duplicates key on the body's hash (`jti` names one token, and a retry
   * may be signed anew).
   * https://developer.vonage.com/en/getting-started/concepts/webhooks#decoding-signed-webhooks
   */
  vonage: tokenSender({
    docs: 'https://developer.vonage.com/en/getting-started/concepts/webhooks#decoding-signed-webhooks',
    ipRanges: 'https://developer.vonage.com/en/getting-started/concepts/webhooks#configuring-your-firewall',
    issuesKey: true,
    header: 'authorization',
    bearer: 'required',
    bodyHash: 'payload_hash',
    required: ['iat'],
    iatWindow: true,
    defaultToleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
    metadata: [['api_key', 'apiKey'], ['application_id', 'applicationId']],
    claims: (_input, iat, hash) => ({ iat, jti: randomUUID(), iss: 'Vonage', payload_hash: hash, api_key: 'a1b2c3d', application_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab' }),
    describe: {
      signature: '`Authorization: Bearer` JWT, HS256 under the signature secret, carrying the body\'s SHA-256 (`payload_hash`)',
      replay: 'signed `iat`, 5 min; dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: ['signed.apiKey', 'signed.applicationId'],
    },
  }),
  /**
   * Netlify outgoing webhooks (deploy notifications) with a JWS secret token: `X-Webhook-Signature`
   * is a JWS, HS256 under that secret (its text, typed in by the user: we generate it), whose claims
   * are `iss` (always `netlify`, required here) and `sha256`, the hex SHA-256 of the payload (the raw
   * body). Netlify signs no time: duplicates key on the body's hash (which carries the deploy's id,
   * state and `updated_at`) and the dedupe record is the only replay control. Time claims Netlify
   * does not document are honoured if they appear, with a minute of clock skew. Netlify publishes no
   * IP ranges for its webhooks.
   * https://docs.netlify.com/site-deploys/notifications/#payload-signature
   */
  netlify: tokenSender({
    docs: 'https://docs.netlify.com/site-deploys/notifications/#payload-signature',
    issuesKey: false,
    header: 'x-webhook-signature',
    bearer: 'none',
    bodyHash: 'sha256',
    fixed: { iss: 'netlify' },
    required: [],
    iatWindow: false,
    metadata: [],
    claims: (_input, _iat, hash) => ({ iss: 'netlify', sha256: hash }),
    describe: {
      signature: '`X-Webhook-Signature`: JWS, HS256 under the JWS secret token, `iss` netlify, carrying the body\'s SHA-256 (`sha256`)',
      replay: 'dedupe record only (nothing signed in time)',
      dedupe: 'SHA-256 of the body',
      metadata: [],
    },
  }),
  /**
   * monday.com app webhooks (board webhooks an app creates, integration requests): `Authorization`
   * holds the bare JWT (monday's samples verify the header as it is; a `Bearer ` prefix is also
   * read), HS256 under the app's Signing Secret (app lifecycle webhooks use the Client Secret: give
   * that one as the key for them). Claims: `accountId`, `userId`, `aud` (the endpoint), `iat`, `exp`
   * (required: monday says to verify it) and `shortLivedToken`, an API credential never forwarded.
   * The token binds no body: within its life (`exp`, 5 minutes in monday's example) anyone holding it
   * can send another body, so the body binding is `unsigned`, duplicates key on the body's hash, and
   * the tolerance is only the clock skew allowed on `iat`/`exp` (1 minute, or more if configured). `aud` is not compared
   * (the endpoint's public URL is not configured here). `accountId` and `userId` travel as signed
   * metadata. The URL-verification challenge is answered (MONDAY_CHALLENGE). Webhooks created with a
   * personal API token carry no JWT and are refused. monday publishes no IP ranges for webhooks.
   * https://developer.monday.com/apps/docs/authorization-header
   */
  monday: tokenSender({
    docs: 'https://developer.monday.com/apps/docs/authorization-header',
    issuesKey: true,
    header: 'authorization',
    bearer: 'optional',
    required: ['exp'],
    iatWindow: false,
    metadata: [['accountId', 'accountId'], ['userId', 'userId']],
    claims: (input, iat) => ({ accountId: 1825528, userId: 4012689, aud: input.url ?? 'https://www.yourserver.com/endpoint', exp: iat + 300, iat }),
    describe: {
      signature: '`Authorization`: JWT, HS256 under the app\'s Signing Secret; binds no body',
      replay: 'token life (`exp`, 1 min skew); dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: ['signed.accountId', 'signed.userId'],
    },
    handshake: MONDAY_CHALLENGE,
  }),
} satisfies Record<string, SenderEntry>;
