import { createHmac } from 'node:crypto';
import { ActiveKey, SchemeConfig, schemeFor } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';

// Review 21 (rows), a finding now fixed: Klaviyo signs body || Klaviyo-Timestamp with NO separator, and
// the row checked no format on the timestamp header, so bytes could move between the end of the body
// and the start of the header under one signature (a new body, a new dedupe key: a captured delivery
// replayed as "new" events). The header is now held to Klaviyo's HTTP-date form.
// Klaviyo documents the signature as HMAC-SHA256(secret, body + Klaviyo-Timestamp), hex:
// https://developers.klaviyo.com/en/docs/working_with_system_webhooks (lib/runtime/schemes/senders/saas.ts)

const secret = 'klaviyo-secret-0123456789abcdef';
const body = '{"data":[{"topic":"event:klaviyo.sent_sms","external_id":"e1"}],"meta":{"klaviyo_webhook_id":"wh1"}}';
const stamp = 'Thu, 04 Jan 2024 18:05:25 GMT';
const sig = createHmac('sha256', secret).update(body + stamp).digest('hex');

const scheme = schemeFor({ type: 'klaviyo' } as SchemeConfig);
const keys: ActiveKey[] = [{ key: scheme.decodeKey(secret), notAfterMs: Number.POSITIVE_INFINITY }];
const verify = (b: string, ts: string) =>
  scheme.verify({ headers: { 'content-type': 'application/json', 'klaviyo-signature': sig, 'klaviyo-timestamp': ts }, body: b }, keys, TEST_NOW, 300);

describe('review21 rows: klaviyo body/timestamp boundary', () => {
  test('the genuine delivery verifies (control)', () => {
    expect(verify(body, stamp).ok).toBe(true);
  });

  test('moving the first character of the timestamp into the body must not verify', () => {
    const genuine = verify(body, stamp);
    const shifted = verify(body + 'T', stamp.slice(1));
    // Today: accepted, with a different body and a different dedupe key (a replay that is not a duplicate).
    if (shifted.ok && genuine.ok) expect(shifted.dedupeKey).not.toBe(genuine.dedupeKey);
    expect(shifted.ok).toBe(false);
  });

  test('moving the last character of the body into the timestamp header must not verify', () => {
    const shifted = verify(body.slice(0, -1), '}' + stamp);
    expect(shifted.ok).toBe(false);
  });
});
