import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, DeleteMessageCommand, Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { build } from 'esbuild';
import { HardenedWebhookEndpoint, LARGEST_BODY_BYTES, SignatureScheme } from '../../lib';
import { newStack } from '../support/stacks';
import { delivery } from './support/cli';
import { REGION } from './support/deploy';
import { StdoutCapture } from './support/handlers';
import { MotoServer, startMoto } from './support/moto';

/**
 * A 4 MB GitHub delivery through the verifier's core bundle (github's), built from lib/ now (assets/
 * may predate the claim-check), on moto_server's S3, SQS, KMS, DynamoDB and Secrets Manager, with the
 * environment the construct gives a source whose maxBodySize exceeds the inline limit: verified,
 * written to the bucket, queued as a pointer whose size and SHA-256 match the bytes sent; a redelivery
 * is a duplicate; a send that fails is answered 503 and the sender's retry is queued.
 */
const credentials = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION };
const SECRET = `gh-${randomBytes(16).toString('hex')}`;
type Verifier = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

let moto: MotoServer;
let bundleDir: string;
let environment: Record<string, string>;
let aws: { s3: S3Client; sqs: SQSClient };
const output = new StdoutCapture();

/** The github source's verifier environment as the construct synthesizes it, with `refs` in place of its references. */
function synthesizedEnvironment(refs: Record<string, string>): Record<string, string> {
  const stack = newStack();
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'dev', endpointName: 'large' });
  endpoint.addSource('github', { scheme: SignatureScheme.github(), maxBodySize: Size.bytes(LARGEST_BODY_BYTES) });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }> };
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.WEBHOOK_QUEUE_URL)!;
  return Object.fromEntries(
    Object.entries(fn.Properties.Environment!.Variables!)
      .filter(([name]) => name !== 'NODE_OPTIONS')
      .map(([name, value]) => {
        if (typeof value === 'string') return [name, value];
        const type = template.Resources[(value as { Ref: string }).Ref].Type;
        if (!(type in refs)) throw new Error(`no moto resource for ${name} (${type})`);
        return [name, refs[type]];
      }),
  );
}

/** A fresh container of the freshly built bundle, its module initialised with `env` (as Lambda would). */
function verifier(env: Record<string, string>): Verifier {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let handler: Verifier | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = (require(join(bundleDir, 'index.js')) as { handler: Verifier }).handler;
    });
    return handler!;
  } finally {
    process.env = saved;
  }
}

const githubDelivery = (body: Buffer, deliveryId: string) => {
  const event = delivery('github', {
    'X-GitHub-Event': 'push',
    'X-GitHub-Delivery': deliveryId,
    'X-Hub-Signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
  }, '');
  return { ...event, body: body.toString('base64') };
};

/** A GitHub-style push payload of `size` bytes (ASCII JSON). */
function pushPayload(size: number, id: string): Buffer {
  const head = `{"ref":"refs/heads/main","after":"${id}","commits":[{"message":"`;
  return Buffer.from(head + 'x'.repeat(size - head.length - 4) + '"}]}');
}

