import { createHash, randomBytes } from 'node:crypto';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteMessageCommand, Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { AwsGapProxy } from './support/gap-proxy';
import { CliRun, delivery, runCli } from './support/cli';
import { Deployment, deployToMoto, REGION, synthesizeExample } from './support/deploy';
import { loadBundledHandler, StdoutCapture, verifierBundle } from './support/handlers';
import { MotoServer, startMoto } from './support/moto';

/**
 * The example app's staging environment (cdk.json) on moto_server: Standard Webhooks (billing, generated
 * keys), Svix (notifications, generated), Stripe (payments, imported), Zoom and Meta (imported). The
 * bundled verifier and rotation handlers run in this process with the environment the template gives
 * them; the bundled CLI runs as its own process. Everything reaches moto through AwsGapProxy, where
 * moto's gaps are documented and worked around (support/gap-proxy.ts, support/deploy.ts).
 */
const ENVIRONMENT = 'staging';
const credentials = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION };
const stripe = new Stripe('sk_test_e2e');

let moto: MotoServer;
let proxy: AwsGapProxy;
let deployment: Deployment;
let aws: { secrets: SecretsManagerClient; sqs: SQSClient; cloudwatch: CloudWatchClient; logs: CloudWatchLogsClient; cloudformation: CloudFormationClient };
const capture = new StdoutCapture();

