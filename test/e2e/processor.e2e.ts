import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { bundleExampleProcessor } from '../../bin/example-processor';
import type { createProcessor as CreateProcessor } from '../../bin/processor';
import type { WebhookRecord } from '../../lib/runtime/consumer';
import { signWebhook } from '../../lib/runtime';
import { AwsGapProxy } from './support/gap-proxy';
import { delivery, runCli } from './support/cli';
import { Deployment, deployToMoto, REGION, synthesizeExample, Template } from './support/deploy';
import { StdoutCapture, verifierBundle } from './support/handlers';
import { MotoServer, startMoto } from './support/moto';

/**
 * The consumer's side end to end, on moto_server: the example app's dev environment (cdk.json:
 * exampleProcessor, its github source claim-checking bodies above 700 KiB), the bundled verifier
 * queueing deliveries, and the example processor's bundle (bin/processor, built by the same
 * bundleExampleProcessor the stack bundles it with) consuming them, invoked in this process the way
 * Lambda's SQS event source mapping invokes it: a batch received with its attributes, the records it
 * reports as failed left on the queue (visible again at once, as after the visibility timeout), the
 * rest deleted, the whole batch left when the invocation fails. moto's own event source mapping would
 * run the function in Docker (none here): the template's mapping is left out of what moto creates, and
 * its settings (batch size, ReportBatchItemFailures) are read from the template and honoured here.
 */
const ENVIRONMENT = 'dev';
const ROOT = join(__dirname, '..', '..');
// The handler bundles the verifier runs from: assets/ (rebuilt by npm run test:e2e when lib/ changed),
// or a directory of freshly built ones (E2E_ASSETS).
const ASSETS = process.env.E2E_ASSETS ?? join(ROOT, 'assets');
// Under node_modules, so jest loads it as it is (untransformed) and it finds the AWS SDK as in Lambda.
const PROCESSOR_BUNDLE = join(ROOT, 'node_modules', '.cache', 'cdk-hardened-webhook-e2e', 'processor');
const credentials = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION };

let moto: MotoServer;
let proxy: AwsGapProxy;
let deployment: Deployment;
let aws: { secrets: SecretsManagerClient; sqs: SQSClient; cloudwatch: CloudWatchClient; cloudformation: CloudFormationClient; s3: S3Client; dynamodb: DynamoDBClient };
const capture = new StdoutCapture();
/** What the template says of the processor and its event source mapping. */
let processor: { environment: Record<string, string>; batchSize: number; reportsItemFailures: boolean; maxReceiveCount: number; queueArn: string };
type Bundle = { handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>; createProcessor: typeof CreateProcessor };
let bundle: Bundle;

const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const context = (): Context => ({ functionName: 'processor', awsRequestId: randomBytes(8).toString('hex'), getRemainingTimeInMillis: () => 30_000 }) as unknown as Context;

/** A fresh copy of a bundle as a new container would load it: with exactly `environment` set while its module initialises. */
function load<T>(file: string, environment: Record<string, string>): T {
  const saved = new Map(Object.keys(environment).map((key) => [key, process.env[key]]));
  Object.assign(process.env, environment);
  let module: T | undefined;
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      module = require(file) as T;
    });
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  return module!;
}

type Verifier = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
const verifierOf = (source: string): Verifier => {
  const { environment } = deployment.sources.get(source)!.verifier;
  return load<{ handler: Verifier }>(join(ASSETS, verifierBundle(environment), 'index.js'), environment).handler;
};

async function githubSecret(): Promise<string> {
  const value = await aws.secrets.send(new GetSecretValueCommand({ SecretId: deployment.sources.get('github')!.secretArn, VersionStage: 'AWSCURRENT' }));
  return (JSON.parse(value.SecretString!) as { current: string }).current;
}

/** A GitHub delivery of `body`, signed with the source's current key, through the bundled verifier. */
async function deliverToGithub(body: string, event = 'push'): Promise<APIGatewayProxyResult> {
  const id = `e2e-${randomBytes(8).toString('hex')}`;
  // delivery() sends Content-Type itself.
  const { 'content-type': _contentType, ...headers } = signWebhook({ scheme: { type: 'github' }, secret: await githubSecret(), body, id });
  return verifierOf('github')(delivery('github', { ...headers, 'x-github-event': event }, body));
}

