import { createHmac } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { keyIssuedBySender, SchemeConfig, schemeFor, verifyWebhook, WebhookConfigurationError } from '../../lib/runtime';
import { TEST_NOW, TEST_NOW_S } from '../support/clock';

// Gaps in schemes the library already had (issue 21, section 4).

const BODY = '{"object_kind":"push","ref":"refs/heads/main"}';

describe('gitlab-signed: GitLab\'s signing token, Standard Webhooks style', () => {
  // https://gitlab.com/gitlab-org/gitlab/-/merge_requests/230944: HMAC-SHA256 over
  // "{webhook-id}.{timestamp}.{body}", `webhook-signature: v1,<base64>`, `webhook-id` = Idempotency-Key;
  // https://gitlab.com/gitlab-org/gitlab/-/merge_requests/231325: the token is whsec_<base64 of 32 bytes>.
  // The MR validates with the standardwebhooks library: our oracle.
  const token = `whsec_${Buffer.alloc(32, 0x5a).toString('base64')}`;
  const id = '7b6a7e3c-1f0e-4d0a-9a55-0f3c2a1b9d11';
  const scheme = { type: 'gitlab-signed' } as SchemeConfig;

  test('verifies what the standardwebhooks library signs; the signed id keys duplicates; the documented string is what is signed', () => {
    const signature = new StandardWebhook(token).sign(id, new Date(TEST_NOW), BODY);
    const key = Buffer.from(token.slice(6), 'base64');
    expect(signature).toBe(`v1,${createHmac('sha256', key).update(`${id}.${TEST_NOW_S}.${BODY}`).digest('base64')}`);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(TEST_NOW_S), 'webhook-signature': signature, 'idempotency-key': id, 'x-gitlab-event': 'Push Hook' };
    expect(verifyWebhook({ headers, body: BODY }, { scheme, secrets: [token], now: TEST_NOW })).toMatchObject({ ok: true, eventId: id, dedupeKey: id, bodyBinding: 'signed' });
    expect(verifyWebhook({ headers, body: `${BODY} ` }, { scheme, secrets: [token], now: TEST_NOW })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verifyWebhook({ headers, body: BODY }, { scheme, secrets: [token], now: TEST_NOW + 301_000 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test('its key is generated here (GitLab takes one typed in) in the whsec_ format GitLab accepts', () => {
    expect(keyIssuedBySender('gitlab-signed')).toBe(false);
    expect(keyIssuedBySender('openai')).toBe(true);
    const generated = schemeFor(scheme).generateKey();
    expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(generated.slice(6), 'base64')).toHaveLength(32);
  });
});

describe('jira: admin webhooks, X-Hub-Signature (no -256) over the body', () => {
  // https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks: "X-Hub-Signature"
  // carries "sha256=" + the hex HMAC-SHA256 of the body under the webhook's secret. No published pair:
  // computed from those words.
  const secret = 'jira-admin-webhook-secret-42';
  const signature = `sha256=${createHmac('sha256', secret).update(BODY).digest('hex')}`;
  const scheme = { type: 'jira' } as SchemeConfig;

  test('accepts the documented header, refuses GitHub\'s header name, a changed body, a wrong secret', () => {
    expect(verifyWebhook({ headers: { 'X-Hub-Signature': signature, 'X-Atlassian-Webhook-Identifier': 'wh-1' }, body: BODY }, { scheme, secrets: [secret], now: TEST_NOW })).toMatchObject({
      ok: true,
      unsignedEventId: 'wh-1',
      bodyBinding: 'signed',
    });
    expect(verifyWebhook({ headers: { 'X-Hub-Signature-256': signature }, body: BODY }, { scheme, secrets: [secret], now: TEST_NOW })).toEqual({ ok: false, reason: 'missing_header' });
    expect(verifyWebhook({ headers: { 'X-Hub-Signature': signature }, body: `${BODY}\n` }, { scheme, secrets: [secret], now: TEST_NOW })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verifyWebhook({ headers: { 'X-Hub-Signature': signature }, body: BODY }, { scheme, secrets: ['another-jira-secret-0000'], now: TEST_NOW })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(schemeFor(scheme).sign({ body: BODY }, secret)).toMatchObject({ 'x-hub-signature': signature });
  });
});

describe('Svix-powered senders whose secret has no whsec_ prefix (Brex)', () => {
  // Svix's libraries strip an optional whsec_ and base64-decode the rest; Brex's
  // GET /v1/webhooks/secrets returns the secret without the prefix.
  const raw = Buffer.alloc(24, 0x33);
  const bare = raw.toString('base64');
  const scheme: SchemeConfig = { type: 'standard-webhooks', headerPrefix: 'svix' };

  test('a bare base64 secret is the same key as its whsec_ form, and verifies svix-* deliveries', () => {
    const sw = schemeFor(scheme);
    expect(sw.decodeKey(bare)).toEqual(raw);
    expect(sw.decodeKey(`whsec_${bare}`)).toEqual(raw);
    const signature = new StandardWebhook(`whsec_${bare}`).sign('msg_1', new Date(TEST_NOW), BODY);
    const headers = { 'svix-id': 'msg_1', 'svix-timestamp': String(TEST_NOW_S), 'svix-signature': signature };
    expect(verifyWebhook({ headers, body: BODY }, { scheme, secrets: [bare], now: TEST_NOW })).toMatchObject({ ok: true, eventId: 'msg_1' });
  });

  test('still refused: anything not base64, and too short a key', () => {
    const sw = schemeFor(scheme);
    expect(() => sw.decodeKey('not base64 at all, not even close!!')).toThrow(WebhookConfigurationError);
    expect(() => sw.decodeKey(`whsec_${raw.toString('base64url')}-_`)).toThrow(/base64/);
    expect(() => sw.decodeKey(Buffer.alloc(16, 1).toString('base64'))).toThrow(/24 to 64 bytes/);
    expect(() => sw.decodeKey('')).toThrow(WebhookConfigurationError);
  });
});