const cliEnv = () => ({ ...credentials, AWS_ENDPOINT_URL: proxy.url });
const cli = (...args: string[]) => runCli(args, cliEnv());
const stack = () => deployment.stackName;
type Verifier = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
/** A verifier container of `source`, started now: it loads its keys on its first delivery. */
const verifierOf = (source: string): Verifier => {
  const { environment } = deployment.sources.get(source)!.verifier;
  return loadBundledHandler(verifierBundle(environment), environment);
};
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const parsed = (run: CliRun) => {
  if (run.code !== 0) throw new Error(`the CLI exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
};

async function currentKeySet(source: string): Promise<{ current: string; previous?: { key: string; notAfter: string }[] }> {
  const value = await aws.secrets.send(new GetSecretValueCommand({ SecretId: deployment.sources.get(source)!.secretArn, VersionStage: 'AWSCURRENT' }));
  return JSON.parse(value.SecretString!) as { current: string; previous?: { key: string; notAfter: string }[] };
}

/** Receives and deletes everything on a queue, with its attributes. */
async function drain(queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return all;
    for (const message of Messages) await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    all.push(...Messages);
  }
}

function attributesOf(message: Message): Record<string, string> {
  return Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue ?? '']));
}

const stripeDelivery = (secret: string, id: string) => {
  const body = JSON.stringify({ id, object: 'event', type: 'invoice.paid' });
  return { body, event: delivery('payments', { 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret }) }, body) };
};
const svixDelivery = (secret: string, id: string, at = new Date()) => {
  const body = JSON.stringify({ type: 'message.sent', data: { id } });
  return { body, event: delivery('notifications', { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': new SvixWebhook(secret).sign(id, at, body) }, body) };
};
const standardDelivery = (secret: string, id: string, at = new Date()) => {
  const body = JSON.stringify({ type: 'invoice.created', id });
  return { body, event: delivery('billing', { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new StandardWebhook(secret).sign(id, at, body) }, body) };
};
const newStripeKey = () => `whsec_${randomBytes(24).toString('hex')}`;

beforeAll(async () => {
  moto = await startMoto();
  proxy = new AwsGapProxy(moto.url);
  await proxy.start();
  // The handlers' and this file's SDK clients go through the proxy; the CLI gets the same in its own environment.
  Object.assign(process.env, { ...credentials, AWS_ENDPOINT_URL: proxy.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const config = { region: REGION, endpoint: proxy.url };
  aws = {
    secrets: new SecretsManagerClient(config),
    sqs: new SQSClient(config),
    cloudwatch: new CloudWatchClient(config),
    logs: new CloudWatchLogsClient(config),
    cloudformation: new CloudFormationClient(config),
  };
  capture.start();
  const { stackName, template } = synthesizeExample(ENVIRONMENT);
  deployment = await deployToMoto(moto.url, aws, stackName, template);
  for (const source of deployment.sources.values()) {
    if (source.rotation) proxy.register(source.rotation.name, source.rotation.arn, loadBundledHandler('rotation', source.rotation.environment));
  }
  // The RotationSchedules' first rotation, run by the bundled rotation handler as Secrets Manager would.
  await deployment.startRotationSchedules();
  await proxy.settled();
}, 60_000);

afterAll(async () => {
  capture.stop();
  await proxy?.stop();
  await moto?.stop();
});

afterEach(() => {
  expect(proxy.rotationFailures).toEqual([]);
});

describe('discovery from the stack name', () => {
  test('status finds every source of the template, with its URL, key source and rotation state', async () => {
    const report = parsed(await cli('status', '--stack', stack(), '--json')) as { endpoints: { name: string; sources: Record<string, unknown>[]; queue: { visible: number } }[] };

    expect(report.endpoints).toHaveLength(1);
    const [endpoint] = report.endpoints;
    expect(endpoint.name).toBe(deployment.endpointName);
    expect(endpoint.sources.map((s) => s.name)).toEqual(['billing', 'github', 'meetings', 'notifications', 'payments', 'social']);
    const billing = endpoint.sources.find((s) => s.name === 'billing')!;
    expect(billing).toMatchObject({ scheme: 'standard-webhooks', keySource: 'generated', rotation: { state: 'scheduled' }, secretArn: deployment.sources.get('billing')!.secretArn });
    expect(billing.url).toMatch(/^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com\/v1\/webhooks\/billing$/);
    expect(endpoint.sources.find((s) => s.name === 'notifications')).toMatchObject({ scheme: 'svix', keySource: 'generated' });
    expect(endpoint.sources.find((s) => s.name === 'payments')).toMatchObject({ scheme: 'stripe', keySource: 'imported', rotation: { state: 'awaiting-first-key' } });
    expect(endpoint.queue.visible).toBe(0);
  });

  test('the human report names each source, its key and what to do about an imported key not put yet', async () => {
    const run = await cli('status', '--stack', stack());

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Endpoint ${deployment.endpointName}`);
    expect(run.stdout).toMatch(/billing \(standard-webhooks\)\n\s+url\s+https:\/\/.*\/v1\/webhooks\/billing\n\s+key\s+generated, current key \S+ old/);
    expect(run.stdout).toContain(`no key put yet: every delivery is refused until you run cdk-hardened-webhook put-key --stack ${stack()} --source payments`);
  });

  test('rejects an unknown stack, a stack without an endpoint and an unknown source, saying what to give (exit 2)', async () => {
    await aws.cloudformation.send(new CreateStackCommand({ StackName: 'UnrelatedStack', TemplateBody: JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue' } } }) }));

    const [unknown, unrelated, noSource] = await Promise.all([
      cli('status', '--stack', 'NoSuchStack'),
      cli('status', '--stack', 'UnrelatedStack'),
      cli('rotate', '--stack', stack(), '--source', 'nope'),
    ]);

    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('no stack named NoSuchStack in us-east-1; give the CloudFormation stack name');
    expect(unrelated.code).toBe(2);
    expect(unrelated.stderr).toContain('stack UnrelatedStack holds no cdk-hardened-webhook endpoint');
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toContain(`stack ${stack()} has no source named nope; its sources: billing, github, meetings, notifications, payments, social`);
  });

  test('without credentials or without a region, says how to give them (exit 1)', async () => {
    // IMDS off: the SDK would otherwise wait for an instance role on this machine.
    const [noCredentials, noRegion] = await Promise.all([
      runCli(['status', '--stack', stack()], { AWS_REGION: REGION, AWS_ENDPOINT_URL: proxy.url, AWS_EC2_METADATA_DISABLED: 'true' }),
      runCli(['status', '--stack', stack()], { ...credentials, AWS_REGION: undefined, AWS_ENDPOINT_URL: proxy.url }),
    ]);

    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toContain('no AWS credentials found: set AWS_PROFILE');
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toContain('no AWS region: set AWS_REGION, pass --region');
  });

  test('every AWS command has --help', async () => {
    const commands = ['status', 'redrive', 'rotate', 'revoke', 'put-key', 'tail'];
    const runs = await Promise.all(commands.map((command) => runCli([command, '--help'], {})));
    runs.forEach((run, i) => {
      expect(run).toMatchObject({ code: 0 });
      expect(run.stdout).toContain(`Usage: cdk-hardened-webhook ${commands[i]} [options]`);
      expect(run.stdout).toContain('--stack <name>');
    });
  });
});

describe('an imported key, and deliveries through the bundled verifier', () => {
  const firstKey = newStripeKey();

  test('put-key reads the sender\'s key from stdin and puts it in the form the verifier reads; it never prints it', async () => {
    const run = await runCli(['put-key', '--stack', stack(), '--source', 'payments', '--json'], cliEnv(), `${firstKey}\n`);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ source: 'payments', status: 'put', revokedPrevious: false });
    expect(run.stdout + run.stderr).not.toContain(firstKey);
    expect(await currentKeySet('payments')).toEqual({ current: firstKey });
  });

  test('accepted: a Stripe delivery signed by stripe is queued with its attributes', async () => {
    const { body, event } = stripeDelivery(firstKey, 'evt_e2e_accepted');

    const response = await verifierOf('payments')(event);

    expect(response.statusCode).toBe(200);
    const messages = await drain(deployment.queueUrl);
    expect(messages).toHaveLength(1);
    expect(messages[0].Body).toBe(body);
    const attributes = attributesOf(messages[0]);
    expect(attributes).toMatchObject({ source: 'payments', payloadSha256: sha256(body), bodyEncoding: 'utf8', bodyBinding: 'signed' });
    expect(attributes.dedupeKey).toBeTruthy();
  });

  test('duplicate: the same delivery again answers 200 duplicate and queues nothing', async () => {
    const verifier = verifierOf('payments');
    const { event } = stripeDelivery(firstKey, 'evt_e2e_duplicate');

    expect((await verifier(event)).statusCode).toBe(200);
    const again = await verifier(event);

    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ received: true, duplicate: true });
    expect(await drain(deployment.queueUrl)).toHaveLength(1);
  });

  test('rejected: a delivery signed with another key, or with its body changed, gets 401 and queues nothing', async () => {
    const verifier = verifierOf('payments');
    const forged = stripeDelivery(newStripeKey(), 'evt_e2e_forged');
    const genuine = stripeDelivery(firstKey, 'evt_e2e_tampered');
    const tampered = { ...genuine.event, body: Buffer.from(genuine.body.replace('invoice.paid', 'invoice.voided')).toString('base64') };

    expect((await verifier(forged.event)).statusCode).toBe(401);
    expect((await verifier(tampered)).statusCode).toBe(401);
    expect(await drain(deployment.queueUrl)).toEqual([]);
  });

  test('put-key again: the replaced key keeps verifying for the grace period; with --revoke-previous it stops', async () => {
    const secondKey = newStripeKey();
    const thirdKey = newStripeKey();

    const put = parsed(await runCli(['put-key', '--stack', stack(), '--source', 'payments', '--json'], cliEnv(), secondKey));
    const afterPut = verifierOf('payments');
    const oldDuringGrace = await afterPut(stripeDelivery(firstKey, 'evt_e2e_grace_old').event);
    const newDuringGrace = await afterPut(stripeDelivery(secondKey, 'evt_e2e_grace_new').event);
    const revoke = parsed(await runCli(['put-key', '--stack', stack(), '--source', 'payments', '--revoke-previous', '--json'], cliEnv(), thirdKey));
    const afterRevoke = verifierOf('payments');
    const revoked = await afterRevoke(stripeDelivery(secondKey, 'evt_e2e_revoked').event);
    const current = await afterRevoke(stripeDelivery(thirdKey, 'evt_e2e_current').event);

    expect(put).toMatchObject({ status: 'put', revokedPrevious: false, previousKeyValidUntil: expect.any(String) });
    expect([oldDuringGrace.statusCode, newDuringGrace.statusCode]).toEqual([200, 200]);
    expect(revoke).toMatchObject({ status: 'put', revokedPrevious: true, previousKeyRejectedBy: expect.any(String) });
    expect(await currentKeySet('payments')).toEqual({ current: thirdKey, revokePrevious: true });
    expect([revoked.statusCode, current.statusCode]).toEqual([401, 200]);
    expect(await drain(deployment.queueUrl)).toHaveLength(3);
  });

  test('an imported key is not rotated or revoked here: both say to use put-key (exit 2); a generated one refuses put-key', async () => {
    const [rotate, revoke, putGenerated] = await Promise.all([
      cli('rotate', '--stack', stack(), '--source', 'payments'),
      cli('revoke', '--stack', stack(), '--source', 'payments'),
      runCli(['put-key', '--stack', stack(), '--source', 'billing'], cliEnv(), 'whsec_x'),
    ]);

    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toContain(`cdk-hardened-webhook put-key --stack ${stack()} --source payments`);
    expect(revoke.code).toBe(2);
    expect(revoke.stderr).toContain(`cdk-hardened-webhook put-key --stack ${stack()} --source payments --revoke-previous`);
    expect(putGenerated.code).toBe(2);
    expect(putGenerated.stderr).toContain(`use cdk-hardened-webhook rotate --stack ${stack()} --source billing`);
  });
});

