import { createHash, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  ActiveKey,
  FetchRequest,
  FetchResponse,
  KeyFetcher,
  KeyFetchError,
  PublishedKeyCache,
  SCHEME_TYPES,
  Scheme,
  SchemeConfig,
  schemeFor,
  VerifyResult,
  verifyWithKeys,
} from '../../../lib/runtime';
import type { LocalCa } from '../../runtime/senders/support/local-ca';
import { AppleAppStoreScheme } from '../../../lib/runtime/schemes/senders/apple-app-store';
import { createAppleCa } from '../../runtime/senders/support/apple-chain';
import { DAY, TEST_NOW, TEST_NOW_S } from '../clock';
import { exampleConfig } from '../example-configs';

/*
 * Genuinely signed deliveries for every scheme the runtime knows, derived from the scheme itself:
 * its `sign`/`signDelivery`, its `generateKey` or `generateKeyPair`, and, for senders that publish
 * their keys, a key served through an injected fetcher (a local CA's certificate, a JWK). A sender
 * added to the catalogue is covered by being in SCHEME_TYPES; only what cannot be derived from its
 * metadata is a row here: the configuration a configured type needs (CONFIGS), a body it must carry
 * (BODY_SHAPES), how it publishes its keys (PUBLISHERS).
 */

/** One request as the verifier is handed it. */
export interface Delivery {
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer;
  readonly url?: string;
  readonly method: string;
}

export interface Kit {
  /** Unique across kits: the type, and the variant where there are several. */
  readonly name: string;
  readonly type: string;
  readonly config: SchemeConfig;
  readonly scheme: Scheme;
  /** The media type of the deliveries this kit makes (one of the scheme's). */
  readonly mediaType: string;
  /** Payloads as the sender's user would hand them to the sender. */
  readonly payloads: fc.Arbitrary<string>;
  /** One payload with something to respell in it (a non-ASCII character, several parameters). */
  readonly example: string;
  /** A genuine delivery of `payload`, signed at TEST_NOW. */
  deliver(payload: string): Delivery;
  /** The verifier's verdict at TEST_NOW; a key that cannot be fetched counts as refused. */
  verify(delivery: Delivery): Promise<VerifyResult>;
  /** What the sender signs with (a secret, a private key, or the JSON a published-key sender's `sign` takes). */
  readonly signingSecret: string;
  /** What the source's secret holds, as the verifier handler reads it (none: a sender that publishes its keys and needs no credential). */
  readonly secretDocument?: string;
  /** The fetcher standing for a published-key sender's pinned hosts. */
  readonly fetch?: KeyFetcher;
}

/** The URL signing schemes sign (its query included: the signed URL is the configured one). */
export const PUBLIC_URL = 'https://hooks.example.com/prod/webhooks/src?tenant=acme&v=2';