/** A received message as Lambda's SQS event source hands it to the function. */
function toRecord(message: Message): SQSRecord {
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: { ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1', SentTimestamp: a.SentTimestamp ?? '0', SenderId: a.SenderId ?? '', ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? '0' },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, { dataType: value.DataType!, stringValue: value.StringValue, stringListValues: [], binaryListValues: [] }]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: processor.queueArn,
    awsRegion: REGION,
  };
}

/**
 * One poll of the event source mapping: receive a batch, invoke, then delete what succeeded and leave
 * what failed (visible again at once). Returns the message ids it processed and those it left.
 */
async function poll(invoke: Bundle['handler']): Promise<{ received: string[]; failed: string[] }> {
  const { Messages = [] } = await aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: deployment.queueUrl, MaxNumberOfMessages: processor.batchSize, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 0 }),
  );
  if (Messages.length === 0) return { received: [], failed: [] };
  let failed: string[];
  try {
    const response = await invoke({ Records: Messages.map(toRecord) }, context());
    failed = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
  } catch {
    failed = Messages.map((m) => m.MessageId!);
  }
  for (const message of Messages) {
    if (failed.includes(message.MessageId!)) await aws.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: deployment.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
    else await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: deployment.queueUrl, ReceiptHandle: message.ReceiptHandle }));
  }
  return { received: Messages.map((m) => m.MessageId!), failed };
}

/** Polls until the queue is empty (or `limit` polls). */
async function drainWith(invoke: Bundle['handler'], limit = 20): Promise<{ received: string[]; failed: string[] }[]> {
  const polls = [];
  for (let i = 0; i < limit; i++) {
    const result = await poll(invoke);
    if (result.received.length === 0) break;
    polls.push(result);
  }
  return polls;
}

async function depth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

/** The example processor's summary lines ("webhook processed"), as it writes them to stdout. */
const processed = () =>
  capture.other
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((line) => line.message === 'webhook processed');

/** The template without its event source mappings (see above), and what they and the processor say. */
function readProcessor(template: Template): { forMoto: Template; mapping: Record<string, unknown>; processorId: string } {
  const mappings = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping');
  expect(mappings).toHaveLength(1);
  const [[mappingId, mapping]] = mappings;
  const processorId = ((mapping.Properties!.FunctionName as { Ref: string }).Ref);
  const resources = { ...template.Resources };
  delete resources[mappingId];
  for (const resource of Object.values(resources)) {
    if (Array.isArray(resource.DependsOn)) resource.DependsOn = resource.DependsOn.filter((d) => d !== mappingId);
    else if (resource.DependsOn === mappingId) delete resource.DependsOn;
  }
  return { forMoto: { ...template, Resources: resources }, mapping: mapping.Properties!, processorId };
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = new AwsGapProxy(moto.url);
  await proxy.start();
  Object.assign(process.env, { ...credentials, AWS_ENDPOINT_URL: proxy.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const config = { region: REGION, endpoint: proxy.url };
  aws = {
    secrets: new SecretsManagerClient(config),
    sqs: new SQSClient(config),
    cloudwatch: new CloudWatchClient(config),
    cloudformation: new CloudFormationClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    dynamodb: new DynamoDBClient(config),
  };
  capture.start();
  const { stackName, template } = synthesizeExample(ENVIRONMENT);
  const { forMoto, mapping, processorId } = readProcessor(template);
  deployment = await deployToMoto(moto.url, aws, stackName, forMoto);
  for (const source of deployment.sources.values()) {
    if (source.rotation) proxy.register(source.rotation.name, source.rotation.arn, load<{ handler: (event: unknown) => Promise<unknown> }>(join(ASSETS, 'rotation', 'index.js'), source.rotation.environment).handler);
  }
  await deployment.startRotationSchedules();
  await proxy.settled();

  // The processor's environment as CloudFormation resolves it: the physical names of what it refers to.
  const physical = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await aws.cloudformation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: nextToken }));
    for (const r of page.StackResourceSummaries ?? []) if (r.LogicalResourceId && r.PhysicalResourceId) physical.set(r.LogicalResourceId, r.PhysicalResourceId);
    nextToken = page.NextToken;
  } while (nextToken);
  const variables = (template.Resources[processorId].Properties!.Environment as { Variables: Record<string, { Ref: string }> }).Variables;
  const queueLogicalId = (mapping.EventSourceArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const redrive = template.Resources[queueLogicalId].Properties!.RedrivePolicy as { maxReceiveCount: number };
  processor = {
    environment: { ...Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, physical.get(value.Ref)!])), AWS_LAMBDA_FUNCTION_NAME: physical.get(processorId)! },
    batchSize: mapping.BatchSize as number,
    reportsItemFailures: (mapping.FunctionResponseTypes as string[]).includes('ReportBatchItemFailures'),
    maxReceiveCount: redrive.maxReceiveCount,
    queueArn: `arn:aws:sqs:${REGION}:123456789012:${deployment.queueUrl.split('/').pop()}`,
  };
  bundleExampleProcessor(PROCESSOR_BUNDLE);
  bundle = load<Bundle>(join(PROCESSOR_BUNDLE, 'index.js'), processor.environment);
}, 90_000);

