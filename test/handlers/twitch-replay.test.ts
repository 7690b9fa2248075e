import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { schemeFor } from '../../lib/runtime';
import { TEST_NOW, TEST_NOW_S } from '../support/clock';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';

// Twitch EventSub behind the verifier: whether a signed POST is answered (the callback
// verification's challenge) or queued is read from the signed body. Until #20 it was read from the
// unsigned Twitch-Eventsub-Message-Type header, so a captured verification resent within the
// 10-minute window as a `notification` was queued: a message Twitch never sent.

const SECRET = 'this-is-my-twitch-secret-42';
const ID = 'e76c6bd4-55c9-4987-8304-da1588d8988b';
const VERIFICATION = '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"2"}}';
const NOTIFICATION = '{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"enabled","type":"channel.follow","version":"2"},"event":{"user_id":"1234"}}';

const aws = useFakeAws();

function handler() {
  aws.reset();
  const lines: string[] = [];
  const handle = createVerifierHandler(
    { endpoint: 'e', source: 'twitch', scheme: { type: 'twitch' }, secretId: aws.putSecret(`x/${Math.random()}`, JSON.stringify({ current: SECRET })), queueUrl: `${aws.url}/123456789012/q`, maxBodyBytes: 10_000, cacheTtlMs: 60_000, missRefreshIntervalMs: 30_000, maxStaleMs: 3_600_000 },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => TEST_NOW, write: (l) => lines.push(l) },
  );
  return { handle, lastLog: () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown> };
}

/** What Twitch posts: its signed headers (the scheme's own sign), the message type beside them. */
function post(body: string, type?: string) {
  const headers: Record<string, string> = { ...schemeFor({ type: 'twitch' }).sign({ body, id: ID, timestamp: TEST_NOW_S - 30 }, SECRET) };
  if (type !== undefined) headers['Twitch-Eventsub-Message-Type'] = type;
  return apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers });
}

test('a captured verification resent as a notification is refused (400), and nothing is queued', async () => {
  const { handle, lastLog } = handler();
  const answered = await handle(post(VERIFICATION, 'webhook_callback_verification'));
  expect(answered).toMatchObject({ statusCode: 200, body: 'pogchamp-kappa-360noscope-vohiyo' });
  const replayed = await handle(post(VERIFICATION, 'notification'));
  expect(replayed.statusCode).toBe(400);
  expect(lastLog()).toMatchObject({ reason: 'malformed_header' });
  expect(replayed.body).not.toContain('pogchamp');
  expect(aws.queue).toHaveLength(0);
});

test('without the header, a verification is still only answered; a notification labelled a verification is refused, not echoed', async () => {
  const { handle } = handler();
  expect(await handle(post(VERIFICATION))).toMatchObject({ statusCode: 200, body: 'pogchamp-kappa-360noscope-vohiyo' });
  expect((await handle(post(NOTIFICATION, 'webhook_callback_verification'))).statusCode).toBe(400);
  expect(aws.queue).toHaveLength(0);
  expect((await handle(post(NOTIFICATION, 'notification'))).statusCode).toBe(200);
  expect(aws.queue.map((m) => m.body)).toEqual([NOTIFICATION]);
});
