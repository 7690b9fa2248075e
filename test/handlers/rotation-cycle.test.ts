import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import * as fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createRotationHandler } from '../../lib/handlers/rotation/rotation';
import { VerifierConfig } from '../../lib/handlers/verifier/verifier';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { parseKeySet } from '../../lib/runtime';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';
import { TEST_NOW } from '../support/clock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const TTL = 5 * MINUTE;
const START = TEST_NOW;
const OLD_KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BODY = '{"type":"invoice.paid"}';

const aws = useFakeAws();
let queueUrl: string;
let clock: number;
aws.now = () => clock;
beforeAll(() => {
  queueUrl = `${aws.url}/1/q`;
});

function world(extra: Partial<VerifierConfig> = {}, initial: string = JSON.stringify({ current: OLD_KEY, previous: [] })) {
  aws.reset();
  clock = START;
  const arn = aws.putSecret(`cycle/${Math.random()}`, initial);
  const verify = createVerifierHandler(
    { endpoint: 'e', source: 'billing', scheme: { type: 'standard-webhooks' }, secretId: arn, queueUrl, maxBodyBytes: 10_000, cacheTtlMs: TTL, missRefreshIntervalMs: 30_000, maxStaleMs: HOUR, ...extra },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => clock, write: () => undefined },
  );
  const rotate = createRotationHandler(
    { scheme: { type: 'standard-webhooks' }, graceMs: 24 * HOUR, endpoint: 'e', source: 'billing', secretArn: arn },
    { secrets: new SecretsManagerClient({}), events: new EventBridgeClient({}), now: () => clock },
  );
  const rotation = async (token = `t-${clock}`) => {
    aws.beginRotation(arn, token);
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await rotate({ SecretId: arn, ClientRequestToken: token, Step });
  };
  const deliver = async (key: string) => {
    const id = `msg_${clock}_${Math.random().toString(36).slice(2)}`;
    const sig = new Webhook(key).sign(id, new Date(clock), BODY);
    const res = await verify(apiEvent({ body: BODY, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(clock / 1000)), 'webhook-signature': sig } }));
    return res.statusCode;
  };
  const currentKey = () => parseKeySet(aws.stage(arn, 'AWSCURRENT')!.value!).current;
  return { arn, rotation, deliver, currentKey, revoke: () => rotate({ action: 'revoke' }) };
}

describe('rotation cycle: verifier and rotation function against one Secrets Manager', () => {
  test('a sender switching keys at any moment inside the grace window loses nothing; the old key dies after it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 24 * 60 - 1 }), fc.integer({ min: 4, max: 29 }), async (switchMinute, stepMinutes) => {
        const w = world();
        expect(await w.deliver(OLD_KEY)).toBe(200); // warm the verifier's cache with the old key set
        clock += 7 * MINUTE;
        await w.rotation();
        const rotatedAt = clock;
        const newKey = w.currentKey();
        const rejected: number[] = [];
        // The sender keeps signing with the old key until a random moment, then with the new one.
        for (clock = rotatedAt; clock < rotatedAt + 24 * HOUR; clock += stepMinutes * MINUTE) {
          const key = clock < rotatedAt + switchMinute * MINUTE ? OLD_KEY : newKey;
          if ((await w.deliver(key)) !== 200) rejected.push(clock - rotatedAt);
        }
        expect(rejected).toEqual([]);
        clock = rotatedAt + 24 * HOUR + TTL + 1;
        expect(await w.deliver(OLD_KEY)).toBe(401);
        expect(await w.deliver(newKey)).toBe(200);
      }),
      { numRuns: 4 },
    );
  });

  test('emergency revoke: the old key is rejected once the verifier cache TTL has passed', async () => {
    const w = world();
    expect(await w.deliver(OLD_KEY)).toBe(200);
    clock += MINUTE;
    await w.revoke();
    await w.rotation(aws.lastRotationToken);
    const newKey = w.currentKey();
    expect(await w.deliver(newKey)).toBe(200); // picked up at once through the key-miss refresh
    clock += TTL + 1;
    expect(await w.deliver(OLD_KEY)).toBe(401);
  });
});

describe('imported (provider-issued) keys', () => {
  const sm = () => new SecretsManagerClient({});
  const STRIPE_OLD = 'whsec_old_provider_secret_0123456789';
  const STRIPE_NEW = 'whsec_new_provider_secret_9876543210';
  const stripeHeader = (secret: string) => {
    const t = Math.floor(clock / 1000);
    return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${BODY}`).digest('hex')}`;
  };

  function stripeWorld() {
    aws.reset();
    clock = START;
    const arn = aws.putSecret(`import/${Math.random()}`, STRIPE_OLD);
    const verify = createVerifierHandler(
      { endpoint: 'e', source: 'pay', scheme: { type: 'stripe' }, secretId: arn, queueUrl, maxBodyBytes: 10_000, cacheTtlMs: TTL, missRefreshIntervalMs: 30_000, maxStaleMs: HOUR, keySource: 'imported', graceMs: 24 * HOUR },
      { sqs: new SQSClient({}), secrets: sm(), now: () => clock, write: () => undefined },
    );
    const deliver = async (secret: string) =>
      (await verify(apiEvent({ body: BODY, headers: { 'content-type': 'application/json', 'Stripe-Signature': stripeHeader(secret) } }))).statusCode;
    return { arn, deliver };
  }

  test('put-secret-value of the new key: both verify through the grace window, then only the new one', async () => {
    const w = stripeWorld();
    expect(await w.deliver(STRIPE_OLD)).toBe(200);
    clock += HOUR;
    await sm().send(new PutSecretValueCommand({ SecretId: w.arn, SecretString: STRIPE_NEW }));
    expect(await w.deliver(STRIPE_NEW)).toBe(200);
    clock += 24 * HOUR - MINUTE;
    expect(await w.deliver(STRIPE_OLD)).toBe(200);
    // The old key's not-after is checked on every request, so it dies on time, cache or not.
    clock += 2 * MINUTE;
    expect(await w.deliver(STRIPE_OLD)).toBe(401);
    expect(await w.deliver(STRIPE_NEW)).toBe(200);
  });

  test('revokePrevious ends the old key once the cache TTL has passed', async () => {
    const w = stripeWorld();
    expect(await w.deliver(STRIPE_OLD)).toBe(200);
    await sm().send(new PutSecretValueCommand({ SecretId: w.arn, SecretString: JSON.stringify({ current: STRIPE_NEW, revokePrevious: true }) }));
    expect(await w.deliver(STRIPE_NEW)).toBe(200);
    clock += TTL + 1;
    expect(await w.deliver(STRIPE_OLD)).toBe(401);
  });
});
