import { createHash } from 'node:crypto';
import { ActiveKey, Scheme, SchemeConfig, schemeFor, VerifyResult } from '../../../lib/runtime';
import { STATIC_TOKENS } from '../../../lib/runtime/schemes/senders/static-tokens';
import { TEST_NOW } from '../../support/clock';

// The static-token family (lib/runtime/schemes/senders/static-tokens.ts, engine ../static-token.ts):
// senders that sign nothing and send a credential in a header. None publishes a (secret, request)
// example and none has an official SDK that verifies it, so each request below is built by hand from
// the page's own words (cited beside it), not by our sign(): our verifier must accept it and our
// sign() must produce it. Basic's encoding is checked against RFC 7617's own example (§2).

const NOW = TEST_NOW;
const BODY = '{"update_id":10000,"message":{"message_id":1365,"text":"café ✓"}}';
const FOREVER = Number.POSITIVE_INFINITY;

const schemeOf = (type: string, extra: Record<string, unknown> = {}): Scheme => schemeFor({ type, ...extra } as SchemeConfig);
const keysOf = (scheme: Scheme, ...secrets: string[]): ActiveKey[] => secrets.map((s) => ({ key: scheme.decodeKey(s), notAfterMs: FOREVER }));
const sha256 = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');
const basic = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

interface Sender {
  readonly type: keyof typeof STATIC_TOKENS;
  readonly config?: Record<string, unknown>;
  readonly secret: string;
  readonly otherSecret: string;
  /** The header(s) the sender sends for `secret`, from its documentation's words. */
  readonly documented: (secret: string) => Record<string, string>;
  /** The name the credential travels under (any case). */
  readonly header: string;
  /** The value a case variant the docs do not allow turns the header into. */
  readonly caseVariants: (secret: string) => string[];
  readonly extraHeaders?: Record<string, string>;
  readonly metadata?: Record<string, string>;
}