describe('an SQS outage', () => {
  test('answers 503 and queues nothing; the sender\'s retry is accepted once', async () => {
    const verifier = verifierOf('notifications');
    const { current } = await currentKeySet('notifications');
    const { body, event } = svixDelivery(current, 'msg_e2e_outage');

    proxy.sqsOutage = true;
    const during = await verifier(event).finally(() => (proxy.sqsOutage = false));
    const queuedDuring = await drain(deployment.queueUrl);
    const retry = await verifier(event);
    const again = await verifier(event);

    expect(during.statusCode).toBe(503);
    expect(during.headers).toMatchObject({ 'retry-after': '5' });
    expect(queuedDuring).toEqual([]);
    expect(retry.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ duplicate: true });
    const queued = await drain(deployment.queueUrl);
    expect(queued.map((m) => m.Body)).toEqual([body]);
    expect(attributesOf(queued[0])).toMatchObject({ source: 'notifications', payloadSha256: sha256(body) });
  });
});

describe('duplicates: one claim decides (the bundled verifier, DynamoDB on moto)', () => {
  const notification = async (id: string) => svixDelivery((await currentKeySet('notifications')).current, id);
  const isDuplicate = (response: APIGatewayProxyResult) => JSON.parse(response.body).duplicate === true;
  afterEach(() => (proxy.dynamodbFault = undefined));

  test('eight concurrent deliveries of one event, each in its own container: one message; the others 503 (in progress) or 200 duplicate', async () => {
    const containers = Array.from({ length: 8 }, () => verifierOf('notifications'));
    const { body, event } = await notification('msg_e2e_concurrent');

    const responses = await Promise.all(containers.map((verifier) => verifier(event)));
    const queued = await drain(deployment.queueUrl);

    expect(queued.map((m) => m.Body)).toEqual([body]);
    expect(responses.filter((r) => r.statusCode === 200 && !isDuplicate(r))).toHaveLength(1);
    for (const response of responses) {
      if (response.statusCode === 503) expect(response.headers).toMatchObject({ 'retry-after': '5' });
      else expect(response.statusCode).toBe(200);
    }
    expect(isDuplicate(await containers[0](event))).toBe(true);
    expect(await drain(deployment.queueUrl)).toEqual([]);
  });

  test('a claim that moto applied but whose answer was lost (the SDK resends it): the verifier knows its own claim and queues once', async () => {
    const verifier = verifierOf('notifications');
    const { body, event } = await notification('msg_e2e_lost_claim');

    proxy.dynamodbFault = { operation: 'PutItem', mode: 'lose', count: 1 };
    const response = await verifier(event);

    expect(proxy.dynamodbFault.count).toBe(0);
    expect(response.statusCode).toBe(200);
    expect(isDuplicate(response)).toBe(false);
    expect((await drain(deployment.queueUrl)).map((m) => m.Body)).toEqual([body]);
    expect(isDuplicate(await verifier(event))).toBe(true);
  });

  test('DynamoDB failing the claim: 503 + Retry-After and nothing queued; the retry is queued once', async () => {
    const verifier = verifierOf('notifications');
    const { body, event } = await notification('msg_e2e_claim_failed');

    proxy.dynamodbFault = { operation: 'PutItem', mode: 'fail', count: 2 };
    const during = await verifier(event);
    const queuedDuring = await drain(deployment.queueUrl);
    const retry = await verifier(event);

    expect(during.statusCode).toBe(503);
    expect(during.headers).toMatchObject({ 'retry-after': '5' });
    expect(queuedDuring).toEqual([]);
    expect(retry.statusCode).toBe(200);
    expect((await drain(deployment.queueUrl)).map((m) => m.Body)).toEqual([body]);
  });

  test('a completion that keeps failing: 200; a retry before the lock runs out is 503 and queues nothing; after it, the one allowed second copy', async () => {
    const verifier = verifierOf('notifications');
    const lockSeconds = Number(deployment.sources.get('notifications')!.verifier.environment.WEBHOOK_DEDUPE_LOCK_SECONDS);
    const { body, event } = await notification('msg_e2e_completion_failed');

    proxy.dynamodbFault = { operation: 'UpdateItem', mode: 'fail', count: 1000 };
    const first = await verifier(event);
    proxy.dynamodbFault = undefined;
    const firstQueued = await drain(deployment.queueUrl);
    const early = await verifier(event);
    const queuedEarly = await drain(deployment.queueUrl);
    await new Promise((resolve) => setTimeout(resolve, (lockSeconds + 1) * 1000));
    const late = await verifier(event);
    const queuedLate = await drain(deployment.queueUrl);
    const again = await verifier(event);

    expect(lockSeconds).toBe(15);
    expect(first.statusCode).toBe(200);
    expect(capture.audit.some((line) => line.raw.includes('"error":"dedupe_complete_failed:InternalServerError"'))).toBe(true);
    expect(firstQueued.map((m) => m.Body)).toEqual([body]);
    expect(early.statusCode).toBe(503);
    expect(early.headers).toMatchObject({ 'retry-after': '5' });
    expect(queuedEarly).toEqual([]);
    expect(late.statusCode).toBe(200);
    expect(isDuplicate(late)).toBe(false);
    expect(queuedLate.map((m) => m.Body)).toEqual([body]);
    expect(attributesOf(queuedLate[0]).dedupeKey).toBe(attributesOf(firstQueued[0]).dedupeKey);
    expect(isDuplicate(again)).toBe(true);
    expect(await drain(deployment.queueUrl)).toEqual([]);
  }, 60_000);
});