// Configured types: their example configuration (../example-configs.ts), plus the variants a configuration switches between.
const VARIANTS: readonly { name: string; config: SchemeConfig }[] = [
  { name: 'hmac sha1 base64 prefixed', config: { type: 'hmac', algorithm: 'sha1', signatureHeader: 'X-Hub-Sig', prefix: 'sha1=', encoding: 'base64', signedContent: 'body', eventIdHeader: 'X-Delivery', eventTypeHeader: 'X-Event' } },
  { name: 'hmac sha512 timestamp-body', config: { type: 'hmac', algorithm: 'sha512', signatureHeader: 'X-Sig', encoding: 'hex', signedContent: 'timestamp-body', separator: ':', timestampHeader: 'X-Ts', contentTypes: ['application/json', 'application/x-www-form-urlencoded'] } },
  { name: 'hmac template url method body header', config: { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Sig', prefix: 'v1=', encoding: 'base64url', signedContent: 'template', template: '{method} {url}\n{header:X-Request-Id}:{body}:{{literal}}', eventIdHeader: 'X-Request-Id', eventTypeHeader: 'X-Event' } },
  { name: 'hmac template stripe-like list', config: { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-List-Sig', encoding: 'hex', signedContent: 'template', signatureKey: 'v1', timestampKey: 't', listSeparator: ';', template: '{timestamp}.{body}', toleranceSeconds: 600 } },
  { name: 'hmac template unix-ms body last', config: { type: 'hmac', algorithm: 'sha512', signatureHeader: 'X-Sig', encoding: 'base64', signedContent: 'template', template: '{timestamp}{method}{body}', timestampHeader: 'X-Ts', timestampFormat: 'unix-ms', contentTypes: ['application/json', 'application/x-www-form-urlencoded'] } },
  { name: 'hmac template iso8601 no body', config: { type: 'hmac', algorithm: 'sha1', signatureHeader: 'X-Sig', encoding: 'hex', signedContent: 'template', template: '{header:X-Delivery}|{timestamp}', timestampHeader: 'X-Ts', timestampFormat: 'iso8601', eventIdHeader: 'X-Delivery' } },
  { name: 'hmac timestamp-body iso8601 base64url', config: { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Sig', encoding: 'base64url', signedContent: 'timestamp-body', timestampHeader: 'X-Ts', timestampFormat: 'iso8601', toleranceSeconds: 120 } },
  { name: 'standard-webhooks svix', config: { type: 'standard-webhooks', headerPrefix: 'svix' } },
  { name: 'okta custom header', config: { type: 'okta', authorizationHeader: 'X-Okta-Hook-Auth' } },
  { name: 'strapi custom header', config: { type: 'strapi', authorizationHeader: 'X-Webhook-Token' } },
];

/** Every scheme type with the configuration it is tested under, and the configured variants. */
export function subjects(): { name: string; config: SchemeConfig }[] {
  return [...SCHEME_TYPES.map((type) => ({ name: type, config: exampleConfig(type) })), ...VARIANTS];
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** JSON payloads with what breaks naive decoders: non-ASCII text, escapes, nesting, numbers. */
const jsonPayloads: fc.Arbitrary<string> = fc
  .record({
    id: fc.stringMatching(/^evt_[a-z0-9]{6,12}$/),
    type: fc.constantFrom('order.created', 'ping', 'invoice.paid'),
    note: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('café ünïcode', 'a+b c&d=e', '日本語', '"quoted"\\', '')),
    data: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 8 })), { maxKeys: 3 }),
  })
  .map((doc) => JSON.stringify(doc));

/** Form payloads as senders write them (URLSearchParams: spaces as `+`, the rest percent-encoded). */
const formPayloads: fc.Arbitrary<string> = fc
  .uniqueArray(
    fc.tuple(fc.constantFrom('AccountSid', 'Body', 'From', 'To', 'SmsSid', 'NumMedia', 'api_app_id', 'payload'), fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom('café', '+15550001111', 'a b', 'x=y&z', 'SM0123456789'))),
    { minLength: 1, maxLength: 5, selector: ([name]) => name },
  )
  .map((pairs) => new URLSearchParams(pairs).toString());

const FORM_EXAMPLE = 'AccountSid=AC0123456789&Body=caf%C3%A9+au+lait&From=%2B15550001111';
const JSON_EXAMPLE = '{"id":"evt_0123456789","type":"order.created","note":"café au lait","data":{"n":1}}';

/**
 * Senders whose deliveries must carry something in the body the sender always sends: Linear's
 * signed timestamp (its replay control) lives in the body.
 */
const BODY_SHAPES: Record<string, (payload: string) => string> = {
  linear: (payload) => `{"data":${payload},"webhookTimestamp":${TEST_NOW}}`,
  // Mandrill posts one form field, `mandrill_events`, a JSON array of events.
  mandrill: (payload) => new URLSearchParams({ mandrill_events: JSON.stringify([Object.fromEntries(new URLSearchParams(payload))]) }).toString(),
};

/**
 * Senders whose signed URL depends on the body: Twilio signs a JSON body through `bodySHA256` in
 * the URL, a form body through its parameters.
 */
const twilioUrl = (mediaType: string, body: Buffer) => (mediaType === JSON_TYPE ? `${PUBLIC_URL}&bodySHA256=${createHash('sha256').update(body).digest('hex')}` : PUBLIC_URL);
const URL_SHAPES: Record<string, (mediaType: string, body: Buffer) => string> = { twilio: twilioUrl, 'twilio-sha256': twilioUrl };

/** How a published-key sender signs in tests and serves its key: a row per such sender. */
interface Publisher {
  /** The secret the scheme's `sign` takes. */
  readonly secret: string;
  /** The fetcher standing for the sender's pinned host. */
  readonly fetch: KeyFetcher;
  /** The source's credential for the key endpoint (Plaid's API secret). */
  readonly credential?: string;
}

function serving(answer: (request: FetchRequest) => FetchResponse | undefined): KeyFetcher {
  return async (request) => answer(request) ?? { status: 404, body: '' };
}

const PLAID_SECRET = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5';
const PUBLISHERS: Record<string, (ca: LocalCa) => Publisher> = {
  sns: (ca) => {
    const leaf = ca.issue({ cn: 'sns.amazonaws.com', dns: ['sns.amazonaws.com'], notBefore: new Date(TEST_NOW - DAY), notAfter: new Date(TEST_NOW + 30 * DAY) });
    const certUrl = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
    return { secret: JSON.stringify({ privateKey: leaf.privateKey, certUrl }), fetch: serving((r) => (r.url === certUrl ? { status: 200, body: leaf.certificate } : undefined)) };
  },
  paypal: (ca) => {
    const leaf = ca.issue({ cn: 'messageverificationcerts.paypal.com', dns: ['messageverificationcerts.paypal.com'], notBefore: new Date(TEST_NOW - DAY), notAfter: new Date(TEST_NOW + 30 * DAY) });
    const certUrl = 'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270';
    return { secret: JSON.stringify({ privateKey: leaf.privateKey, certUrl }), fetch: serving((r) => (r.url === certUrl ? { status: 200, body: leaf.certificate } : undefined)) };
  },
  plaid: () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = '6c5516e1-92dc-479e-a8ff-5a51992e0002';
    const jwk = { ...pair.publicKey.export({ format: 'jwk' }), alg: 'ES256', kid, use: 'sig', created_at: TEST_NOW_S - 86_400, expired_at: null };
    return {
      secret: JSON.stringify({ privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), kid }),
      credential: PLAID_SECRET,
      fetch: serving((r) => {
        if (r.url !== 'https://production.plaid.com/webhook_verification_key/get' || r.method !== 'POST') return undefined;
        const sent = JSON.parse(r.body ?? '{}') as { secret?: string; key_id?: string };
        return sent.secret === PLAID_SECRET && sent.key_id === kid ? { status: 200, body: JSON.stringify({ key: jwk, request_id: 'r1' }) } : { status: 400, body: '{"error_code":"INVALID_WEBHOOK_VERIFICATION_KEY_ID"}' };
      }),
    };
  },
  pubsub: () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = 'f5f6b0e7c1a2';
    const jwks = { keys: [{ ...pair.publicKey.export({ format: 'jwk' }), alg: 'RS256', kid, use: 'sig' }] };
    return {
      secret: JSON.stringify({ privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), kid }),
      fetch: serving((r) => (r.url === 'https://www.googleapis.com/oauth2/v3/certs' ? { status: 200, body: JSON.stringify(jwks) } : undefined)),
    };
  },
};