const SENDERS: Sender[] = [
  {
    // https://core.telegram.org/bots/api#setwebhook: "If specified, the request will contain a header
    // 'X-Telegram-Bot-Api-Secret-Token' with the secret token as content." (1-256 of A-Z a-z 0-9 _ -)
    type: 'telegram',
    secret: 'tg_Secret-Token_0123456789abcdefABCDEF',
    otherSecret: 'tg_Secret-Token_0123456789abcdefABCDEG',
    documented: (secret) => ({ 'X-Telegram-Bot-Api-Secret-Token': secret }),
    header: 'X-Telegram-Bot-Api-Secret-Token',
    // The token's case is the token: another case is another token.
    caseVariants: (secret) => [secret.toUpperCase(), secret.toLowerCase()],
  },
  {
    // https://postmarkapp.com/developer/webhooks/webhooks-overview: "adding the user name and password
    // to the URL ... https://<username>:<password>@example.com/webhook": sent as HTTP Basic (RFC 7617).
    type: 'postmark',
    secret: 'pm-hooks:8f14e45fceea167a5a36dedd4bea2543',
    otherSecret: 'pm-hooks:8f14e45fceea167a5a36dedd4bea2544',
    documented: (secret) => ({ Authorization: basic(secret) }),
    header: 'Authorization',
    caseVariants: (secret) => [basic(secret).replace('Basic', 'basic'), basic(secret).replace('Basic', 'BASIC')],
  },
  {
    // https://www.chargebee.com/docs/2.0/webhook_settings.html: "Protect webhook URL with basic
    // authentication and fill in the Username and Password": HTTP Basic (RFC 7617).
    type: 'chargebee',
    secret: 'chargebee:c9f0f895fb98ab9159f51fd0297e236d',
    otherSecret: 'chargebee:c9f0f895fb98ab9159f51fd0297e236e',
    documented: (secret) => ({ Authorization: basic(secret) }),
    header: 'Authorization',
    caseVariants: (secret) => [basic(secret).replace('Basic', 'basic')],
  },
  {
    // https://auth0.com/docs/customize/log-streams/custom-log-streams: "Authorization Token (Optional)
    // The value in the Authorization header of the request": verbatim, a scheme word included if typed.
    type: 'auth0',
    secret: 'Bearer 45c48cce2e2d7fbdea1afc51c7c6ad26',
    otherSecret: 'Bearer 45c48cce2e2d7fbdea1afc51c7c6ad27',
    documented: (secret) => ({ Authorization: secret }),
    header: 'Authorization',
    caseVariants: (secret) => [secret.replace('Bearer', 'bearer'), secret.toUpperCase()],
  },
  {
    // https://docs.strapi.io/cms/backend-customization/webhooks ("Securing your webhooks"): a header
    // with a token, `Authorization: 'Bearer my-very-secured-token'`; Strapi adds `X-Strapi-Event`.
    type: 'strapi',
    secret: 'd3d9446802a44259755d38e6d163e820',
    otherSecret: 'd3d9446802a44259755d38e6d163e821',
    documented: (secret) => ({ Authorization: `Bearer ${secret}` }),
    header: 'Authorization',
    caseVariants: (secret) => [`bearer ${secret}`, `BEARER ${secret}`, `Bearer ${secret.toUpperCase()}`],
    extraHeaders: { 'X-Strapi-Event': 'entry.create' },
    metadata: { 'unsigned.eventType': 'entry.create' },
  },
  {
    // https://supabase.com/docs/guides/database/webhooks: HTTP Headers set on the webhook; the
    // credential as `Authorization: Bearer <token>` (database webhooks are not signed).
    type: 'supabase',
    secret: '6512bd43d9caa6e02c990b0a82652dca',
    otherSecret: '6512bd43d9caa6e02c990b0a82652dcb',
    documented: (secret) => ({ Authorization: `Bearer ${secret}` }),
    header: 'Authorization',
    caseVariants: (secret) => [`bearer ${secret}`, `Bearer  ${secret}`],
  },
  {
    // The same with the header the user named (`authorizationHeader`, Okta's precedent): its whole value.
    type: 'strapi',
    config: { authorizationHeader: 'X-Webhook-Token' },
    secret: 'aab3238922bcc25a6f606eb525ffdc56',
    otherSecret: 'aab3238922bcc25a6f606eb525ffdc57',
    documented: (secret) => ({ 'X-Webhook-Token': secret }),
    header: 'X-Webhook-Token',
    caseVariants: (secret) => [secret.toUpperCase(), `Bearer ${secret}`],
    extraHeaders: { 'X-Strapi-Event': 'entry.update' },
    metadata: { 'unsigned.eventType': 'entry.update' },
  },
];