describe('generated keys: rotate and revoke', () => {
  afterEach(() => jest.useRealTimers());

  test('rotate: inside the grace window the old and the new key both verify; after it only the new one', async () => {
    const verifier = verifierOf('billing');
    const { current: oldKey } = await currentKeySet('billing');
    expect((await verifier(standardDelivery(oldKey, 'msg_e2e_before_rotation').event)).statusCode).toBe(200);

    const rotated = parsed(await cli('rotate', '--stack', stack(), '--source', 'billing', '--json'));
    const keys = await currentKeySet('billing');
    const oldAfter = await verifier(standardDelivery(oldKey, 'msg_e2e_old_in_grace').event);
    const newAfter = await verifier(standardDelivery(keys.current, 'msg_e2e_new_in_grace').event);

    expect(rotated).toMatchObject({ action: 'rotate', status: 'completed', versionId: expect.any(String) });
    expect(keys.current).not.toBe(oldKey);
    expect(keys.previous?.map((p) => p.key)).toContain(oldKey);
    expect([oldAfter.statusCode, newAfter.statusCode]).toEqual([200, 200]);

    // A verifier container running after the grace window: only the new key verifies. Only Date is
    // faked (the handler takes its clock when it loads), so the SDK's own timers run as usual.
    const notAfter = Date.parse(keys.previous!.find((p) => p.key === oldKey)!.notAfter);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(notAfter + 60_000);
    const late = verifierOf('billing');
    const oldLate = await late(standardDelivery(oldKey, 'msg_e2e_old_late').event);
    const newLate = await late(standardDelivery(keys.current, 'msg_e2e_new_late').event);
    jest.useRealTimers();

    expect([oldLate.statusCode, newLate.statusCode]).toEqual([401, 200]);
    expect((await drain(deployment.queueUrl)).map((m) => attributesOf(m).source)).toEqual(['billing', 'billing', 'billing', 'billing']);
  });

  test('revoke: the rotation function rotates with zero grace; a verifier loading keys afterwards rejects every earlier key', async () => {
    const { current: oldKey } = await currentKeySet('notifications');

    const run = await cli('revoke', '--stack', stack(), '--source', 'notifications', '--json');
    const keys = await currentKeySet('notifications');
    const verifier = verifierOf('notifications');
    const old = await verifier(svixDelivery(oldKey, 'msg_e2e_revoked_key').event);
    const fresh = await verifier(svixDelivery(keys.current, 'msg_e2e_after_revoke').event);

    expect(parsed(run)).toMatchObject({ action: 'revoke', status: 'completed', versionId: expect.any(String), earlierKeysRejectedBy: expect.any(String) });
    expect(keys.current).not.toBe(oldKey);
    expect(keys.previous ?? []).toEqual([]);
    expect([old.statusCode, fresh.statusCode]).toEqual([401, 200]);
    const status = parsed(await cli('status', '--stack', stack(), '--source', 'notifications', '--json')) as { endpoints: { sources: { rotation: { state: string } }[] }[] };
    expect(status.endpoints[0].sources[0].rotation.state).toBe('scheduled');
    expect(await drain(deployment.queueUrl)).toHaveLength(1);
  });
});