/** The endpoint's key, on moto's KMS (no KMS client among this repo's dependencies: one JSON call by hand). */
async function createKmsKey(motoUrl: string): Promise<string> {
  const response = await fetch(motoUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'TrentService.CreateKey',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/kms/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ Description: 'endpoint key' }),
  });
  if (!response.ok) throw new Error(`moto CreateKey: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
}

async function drain(queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return all;
    for (const message of Messages) await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    all.push(...Messages);
  }
}

beforeAll(async () => {
  // Under node_modules, so the bundle's require('@aws-sdk/...') resolves as on Lambda (the runtime's SDK).
  const cache = join(__dirname, '..', '..', 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  bundleDir = mkdtempSync(join(cache, 'claim-check-e2e-'));
  // As scripts/bundle.mjs bundles it.
  await build({
    entryPoints: [join(__dirname, '..', '..', 'lib', 'handlers', 'verifier', 'entries', 'core.ts')],
    outfile: join(bundleDir, 'index.js'),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  moto = await startMoto();
  Object.assign(process.env, { ...credentials, AWS_ENDPOINT_URL: moto.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const config = { region: REGION, endpoint: moto.url };
  aws = { s3: new S3Client({ ...config, forcePathStyle: true }), sqs: new SQSClient(config) };
  const keyArn = await createKmsKey(moto.url);
  const bucket = 'large-claim-check';
  await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await aws.s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }] },
    }),
  );
  const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: 'large-queue' }));
  const { ARN } = await new SecretsManagerClient(config).send(new CreateSecretCommand({ Name: 'webhooks/large/github', SecretString: JSON.stringify({ current: SECRET }) }));
  await new DynamoDBClient(config).send(
    new CreateTableCommand({ TableName: 'large-dedupe', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
  );
  environment = synthesizedEnvironment({
    'AWS::SQS::Queue': QueueUrl!,
    'AWS::S3::Bucket': bucket,
    'AWS::SecretsManager::Secret': ARN!,
    'AWS::DynamoDB::Table': 'large-dedupe',
  });
  output.start();
}, 60_000);

afterAll(async () => {
  output.stop();
  await moto?.stop();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

test('the bundle that carries the claim-check is within 40 KB', () => {
  expect(statSync(join(bundleDir, 'index.js')).size).toBeLessThanOrEqual(40_000);
  expect(environment).toMatchObject({ WEBHOOK_SOURCE: 'github', WEBHOOK_BODY_BUCKET: 'large-claim-check', WEBHOOK_MAX_BODY_BYTES: String(LARGEST_BODY_BYTES) });
});

test('a 4 MB delivery is verified, written to the bucket byte for byte, and queued as a pointer with its size and SHA-256; a redelivery is a duplicate', async () => {
  const handler = verifier(environment);
  const body = pushPayload(4_000_000, 'c0ffee');

  const response = await handler(githubDelivery(body, 'delivery-1'));

  expect(response.statusCode).toBe(200);
  const [message, ...more] = await drain(environment.WEBHOOK_QUEUE_URL);
  expect(more).toEqual([]);
  expect(message.MessageAttributes?.bodyEncoding?.StringValue).toBe('s3');
  expect(message.MessageAttributes?.source?.StringValue).toBe('github');
  expect(message.MessageAttributes?.['unsigned.eventId']?.StringValue).toBe('delivery-1');
  const pointer = JSON.parse(message.Body!) as { bucket: string; key: string; size: number; sha256: string };
  expect(Object.keys(pointer)).toEqual(['bucket', 'key', 'size', 'sha256']);
  expect(pointer).toMatchObject({ bucket: 'large-claim-check', size: 4_000_000, sha256: createHash('sha256').update(body).digest('hex') });
  expect(pointer.key).toMatch(/^github\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}$/);
  const object = await aws.s3.send(new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
  const stored = Buffer.from(await object.Body!.transformToByteArray());
  expect(stored.equals(body)).toBe(true);
  expect(createHash('sha256').update(stored).digest('hex')).toBe(pointer.sha256);
  const head = await aws.s3.send(new HeadObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
  expect(head.ServerSideEncryption).toBe('aws:kms');

  // GitHub's redelivery (a new delivery id, the same signed body): a duplicate, nothing stored or queued.
  const again = await handler(githubDelivery(body, 'delivery-1-redelivered'));
  expect(again.statusCode).toBe(200);
  expect(JSON.parse(again.body).duplicate).toBe(true);
  expect(await drain(environment.WEBHOOK_QUEUE_URL)).toEqual([]);
  const objects = await aws.s3.send(new ListObjectsV2Command({ Bucket: pointer.bucket, Prefix: 'github/' }));
  expect(objects.KeyCount).toBe(1);
});

test('a send that fails after the body is stored is answered 503, and the sender\'s retry is queued: nothing acknowledged is lost', async () => {
  const body = pushPayload(1_000_000, 'beef');
  // A container whose queue is gone: the body is stored, the send fails.
  const broken = verifier({ ...environment, WEBHOOK_QUEUE_URL: environment.WEBHOOK_QUEUE_URL.replace(/large-queue$/, 'no-such-queue') });
  const failed = await broken(githubDelivery(body, 'delivery-2'));
  expect(failed.statusCode).toBe(503);
  expect(output.audit.at(-1)).toMatchObject({ outcome: 'EnqueueFailed', reason: 'enqueue_failed' });

  const retried = await verifier(environment)(githubDelivery(body, 'delivery-2'));
  expect(retried.statusCode).toBe(200);
  expect(JSON.parse(retried.body).duplicate).toBeUndefined();
  const [message] = await drain(environment.WEBHOOK_QUEUE_URL);
  const pointer = JSON.parse(message.Body!) as { key: string; sha256: string };
  const stored = Buffer.from(await (await aws.s3.send(new GetObjectCommand({ Bucket: 'large-claim-check', Key: pointer.key }))).Body!.transformToByteArray());
  expect(stored.equals(body)).toBe(true);
  // The first attempt's object stays for the lifecycle rule to expire (the verifier cannot delete).
  const objects = await aws.s3.send(new ListObjectsV2Command({ Bucket: 'large-claim-check', Prefix: 'github/' }));
  expect(objects.KeyCount).toBe(3);
});
