import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { createRotationHandler, REVOKE_TAG, RotationConfig } from '../../lib/handlers/rotation/rotation';
import { parseKeySet, verifyWebhook } from '../../lib/runtime';
import { useFakeAws } from '../support/fake-aws';
import { TEST_NOW } from '../support/clock';

const OLD_KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const HOUR = 3_600_000;

const aws = useFakeAws();
let clock: number;

function setup(initial: object = { current: OLD_KEY, previous: [] }, graceMs = 24 * HOUR, extra: Partial<RotationConfig> = {}) {
  aws.reset();
  clock = TEST_NOW;
  const arn = aws.putSecret(`webhooks/rot/${Math.random()}`, JSON.stringify(initial));
  const rotate = createRotationHandler(
    { scheme: { type: 'standard-webhooks' }, graceMs, endpoint: 'hooks', source: 'billing', secretArn: arn, ...extra },
    { secrets: new SecretsManagerClient({}), events: new EventBridgeClient({}), lambda: new LambdaClient({}), now: () => clock },
  );
  const token = 'rotation-token-0001';
  const begin = () => aws.beginRotation(arn, token);
  const step = (Step: SecretsManagerRotationEvent['Step'], t = token) => rotate({ SecretId: arn, ClientRequestToken: t, Step });
  return { arn, token, begin, step, rotate };
}

