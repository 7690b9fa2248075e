import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { TEST_NOW } from '../support/clock';
import { Delivery, Kit, kits, PUBLIC_URL } from '../support/differential/kits';
import { apiEvent } from '../support/events';
import { createLocalCa } from '../runtime/senders/support/local-ca';
import { REGION } from './support/deploy';
import { loadBundledHandler, StdoutCapture, verifierBundle } from './support/handlers';
import { MotoServer, startMoto } from './support/moto';

/**
 * Every sender whose verification needs no fetched key, through the bundle its function runs
 * (assets/verifier-<family>, as the construct picks it) on moto: a genuine delivery, signed by the
 * scheme's own `sign` with a key kept in Secrets Manager as `put-key` keeps it, is answered 200 and
 * lands on the queue byte for byte with its body binding. A sender missing from its family's bundle,
 * or a bundle that cannot load, fails here. (Senders that fetch their keys are covered by the
 * published-key suites; Apple's trust anchor cannot be replaced in a bundle, by design.)
 */
const credentials = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION };
let moto: MotoServer;
let secrets: SecretsManagerClient;
let sqs: SQSClient;
const output = new StdoutCapture();
const ca = createLocalCa();
const KITS = kits(ca).filter((kit) => !kit.fetch && kit.scheme.trustAnchor === undefined);

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, { ...credentials, AWS_ENDPOINT_URL: moto.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  secrets = new SecretsManagerClient({ region: REGION, endpoint: moto.url });
  sqs = new SQSClient({ region: REGION, endpoint: moto.url });
  output.start();
  // The deliveries are signed at TEST_NOW: the bundles read the clock through Date, faked to it
  // (timers stay real, for the SDK's sockets).
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'] });
  jest.setSystemTime(TEST_NOW);
}, 30_000);

afterAll(async () => {
  jest.useRealTimers();
  output.stop();
  ca.dispose();
  await moto?.stop();
});

/** The query string API Gateway hands over for a URL, each name's values decoded. */
function queryOf(url: string | undefined): Record<string, string[]> | undefined {
  const at = url?.indexOf('?') ?? -1;
  if (!url || at < 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(url.slice(at + 1))) (out[name] ??= []).push(value);
  return out;
}

let n = 0;
async function sourceFor(kit: Kit): Promise<(event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>> {
  const name = `e2e-every-${++n}`;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const secretArn = kit.secretDocument === undefined ? undefined : (await secrets.send(new CreateSecretCommand({ Name: `webhooks/every/${name}`, SecretString: kit.secretDocument }))).ARN;
  const environment: Record<string, string> = {
    WEBHOOK_ENDPOINT: 'every',
    WEBHOOK_SOURCE: name,
    WEBHOOK_SCHEME: JSON.stringify(kit.config),
    WEBHOOK_QUEUE_URL: QueueUrl!,
    WEBHOOK_MAX_BODY_BYTES: '262144',
    WEBHOOK_KEY_SOURCE: 'imported',
    ...(secretArn ? { WEBHOOK_SECRET_ARN: secretArn } : {}),
    ...(kit.scheme.signsUrl ? { WEBHOOK_PUBLIC_URL: PUBLIC_URL } : {}),
  };
  const handler = loadBundledHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(verifierBundle(environment), environment);
  return async (event) => {
    const response = await handler(event);
    return { ...response, queueUrl: QueueUrl } as APIGatewayProxyResult & { queueUrl: string };
  };
}

test.each(KITS.map((kit) => [kit.name, kit] as const))('%s: its bundle verifies a genuine delivery and queues its exact bytes', async (_name, kit) => {
  const handler = await sourceFor(kit);
  const delivery: Delivery = kit.deliver(kit.example);
  const response = (await handler(
    apiEvent({ body: delivery.body.toString('base64'), isBase64Encoded: true, headers: delivery.headers as Record<string, string | string[]>, query: queryOf(delivery.url) }),
  )) as APIGatewayProxyResult & { queueUrl: string };
  expect({ status: response.statusCode, body: response.body.slice(0, 200) }).toMatchObject({ status: 200 });
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: response.queueUrl, MessageAttributeNames: ['All'], MaxNumberOfMessages: 10 }));
  expect(Messages).toHaveLength(1);
  const attributes = Messages[0].MessageAttributes ?? {};
  const bytes = attributes.bodyEncoding?.StringValue === 'base64' ? Buffer.from(Messages[0].Body!, 'base64') : Buffer.from(Messages[0].Body!, 'utf8');
  expect(bytes.equals(delivery.body)).toBe(true);
  expect(attributes.bodyBinding?.StringValue).toBe(kit.scheme.bodyBinding === 'partial' && kit.type.startsWith('twilio') && kit.mediaType === 'application/json' ? 'signed' : kit.scheme.bodyBinding);
  // A forgery of it (the body changed) is refused where the signature binds the body.
  if (kit.scheme.bodyBinding === 'signed') {
    const forged = Buffer.from(delivery.body);
    forged[forged.length - 2] ^= 1;
    const refused = await handler(apiEvent({ body: forged.toString('base64'), isBase64Encoded: true, headers: delivery.headers as Record<string, string | string[]>, query: queryOf(delivery.url) }));
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
  }
});
