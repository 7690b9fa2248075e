import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, Server } from 'node:https';
import fc from 'fast-check';
import { AddressInfo } from 'node:net';
import {
  ActiveKey,
  FetchRequest,
  FetchResponse,
  httpsFetcher,
  KeyFetcher,
  KeyFetchError,
  KeyReference,
  keyReference,
  PublishedKey,
  PublishedKeyCache,
  PublishedKeyCacheOptions,
  PublishedKeySource,
  refusedReference,
  REJECTION_REASONS,
  ResolvedKeys,
  Scheme,
  schemeFor,
  WebhookConfigurationError,
  WebhookRequest,
} from '../../lib/runtime';
import { DAY, MINUTE, SECOND, testClock, TEST_NOW } from '../support/clock';
import { createLocalCa, LocalCa } from './senders/support/local-ca';

// A sender whose requests name a key id in `x-kid`; its key document lists every key by id, as a JWKS
// does. The fetcher is the test's: it records each fetch and answers from `published`.
const publicKey = (): KeyObject => generateKeyPairSync('ed25519').publicKey;

function setup(options: Omit<PublishedKeyCacheOptions, 'fetch' | 'now'> = {}) {
  const clock = testClock();
  const published = new Map<string, KeyObject>([['a', publicKey()]]);
  const fetches: FetchRequest[] = [];
  let failing = false;
  const fetch: KeyFetcher = async (request) => {
    fetches.push(request);
    if (failing) throw new Error('ECONNRESET');
    return { status: 200, body: JSON.stringify([...published.keys()]) };
  };
  const source: PublishedKeySource = {
    needsCredential: false,
    reference(request: WebhookRequest): KeyReference {
      const kid = request.headers['x-kid'];
      if (kid === undefined) return refusedReference('missing_header');
      // Underscores allowed: a kid may be spelled like a rejection reason.
      return typeof kid === 'string' && /^[a-z_]{1,32}$/.test(kid) ? keyReference(kid) : refusedReference('malformed_header');
    },
    async load(_reference, fetcher, nowMs): Promise<ReadonlyMap<string, PublishedKey>> {
      const response = await fetcher({ url: 'https://keys.example.com/jwks' });
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      const ids = JSON.parse(response.body) as string[];
      return new Map(ids.map((id) => [id, { key: published.get(id)!, notAfterMs: nowMs + DAY }]));
    },
  };
  const cache = new PublishedKeyCache(source, { fetch, now: clock.now, ...options });
  const request = (kid?: string): WebhookRequest => ({ headers: kid === undefined ? {} : { 'x-kid': kid }, body: '{}' });
  const keyOf = async (kid: string) => {
    const resolved = await cache.keysFor(request(kid));
    return resolved.kind === 'keys' ? resolved.keys[0].key : resolved;
  };
  return {
    cache,
    published,
    fetches,
    request,
    keyOf,
    advance: clock.advance,
    fail: (value: boolean) => (failing = value),
  };
}

const INVALID = { kind: 'rejected', reason: 'signature_invalid' };