async function fullRotation(ctx: ReturnType<typeof setup>) {
  ctx.begin();
  for (const s of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await ctx.step(s);
}

describe('rotation handler', () => {
  test('four steps: new key current, old key kept for the grace window, old version AWSPREVIOUS', async () => {
    const ctx = setup();
    const before = aws.stage(ctx.arn, 'AWSCURRENT')!;
    await fullRotation(ctx);

    const current = aws.stage(ctx.arn, 'AWSCURRENT')!;
    expect(current.versionId).toBe(ctx.token);
    expect(aws.stage(ctx.arn, 'AWSPREVIOUS')!.versionId).toBe(before.versionId);
    const doc = parseKeySet(current.value!);
    expect(doc.current).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(doc.current).not.toBe(OLD_KEY);
    expect(doc.previous).toEqual([{ key: OLD_KEY, notAfter: new Date(clock + 24 * HOUR).toISOString() }]);
  });

  test('a sender signing with either key inside the window verifies; the old key fails after it', async () => {
    const ctx = setup();
    await fullRotation(ctx);
    const doc = parseKeySet(aws.stage(ctx.arn, 'AWSCURRENT')!.value!);
    const body = '{"type":"ping"}';
    const verifyAt = (key: string, at: number) => {
      const secrets = [doc.current, ...(doc.previous ?? []).filter((p) => Date.parse(p.notAfter) > at).map((p) => p.key)];
      const sig = new Webhook(key).sign('msg_1', new Date(at), body);
      return verifyWebhook({ body, headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(at / 1000)), 'webhook-signature': sig } }, { scheme: { type: 'standard-webhooks' }, secrets, now: at });
    };
    expect(verifyAt(OLD_KEY, clock + 23 * HOUR).ok).toBe(true);
    expect(verifyAt(doc.current, clock + 1).ok).toBe(true);
    expect(verifyAt(OLD_KEY, clock + 24 * HOUR + 1).ok).toBe(false);
  });

  test('every step is idempotent: running each twice gives the same result', async () => {
    const ctx = setup();
    ctx.begin();
    await ctx.step('createSecret');
    const pending = aws.stage(ctx.arn, 'AWSPENDING')!.value;
    await ctx.step('createSecret');
    expect(aws.stage(ctx.arn, 'AWSPENDING')!.value).toBe(pending);
    await ctx.step('setSecret');
    await ctx.step('setSecret');
    await ctx.step('testSecret');
    await ctx.step('testSecret');
    await ctx.step('finishSecret');
    await ctx.step('finishSecret');
    expect(aws.stage(ctx.arn, 'AWSCURRENT')!.value).toBe(pending);
    expect(aws.callCount('UpdateSecretVersionStage')).toBe(1);
  });

  test('a failure in any step leaves AWSCURRENT untouched, and a retry completes', async () => {
    for (const [failing, operation] of [
      ['createSecret', 'PutSecretValue'],
      ['testSecret', 'GetSecretValue'],
      ['finishSecret', 'UpdateSecretVersionStage'],
    ] as const) {
      const ctx = setup();
      const before = aws.stage(ctx.arn, 'AWSCURRENT')!;
      ctx.begin();
      const steps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
      for (const s of steps) {
        if (s === failing) {
          aws.fail(operation, 2);
          await expect(ctx.step(s)).rejects.toThrow();
          expect(aws.stage(ctx.arn, 'AWSCURRENT')).toEqual(before);
        }
        await ctx.step(s);
      }
      expect(aws.stage(ctx.arn, 'AWSCURRENT')!.versionId).toBe(ctx.token);
    }
  });

  test('testSecret refuses a pending key set that would break verification', async () => {
    const ctx = setup();
    ctx.begin();
    aws.secrets.get(ctx.arn)!.versions.set(ctx.token, { value: JSON.stringify({ current: 'not base64 !!' }), stages: new Set(['AWSPENDING']) });
    await expect(ctx.step('testSecret')).rejects.toThrow(/Standard Webhooks secret/);
    expect(aws.stage(ctx.arn, 'AWSCURRENT')!.value).toContain(OLD_KEY);
  });

  test('prunes keys whose grace window has passed', async () => {
    const expired = { key: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', notAfter: new Date(TEST_NOW - HOUR).toISOString() };
    const ctx = setup({ current: OLD_KEY, previous: [expired] });
    await fullRotation(ctx);
    const doc = parseKeySet(aws.stage(ctx.arn, 'AWSCURRENT')!.value!);
    expect(doc.previous!.map((p) => p.key)).toEqual([OLD_KEY]);
  });

  test('rotates the bootstrap value CloudFormation generated (44 alphanumerics, no previous keys)', async () => {
    const ctx = setup({ previous: [], current: 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7jKl0nOp3r' });
    await fullRotation(ctx);
    expect(parseKeySet(aws.stage(ctx.arn, 'AWSCURRENT')!.value!).current).toMatch(/^whsec_/);
  });

  test('after promotion, a hand-off event names the secret and version, never the key', async () => {
    const ctx = setup();
    await fullRotation(ctx);
    expect(aws.events).toHaveLength(1);
    const [event] = aws.events;
    expect(event).toMatchObject({ Source: 'cdk-hardened-webhook', DetailType: 'Webhook signing key rotated', Resources: [ctx.arn] });
    expect(JSON.parse(event.Detail)).toEqual({
      endpoint: 'hooks',
      source: 'billing',
      secretArn: ctx.arn,
      versionId: ctx.token,
      revokedPrevious: false,
      previousKeysValidUntil: new Date(clock + 24 * HOUR).toISOString(),
    });
    const newKey = parseKeySet(aws.stage(ctx.arn, 'AWSCURRENT')!.value!).current;
    expect(JSON.stringify(aws.events)).not.toContain(newKey.slice(6));
    expect(JSON.stringify(aws.events)).not.toContain(OLD_KEY.slice(6));
  });

  test('a retried finishSecret whose promotion already happened still sends the hand-off', async () => {
    const ctx = setup();
    await fullRotation(ctx);
    aws.events.length = 0;
    await ctx.step('finishSecret');
    expect(aws.events).toHaveLength(1);
    expect(aws.callCount('UpdateSecretVersionStage')).toBe(1);
  });

  test('a sender hook is invoked in setSecret with where to read the pending key, not the key', async () => {
    const ctx = setup(undefined, 24 * HOUR, { senderHookArn: 'arn:aws:lambda:us-east-1:123456789012:function:push-to-sender' });
    ctx.begin();
    await ctx.step('createSecret');
    await ctx.step('setSecret');
    expect(aws.invocations).toEqual([
      { functionName: 'arn:aws:lambda:us-east-1:123456789012:function:push-to-sender', payload: { secretArn: ctx.arn, versionId: ctx.token, versionStage: 'AWSPENDING', endpoint: 'hooks', source: 'billing' } },
    ]);
  });

  test('a failing sender hook fails setSecret and leaves AWSCURRENT as it was', async () => {
    const ctx = setup(undefined, 24 * HOUR, { senderHookArn: 'push-to-sender' });
    const before = aws.stage(ctx.arn, 'AWSCURRENT');
    ctx.begin();
    await ctx.step('createSecret');
    aws.invokeResult = { FunctionError: 'Unhandled', Payload: { errorMessage: 'sender API down' } };
    await expect(ctx.step('setSecret')).rejects.toThrow(/sender hook failed/);
    expect(aws.stage(ctx.arn, 'AWSCURRENT')).toEqual(before);
  });

  test('two createSecret runs at once store one pending key set and both succeed', async () => {
    const ctx = setup();
    ctx.begin();
    await Promise.all([ctx.step('createSecret'), ctx.step('createSecret')]);
    const pending = aws.stage(ctx.arn, 'AWSPENDING')!;
    expect(pending.versionId).toBe(ctx.token);
    expect(parseKeySet(pending.value!).previous).toHaveLength(1);
  });

  test('a stale token is refused', async () => {
    const ctx = setup();
    ctx.begin();
    await ctx.step('createSecret');
    await expect(ctx.step('finishSecret', 'stale-token')).rejects.toThrow(/no stage/);
  });

  test('a revoke while a rotation is pending (its grace window intact) drops that rotation and revokes', async () => {
    const ctx = setup();
    ctx.begin();
    await ctx.step('createSecret'); // pending set keeps OLD_KEY for 24 h; say setSecret then failed
    await ctx.rotate({ action: 'revoke' });
    const token = aws.lastRotationToken!;
    expect(token).not.toBe(ctx.token);
    await expect(ctx.step('testSecret', ctx.token)).rejects.toThrow(/no stage|not AWSPENDING/);
    for (const s of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await ctx.step(s, token);
    expect(parseKeySet(aws.stage(ctx.arn, 'AWSCURRENT')!.value!).previous).toEqual([]);
  });

  test('testSecret refuses to promote a revoke that still carries earlier keys', async () => {
    const ctx = setup();
    ctx.begin();
    await ctx.step('createSecret');
    aws.secrets.get(ctx.arn)!.tags = { [REVOKE_TAG]: 'now' };
    await expect(ctx.step('testSecret')).rejects.toThrow(/refusing to promote/);
  });

  test('a revoke whose RotateSecret fails removes its mark again', async () => {
    const ctx = setup();
    aws.fail('RotateSecret', 1, 'AccessDeniedException', 400);
    await expect(ctx.rotate({ action: 'revoke' })).rejects.toThrow();
    expect(aws.secrets.get(ctx.arn)!.tags ?? {}).not.toHaveProperty(REVOKE_TAG);
  });

  test('emergency revoke: one request rotates at once with zero grace, then clears its marker', async () => {
    const ctx = setup({ current: OLD_KEY, previous: [{ key: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', notAfter: new Date(clock + HOUR).toISOString() }] });
    await expect(ctx.rotate({ action: 'revoke' })).resolves.toEqual({ rotationStarted: true, secretArn: ctx.arn });
    expect(aws.secrets.get(ctx.arn)!.tags).toHaveProperty(REVOKE_TAG);
    const token = aws.lastRotationToken!;
    for (const s of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await ctx.step(s, token);
    const doc = parseKeySet(aws.stage(ctx.arn, 'AWSCURRENT')!.value!);
    expect(doc.previous).toEqual([]);
    expect(aws.secrets.get(ctx.arn)!.tags).not.toHaveProperty(REVOKE_TAG);
    expect(JSON.parse(aws.events[0].Detail)).toMatchObject({ revokedPrevious: true });
  });

  test('refuses a token that is not AWSPENDING, and a secret whose rotation is off', async () => {
    const ctx = setup();
    await expect(ctx.step('createSecret')).rejects.toThrow(/no stage/);
    ctx.begin();
    aws.secrets.get(ctx.arn)!.rotationEnabled = false;
    await expect(ctx.step('createSecret')).rejects.toThrow(/not enabled/);
  });
});
