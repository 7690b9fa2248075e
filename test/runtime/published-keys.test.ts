import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { FetchRequest, KeyFetcher, KeyFetchError, PublishedKey, PublishedKeyCache, PublishedKeySource, RejectionReason, WebhookRequest } from '../../lib/runtime';

// A sender whose requests name a key id in `x-kid`; its key document lists every key by id, as a JWKS
// does. The fetcher is the test's: it records each fetch and answers from `published`.
const publicKey = (): KeyObject => generateKeyPairSync('ed25519').publicKey;

function setup(options: { ttlMs?: number; missRefreshIntervalMs?: number; maxStaleMs?: number } = {}) {
  let clock = 1_000_000;
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
    reference(request: WebhookRequest): string | RejectionReason {
      const kid = request.headers['x-kid'];
      if (kid === undefined) return 'missing_header';
      return typeof kid === 'string' && /^[a-z]{1,8}$/.test(kid) ? kid : 'malformed_header';
    },
    async load(_reference, fetcher, nowMs): Promise<ReadonlyMap<string, PublishedKey>> {
      const response = await fetcher({ url: 'https://keys.example.com/jwks' });
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      const ids = JSON.parse(response.body) as string[];
      return new Map(ids.map((id) => [id, { key: published.get(id)!, notAfterMs: nowMs + 86_400_000 }]));
    },
  };
  const cache = new PublishedKeyCache(source, { fetch, now: () => clock, ...options });
  const request = (kid?: string): WebhookRequest => ({ headers: kid === undefined ? {} : { 'x-kid': kid }, body: '{}' });
  return {
    cache,
    published,
    fetches,
    request,
    advance: (ms: number) => (clock += ms),
    fail: (value: boolean) => (failing = value),
  };
}

describe('PublishedKeyCache', () => {
  test('fetches a key the first time a request names it, then serves it from memory until the TTL', async () => {
    const t = setup({ ttlMs: 60_000 });
    const keys = await t.cache.keysFor(t.request('a'));
    expect(Array.isArray(keys) && keys[0].key).toBe(t.published.get('a'));
    await t.cache.keysFor(t.request('a'));
    expect(t.fetches).toHaveLength(1);
    t.advance(60_000);
    await t.cache.keysFor(t.request('a'));
    expect(t.fetches).toHaveLength(2);
  });

  test('a request naming no usable key is rejected before anything is fetched', async () => {
    const t = setup();
    expect(await t.cache.keysFor(t.request())).toBe('missing_header');
    expect(await t.cache.keysFor(t.request('NOT A KID'))).toBe('malformed_header');
    expect(t.fetches).toHaveLength(0);
  });

  test('an unknown key: one fetch, then rejected without another fetch within the interval', async () => {
    const t = setup({ missRefreshIntervalMs: 60_000 });
    expect(await t.cache.keysFor(t.request('zz'))).toBe('signature_invalid');
    expect(await t.cache.keysFor(t.request('zz'))).toBe('signature_invalid');
    expect(await t.cache.keysFor(t.request('yy'))).toBe('signature_invalid');
    expect(t.fetches).toHaveLength(1);
    // The sender publishes it; after the interval the next request fetches again and finds it.
    t.published.set('zz', publicKey());
    t.advance(60_000);
    const keys = await t.cache.keysFor(t.request('zz'));
    expect(Array.isArray(keys) && keys[0].key).toBe(t.published.get('zz'));
    expect(t.fetches).toHaveLength(2);
  });

  test('keys a fetch returned beside the one asked for are cached too (a key set)', async () => {
    const t = setup();
    t.published.set('b', publicKey());
    await t.cache.keysFor(t.request('a'));
    const keys = await t.cache.keysFor(t.request('b'));
    expect(Array.isArray(keys) && keys[0].key).toBe(t.published.get('b'));
    expect(t.fetches).toHaveLength(1);
  });

  test('concurrent requests for one key share one fetch', async () => {
    const t = setup();
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => t.cache.keysFor(t.request('a'))));
    expect(all.every((keys) => Array.isArray(keys))).toBe(true);
    expect(t.fetches).toHaveLength(1);
  });

  test('a failed first fetch is a KeyFetchError, never an accept', async () => {
    const t = setup();
    t.fail(true);
    await expect(t.cache.keysFor(t.request('a'))).rejects.toBeInstanceOf(KeyFetchError);
  });

  test('a failed refresh after the TTL keeps the fetched key until it is maxStale old, then fails', async () => {
    const t = setup({ ttlMs: 60_000, maxStaleMs: 600_000 });
    await t.cache.keysFor(t.request('a'));
    t.fail(true);
    t.advance(120_000);
    const stale = await t.cache.keysFor(t.request('a'));
    expect(Array.isArray(stale)).toBe(true);
    // Served stale without another attempt until the retry interval has passed.
    await t.cache.keysFor(t.request('a'));
    expect(t.fetches).toHaveLength(2);
    t.advance(600_000);
    await expect(t.cache.keysFor(t.request('a'))).rejects.toBeInstanceOf(KeyFetchError);
  });
});

describe('httpsFetcher', () => {
  test('refuses anything but https before connecting', async () => {
    const { httpsFetcher } = await import('../../lib/runtime');
    await expect(httpsFetcher()({ url: 'http://sns.us-east-1.amazonaws.com/cert.pem' })).rejects.toBeInstanceOf(KeyFetchError);
  });
});

test('a key the sender stops publishing stops verifying at the next refresh', async () => {
  let clock = 0;
  const key = generateKeyPairSync('ed25519').publicKey;
  let publishing = true;
  const source: PublishedKeySource = {
    needsCredential: false,
    reference: () => 'k',
    load: async (_ref, fetch) => {
      await fetch({ url: 'https://keys.example.com/' });
      return new Map(publishing ? [['k', { key, notAfterMs: Number.POSITIVE_INFINITY }]] : []);
    },
  };
  const cache = new PublishedKeyCache(source, { fetch: async () => ({ status: 200, body: '' }), ttlMs: 1000, now: () => clock });
  const request = { headers: {}, body: '' };
  expect(Array.isArray(await cache.keysFor(request))).toBe(true);
  publishing = false;
  clock = 1000;
  expect(await cache.keysFor(request)).toBe('signature_invalid');
});