/** What a promise rejects with (a failure of the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<KeyFetchError> {
  try {
    await promise;
  } catch (error) {
    return error as KeyFetchError;
  }
  throw new Error('resolved');
}

describe('PublishedKeyCache', () => {
  test('fetches a key the first time a request names it, then serves it from memory until the TTL', async () => {
    const t = setup({ ttlMs: MINUTE });
    expect(await t.keyOf('a')).toBe(t.published.get('a'));
    await t.cache.keysFor(t.request('a'));
    expect(t.fetches).toHaveLength(1);
    t.advance(MINUTE);
    await t.cache.keysFor(t.request('a'));
    expect(t.fetches).toHaveLength(2);
  });

  test('a request naming no usable key is rejected before anything is fetched', async () => {
    const t = setup();
    expect(await t.cache.keysFor(t.request())).toEqual({ kind: 'rejected', reason: 'missing_header' });
    expect(await t.cache.keysFor(t.request('NOT A KID'))).toEqual({ kind: 'rejected', reason: 'malformed_header' });
    expect(t.fetches).toHaveLength(0);
  });

  test('a key id spelled like a rejection reason is a key id: fetched, and verifying when the sender publishes it', async () => {
    const t = setup();
    for (const reason of REJECTION_REASONS) {
      expect(await t.cache.keysFor(t.request(reason))).toEqual(INVALID);
      t.published.set(reason, publicKey());
      t.advance(MINUTE);
      expect(await t.keyOf(reason)).toBe(t.published.get(reason));
    }
  });

  test('an unknown key: one fetch, then refused without another fetch for it within the interval; another unknown key has its own', async () => {
    const t = setup({ missRefreshIntervalMs: MINUTE });
    expect(await t.cache.keysFor(t.request('zz'))).toEqual(INVALID);
    expect(await t.cache.keysFor(t.request('zz'))).toEqual(INVALID);
    expect(t.fetches).toHaveLength(1);
    // One miss does not hold back another reference (a genuine new key named just after junk).
    t.published.set('yy', publicKey());
    expect(await t.keyOf('yy')).toBe(t.published.get('yy'));
    expect(t.fetches).toHaveLength(2);
    // The sender publishes zz; after the interval the next request fetches again and finds it.
    t.published.set('zz', publicKey());
    t.advance(MINUTE);
    expect(await t.keyOf('zz')).toBe(t.published.get('zz'));
    expect(t.fetches).toHaveLength(3);
  });

  test('a key whose fetch failed is deferred (a KeyFetchError with Retry-After), never refused, until the interval has passed', async () => {
    const t = setup({ missRefreshIntervalMs: MINUTE });
    t.fail(true);
    const first = await rejection(t.cache.keysFor(t.request('b')));
    expect(first).toBeInstanceOf(KeyFetchError);
    expect(first).toMatchObject({ deferred: false, retryAfterSeconds: 60 });
    t.fail(false);
    t.published.set('b', publicKey());
    t.advance(59_500);
    expect(await rejection(t.cache.keysFor(t.request('b')))).toMatchObject({ deferred: true, retryAfterSeconds: 1 });
    expect(t.fetches).toHaveLength(1);
    t.advance(500);
    expect(await t.keyOf('b')).toBe(t.published.get('b'));
  });

  test('fetches for keys not held are capped per interval, all references together; past the cap they are deferred, and cached keys keep verifying', async () => {
    const t = setup({ missRefreshIntervalMs: MINUTE, maxMissFetches: 3 });
    expect(await t.keyOf('a')).toBe(t.published.get('a'));
    t.advance(10 * SECOND);
    expect(await t.cache.keysFor(t.request('x'))).toEqual(INVALID);
    expect(await t.cache.keysFor(t.request('y'))).toEqual(INVALID);
    const deferred = await rejection(t.cache.keysFor(t.request('z')));
    expect(deferred).toMatchObject({ name: 'KeyFetchError', deferred: true, retryAfterSeconds: 50 });
    expect(t.fetches).toHaveLength(3);
    expect(await t.keyOf('a')).toBe(t.published.get('a'));
    expect(t.fetches).toHaveLength(3);
    // The oldest fetch ages out of the window: one more may go.
    t.advance(50 * SECOND);
    expect(await t.cache.keysFor(t.request('z'))).toEqual(INVALID);
    expect(t.fetches).toHaveLength(4);
  });

  test('a sustained spray of junk keys fetches at most the budget per interval and never evicts a cached key', async () => {
    const t = setup({ missRefreshIntervalMs: MINUTE, maxMissFetches: 5, ttlMs: DAY });
    const genuine = await t.keyOf('a');
    let deferred = 0;
    for (let i = 0; i < 600; i++) {
      t.advance(SECOND);
      const kid = `junk_${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`;
      try {
        expect(await t.cache.keysFor(t.request(kid))).toEqual(INVALID);
      } catch (error) {
        expect(error).toMatchObject({ deferred: true });
        deferred++;
      }
      expect(await t.keyOf('a')).toBe(genuine);
    }
    // 600 s: ten intervals, at most 5 fetches each (the genuine key's first fetch among them).
    expect(t.fetches.length).toBeLessThanOrEqual(51);
    expect(deferred).toBeGreaterThan(500);
  });

  test('keys a fetch returned beside the one asked for are cached too (a key set)', async () => {
    const t = setup();
    t.published.set('b', publicKey());
    await t.cache.keysFor(t.request('a'));
    expect(await t.keyOf('b')).toBe(t.published.get('b'));
    expect(t.fetches).toHaveLength(1);
  });

  test('concurrent requests for one key share one fetch', async () => {
    const t = setup();
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => t.cache.keysFor(t.request('a'))));
    expect(all.every((resolved) => resolved.kind === 'keys')).toBe(true);
    expect(t.fetches).toHaveLength(1);
  });

  test('a failed first fetch is a KeyFetchError, never an accept', async () => {
    const t = setup();
    t.fail(true);
    await expect(t.cache.keysFor(t.request('a'))).rejects.toBeInstanceOf(KeyFetchError);
  });

  test('a failed refresh after the TTL keeps the fetched key until it is maxStale old, then fails', async () => {
    const t = setup({ ttlMs: MINUTE, maxStaleMs: 10 * MINUTE });
    await t.cache.keysFor(t.request('a'));
    t.fail(true);
    t.advance(2 * MINUTE);
    expect((await t.cache.keysFor(t.request('a'))).kind).toBe('keys');
    // Served stale without another attempt until the retry interval has passed.
    await t.cache.keysFor(t.request('a'));
    expect(t.fetches).toHaveLength(2);
    t.advance(10 * MINUTE);
    await expect(t.cache.keysFor(t.request('a'))).rejects.toBeInstanceOf(KeyFetchError);
    expect(t.fetches).toHaveLength(3);
    // Too stale to serve, and the host failed a moment ago: put off, without a fetch per request.
    t.advance(30 * SECOND);
    expect(await rejection(t.cache.keysFor(t.request('a')))).toMatchObject({ deferred: true, retryAfterSeconds: 30 });
    expect(t.fetches).toHaveLength(3);
  });

  test('options that are not numbers of their kind are refused, not read as NaN', () => {
    const source: PublishedKeySource = { needsCredential: false, reference: () => keyReference('k'), load: async () => new Map() };
    for (const options of [{ ttlMs: Number.NaN }, { missRefreshIntervalMs: -1 }, { maxMissFetches: 0 }, { maxMissFetches: 1.5 }, { maxStaleMs: Number.POSITIVE_INFINITY }]) {
      expect(() => new PublishedKeyCache(source, options)).toThrow(WebhookConfigurationError);
    }
  });
});

test('a key the sender stops publishing stops verifying at the next refresh', async () => {
  const clock = testClock();
  const key = generateKeyPairSync('ed25519').publicKey;
  let publishing = true;
  const source: PublishedKeySource = {
    needsCredential: false,
    reference: () => keyReference('k'),
    load: async (_ref, fetch) => {
      await fetch({ url: 'https://keys.example.com/' });
      return new Map(publishing ? [['k', { key, notAfterMs: Number.POSITIVE_INFINITY }]] : []);
    },
  };
  const cache = new PublishedKeyCache(source, { fetch: async () => ({ status: 200, body: '' }), ttlMs: 1000, now: clock.now });
  const request = { headers: {}, body: '' };
  expect((await cache.keysFor(request)).kind).toBe('keys');
  publishing = false;
  clock.advance(1000);
  expect(await cache.keysFor(request)).toEqual(INVALID);
});

describe('httpsFetcher', () => {
  test('refuses anything but https before connecting', async () => {
    await expect(httpsFetcher()({ url: 'http://sns.us-east-1.amazonaws.com/cert.pem' })).rejects.toBeInstanceOf(KeyFetchError);
  });

  test('refuses options that are not numbers of their kind', () => {
    expect(() => httpsFetcher({ maxBytes: Number.NaN })).toThrow(WebhookConfigurationError);
    expect(() => httpsFetcher({ timeoutMs: -1 })).toThrow(WebhookConfigurationError);
  });

  describe('against a local HTTPS server (certificate from the tests\' own authority)', () => {
    // TLS checks the server's certificate against the real clock, not the tests' one: the leaf is
    // valid from a year before TEST_NOW to nine years after, so this holds on any day the suite
    // could run (and under faketime +400d).
    let ca: LocalCa;
    let server: Server;
    let url: string;
    // Bytes the server managed to write for each path before the client went away.
    const written = new Map<string, number>();

    beforeAll(async () => {
      ca = createLocalCa();
      const leaf = ca.issue({ cn: 'localhost', dns: ['localhost'], notBefore: new Date(TEST_NOW - 365 * DAY), notAfter: new Date(TEST_NOW + 9 * 365 * DAY) });
      server = createServer({ key: leaf.privateKey, cert: leaf.certificate }, (request, response) => {
        const path = request.url ?? '/';
        if (path === '/small') {
          response.end('{"keys":[]}');
          return;
        }
        if (path === '/redirect') {
          response.writeHead(302, { location: 'https://elsewhere.example/' }).end();
          return;
        }
        // An endless body, chunked (no content-length to refuse it by), written as fast as the client reads.
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let sent = 0;
        written.set(path, 0);
        const pump = () => {
          while (!response.destroyed && sent < 256 * 1024 * 1024) {
            sent += chunk.length;
            written.set(path, sent);
            if (!response.write(chunk)) return;
          }
          response.end();
        };
        response.on('drain', pump);
        pump();
      });
      await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
      url = `https://localhost:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      ca.dispose();
    });

    test('reads a response within the limit', async () => {
      await expect(httpsFetcher({ ca: ca.certificate })({ url: `${url}/small` })).resolves.toEqual({ status: 200, body: '{"keys":[]}' });
    });

    test('a host whose certificate Node does not trust is refused', async () => {
      await expect(httpsFetcher()({ url: `${url}/small` })).rejects.toBeInstanceOf(KeyFetchError);
    });

    test('does not follow a redirect: the 3xx is the answer, and no scheme takes it', async () => {
      await expect(httpsFetcher({ ca: ca.certificate })({ url: `${url}/redirect` })).resolves.toMatchObject({ status: 302 });
    });

    test('stops reading an endless body at the limit: fails fast, and the server cannot send much past it', async () => {
      const started = process.hrtime.bigint();
      const error = await rejection(httpsFetcher({ ca: ca.certificate, maxBytes: 65536, timeoutMs: 10_000 })({ url: `${url}/endless` }));
      expect(error).toBeInstanceOf(KeyFetchError);
      expect(error.message).toMatch(/larger than 65536 bytes/);
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
      // Let the server notice the connection is gone, then count what it wrote: socket buffers, not
      // the body (reading to the end first, as before, took all of it; about 200 KiB get written now).
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(written.get('/endless')).toBeLessThan(4 * 1024 * 1024);
    });
  });
});

/*
 * #20 §5, for every published-key scheme: no request makes the cache fetch from a host outside the
 * sender's pinned set, or evict a key it holds. A genuinely signed delivery of each sender primes a
 * cache; then fast-check changes it (header values set to look-alike hosts and other hostile
 * strings, dropped, doubled or re-cased headers, body fields and bytes, a JWT's kid and key-pointing
 * header parameters) and sends each through the same cache. Every URL fetched must match the
 * sender's pinned form (written here independently of the scheme's own checks), and the genuine
 * delivery must still resolve to its key afterwards, from memory. The cache's fetch budget is raised
 * so that every new reference is really fetched. `FUZZ_RUNS` sets the runs per scheme.
 */
