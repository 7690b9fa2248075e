import { createHmac } from 'node:crypto';
import { schemeFor, verifyWebhook, verifyWithKeys, WebhookConfigurationError, WebhookVerifier } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';

// Numbers that are not numbers, headers that are not the request's own, secrets that are too short:
// each must end in a refusal or a configuration error, never in an accepted stale or forged delivery.

const NOW = TEST_NOW;
const SECRET = 'whsec_test_secret_0123456789abcdef';
const BODY = '{"id":"evt_1"}';
const stripeHeader = (ts: number, secret = SECRET) => `t=${ts},v1=${createHmac('sha256', secret).update(`${ts}.${BODY}`).digest('hex')}`;
// Signed an hour before NOW: genuine, but stale.
const stale = { headers: { 'stripe-signature': stripeHeader(NOW / 1000 - 3600) }, body: BODY };

describe('numbers that are not numbers', () => {
  test.each([
    ['toleranceSeconds NaN', { toleranceSeconds: Number.NaN }],
    ['toleranceSeconds Infinity', { toleranceSeconds: Number.POSITIVE_INFINITY }],
    ['toleranceSeconds negative', { toleranceSeconds: -1 }],
    ['now an invalid Date', { now: new Date('x') }],
    ['now NaN', { now: Number.NaN }],
    ['now Infinity', { now: Number.POSITIVE_INFINITY }],
  ])('rejects a stale delivery with %s: a configuration error, not an acceptance', (_, options) => {
    expect(() => verifyWebhook(stale, { scheme: { type: 'stripe' }, secrets: [SECRET], now: NOW, ...options })).toThrow(WebhookConfigurationError);
  });

  test('verifyWithKeys refuses nowMs NaN and a NaN tolerance, rather than accepting expired keys or stale timestamps', () => {
    const scheme = schemeFor({ type: 'stripe' });
    const expired = [{ key: Buffer.from(SECRET), notAfterMs: NOW - 1 }];
    expect(() => verifyWithKeys(scheme, { headers: { 'stripe-signature': stripeHeader(NOW / 1000) }, body: BODY }, expired, Number.NaN)).toThrow(/now must be a valid time/);
    expect(() => verifyWithKeys(scheme, stale, [{ key: Buffer.from(SECRET), notAfterMs: Infinity }], NOW, Number.NaN)).toThrow(/toleranceSeconds must be a finite number/);
  });

  test('a scheme called directly with NaN still fails closed: expired keys do not verify, stale timestamps are stale', () => {
    const scheme = schemeFor({ type: 'stripe' });
    const fresh = { headers: { 'stripe-signature': stripeHeader(NOW / 1000) }, body: BODY };
    expect(scheme.verify(fresh, [{ key: Buffer.from(SECRET), notAfterMs: NOW - 1 }], Number.NaN, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify(fresh, [{ key: Buffer.from(SECRET), notAfterMs: Number.NaN }], NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify(stale, [{ key: Buffer.from(SECRET), notAfterMs: Infinity }], NOW, Number.NaN)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });
});

describe('WebhookVerifier, prepared once', () => {
  test('verifies like verifyWebhook, at any given time', () => {
    const verifier = new WebhookVerifier({ scheme: { type: 'stripe' }, secrets: [SECRET] });
    const fresh = { headers: { 'stripe-signature': stripeHeader(NOW / 1000) }, body: BODY };
    expect(verifier.verify(fresh, NOW)).toMatchObject({ ok: true, timestamp: NOW / 1000 });
    expect(verifier.verify(fresh, new Date(NOW))).toEqual(verifyWebhook(fresh, { scheme: { type: 'stripe' }, secrets: [SECRET], now: NOW }));
    expect(verifier.verify(stale, NOW)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verifier.verify({ headers: { 'stripe-signature': stripeHeader(NOW / 1000, 'whsec_other_secret_0123456789') }, body: BODY }, NOW)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('decodes its secrets once, at construction', () => {
    const scheme = schemeFor({ type: 'stripe' });
    const decode = jest.spyOn(scheme, 'decodeKey');
    const verifier = new WebhookVerifier({ scheme, secrets: [SECRET, 'whsec_previous_secret_0123456789'] });
    for (let i = 0; i < 5; i++) verifier.verify({ headers: { 'stripe-signature': stripeHeader(NOW / 1000) }, body: BODY }, NOW);
    expect(decode).toHaveBeenCalledTimes(2);
  });

  test.each([
    ['a short secret', { scheme: { type: 'stripe' as const }, secrets: ['whsec_short'] }, /at least 16 characters/],
    ['a Standard Webhooks secret that is not base64', { scheme: { type: 'standard-webhooks' as const }, secrets: ['whsec_not base64!'] }, /must be base64/],
    ['a NaN tolerance', { scheme: { type: 'stripe' as const }, secrets: [SECRET], toleranceSeconds: Number.NaN }, /toleranceSeconds/],
    ['an unknown scheme', { scheme: { type: 'nope' } as never, secrets: [SECRET] }, /Unknown signature scheme type/],
  ])('rejects %s at construction with a WebhookConfigurationError that never contains the secret', (_, options, message) => {
    let thrown: unknown;
    try {
      new WebhookVerifier(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WebhookConfigurationError);
    expect((thrown as Error).message).toMatch(message);
    for (const secret of options.secrets) expect((thrown as Error).message).not.toContain(secret);
  });

  test('with no secrets, answers every request no_active_key', () => {
    expect(new WebhookVerifier({ scheme: { type: 'stripe' }, secrets: [] }).verify(stale, NOW)).toEqual({ ok: false, reason: 'no_active_key' });
  });
});

describe('headers are the request\'s own', () => {
  const signature = { 'stripe-signature': stripeHeader(NOW / 1000) };

  test('rejects a header that exists only on the headers object\'s prototype', () => {
    // GIVEN a headers object whose signature is inherited, not its own
    const headers = Object.create(signature) as Record<string, string>;
    // WHEN verified THEN the signature counts as missing
    expect(verifyWebhook({ headers, body: BODY }, { scheme: { type: 'stripe' }, secrets: [SECRET], now: NOW })).toEqual({ ok: false, reason: 'missing_header' });
  });

  test('an inherited header is not a second spelling of an own one: the own one counts alone', () => {
    const headers = Object.assign(Object.create({ 'x-github-delivery': 'inherited' }), {
      'x-hub-signature-256': 'sha256=' + createHmac('sha256', 'github-secret-0123456789').update(BODY).digest('hex'),
      'X-GitHub-Delivery': 'own',
    });
    expect(verifyWebhook({ headers, body: BODY }, { scheme: { type: 'github' }, secrets: ['github-secret-0123456789'], now: NOW })).toMatchObject({ ok: true, unsignedEventId: 'own' });
  });

  test('rejects a header value that is neither a string nor an array of them', () => {
    const headers = { 'stripe-signature': [signature['stripe-signature'], 7 as unknown as string] };
    expect(verifyWebhook({ headers, body: BODY }, { scheme: { type: 'stripe' }, secrets: [SECRET], now: NOW })).toEqual({ ok: false, reason: 'duplicate_header' });
    const odd = { 'stripe-signature': 7 as unknown as string };
    expect(verifyWebhook({ headers: odd, body: BODY }, { scheme: { type: 'stripe' }, secrets: [SECRET], now: NOW })).toEqual({ ok: false, reason: 'duplicate_header' });
  });
});