describe('the dead-letter queue', () => {
  let body: string;

  test('status reports its depth and oldest message age, and the alarms in ALARM by source', async () => {
    const { current } = await currentKeySet('billing');
    const accepted = standardDelivery(current, 'msg_e2e_dead_letter');
    body = accepted.body;
    expect((await verifierOf('billing')(accepted.event)).statusCode).toBe(200);
    // The processor fails it maxReceiveCount (5) times: SQS moves it to the dead-letter queue on the next receive.
    for (let receive = 0; receive <= 5; receive++) {
      await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: deployment.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    }
    const dlqName = deployment.deadLetterQueueUrl.split('/').pop()!;
    // moto publishes no SQS metrics: the suite puts the data point CloudWatch would have.
    await aws.cloudwatch.send(new PutMetricDataCommand({ Namespace: 'AWS/SQS', MetricData: [{ MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: dlqName }], Value: 120, Timestamp: new Date() }] }));
    const alarms = (await aws.cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? [];
    const dlqAlarm = alarms.find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && a.Dimensions?.[0]?.Value === dlqName)!.AlarmName!;
    const paymentsAlarm = alarms.find((a) => a.AlarmDescription?.startsWith(`${deployment.endpointName}: payments: `))!.AlarmName!;
    await aws.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: dlqAlarm, StateValue: 'ALARM', StateReason: 'Threshold Crossed: 1 datapoint [1.0] >= 1.0' }));
    await aws.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: paymentsAlarm, StateValue: 'ALARM', StateReason: 'Threshold Crossed: 12 >= 10' }));

    const report = parsed(await cli('status', '--stack', stack(), '--json')) as {
      endpoints: { deadLetterQueue: { visible: number; oldestAgeSeconds?: number }; alarmsInAlarm: { name: string }[]; sources: { name: string; alarmsInAlarm: { name: string }[] }[] }[];
    };
    const human = await cli('status', '--stack', stack());

    const [endpoint] = report.endpoints;
    expect(endpoint.deadLetterQueue).toMatchObject({ visible: 1, oldestAgeSeconds: 120 });
    expect(endpoint.alarmsInAlarm.map((a) => a.name)).toEqual([dlqAlarm]);
    expect(endpoint.sources.find((s) => s.name === 'payments')!.alarmsInAlarm.map((a) => a.name)).toEqual([paymentsAlarm]);
    expect(endpoint.sources.find((s) => s.name === 'billing')!.alarmsInAlarm).toEqual([]);
    expect(human.stdout).toContain(`(fix the processor, then: cdk-hardened-webhook redrive --stack ${stack()})`);
    await aws.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: dlqAlarm, StateValue: 'OK', StateReason: 'e2e' }));
    await aws.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: paymentsAlarm, StateValue: 'OK', StateReason: 'e2e' }));
  });

  test('redrive moves it back to the queue with its attributes, reporting progress until the task completes', async () => {
    const run = await cli('redrive', '--stack', stack(), '--json');
    const again = await cli('redrive', '--stack', stack());

    expect(parsed(run)).toMatchObject({ status: 'COMPLETED', messagesMoved: 1, endpoint: deployment.endpointName });
    expect(run.stderr).toContain('started moving');
    expect(run.stderr).toContain('moved 1');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('is empty: nothing to redrive');
    const back = await drain(deployment.queueUrl);
    expect(back.map((m) => m.Body)).toEqual([body]);
    expect(attributesOf(back[0])).toMatchObject({ source: 'billing', payloadSha256: sha256(body), bodyEncoding: 'utf8' });
    expect(await drain(deployment.deadLetterQueueUrl)).toEqual([]);
  });
});