describe('property: no request fetches from an unpinned host or evicts a cached key (sns, paypal, plaid, pubsub)', () => {
  const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
  const SNS_CERT = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';
  const PAYPAL_CERT = 'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-df8cd2d5';
  const PLAID_KEYS = 'https://production.plaid.com/webhook_verification_key/get';
  const GOOGLE_KEYS = 'https://www.googleapis.com/oauth2/v3/certs';
  const KID = 'genuine-kid';

  interface KeyedSender {
    readonly scheme: Scheme;
    readonly genuine: WebhookRequest;
    readonly credential?: string;
    /** Every URL this sender's keys may be fetched from, as the sender documents it. */
    readonly pinned: RegExp;
    readonly serve: (request: FetchRequest) => FetchResponse;
    /** JSON body fields that name keys or shape the message (SNS). */
    readonly bodyFields: readonly string[];
    /** The header carrying a JWT whose header names the key (Plaid, Google). */
    readonly tokenHeader?: string;
    /** The token's prefix in that header (`Bearer `). */
    readonly tokenPrefix?: string;
    /** Where the delivery names its key: the mutation most likely to make the cache fetch. */
    readonly keyAt: { readonly body: string } | { readonly header: string } | 'kid';
  }

  let ca: LocalCa;
  const senders: Record<string, () => KeyedSender> = {};

  beforeAll(() => {
    ca = createLocalCa();
    const snsLeaf = ca.issue({ cn: 'sns.amazonaws.com', dns: ['sns.amazonaws.com'] });
    const paypalLeaf = ca.issue({ cn: 'messageverificationcerts.paypal.com', dns: ['messageverificationcerts.paypal.com'] });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
    const at = TEST_NOW / 1000;

    senders.sns = () => {
      const scheme = schemeFor({ type: 'sns', topicArns: ['arn:aws:sns:us-east-1:123456789012:orders'] });
      const delivery = scheme.signDelivery!({ body: '{"order":7}', id: '0f2b1f7e-5a4c-4d1e-9d5e-1c2b3a4d5e6f', timestamp: at }, JSON.stringify({ privateKey: snsLeaf.privateKey, certUrl: SNS_CERT }));
      return {
        scheme,
        genuine: { headers: delivery.headers, body: delivery.body },
        pinned: /^https:\/\/sns\.[a-z]{2}(-[a-z]+){1,2}-\d\.amazonaws\.com(\.cn)?\/SimpleNotificationService-[0-9a-f]+\.pem$/,
        serve: (request) => (request.url === SNS_CERT ? { status: 200, body: snsLeaf.certificate } : { status: 404, body: '' }),
        bodyFields: ['SigningCertURL', 'SignatureVersion', 'Signature', 'Type', 'TopicArn', 'MessageId', 'SubscribeURL', 'UnsubscribeURL'],
        keyAt: { body: 'SigningCertURL' },
      };
    };
    senders.paypal = () => {
      const scheme = schemeFor({ type: 'paypal', webhookId: 'WH8PJ2K9' });
      const body = '{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED"}';
      return {
        scheme,
        genuine: { headers: scheme.sign({ body, timestamp: at }, JSON.stringify({ privateKey: paypalLeaf.privateKey, certUrl: PAYPAL_CERT })), body },
        pinned: /^https:\/\/api(-m)?\.paypal\.com\/v1\/notifications\/certs\/CERT-[A-Za-z0-9-]+$/,
        serve: (request) => (request.url === PAYPAL_CERT ? { status: 200, body: paypalLeaf.certificate } : { status: 404, body: '' }),
        bodyFields: [],
        keyAt: { header: 'paypal-cert-url' },
      };
    };
    senders.plaid = () => {
      const scheme = schemeFor({ type: 'plaid', clientId: '5f1a2b3c4d5e6f7a8b9c0d1e' });
      const body = '{"webhook_type":"ITEM","webhook_code":"WEBHOOK_UPDATE_ACKNOWLEDGED","item_id":"i1"}';
      const jwk = ec.publicKey.export({ format: 'jwk' });
      return {
        scheme,
        genuine: { headers: scheme.sign({ body, timestamp: at }, JSON.stringify({ privateKey: pem(ec.privateKey), kid: KID })), body },
        credential: 'plaidsecret0123456789abcdef',
        pinned: /^https:\/\/production\.plaid\.com\/webhook_verification_key\/get$/,
        serve: (request) => {
          if (request.url !== PLAID_KEYS) return { status: 404, body: '' };
          const asked = (JSON.parse(request.body ?? '{}') as { key_id?: unknown }).key_id;
          if (asked !== KID) return { status: 400, body: JSON.stringify({ error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID' }) };
          return { status: 200, body: JSON.stringify({ key: { ...jwk, kid: KID, alg: 'ES256', use: 'sig', created_at: at - 86_400, expired_at: null } }) };
        },
        bodyFields: [],
        tokenHeader: 'plaid-verification',
        tokenPrefix: '',
        keyAt: 'kid',
      };
    };
    senders.pubsub = () => {
      const scheme = schemeFor({ type: 'pubsub', audience: 'https://example.com/push', serviceAccountEmail: 'push@project.iam.gserviceaccount.com' });
      const body = '{"message":{"messageId":"1","data":"e30="},"subscription":"projects/p/subscriptions/s"}';
      const jwk = rsa.publicKey.export({ format: 'jwk' });
      return {
        scheme,
        genuine: { headers: scheme.sign({ body, timestamp: at }, JSON.stringify({ privateKey: pem(rsa.privateKey), kid: KID })), body },
        pinned: /^https:\/\/www\.googleapis\.com\/oauth2\/v3\/certs$/,
        serve: (request) => (request.url === GOOGLE_KEYS ? { status: 200, body: JSON.stringify({ keys: [{ ...jwk, kid: KID, alg: 'RS256', use: 'sig' }] }) } : { status: 404, body: '' }),
        bodyFields: [],
        tokenHeader: 'authorization',
        tokenPrefix: 'Bearer ',
        keyAt: 'kid',
      };
    };
  });

  afterAll(() => ca.dispose());

  // Strings an attacker would put where a key is named: the pinned hosts' look-alikes, other schemes,
  // ports, credentials, queries, fragments, traversal, encodings, metadata endpoints, reason spellings.
  const LOOKALIKES = [
    'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-0123456789abcdef.pem',
    'https://sns.s3.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem',
    'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem',
    'https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-0123456789abcdef.pem',
    'https://evil.example@sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem',
    'https://sns.us-east-1.amazonaws.com@evil.example/SimpleNotificationService-0123456789abcdef.pem',
    'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem?x=https://evil.example/',
    'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem#https://evil.example/',
    'https://sns.us-east-1.amazonaws.com/../../evil.example/x.pem',
    'https://SNS.US-EAST-1.AMAZONAWS.COM/SimpleNotificationService-0123456789abcdef.pem',
    'https://sns.us-east-1.amazonaws.com%2eevil.example/SimpleNotificationService-0.pem',
    'https://sns.cn-north-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem',
    'https://sns.us-east-1.amazonaws.com.cn/SimpleNotificationService-0123456789abcdef.pem',
    'https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1',
    'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1',
    'https://api.paypal.com/v1/notifications/certs/CERT-1/../../../../evil',
    'https://api.paypal.com/v1/notifications/certs/CERT-1?redirect=https://evil.example/',
    'https://www.paypal.com/v1/notifications/certs/CERT-1',
    'https://www.googleapis.com.evil.example/oauth2/v3/certs',
    'https://production.plaid.com.evil.example/webhook_verification_key/get',
    'https://169.254.169.254/latest/meta-data/',
    'file:///etc/passwd',
    '//evil.example/x.pem',
    'https://evil.example/',
    ...REJECTION_REASONS,
  ];
  const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 64 });
  const hostile = fc.oneof(
    { arbitrary: fc.constantFrom(...LOOKALIKES), weight: 3 },
    // Pinned in form: may be fetched (and are not served: a failed fetch, never an eviction).
    { arbitrary: hex.map((h) => `https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-${h}.pem`), weight: 2 },
    { arbitrary: hex.map((h) => `https://api-m.paypal.com/v1/notifications/certs/CERT-${h}`), weight: 2 },
    fc.tuple(fc.constantFrom(SNS_CERT, PAYPAL_CERT, GOOGLE_KEYS, KID), fc.string({ maxLength: 12 })).map(([a, b]) => `${a}${b}`),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
  );

  type Mutation =
    | { kind: 'set-header'; name: number; value: string }
    | { kind: 'drop-header'; name: number }
    | { kind: 'double-header'; name: number; value: string }
    | { kind: 'recase-header'; name: number }
    | { kind: 'body-field'; field: number; value: string }
    | { kind: 'body-bytes'; prefix: string; suffix: string }
    | { kind: 'name-key'; value: string }
    | { kind: 'token-kid'; value: string }
    | { kind: 'token-param'; param: string; value: string };

  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('name-key' as const), value: hostile }), weight: 8 },
    fc.record({ kind: fc.constant('set-header' as const), name: fc.nat(), value: hostile }),
    fc.record({ kind: fc.constant('drop-header' as const), name: fc.nat() }),
    fc.record({ kind: fc.constant('double-header' as const), name: fc.nat(), value: hostile }),
    fc.record({ kind: fc.constant('recase-header' as const), name: fc.nat() }),
    fc.record({ kind: fc.constant('body-field' as const), field: fc.nat(), value: hostile }),
    fc.record({ kind: fc.constant('body-bytes' as const), prefix: fc.string({ maxLength: 4 }), suffix: fc.string({ maxLength: 4 }) }),
    fc.record({ kind: fc.constant('token-kid' as const), value: hostile }),
    fc.record({ kind: fc.constant('token-param' as const), param: fc.constantFrom('jku', 'x5u', 'jwk', 'x5c', 'kid'), value: hostile }),
  );

  function keysOf(resolved: ResolvedKeys): readonly ActiveKey[] {
    if (resolved.kind !== 'keys') throw new Error(`refused: ${resolved.reason}`);
    return resolved.keys;
  }

  function apply(sender: KeyedSender, request: WebhookRequest, m: Mutation): WebhookRequest {
    const headers = { ...(request.headers as Record<string, string | string[]>) };
    const names = Object.keys(headers);
    const body = typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
    const pick = (n: number) => names[n % names.length];
    if (names.length === 0 && m.kind.endsWith('-header')) return request;
    switch (m.kind) {
      case 'name-key': {
        const at = sender.keyAt;
        if (at === 'kid') return apply(sender, request, { kind: 'token-kid', value: m.value });
        if ('header' in at) return { ...request, headers: { ...headers, [at.header]: m.value } };
        return apply(sender, request, { kind: 'body-field', field: sender.bodyFields.indexOf(at.body), value: m.value });
      }
      case 'set-header':
        return { ...request, headers: { ...headers, [pick(m.name)]: m.value } };
      case 'drop-header': {
        const { [pick(m.name)]: _dropped, ...rest } = headers;
        return { ...request, headers: rest };
      }
      case 'double-header': {
        const name = pick(m.name);
        return { ...request, headers: { ...headers, [name]: [String(headers[name]), m.value] } };
      }
      case 'recase-header': {
        const name = pick(m.name);
        return { ...request, headers: { ...headers, [name.toUpperCase()]: headers[name] } };
      }
      case 'body-field': {
        let doc: Record<string, unknown>;
        try {
          doc = JSON.parse(body) as Record<string, unknown>;
        } catch {
          return request;
        }
        if (sender.bodyFields.length === 0 || doc === null || typeof doc !== 'object') return request;
        return { ...request, body: JSON.stringify({ ...doc, [sender.bodyFields[m.field % sender.bodyFields.length]]: m.value }) };
      }
      case 'body-bytes':
        return { ...request, body: `${m.prefix}${body}${m.suffix}` };
      case 'token-kid':
      case 'token-param': {
        if (!sender.tokenHeader) return request;
        const value = headers[sender.tokenHeader];
        if (typeof value !== 'string' || !value.startsWith(sender.tokenPrefix ?? '')) return request;
        const parts = value.slice((sender.tokenPrefix ?? '').length).split('.');
        if (parts.length !== 3) return request;
        let header: Record<string, unknown>;
        try {
          header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<string, unknown>;
        } catch {
          return request;
        }
        header[m.kind === 'token-kid' ? 'kid' : m.param] = m.value;
        parts[0] = Buffer.from(JSON.stringify(header)).toString('base64url');
        return { ...request, headers: { ...headers, [sender.tokenHeader]: `${sender.tokenPrefix ?? ''}${parts.join('.')}` } };
      }
    }
  }

  test.each(['sns', 'paypal', 'plaid', 'pubsub'])('%s', async (name) => {
    const sender = senders[name]();
    const fetched: string[] = [];
    const fetch: KeyFetcher = async (request) => {
      fetched.push(request.url);
      return sender.serve(request);
    };
    const cache = new PublishedKeyCache(sender.scheme.published!, { fetch, now: () => TEST_NOW, maxMissFetches: 1_000_000 });
    const primed = keysOf(await cache.keysFor(sender.genuine, sender.credential));
    const key = primed[0].key as KeyObject;
    // The genuine delivery verifies with that key: what is kept is the sender's key, not any key.
    expect(sender.scheme.verify(sender.genuine, primed, TEST_NOW, sender.scheme.defaultToleranceSeconds ?? 300).ok).toBe(true);

    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const request = mutations.reduce((r, m) => apply(sender, r, m), sender.genuine);
        try {
          await cache.keysFor(request, sender.credential);
        } catch (error) {
          // A fetch that failed or was put off: a 503, never anything else.
          expect(error).toBeInstanceOf(KeyFetchError);
        }
        const unpinned = fetched.filter((url) => !sender.pinned.test(url));
        expect(unpinned).toEqual([]);
        const before = fetched.length;
        expect((keysOf(await cache.keysFor(sender.genuine, sender.credential))[0].key as KeyObject).equals(key)).toBe(true);
        expect(fetched.length).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });
});