afterAll(async () => {
  capture.stop();
  await proxy?.stop();
  await moto?.stop();
});

afterEach(() => {
  expect(proxy.rotationFailures).toEqual([]);
});

test('the template wires the example processor as the endpoint\'s: batches of 10 with partial batch failures, the idempotency table, the body bucket', () => {
  expect(processor).toMatchObject({ batchSize: 10, reportsItemFailures: true, maxReceiveCount: 5 });
  expect(Object.keys(processor.environment).sort()).toEqual(['AWS_LAMBDA_FUNCTION_NAME', 'IDEMPOTENCY_TABLE_NAME', 'WEBHOOK_BODY_BUCKET']);
});

test('a delivery queued twice (SQS delivers at least once) is processed once, and both copies leave the queue', async () => {
  const body = JSON.stringify({ ref: 'refs/heads/main', after: randomBytes(20).toString('hex') });
  expect((await deliverToGithub(body)).statusCode).toBe(200);
  // The same message a second time, attributes and all: what an at-least-once queue may hand over.
  const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: deployment.queueUrl, MessageAttributeNames: ['All'], VisibilityTimeout: 0 }));
  expect(Messages).toHaveLength(1);
  await aws.sqs.send(new SendMessageCommand({ QueueUrl: deployment.queueUrl, MessageBody: Messages[0].Body, MessageAttributes: Messages[0].MessageAttributes }));
  const before = processed().length;

  const polls = await drainWith(bundle.handler);

  expect(polls.flatMap((p) => p.received)).toHaveLength(2);
  expect(polls.flatMap((p) => p.failed)).toEqual([]);
  const lines = processed().slice(before);
  expect(lines).toEqual([expect.objectContaining({ source: 'github', dedupeKey: `sha256:${sha256(body)}`, eventType: 'push', bodyBinding: 'signed', claimChecked: false })]);
  expect(await depth(deployment.queueUrl)).toBe(0);
  const { Items = [] } = await aws.dynamodb.send(new ScanCommand({ TableName: processor.environment.IDEMPOTENCY_TABLE_NAME }));
  expect(Items.filter((item) => item.status?.S === 'COMPLETED').length).toBeGreaterThanOrEqual(1);
});