/**
 * Senders verified against a trust anchor the package pins (Apple's root): the scheme is built
 * with a local chain's root instead (a constructor argument no configuration reaches), and signs
 * with that chain's leaf. Such a scheme takes no keys.
 */
const ANCHORED: Record<string, (config: SchemeConfig) => { scheme: Scheme; secret: string }> = {
  'apple-app-store': (config) => {
    const apple = createAppleCa();
    try {
      return { scheme: new AppleAppStoreScheme(config as never, apple.root), secret: apple.secret(apple.issue()) };
    } finally {
      apple.dispose();
    }
  },
};

/** A request object for the verifier, the body as the bytes received. */
export function requestOf(delivery: Delivery) {
  return { headers: delivery.headers, body: delivery.body, url: delivery.url, method: delivery.method };
}

/**
 * Every kit: one per subject and media type it posts (JSON, form). `ca` signs the certificate
 * senders' certificates.
 */
export function kits(ca: LocalCa): Kit[] {
  const out: Kit[] = [];
  for (const { name, config } of subjects()) {
    const anchored = ANCHORED[config.type]?.(config);
    const scheme = anchored?.scheme ?? schemeFor(config);
    const type = config.type;
    const publisher = scheme.published ? PUBLISHERS[type]?.(ca) : undefined;
    if (scheme.published && !publisher) throw new Error(`${name} publishes its keys: add its row to PUBLISHERS`);
    // A scheme that takes no key (Salesforce signs nothing; Apple chains to its root) verifies with none.
    const keyless = anchored !== undefined || scheme.keyless !== undefined;
    const pair = publisher || keyless ? undefined : scheme.generateKeyPair?.();
    const secret = publisher?.secret ?? anchored?.secret ?? pair?.privateKey ?? (keyless ? '' : scheme.generateKey());
    const keys: ActiveKey[] | undefined = publisher ? undefined : keyless ? [] : [{ key: scheme.decodeKey(pair?.publicKey ?? secret), notAfterMs: Number.POSITIVE_INFINITY }];
    const tolerance = scheme.defaultToleranceSeconds ?? 0;
    const verify = async (delivery: Delivery): Promise<VerifyResult> => {
      const request = requestOf(delivery);
      if (!publisher) return verifyWithKeys(scheme, request, keys!, TEST_NOW);
      try {
        const cache = new PublishedKeyCache(scheme.published!, { fetch: publisher.fetch, now: () => TEST_NOW });
        const found = await cache.keysFor(request, publisher.credential);
        if (found.kind === 'rejected') return { ok: false, reason: found.reason };
        return scheme.verify(request, found.keys, TEST_NOW, tolerance);
      } catch (error) {
        if (error instanceof KeyFetchError) return { ok: false, reason: 'no_active_key' };
        throw error;
      }
    };
    const shape = BODY_SHAPES[type] ?? ((payload: string) => payload);
    const urlFor = URL_SHAPES[type] ?? (() => PUBLIC_URL);
    const media = scheme.contentTypes.filter((t) => t === JSON_TYPE || t === FORM);
    // A sender whose body is neither (SNS's text/plain envelope, built by its signDelivery) gets JSON payloads.
    for (const mediaType of media.length > 0 ? media : [scheme.contentTypes[0]]) {
      const deliver = (payload: string): Delivery => {
        const given = Buffer.from(shape(payload), 'utf8');
        const url = scheme.signsUrl ? urlFor(mediaType, given) : undefined;
        const input = { body: given, url, timestamp: TEST_NOW_S };
        const signed = scheme.signDelivery ? scheme.signDelivery(input, secret) : { headers: scheme.sign(input, secret), body: given };
        const headers: Record<string, string> = { ...signed.headers };
        // Posted as this kit's media type where the sender posts several (its `sign` writes its first one).
        const named = Object.keys(headers).find((h) => h.toLowerCase() === 'content-type') ?? 'content-type';
        if (headers[named] === undefined || (media.length > 1 && !headers[named].toLowerCase().startsWith(mediaType))) headers[named] = mediaType;
        return { headers, body: Buffer.from(signed.body), url, method: 'POST' };
      };
      const label = media.length > 1 ? `${name} (${mediaType === FORM ? 'form' : 'json'})` : name;
      const stored = publisher ? publisher.credential : keyless ? undefined : pair?.publicKey ?? secret;
      const secretDocument = stored === undefined ? undefined : JSON.stringify({ current: stored });
      out.push({ name: label, type, config, scheme, mediaType, payloads: mediaType === FORM ? formPayloads : jsonPayloads, example: mediaType === FORM ? FORM_EXAMPLE : JSON_EXAMPLE, deliver, verify, signingSecret: secret, secretDocument, fetch: publisher?.fetch });
    }
  }
  return out;
}

