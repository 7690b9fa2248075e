import { FetchRequest, FetchResponse, KeyFetchError, PublishedKeyCache } from '../../../lib/runtime/published-keys';
import { schemeFor, WebhookRequest } from '../../../lib/runtime';
import { MINUTE, TEST_NOW } from '../../support/clock';
import { SNS_CERT_URL as GENUINE_CERT, SNS_TOPIC as TOPIC, useSnsSigner } from './support/sns';

// The published-key cache fetches at most 10 keys it does not hold per minute, all references
// together; past that, a request naming a new key is answered 503. SNS's reference was taken from
// any well-formed envelope, whatever its TopicArn: the topic is checked only once the key is fetched.
// So anyone could spend the budget with made-up certificate URLs under made-up topics (no signature,
// no knowledge of the source needed) and keep a genuine message of a configured topic, signed with a
// certificate the container has not cached yet, answered 503 for as long as they keep at it (SNS's
// default policy retries an HTTP endpoint for about a minute, then drops the message). A message of
// a topic the source does not accept is refused `not_allowed` before anything is fetched.

const OTHER_TOPIC = 'arn:aws:sns:us-east-1:210987654321:anything';

const sns = useSnsSigner();

function notification(topic: string, certUrl: string, messageId: string): WebhookRequest {
  const fields = { Type: 'Notification', MessageId: messageId, TopicArn: topic, Message: 'hello', Timestamp: new Date(TEST_NOW - MINUTE).toISOString() };
  return { headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: JSON.stringify(sns.sign(fields, certUrl)) };
}

test('made-up topics cannot spend the fetch budget: they are refused before any fetch, and a genuine message with a new certificate is still fetched and verified', async () => {
  const scheme = schemeFor({ type: 'sns', topicArns: [TOPIC] });
  const fetched: string[] = [];
  const fetch = async (request: FetchRequest): Promise<FetchResponse> => {
    fetched.push(request.url);
    return request.url === GENUINE_CERT ? { status: 200, body: sns.leaf().certificate } : { status: 404, body: 'Not Found' };
  };
  const cache = new PublishedKeyCache(scheme.published!, { fetch, now: () => TEST_NOW });
  const junkOutcomes: unknown[] = [];
  for (let i = 0; i < 12; i++) {
    const junk = `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${i.toString(16).padStart(32, 'f')}.pem`;
    junkOutcomes.push(await cache.keysFor(notification(OTHER_TOPIC, junk, `0b9e2c44-7d1a-4f3b-8e65-a1b2c3d4e5${i.toString(16).padStart(2, '0')}`)).catch((error: unknown) => error));
  }

  const genuine = notification(TOPIC, GENUINE_CERT, '5f1c6a3e-8b0d-4c2e-9a71-3d4e5f607182');
  const resolved = await cache.keysFor(genuine).catch((error: unknown) => error);
  // Before: the budget was spent, and this genuine message was put off (503).
  expect(resolved).not.toBeInstanceOf(KeyFetchError);
  expect(resolved).toMatchObject({ kind: 'keys' });
  expect(junkOutcomes.every((outcome) => JSON.stringify(outcome) === JSON.stringify({ kind: 'rejected', reason: 'not_allowed' }))).toBe(true);
  expect(scheme.verify(genuine, (resolved as { keys: [] }).keys, TEST_NOW, scheme.defaultToleranceSeconds!)).toMatchObject({ ok: true });
  expect(fetched).toEqual([GENUINE_CERT]);
});