describe.each(SENDERS.map((s) => [`${s.type}${s.config ? ' (custom header)' : ''}`, s] as const))('%s', (_name, sender) => {
  const scheme = schemeOf(sender.type, sender.config);
  const keys = keysOf(scheme, sender.secret);
  const headers = { ...sender.documented(sender.secret), ...sender.extraHeaders };
  const verify = (h: Record<string, string | string[]>, body: string | Buffer = BODY, k = keys): VerifyResult => scheme.verify({ headers: h as never, body }, k, NOW, 0);
  const withCredential = (value: string | string[]) => ({ ...sender.extraHeaders, [sender.header]: value });

  test('accepts the credential as the documentation says it is sent; binds no body; dedupes on the body', () => {
    const result = verify(headers);
    expect(result).toMatchObject({ ok: true, bodyBinding: 'unsigned' });
    expect(result.ok && result.dedupeKey).toBe(`sha256:${sha256(BODY)}`);
    expect(result.ok && { ...result.metadata }).toEqual(sender.metadata ?? {});
    expect(result.ok && result.eventId).toBeUndefined();
    expect(result.ok && result.timestamp).toBeUndefined();
    // Header names are case-insensitive.
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verify(upper).ok).toBe(true);
  });

  test('sign() writes exactly the documented header', () => {
    const signed = scheme.sign({ body: BODY }, sender.secret);
    expect(signed).toEqual({ 'content-type': 'application/json', ...sender.documented(sender.secret) });
    expect(verify(signed).ok).toBe(true);
  });

  test('refuses another credential, one a character longer or shorter, a missing, empty or duplicated header', () => {
    expect(verify(sender.documented(sender.otherSecret))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(headers, BODY, keysOf(scheme, sender.otherSecret))).toEqual({ ok: false, reason: 'signature_invalid' });
    for (const secret of [`${sender.secret}0`, sender.secret.slice(0, -1)]) {
      expect(verify(sender.documented(secret))).toEqual({ ok: false, reason: 'signature_invalid' });
    }
    expect(verify({ ...sender.extraHeaders })).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify(withCredential(''))).toEqual({ ok: false, reason: 'missing_header' });
    const value = Object.values(sender.documented(sender.secret))[0];
    expect(verify(withCredential([value, value]))).toEqual({ ok: false, reason: 'duplicate_header' });
    // The same header twice under two spellings of its name.
    expect(verify({ [sender.header.toLowerCase()]: value, [sender.header.toUpperCase()]: value })).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(verify(withCredential('x'.repeat(4096)))).toMatchObject({ ok: false });
  });

  test('refuses case variants of the credential the documentation does not allow', () => {
    for (const variant of sender.caseVariants(sender.secret)) expect(verify(withCredential(variant))).toMatchObject({ ok: false });
  });

  test('rotation: either of two keys verifies; an expired key does not; no key at all is no_active_key', () => {
    const both = keysOf(scheme, sender.otherSecret, sender.secret);
    expect(verify(headers, BODY, both).ok).toBe(true);
    expect(verify(sender.documented(sender.otherSecret), BODY, both).ok).toBe(true);
    const expired: ActiveKey[] = [{ key: scheme.decodeKey(sender.secret), notAfterMs: NOW }];
    expect(verify(headers, BODY, expired)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(headers, BODY, [])).toEqual({ ok: false, reason: 'no_active_key' });
  });

  test('a changed body under the same credential is accepted (nothing binds it) and keys a new dedupe record', () => {
    const changed = BODY.replace('1365', '1366');
    const result = verify(headers, changed);
    expect(result.ok && result.dedupeKey).toBe(`sha256:${sha256(changed)}`);
    expect(scheme.bodyBinding).toBe('unsigned');
  });

  test('the digests are compared, 32 bytes each, once per active key, whatever the length sent', () => {
    // The module object the engine calls into (a namespace import here would be a copy).
    const spy = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'timingSafeEqual');
    try {
      const two = keysOf(scheme, sender.secret, sender.otherSecret);
      for (const secret of [sender.secret, `${sender.secret}${'z'.repeat(100)}`, sender.secret.slice(0, -5)]) {
        spy.mockClear();
        verify(sender.documented(secret), BODY, two);
        // Every key compared (no early exit after a match), each between two SHA-256 digests.
        expect(spy).toHaveBeenCalledTimes(2);
        for (const [a, b] of spy.mock.calls) expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
      }
    } finally {
      spy.mockRestore();
    }
  });

  test('describe() says plainly that nothing is signed and only the dedupe record stops replays', () => {
    const described = scheme.describe!();
    expect(described.signature).toMatch(/no signature; the body is not bound/);
    expect(described.replay).toMatch(/only by the dedupe record/);
    expect(described.metadata).toEqual(Object.keys(sender.metadata ?? {}));
  });

  test('generateKey() makes a secret decodeKey accepts, random each time', () => {
    const a = scheme.generateKey();
    expect(() => scheme.decodeKey(a)).not.toThrow();
    expect(scheme.generateKey()).not.toBe(a);
    expect(verify(scheme.sign({ body: BODY }, a), BODY, keysOf(scheme, a)).ok).toBe(true);
  });
});

