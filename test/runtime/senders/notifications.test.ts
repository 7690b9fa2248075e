import { createHash, createPrivateKey, generateKeyPairSync, sign as signBytes, X509Certificate } from 'node:crypto';
import { ActiveKey, schemeFor, VerifyResult, WebhookConfigurationError, WebhookVerifier } from '../../../lib/runtime';
import { APPLE_ROOT_CA_G3, APPLE_ROOT_CA_G3_SHA256, APPLE_TOLERANCE_SECONDS, AppleAppStoreScheme } from '../../../lib/runtime/schemes/senders/apple-app-store';
import { MicrosoftGraphScheme } from '../../../lib/runtime/schemes/senders/microsoft-graph';
import { NOTIFICATIONS } from '../../../lib/runtime/schemes/senders/notifications';
import { AppleAppStoreEnvironment, KeySource, SignatureScheme } from '../../../lib';
import { DAY, TEST_NOW, TEST_NOW_S } from '../../support/clock';
import { AppleCa, AppleLeaf, createAppleCa, x5cOf } from './support/apple-chain';
import { APPLE_TEST_NOTIFICATION_JWS } from './support/apple-test-notification';

// The `notifications` family: Apple App Store Server Notifications V2 (a JWS whose x5c chain ends at
// the pinned Apple Root CA - G3) and Microsoft Graph change notifications (a clientState token in
// every notification, and the validationToken echo). Apple is checked against a notification Apple
// itself signed (support/apple-test-notification.ts) and against local chains with Apple's OIDs
// (support/apple-chain.ts, openssl); Graph against the examples of its documentation.

