import { WebhooksManager } from 'box-node-sdk/lib/managers/webhooks';
// coinbase-commerce-node ships no types: the one function used here, typed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Webhook: CoinbaseWebhook } = require('coinbase-commerce-node') as { Webhook: { verifySigHeader(body: string, signature: string, secret: string): void } };
import { signWebhook, verifyWebhook } from '../../../lib/runtime';
import { atTestNow, TEST_NOW_S } from '../../support/clock';

// Official SDKs that verify but cannot sign: our signWebhook() must be what they accept, and what we
// reject on a changed body they reject too. (Each group's own tests hold the computed vectors.)

const BODY = '{"type":"webhook_event","id":"7d1a9d1e","trigger":"FILE.UPLOADED"}';

describe('Box (box-node-sdk WebhooksManager.validateMessage)', () => {
  const primary = 'box-primary-key-0123456789abcdef';
  test('accepts what we sign now, with the primary key; neither accepts a changed body', async () => {
    const now = TEST_NOW_S;
    const headers = signWebhook({ scheme: { type: 'box' }, secret: primary, body: BODY, timestamp: now });
    const boxHeaders = { ...headers, 'box-signature-version': '1', 'box-signature-algorithm': 'HmacSHA256' };
    // The SDK checks the delivery's age against the system clock and takes no time of its own: pinned at the tests' clock.
    await expect(atTestNow(() => WebhooksManager.validateMessage(BODY, boxHeaders, primary))).resolves.toBe(true);
    expect(verifyWebhook({ headers: boxHeaders, body: BODY }, { scheme: { type: 'box' }, secrets: [primary], now: now * 1000 }).ok).toBe(true);
    const changed = BODY.replace('7d1a', '7d1b');
    await expect(atTestNow(() => WebhooksManager.validateMessage(changed, boxHeaders, primary))).resolves.toBe(false);
    expect(verifyWebhook({ headers: boxHeaders, body: changed }, { scheme: { type: 'box' }, secrets: [primary], now: now * 1000 }).ok).toBe(false);
  });
});

describe('Coinbase Commerce (coinbase-commerce-node Webhook.verifySigHeader)', () => {
  const secret = 'coinbase-shared-secret-0123456789';
  test('accepts what we sign; neither accepts a changed body or another secret', () => {
    const headers = signWebhook({ scheme: { type: 'coinbase-commerce' }, secret, body: BODY });
    const signature = headers['x-cc-webhook-signature'] ?? headers['X-CC-Webhook-Signature'];
    expect(() => CoinbaseWebhook.verifySigHeader(BODY, signature, secret)).not.toThrow();
    expect(verifyWebhook({ headers, body: BODY }, { scheme: { type: 'coinbase-commerce' }, secrets: [secret] }).ok).toBe(true);
    expect(() => CoinbaseWebhook.verifySigHeader(BODY.replace('7d1a', '7d1b'), signature, secret)).toThrow();
    expect(verifyWebhook({ headers, body: BODY.replace('7d1a', '7d1b') }, { scheme: { type: 'coinbase-commerce' }, secrets: [secret] }).ok).toBe(false);
    expect(() => CoinbaseWebhook.verifySigHeader(BODY, signature, 'another-secret-0123456789abc')).toThrow();
  });
});