describe('tail', () => {
  test('counts rejections by source and reason from the verifiers\' log groups', async () => {
    // What Lambda does with a function's stdout: each line an event in a stream of its log group.
    const now = Date.now();
    for (const source of deployment.sources.values()) {
      const lines = capture.audit.filter((line) => line.Source === source.name && Date.parse(line.timestamp) <= now);
      if (lines.length === 0) continue;
      const stream = `2026/11/28/[$LATEST]${randomBytes(16).toString('hex')}`;
      await aws.logs.send(new CreateLogStreamCommand({ logGroupName: source.verifier.logGroupName, logStreamName: stream }));
      await aws.logs.send(new PutLogEventsCommand({ logGroupName: source.verifier.logGroupName, logStreamName: stream, logEvents: lines.map((line) => ({ timestamp: Date.parse(line.timestamp), message: line.raw })) }));
    }

    const report = parsed(await cli('tail', '--stack', stack(), '--since', '15m', '--json')) as { groups: Record<string, unknown>[]; recent: Record<string, unknown>[]; total: number };
    const human = await cli('tail', '--stack', stack(), '--source', 'payments');

    const rejected = capture.audit.filter((line) => line.status >= 400 && Date.parse(line.timestamp) <= now);
    expect(report.total).toBe(rejected.length);
    expect(report.groups).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'payments', status: 401, outcome: 'SignatureInvalid', reason: 'signature_invalid', count: 3 }),
        expect.objectContaining({ source: 'notifications', status: 503, outcome: 'EnqueueFailed', reason: 'enqueue_failed', count: 1 }),
        expect.objectContaining({ source: 'notifications', status: 401, reason: 'signature_invalid', count: 1 }),
      ]),
    );
    expect(report.recent.every((r) => (r.status as number) >= 400)).toBe(true);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/3 rejected deliveries in HardenedWebhook-staging/);
    expect(human.stdout).toMatch(/payments\s+401\s+SignatureInvalid\s+signature_invalid\s+3/);
  });
});
