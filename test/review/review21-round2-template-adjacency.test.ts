import { createHmac } from 'node:crypto';
import { SchemeConfig, schemeFor, verifyWebhook, VerifyResult } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';

// round2 (found in review, fixed): a signed header next to {method} or {url} was neither refused at construction nor checked on
// each request (sender.ts `open` and hmac.ts `free` leave out url/method; `separators` only reads
// literal neighbours), so text moves between two headers across the method/URL under one signature.
const secret = 'round2-review-secret-0123456789';
const body = '{"a":1}';
const sig = (text: string) => createHmac('sha256', secret).update(text).digest('hex');

function attempt(config: SchemeConfig, headers: Record<string, string>, url?: string): VerifyResult | 'refused' {
  try {
    schemeFor(config);
  } catch {
    return 'refused';
  }
  return verifyWebhook({ headers, body, url, method: 'POST' } as never, { scheme: config, secrets: [secret], now: TEST_NOW });
}

describe('round2: a header beside {method}/{url} is neither fixed nor set off', () => {
  test('{header:X-A}{method}{header:X-B}.{body}: "a"+"POST"+"bPOSTc" re-split as "aPOSTb"+"POST"+"c"', () => {
    const config: SchemeConfig = { type: 'hmac', signedContent: 'template', algorithm: 'sha256', encoding: 'hex', signatureHeader: 'X-Sig', template: '{header:X-A}{method}{header:X-B}.{body}' };
    const signature = sig(`aPOSTbPOSTc.${body}`);
    const genuine = attempt(config, { 'content-type': 'application/json', 'X-Sig': signature, 'X-A': 'a', 'X-B': 'bPOSTc' });
    if (genuine === 'refused') return; // refused at construction: fixed
    expect(genuine).toMatchObject({ ok: true });
    const moved = attempt(config, { 'content-type': 'application/json', 'X-Sig': signature, 'X-A': 'aPOSTb', 'X-B': 'c' });
    expect(moved === 'refused' || !moved.ok).toBe(true);
  });
});

// round2: the per-request check (sender.ts `separators`: every character of every neighbouring literal)
// refuses genuine values that merely share a letter with the literal text, where neither the literal nor
// even its boundary character occurs in the value. A Contentful-style canonical string
// (`name:value;name:value\n…`, https://www.contentful.com/developers/docs/webhooks/request-verification/):
// the topic "ContentManagement.Entry.publish" holds no ";" (the character that sets it off), only letters
// that also spell ";x-contentful-timestamp:" (found in review, fixed: only the boundary character is refused).
describe('round2: a header set off by literal text, refused for a letter it shares with that text', () => {
  test('{header:X-Contentful-Topic};x-contentful-timestamp:{timestamp}\\n{body} with topic ContentManagement.Entry.publish', () => {
    const ts = String(TEST_NOW);
    const topic = 'ContentManagement.Entry.publish';
    const config: SchemeConfig = {
      type: 'hmac', signedContent: 'template', algorithm: 'sha256', encoding: 'hex', signatureHeader: 'X-Contentful-Signature',
      template: '{header:X-Contentful-Topic};x-contentful-timestamp:{timestamp}\n{body}', timestampHeader: 'X-Contentful-Timestamp', timestampFormat: 'unix-ms',
    };
    const signature = sig(`${topic};x-contentful-timestamp:${ts}\n${body}`);
    const result = attempt(config, { 'content-type': 'application/json', 'X-Contentful-Signature': signature, 'X-Contentful-Topic': topic, 'X-Contentful-Timestamp': ts });
    expect(result).toEqual(expect.objectContaining({ ok: true }));
  });
});