test('a 4 MB GitHub delivery is claim-checked by the verifier and read back byte for byte by parseWebhookRecord in the processor', async () => {
  const filler = randomBytes(3_000_000).toString('base64').slice(0, 4_000_000 - 40);
  const body = JSON.stringify({ action: 'large', data: filler });
  expect(Buffer.byteLength(body)).toBeGreaterThan(700 * 1024);
  expect((await deliverToGithub(body)).statusCode).toBe(200);
  const seen: WebhookRecord[] = [];
  // The bundle's own processing (parse, claim-check fetch with the client it creates, idempotency), with a business step that keeps what it got.
  const keep = bundle.createProcessor({ tableName: processor.environment.IDEMPOTENCY_TABLE_NAME, bodyBucket: processor.environment.WEBHOOK_BODY_BUCKET, handle: async (record) => void seen.push(record) });

  const polls = await drainWith(keep);

  expect(polls.flatMap((p) => p.failed)).toEqual([]);
  expect(seen).toHaveLength(1);
  const [record] = seen;
  expect(record.bodyEncoding).toBe('s3');
  expect(record.claimCheck).toMatchObject({ bucket: processor.environment.WEBHOOK_BODY_BUCKET, size: Buffer.byteLength(body), sha256: sha256(body) });
  expect(record.claimCheck!.key.startsWith('github/')).toBe(true);
  expect(record.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
  expect(record.json()).toEqual(JSON.parse(body));
  // The object itself holds exactly those bytes.
  const object = await aws.s3.send(new GetObjectCommand({ Bucket: record.claimCheck!.bucket, Key: record.claimCheck!.key }));
  expect(sha256(await object.Body!.transformToByteArray())).toBe(sha256(body));
}, 60_000);

test('a poison delivery goes to the dead-letter queue after maxReceiveCount receives; the CLI\'s redrive brings it back and the fixed processor processes it', async () => {
  const body = JSON.stringify({ action: 'poison', id: randomBytes(8).toString('hex') });
  const key = `sha256:${sha256(body)}`;
  expect((await deliverToGithub(body, 'issues')).statusCode).toBe(200);
  // A processor whose business step cannot handle this delivery (a bug, a downstream refusing it).
  const broken = bundle.createProcessor({
    tableName: processor.environment.IDEMPOTENCY_TABLE_NAME,
    handle: async (record) => {
      if (record.dedupeKey === key) throw new Error('cannot handle this one');
    },
  });

  const failures = [];
  for (let receive = 1; receive <= processor.maxReceiveCount + 1; receive++) failures.push(await poll(broken));

  // Failed on each of its maxReceiveCount receives; on the next, SQS moved it to the dead-letter queue.
  expect(failures.slice(0, processor.maxReceiveCount).map((p) => p.failed.length)).toEqual(Array(processor.maxReceiveCount).fill(1));
  expect(failures[processor.maxReceiveCount].received).toEqual([]);
  expect(await depth(deployment.queueUrl)).toBe(0);
  expect(await depth(deployment.deadLetterQueueUrl)).toBe(1);

  const run = await runCli(['redrive', '--stack', deployment.stackName, '--json'], { ...credentials, AWS_ENDPOINT_URL: proxy.url });
  await proxy.settled();
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ status: 'COMPLETED', messagesMoved: 1 });
  expect(await depth(deployment.deadLetterQueueUrl)).toBe(0);

  // The fixed processor (the bundle's handler) takes it from the queue: nothing remembered it as processed.
  const before = processed().length;
  const polls = await drainWith(bundle.handler);
  expect(polls.flatMap((p) => p.failed)).toEqual([]);
  expect(processed().slice(before)).toEqual([expect.objectContaining({ dedupeKey: key, eventType: 'issues' })]);
  expect(await depth(deployment.queueUrl)).toBe(0);
}, 60_000);

test('a message the verifier never queued fails alone; the rest of its batch is processed', async () => {
  const body = JSON.stringify({ action: 'fine', id: randomBytes(8).toString('hex') });
  expect((await deliverToGithub(body)).statusCode).toBe(200);
  await aws.sqs.send(new SendMessageCommand({ QueueUrl: deployment.queueUrl, MessageBody: '{"forged":true}', MessageAttributes: { source: { DataType: 'String', StringValue: 'github' } } }));
  const before = processed().length;

  const result = await poll(bundle.handler);

  expect(result.received).toHaveLength(2);
  expect(result.failed).toHaveLength(1);
  expect(processed().slice(before)).toEqual([expect.objectContaining({ dedupeKey: `sha256:${sha256(body)}` })]);
  // Left for the redrive policy; removed here so later runs start clean.
  await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: deployment.queueUrl, VisibilityTimeout: 0 })).then(async ({ Messages = [] }) => {
    for (const m of Messages) await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: deployment.queueUrl, ReceiptHandle: m.ReceiptHandle }));
  });
});