const body = (jws: string) => `{"signedPayload":"${jws}"}`;
const request = (text: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => ({ headers, body: Buffer.from(text, 'utf8') });
const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('apple-app-store: a notification Apple signed', () => {
  // https://developer.apple.com/documentation/appstoreservernotifications/responsebodyv2: the body is {"signedPayload": "<JWS>"}.
  const [header, payload] = APPLE_TEST_NOTIFICATION_JWS.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
  const signedDate = payload.signedDate as number;
  const scheme = schemeFor({ type: 'apple-app-store', bundleId: 'com.loki-project.loki-messenger', environment: 'Sandbox' });
  const verify = (text: string, nowMs = signedDate, s = scheme) => s.verify(request(text), [], nowMs, APPLE_TOLERANCE_SECONDS);

  test('the shipped root is Apple Root CA - G3: its published SHA-256 fingerprint, and the third certificate of Apple\'s own chain', () => {
    const root = new X509Certificate(APPLE_ROOT_CA_G3);
    expect(root.fingerprint256).toBe(APPLE_ROOT_CA_G3_SHA256);
    expect(root.subject).toBe('CN=Apple Root CA - G3\nOU=Apple Certification Authority\nO=Apple Inc.\nC=US');
    expect((header.x5c as string[])[2]).toBe(root.raw.toString('base64'));
  });

  test('verifies with the shipped root at its signedDate (as Apple\'s library checks offline), with no key at all', () => {
    const result = verify(body(APPLE_TEST_NOTIFICATION_JWS));
    expect(result).toMatchObject({ ok: true, eventId: '592751ef-c1b8-47fc-929e-d62dee66df4c', timestamp: signedDate / 1000, bodyBinding: 'signed' });
    if (!result.ok) throw new Error('unreachable');
    expect(result.dedupeKey).toBe('592751ef-c1b8-47fc-929e-d62dee66df4c');
    expect(result.metadata).toEqual({ 'signed.eventId': '592751ef-c1b8-47fc-929e-d62dee66df4c', 'signed.eventType': 'TEST' });
    // The runtime API with no secrets at all.
    const verifier = new WebhookVerifier({ scheme: { type: 'apple-app-store', bundleId: 'com.loki-project.loki-messenger', environment: 'Sandbox' }, secrets: [] });
    expect(verifier.verify(request(body(APPLE_TEST_NOTIFICATION_JWS)), signedDate + DAY)).toMatchObject({ ok: true });
  });

  test('refused for another app or environment, after the window, and with any byte changed', () => {
    expect(verify(body(APPLE_TEST_NOTIFICATION_JWS), signedDate, schemeFor({ type: 'apple-app-store', bundleId: 'com.loki-project.loki-messenger', appAppleId: 1234567890 }))).toEqual({ ok: false, reason: 'not_allowed' });
    expect(verify(body(APPLE_TEST_NOTIFICATION_JWS), signedDate, schemeFor({ type: 'apple-app-store', bundleId: 'com.example.app', environment: 'Sandbox' }))).toEqual({ ok: false, reason: 'not_allowed' });
    expect(verify(body(APPLE_TEST_NOTIFICATION_JWS), signedDate + APPLE_TOLERANCE_SECONDS * 1000)).toMatchObject({ ok: true });
    expect(verify(body(APPLE_TEST_NOTIFICATION_JWS), signedDate + APPLE_TOLERANCE_SECONDS * 1000 + 1)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    const [h, p, s] = APPLE_TEST_NOTIFICATION_JWS.split('.');
    const otherPayload = b64url({ ...payload, notificationType: 'REFUND' });
    expect(verify(body(`${h}.${otherPayload}.${s}`))).toEqual({ ok: false, reason: 'signature_invalid' });
    const flipped = Buffer.from(s, 'base64url');
    flipped[10] ^= 1;
    expect(verify(body(`${h}.${p}.${flipped.toString('base64url')}`))).toEqual({ ok: false, reason: 'signature_invalid' });
    // A local authority's root in place of Apple's (the chain's signatures no longer check).
    const local = createAppleCa();
    try {
      const x5c = [...(header.x5c as string[])];
      x5c[2] = x5cOf(local.root);
      expect(verify(body(`${b64url({ ...header, x5c })}.${p}.${s}`))).toEqual({ ok: false, reason: 'signature_invalid' });
    } finally {
      local.dispose();
    }
  });
});

describe('apple-app-store: local chains with Apple\'s OIDs', () => {
  let ca: AppleCa;
  let leaf: AppleLeaf;
  let scheme: AppleAppStoreScheme;
  // Production, so with the app's Apple ID (required there, as Apple's own verifier requires it).
  const config = { type: 'apple-app-store' as const, bundleId: 'com.example.app', appAppleId: 1234567890 };
  beforeAll(() => {
    ca = createAppleCa();
    leaf = ca.issue();
    scheme = new AppleAppStoreScheme(config, ca.root);
  });
  afterAll(() => ca.dispose());

  const deliver = (decoded = '{"notificationType":"DID_RENEW","subtype":"BILLING_RECOVERY"}', secret = ca.secret(leaf), s = scheme, timestamp = TEST_NOW_S) =>
    s.signDelivery({ body: decoded, id: '8b7a3bdf-9c0b-4f04-9c14-71cae1cd1d8d', timestamp }, secret).body;
  const check = (text: string, s: AppleAppStoreScheme = scheme, now = TEST_NOW): VerifyResult => s.verify(request(text), [], now, APPLE_TOLERANCE_SECONDS);
  /** A JWS over `header` and `payload`, signed with `key` (ES256 unless `alg` says otherwise). */
  const jws = (headerValue: Record<string, unknown>, payloadValue: Record<string, unknown> | string, key = leaf.privateKey) => {
    const input = `${b64url(headerValue)}.${b64url(payloadValue)}`;
    return `${input}.${signBytes('sha256', Buffer.from(input), { key: createPrivateKey(key), dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  const chain = () => [x5cOf(leaf.certificate), x5cOf(ca.intermediate), x5cOf(ca.root)];
  const decoded = { notificationType: 'TEST', notificationUUID: '8b7a3bdf-9c0b-4f04-9c14-71cae1cd1d8d', data: { bundleId: 'com.example.app', environment: 'Production', appAppleId: 1234567890 }, version: '2.0', signedDate: TEST_NOW };

  test('a delivery built here from Apple\'s documented shape verifies, and is what sign() makes', () => {
    const text = body(jws({ alg: 'ES256', x5c: chain() }, decoded));
    expect(check(text)).toMatchObject({ ok: true, eventId: decoded.notificationUUID, timestamp: TEST_NOW_S, bodyBinding: 'signed' });
    const signed = deliver(JSON.stringify({ notificationType: 'TEST' }));
    const [h, p] = signed.slice('{"signedPayload":"'.length, -2).split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    expect(h).toEqual({ alg: 'ES256', x5c: chain() });
    expect(p).toEqual({ notificationType: 'TEST', version: '2.0', notificationUUID: decoded.notificationUUID, signedDate: TEST_NOW, data: { bundleId: 'com.example.app', environment: 'Production', appAppleId: 1234567890 } });
    expect(scheme.sign({ body: '{}' }, ca.secret(leaf))).toEqual({ 'content-type': 'application/json' });
    const result = check(deliver());
    expect(result).toMatchObject({ ok: true, metadata: { 'signed.eventId': decoded.notificationUUID, 'signed.eventType': 'DID_RENEW', 'signed.subtype': 'BILLING_RECOVERY' } });
  });

  test('a retry re-signed later keys duplicates on the same notificationUUID', () => {
    const first = check(deliver());
    const retry = check(deliver(undefined, undefined, undefined, TEST_NOW_S + 3600));
    expect(first.ok && retry.ok && first.dedupeKey === retry.dedupeKey).toBe(true);
  });

  test('only the pinned root: another chain, a configuration or the token cannot choose it', () => {
    const other = createAppleCa();
    try {
      const otherLeaf = other.issue();
      // A whole other chain, genuine under its own root.
      expect(check(deliver(undefined, other.secret(otherLeaf)))).toEqual({ ok: false, reason: 'signature_invalid' });
      // Our leaf and intermediate with the other root named as third.
      expect(check(body(jws({ alg: 'ES256', x5c: [x5cOf(leaf.certificate), x5cOf(ca.intermediate), x5cOf(other.root)] }, decoded)))).toEqual({ ok: false, reason: 'signature_invalid' });
      // The other chain's intermediate under our root's name.
      expect(check(body(jws({ alg: 'ES256', x5c: [x5cOf(otherLeaf.certificate), x5cOf(other.intermediate), x5cOf(ca.root)] }, decoded, otherLeaf.privateKey)))).toEqual({ ok: false, reason: 'signature_invalid' });
      // Built from configuration, the scheme trusts Apple's root only: a local chain never verifies.
      const configured = schemeFor({ ...config, root: ca.root } as never);
      expect(configured.verify(request(deliver()), [], TEST_NOW, APPLE_TOLERANCE_SECONDS)).toEqual({ ok: false, reason: 'signature_invalid' });
    } finally {
      other.dispose();
    }
  });

  test('every certificate valid at signedDate: an expired or not yet valid leaf, an expired intermediate', () => {
    const expired = ca.issue({ notBefore: new Date(TEST_NOW - 30 * DAY), notAfter: new Date(TEST_NOW - 1000) });
    expect(check(deliver(undefined, ca.secret(expired)))).toEqual({ ok: false, reason: 'signature_invalid' });
    // Signed while it was valid, delivered (retried) after: verifies, as Apple's library reads it.
    expect(check(deliver(undefined, ca.secret(expired), undefined, TEST_NOW_S - 2), scheme, TEST_NOW)).toMatchObject({ ok: true });
    const early = ca.issue({ notBefore: new Date(TEST_NOW + 1000), notAfter: new Date(TEST_NOW + 30 * DAY) });
    expect(check(deliver(undefined, ca.secret(early)))).toEqual({ ok: false, reason: 'signature_invalid' });
    const old = createAppleCa({ intermediateNotAfter: new Date(TEST_NOW - DAY) });
    try {
      const oldLeaf = old.issue({ notBefore: new Date(TEST_NOW - 30 * DAY) });
      expect(check(deliver(undefined, old.secret(oldLeaf), new AppleAppStoreScheme(config, old.root)), new AppleAppStoreScheme(config, old.root))).toEqual({ ok: false, reason: 'signature_invalid' });
    } finally {
      old.dispose();
    }
  });

  test('Apple\'s OIDs: a leaf or an intermediate without its own, an intermediate that is no CA', () => {
    expect(check(deliver(undefined, ca.secret(ca.issue({ oid: false }))))).toEqual({ ok: false, reason: 'signature_invalid' });
    for (const options of [{ intermediateOid: false }, { intermediateCa: false }]) {
      const other = createAppleCa(options);
      try {
        const s = new AppleAppStoreScheme(config, other.root);
        expect(check(deliver(undefined, other.secret(other.issue()), s), s)).toEqual({ ok: false, reason: 'signature_invalid' });
      } finally {
        other.dispose();
      }
    }
  });

  test('ES256 only: another alg, an RSA leaf, a header that points at keys', () => {
    const rsa = ca.issue({ key: 'rsa' });
    const rsaInput = `${b64url({ alg: 'RS256', x5c: [x5cOf(rsa.certificate), x5cOf(ca.intermediate), x5cOf(ca.root)] })}.${b64url(decoded)}`;
    const rsaJws = `${rsaInput}.${signBytes('sha256', Buffer.from(rsaInput), createPrivateKey(rsa.privateKey)).toString('base64url')}`;
    expect(check(body(rsaJws))).toEqual({ ok: false, reason: 'malformed_header' });
    for (const alg of ['ES384', 'HS256', 'none', 'es256']) expect(check(body(jws({ alg, x5c: chain() }, decoded)))).toEqual({ ok: false, reason: 'malformed_header' });
    // ES256 named, an RSA leaf: the key does not fit the algorithm.
    const rsaAsEs = `${b64url({ alg: 'ES256', x5c: [x5cOf(rsa.certificate), x5cOf(ca.intermediate), x5cOf(ca.root)] })}.${b64url(decoded)}`;
    expect(check(body(`${rsaAsEs}.${Buffer.alloc(64, 1).toString('base64url')}`))).toEqual({ ok: false, reason: 'signature_invalid' });
    for (const extra of [{ jwk: {} }, { jku: 'https://example.com' }, { x5u: 'https://example.com' }, { crit: ['b64'] }, { typ: 'JOSE' }]) {
      expect(check(body(jws({ alg: 'ES256', x5c: chain(), ...extra }, decoded)))).toEqual({ ok: false, reason: 'malformed_header' });
    }
  });

  test('x5c of the wrong length or not base64 DER', () => {
    const [l, i, r] = chain();
    for (const x5c of [[], [l], [l, i], [l, i, r, r], [l, i, `${r}=`], [l, i, r.replace(/.$/, '*')], 'x', [l, i, Buffer.from('junk').toString('base64')]]) {
      expect(check(body(jws({ alg: 'ES256', x5c }, decoded)))).toEqual({ ok: false, reason: 'malformed_header' });
    }
    expect(check(body(jws({ alg: 'ES256' }, decoded)))).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('a tampered payload or signature', () => {
    const [h, p, s] = deliver().slice('{"signedPayload":"'.length, -2).split('.');
    const changed = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    expect(check(body(`${h}.${b64url({ ...changed, data: { ...changed.data, bundleId: 'com.example.app' }, notificationType: 'REFUND' })}.${s}`))).toEqual({ ok: false, reason: 'signature_invalid' });
    const sig = Buffer.from(s, 'base64url');
    sig[63] ^= 1;
    expect(check(body(`${h}.${p}.${sig.toString('base64url')}`))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(check(body(`${h}.${p}.${s}A`))).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('the app: bundleId, environment and, in Production when configured, appAppleId', () => {
    const signedFor = (payload: Record<string, unknown>) => body(jws({ alg: 'ES256', x5c: chain() }, { ...decoded, ...payload }));
    expect(check(signedFor({ data: { bundleId: 'com.example.other', environment: 'Production' } }))).toEqual({ ok: false, reason: 'not_allowed' });
    expect(check(signedFor({ data: { bundleId: 'com.example.app', environment: 'Sandbox' } }))).toEqual({ ok: false, reason: 'not_allowed' });
    expect(check(signedFor({ data: { environment: 'Production' } }))).toEqual({ ok: false, reason: 'not_allowed' });
    expect(check(signedFor({ data: undefined, summary: { bundleId: 'com.example.app', environment: 'Production', appAppleId: 1234567890 } }))).toMatchObject({ ok: true });
    // In Production the app's Apple ID must be there and be this app's.
    expect(check(signedFor({ data: { bundleId: 'com.example.app', environment: 'Production' } }))).toEqual({ ok: false, reason: 'not_allowed' });
    expect(() => new AppleAppStoreScheme({ type: 'apple-app-store', bundleId: 'com.example.app' }, ca.root)).toThrow(/in Production needs appAppleId/);
    expect(check(signedFor({ data: undefined, externalPurchaseToken: { bundleId: 'com.example.app', externalPurchaseId: 'SANDBOX_1' } }))).toEqual({ ok: false, reason: 'not_allowed' });
    expect(check(signedFor({ summary: { bundleId: 'com.example.app', environment: 'Production' } }))).toEqual({ ok: false, reason: 'not_allowed' });
    const withId = new AppleAppStoreScheme({ ...config, appAppleId: 1234567890 }, ca.root);
    expect(check(signedFor({ data: { bundleId: 'com.example.app', environment: 'Production', appAppleId: 1234567890 } }), withId)).toMatchObject({ ok: true });
    expect(check(signedFor({ data: { bundleId: 'com.example.app', environment: 'Production', appAppleId: 1234567891 } }), withId)).toEqual({ ok: false, reason: 'not_allowed' });
    const sandbox = new AppleAppStoreScheme({ ...config, environment: 'Sandbox', appAppleId: 1234567890 }, ca.root);
    expect(check(signedFor({ data: { bundleId: 'com.example.app', environment: 'Sandbox' } }), sandbox)).toMatchObject({ ok: true });
  });

  test('the body read strictly: exactly {"signedPayload":"<JWS>"} as Apple posts it', () => {
    const token = deliver().slice('{"signedPayload":"'.length, -2);
    expect(check(`{"signedPayload":"${token}"}`)).toMatchObject({ ok: true });
    for (const text of [
      `{"signedPayload":"${token}","signedPayload":"${token}"}`,
      `{"signedPayload":"${token}","extra":1}`,
      `{"extra":1,"signedPayload":"${token}"}`,
      `{ "signedPayload": "${token}" }`,
      `{"signedPayload":"${token}"}\n`,
      `\ufeff{"signedPayload":"${token}"}`,
      `{"signedPayload":"\\u0065${token.slice(1)}"}`,
      `{"SignedPayload":"${token}"}`,
      `["${token}"]`,
      token,
      '',
    ]) {
      expect([text.slice(0, 30), check(text).ok]).toEqual([text.slice(0, 30), false]);
    }
    // A key twice inside the signed payload (JSON.parse keeps the last, other readers the first).
    const twice = `${b64url({ alg: 'ES256', x5c: chain() })}.${b64url(JSON.stringify(decoded).replace('"notificationType":"TEST"', '"notificationType":"TEST","notificationType":"REFUND"'))}`;
    const signedTwice = `${twice}.${signBytes('sha256', Buffer.from(twice), { key: createPrivateKey(leaf.privateKey), dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    expect(check(body(signedTwice))).toEqual({ ok: false, reason: 'malformed_header' });
    expect(check(Buffer.from(body(token)).subarray(0, 20).toString() + '\xff')).toMatchObject({ ok: false });
  });

  test('signedDate is required and checked against the window; a notification without a notificationUUID is refused', () => {
    const { signedDate: _dropped, ...undated } = decoded;
    expect(check(body(jws({ alg: 'ES256', x5c: chain() }, undated)))).toEqual({ ok: false, reason: 'malformed_timestamp' });
    expect(check(body(jws({ alg: 'ES256', x5c: chain() }, { ...decoded, signedDate: `${TEST_NOW}` })))).toEqual({ ok: false, reason: 'malformed_timestamp' });
    const { notificationUUID: _id, ...anonymous } = decoded;
    expect(check(body(jws({ alg: 'ES256', x5c: chain() }, anonymous)))).toEqual({ ok: false, reason: 'malformed_body' });
    // A leaf valid at a signedDate a week back.
    const older = ca.secret(ca.issue({ notBefore: new Date(TEST_NOW - 30 * DAY) }));
    const text = deliver(undefined, older, undefined, TEST_NOW_S - APPLE_TOLERANCE_SECONDS);
    expect(check(text)).toMatchObject({ ok: true });
    expect(check(text, scheme, TEST_NOW + 1)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(check(deliver(undefined, undefined, undefined, TEST_NOW_S + APPLE_TOLERANCE_SECONDS + 1))).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test('no key: decodeKey and generateKey refuse; a bad configuration is a configuration error; the preset has no secret', () => {
    expect(() => scheme.decodeKey()).toThrow(WebhookConfigurationError);
    expect(() => scheme.generateKey()).toThrow(WebhookConfigurationError);
    expect(scheme.trustAnchor).toMatch(/Apple Root CA - G3/);
    for (const bad of [{}, { bundleId: '' }, { bundleId: 'com example' }, { bundleId: 'com.example.app', environment: 'production' }, { bundleId: 'com.example.app', appAppleId: '123' }, { bundleId: 'com.example.app', appAppleId: 1.5 }]) {
      expect(() => schemeFor({ type: 'apple-app-store', ...bad } as never)).toThrow(WebhookConfigurationError);
    }
    const preset = SignatureScheme.appleAppStore({ bundleId: 'com.example.app', environment: AppleAppStoreEnvironment.SANDBOX });
    expect(preset.defaultKeySource).toBe(KeySource.PUBLISHED);
    expect(preset.fetchesKeys).toBe(false);
    expect(JSON.parse(preset.toJson())).toEqual({ type: 'apple-app-store', bundleId: 'com.example.app', environment: 'Sandbox' });
    expect(() => SignatureScheme.sender('apple-app-store')).toThrow(/appleAppStore\(\{ bundleId \}\)/);
    expect(NOTIFICATIONS['apple-app-store'].issuesKey).toBe(true);
  });
});

describe('microsoft-graph', () => {
  const scheme = new MicrosoftGraphScheme();
  const keyOf = (secret: string, notAfterMs = Number.POSITIVE_INFINITY): ActiveKey => ({ key: scheme.decodeKey(secret), notAfterMs });
  const verify = (text: string, keys: readonly ActiveKey[] = [keyOf('secretClientValue')]) =>
    scheme.verify(request(text, { 'content-type': 'application/json; charset=utf-8' }), keys, TEST_NOW, 0);
  // https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#change-notification-example
  const DOCS_EXAMPLE = `{
  "value": [
    {
      "id": "lsgTZMr9KwAAA",
      "subscriptionId":"{subscription_guid}",
      "subscriptionExpirationDateTime":"2016-03-19T22:11:09.952Z",
      "clientState":"secretClientValue",
      "changeType":"created",
      "resource":"users/{user_guid}@{tenant_guid}/messages/{long_id_string}",
      "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
      "resourceData":
      {
        "@odata.type":"#Microsoft.Graph.Message",
        "@odata.id":"Users/{user_guid}@{tenant_guid}/Messages/{long_id_string}",
        "@odata.etag":"W/\\"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf\\"",
        "id":"{long_id_string}"
      }
    }
  ]
}`;
  // https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events: a lifecycle notification carries the clientState too.
  const LIFECYCLE = '{"value":[{"subscriptionId":"7c6c3c0f-5c0e-4b0d-8d1c-1b2c3d4e5f60","subscriptionExpirationDateTime":"2026-11-29T12:00:00.000Z","tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95","clientState":"secretClientValue","lifecycleEvent":"reauthorizationRequired"}]}';

  test('the documentation\'s example verifies with its clientState, unbound, keyed on the body\'s SHA-256', () => {
    const result = verify(DOCS_EXAMPLE);
    expect(result).toMatchObject({ ok: true, bodyBinding: 'unsigned', eventId: undefined, timestamp: undefined });
    if (!result.ok) throw new Error('unreachable');
    expect(result.dedupeKey).toBe(`sha256:${createHash('sha256').update(DOCS_EXAMPLE).digest('hex')}`);
    expect(result.metadata).toEqual({});
    expect(verify(LIFECYCLE)).toMatchObject({ ok: true });
  });

  test('a wrong, missing or loosely spelled clientState in any item refuses the whole request', () => {
    expect(verify(DOCS_EXAMPLE, [keyOf('anotherClientValue0')])).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(LIFECYCLE.replace('secretClientValue', 'secretClientValuf'))).toEqual({ ok: false, reason: 'signature_invalid' });
    const item = (state?: unknown) => ({ subscriptionId: 's', changeType: 'updated', ...(state === undefined ? {} : { clientState: state }) });
    const batch = (...items: unknown[]) => JSON.stringify({ value: items });
    expect(verify(batch(item('secretClientValue'), item('secretClientValue')))).toMatchObject({ ok: true });
    expect(verify(batch(item('secretClientValue'), item('wrongClientValue00')))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(batch(item('secretClientValue'), item()))).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify(batch(item('secretClientValue'), item(42)))).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(batch(item('secretClientValue'), item('')))).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(batch(item('x'.repeat(129))))).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(batch({ ...item('secretClientValue'), ClientState: 'x' }))).toEqual({ ok: false, reason: 'malformed_body' });
    expect(verify('{"value":[{"clientState":"secretClientValue","clientState":"secretClientValue"}]}')).toEqual({ ok: false, reason: 'malformed_body' });
    expect(verify(`{"value":[${JSON.stringify(item('secretClientValue'))}],"Value":[]}`)).toEqual({ ok: false, reason: 'malformed_body' });
    for (const text of ['{"value":[]}', '{"value":{}}', '{}', '[]', 'null', '', 'value', `\ufeff${DOCS_EXAMPLE}`, '{"value":[null]}', '{"value":["secretClientValue"]}']) {
      expect([text.slice(0, 20), verify(text).ok]).toEqual([text.slice(0, 20), false]);
    }
    expect(verify(batch(...Array.from({ length: 1001 }, () => item('secretClientValue'))))).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test('while the clientState rolls, items may carry either active key; an expired key matches nothing; no key at all is no_active_key', () => {
    const keys = [keyOf('secretClientValue'), keyOf('nextClientValue000')];
    const batch = JSON.stringify({ value: [{ clientState: 'secretClientValue' }, { clientState: 'nextClientValue000' }] });
    expect(verify(batch, keys)).toMatchObject({ ok: true });
    expect(verify(batch, [keyOf('secretClientValue', TEST_NOW), keyOf('nextClientValue000')])).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(batch, [])).toEqual({ ok: false, reason: 'no_active_key' });
  });

  test('the validation POST: the URL-decoded token echoed as text/plain, only for safe characters and an empty body', () => {
    const unsigned = scheme.handshake.unsigned!;
    // https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#notificationurl-validation;
    // Graph's tokens read `Validation: Testing client application reachability for subscription Request-Id: <guid>`,
    // sent as `validationToken=Validation%3a+Testing+client+...` (API Gateway decodes %3a, may leave `+`).
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 77774489-c543-440d-9381-01b1d057502f';
    expect(unsigned('', {}, { validationToken: [token] })).toEqual({ body: token, contentType: 'text/plain' });
    expect(unsigned(Buffer.alloc(0), { 'content-type': 'text/plain; charset=utf-8' }, { validationToken: [token.replace(/ /g, '+')] })).toEqual({ body: token, contentType: 'text/plain' });
    expect(unsigned('', {}, { validationToken: ['opaque-Token_1.2~a/b=='] })).toEqual({ body: 'opaque-Token_1.2~a/b==', contentType: 'text/plain' });
    for (const query of [{}, { validationToken: [] }, { validationToken: [token, token] }, { validationToken: [''] }, { validationToken: ['<script>alert(1)</script>'] }, { validationToken: ['a\r\nb'] }, { validationToken: ['"quoted"'] }, { validationToken: ['x'.repeat(1025)] }, { validationtoken: [token] }]) {
      expect(unsigned('', {}, query)).toBeUndefined();
    }
    // A notification POST is never the handshake, whatever its query says.
    expect(unsigned(DOCS_EXAMPLE, {}, { validationToken: [token] })).toBeUndefined();
    expect(scheme.signatureHeaders).toEqual([]);
  });

  test('sign() makes what the documentation shows, with the source\'s clientState in every item', () => {
    const secret = scheme.generateKey();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const delivery = scheme.signDelivery({ body: '{"id":"AAMkAGI2"}', id: '7c6c3c0f-5c0e-4b0d-8d1c-1b2c3d4e5f60', timestamp: TEST_NOW_S }, secret);
    expect(delivery.headers).toEqual({ 'content-type': 'application/json; charset=utf-8' });
    const doc = JSON.parse(delivery.body);
    expect(doc.value).toHaveLength(1);
    expect(doc.value[0]).toMatchObject({ subscriptionId: '7c6c3c0f-5c0e-4b0d-8d1c-1b2c3d4e5f60', clientState: secret, changeType: 'created', resourceData: { id: 'AAMkAGI2' } });
    expect(scheme.verify(request(delivery.body), [keyOf(secret)], TEST_NOW, 0)).toMatchObject({ ok: true });
    const collection = JSON.parse(scheme.signDelivery({ body: LIFECYCLE }, secret).body);
    expect(collection.value[0]).toMatchObject({ clientState: secret, lifecycleEvent: 'reauthorizationRequired' });
  });

  test('the clientState: 16 to 128 printable characters (Graph allows 128)', () => {
    expect(() => scheme.decodeKey('x'.repeat(15))).toThrow(WebhookConfigurationError);
    expect(() => scheme.decodeKey('x'.repeat(129))).toThrow(WebhookConfigurationError);
    expect(() => scheme.decodeKey('secret client value')).toThrow(WebhookConfigurationError);
    expect(scheme.decodeKey('x'.repeat(128))).toHaveLength(128);
    expect(NOTIFICATIONS['microsoft-graph'].issuesKey).toBe(false);
    expect(SignatureScheme.sender('microsoft-graph').answersUnsigned).toBe(true);
    expect(SignatureScheme.sender('microsoft-graph').defaultKeySource).toBe(KeySource.GENERATED);
  });
});

test('both senders name their documentation; Graph its published IP ranges', () => {
  expect(NOTIFICATIONS['apple-app-store'].docs).toMatch(/^https:\/\/developer\.apple\.com\//);
  expect(NOTIFICATIONS['microsoft-graph'].docs).toMatch(/^https:\/\/learn\.microsoft\.com\//);
  expect(NOTIFICATIONS['microsoft-graph'].ipRanges).toMatch(/additional-office365-ip-addresses-and-urls/);
  // A fresh P-256 key pair is not an Apple chain: nothing here generates one for the scheme.
  expect(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.asymmetricKeyType).toBe('ec');
});