describe('HTTP Basic (Postmark, Chargebee): the header read exactly', () => {
  const scheme = schemeOf('postmark');
  const secret = 'pm-hooks:8f14e45fceea167a5a36dedd4bea2543';
  const keys = keysOf(scheme, secret);
  const verify = (authorization: string) => scheme.verify({ headers: { Authorization: authorization }, body: BODY }, keys, NOW, 0);
  const encoded = Buffer.from(secret).toString('base64');

  test("RFC 7617 §2's example: Aladdin / open sesame is `Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==`", () => {
    // The example's password is shorter than decodeKey takes, so its key is given as bytes: this checks
    // the header's reading, not the secret's rules.
    const rfc: ActiveKey[] = [{ key: Buffer.from('Aladdin:open sesame', 'utf8'), notAfterMs: FOREVER }];
    expect(scheme.verify({ headers: { Authorization: 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==' }, body: BODY }, rfc, NOW, 0).ok).toBe(true);
    expect(() => scheme.decodeKey('Aladdin:open sesame')).toThrow(/user:password/);
  });

  test.each([
    ['not base64', `Basic ${encoded.slice(0, -4)}!!!!`],
    ['base64 without its padding', `Basic ${encoded.replace(/=+$/, '')}`],
    ['base64url instead of base64', `Basic ${Buffer.from('pm~hooks:8f14e45fceea167a5a36dedd4bea2543>?').toString('base64url')}`],
    ['stray bits before the padding (a second spelling)', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZR=='],
    ['a space inside the base64', `Basic ${encoded.slice(0, 8)} ${encoded.slice(8)}`],
    ['two spaces after Basic', `Basic  ${encoded}`],
    ['no colon', basic('pm-hooks8f14e45fceea167a5a36dedd4bea2543')],
    ['an empty user', basic(':8f14e45fceea167a5a36dedd4bea2543')],
    ['Basic with nothing after it', 'Basic '],
    ['another scheme word', `Bearer ${encoded}`],
    ['Digest', `Digest ${encoded}`],
    ['the credential unencoded', `Basic ${secret}`],
    ['no scheme word', encoded],
  ])('refuses %s as malformed', (_what, authorization) => {
    expect(verify(authorization)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('a password with a colon in it is the password (RFC 7617: the user-id holds none)', () => {
    const withColon = 'hooks:pass:word:0123456789abcdef';
    expect(scheme.verify({ headers: { Authorization: basic(withColon) }, body: BODY }, keysOf(scheme, withColon), NOW, 0).ok).toBe(true);
    expect(scheme.verify({ headers: { Authorization: basic('hooks:pass') }, body: BODY }, keysOf(scheme, withColon), NOW, 0)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('another user with the same password, or the same user with another password, is refused', () => {
    expect(verify(basic('pm-hookz:8f14e45fceea167a5a36dedd4bea2543'))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(basic('pm-hooks:8f14e45fceea167a5a36dedd4bea2542'))).toEqual({ ok: false, reason: 'signature_invalid' });
  });
});

describe('bearer tokens (Strapi, Supabase): the scheme word exactly; an empty token refused before any comparison', () => {
  const scheme = schemeOf('strapi');
  const keys = keysOf(scheme, 'd3d9446802a44259755d38e6d163e820');
  const verify = (authorization: string) => scheme.verify({ headers: { Authorization: authorization }, body: BODY }, keys, NOW, 0);

  test.each([['Bearer '], ['Bearer'], ['Token d3d9446802a44259755d38e6d163e820'], ['Basic d3d9446802a44259755d38e6d163e820'], ['d3d9446802a44259755d38e6d163e820'], ['bearer d3d9446802a44259755d38e6d163e820']])('%j is malformed', (value) => {
    expect(verify(value)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('X-Strapi-Event is unsigned metadata: forwarded, checked for shape, never in the dedupe key', () => {
    const headers = { Authorization: 'Bearer d3d9446802a44259755d38e6d163e820' };
    const a = scheme.verify({ headers: { ...headers, 'X-Strapi-Event': 'entry.create' }, body: BODY }, keys, NOW, 0);
    const b = scheme.verify({ headers: { ...headers, 'X-Strapi-Event': 'entry.delete' }, body: BODY }, keys, NOW, 0);
    expect(a.ok && b.ok && a.dedupeKey === b.dedupeKey).toBe(true);
    expect(scheme.verify({ headers: { ...headers, 'X-Strapi-Event': 'entry\u0000create' }, body: BODY }, keys, NOW, 0)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(scheme.verify({ headers: { ...headers, 'X-Strapi-Event': ['a', 'b'] }, body: BODY }, keys, NOW, 0)).toEqual({ ok: false, reason: 'duplicate_header' });
  });

  test('authorizationHeader: the named header only; `Authorization` named explicitly keeps the Bearer word; a bad name throws', () => {
    const custom = schemeOf('supabase', { authorizationHeader: 'X-Supabase-Token' });
    const token = '6512bd43d9caa6e02c990b0a82652dca';
    const k = keysOf(custom, token);
    expect(custom.verify({ headers: { 'x-supabase-token': token }, body: BODY }, k, NOW, 0).ok).toBe(true);
    expect(custom.verify({ headers: { Authorization: `Bearer ${token}` }, body: BODY }, k, NOW, 0)).toEqual({ ok: false, reason: 'missing_header' });
    expect(custom.signatureHeaders).toEqual(['x-supabase-token']);
    const explicit = schemeOf('supabase', { authorizationHeader: 'Authorization' });
    expect(explicit.verify({ headers: { Authorization: `Bearer ${token}` }, body: BODY }, k, NOW, 0).ok).toBe(true);
    expect(() => schemeOf('strapi', { authorizationHeader: 'Bad Header' })).toThrow(/not an HTTP header name/);
    expect(() => schemeOf('strapi', { authorizationHeader: 42 })).toThrow(/not an HTTP header name/);
  });
});

describe('secrets: decodeKey takes the shapes the senders accept, generateKey makes them', () => {
  test.each([
    ['telegram', 'a'.repeat(15), /16 to 256/],
    ['telegram', 'a'.repeat(257), /16 to 256/],
    ['telegram', 'tg+secret/token=0123456789', /A-Z, a-z, 0-9, _ and -/],
    ['postmark', 'user-without-a-colon-0123456789', /user:password/],
    ['postmark', 'user:short', /user:password/],
    ['postmark', ':0123456789abcdef0123', /user:password/],
    ['chargebee', 'us er:0123456789abcdef0123', /user:password/],
    ['chargebee', 'user:0123456789abcdef\u00e9', /user:password/],
    ['auth0', ' Bearer 0123456789abcdef', /no space at either end/],
    ['auth0', 'short', /16 to 1024/],
    ['strapi', 'has a space 0123456789abcdef', /without spaces/],
    ['supabase', '', /16 to 1024/],
  ])('%s refuses %j', (type, secret, message) => {
    expect(() => schemeOf(type).decodeKey(secret)).toThrow(message);
    // The error never carries the secret.
    if (secret.length > 0) {
      try {
        schemeOf(type).decodeKey(secret);
      } catch (error) {
        expect((error as Error).message).not.toContain(secret);
      }
    }
  });

  test('generated secrets are in each sender\'s alphabet and length', () => {
    expect(schemeOf('telegram').generateKey()).toMatch(/^[A-Za-z0-9_-]{64}$/);
    for (const type of ['postmark', 'chargebee']) expect(schemeOf(type).generateKey()).toMatch(/^[0-9a-f]{16}:[0-9a-f]{32}$/);
    for (const type of ['auth0', 'strapi', 'supabase']) expect(schemeOf(type).generateKey()).toMatch(/^[0-9a-f]{64}$/);
  });

  test('we generate every credential (none is issued by the sender), and the catalogue says where IPs are published', () => {
    for (const [type, entry] of Object.entries(STATIC_TOKENS)) {
      expect([type, entry.issuesKey, schemeOf(type).issuesKey]).toEqual([type, false, false]);
    }
    expect(STATIC_TOKENS.telegram.ipRanges).toBe('https://core.telegram.org/bots/webhooks');
    expect(STATIC_TOKENS.postmark.ipRanges).toBe('https://postmarkapp.com/support/article/800-ips-for-firewalls');
    expect(STATIC_TOKENS.auth0.ipRanges).toBe('https://cdn.auth0.com/ip-ranges.json');
  });
});

