import { createHash } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { createProcessor } from '../../bin/processor';
import { WebhookRecord } from '../../lib/runtime/consumer';
import { addMetadata, sqsBody } from '../../lib/handlers/verifier/verifier';
import { startDynalite } from '../support/dynalite';
import { isoAt } from '../support/clock';

// The README's idempotency recipe, as the example processor (bin/processor/index.ts) runs it:
// Powertools' idempotency utility keyed on each record's source and dedupeKey, in a table laid out
// as processorIdempotency creates it (partition key "id", TTL "expiration"), and Powertools'
// BatchProcessor reporting partial batch failures. Against dynalite (an in-process DynamoDB).

const credentials = { region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let dynamodb: DynamoDBClient;
let table = 0;

beforeAll(async () => {
  dynalite = await startDynalite();
  dynamodb = new DynamoDBClient({ ...credentials, endpoint: dynalite.url });
});
afterAll(async () => {
  dynamodb?.destroy();
  await dynalite?.stop();
});

/** A fresh table as processorIdempotency creates it. */
async function idempotencyTable(): Promise<string> {
  const name = `idempotency-${++table}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return name;
}

/** A record as the verifier queues it (its own sqsBody and addMetadata), in Lambda's event shape. */
function delivery(messageId: string, body: string, { source = 'github', eventId }: { source?: string; eventId?: string } = {}): SQSRecord {
  const { text, encoding } = sqsBody(body);
  const hash = createHash('sha256').update(body).digest('hex');
  const attributes: Record<string, MessageAttributeValue> = {};
  const put = (name: string, value: string) => (attributes[name] = { DataType: 'String', StringValue: value });
  put('source', source);
  put('receivedAt', isoAt());
  put('payloadSha256', hash);
  put('dedupeKey', eventId ?? `sha256:${hash}`);
  put('contentType', 'application/json');
  put('bodyEncoding', encoding);
  put('requestId', `req-${messageId}`);
  put('bodyBinding', 'signed');
  addMetadata(attributes, eventId ? { 'signed.eventId': eventId } : {});
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: text,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'AROA', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: Object.fromEntries(Object.entries(attributes).map(([n, v]) => [n, { dataType: 'String', stringValue: v.StringValue, stringListValues: [], binaryListValues: [] }])),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:hooks-queue',
    awsRegion: 'us-east-1',
  };
}

const context = { functionName: 'processor', awsRequestId: 'invocation', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** The example processor with a recording business step that fails the deliveries named in `failing`. */
async function processor(failing = new Set<string>()) {
  const handled: WebhookRecord[] = [];
  const process = createProcessor({
    tableName: await idempotencyTable(),
    dynamodb,
    handle: async (record) => {
      if (failing.has(record.dedupeKey)) throw new Error(`downstream refused ${record.dedupeKey}`);
      handled.push(record);
    },
  });
  return { process, handled, failing };
}

describe('the idempotency recipe (Powertools, keyed on source and dedupeKey)', () => {
  test('a delivery queued twice is processed once; both copies succeed', async () => {
    const { process, handled } = await processor();

    const first = await process({ Records: [delivery('m1', '{"n":1}', { eventId: 'evt_1' }), delivery('m2', '{"n":1}', { eventId: 'evt_1' })] }, context);
    const later = await process({ Records: [delivery('m3', '{"n":1}', { eventId: 'evt_1' })] }, context);

    expect(first).toEqual({ batchItemFailures: [] });
    expect(later).toEqual({ batchItemFailures: [] });
    expect(handled.map((r) => r.messageId)).toEqual(['m1']);
  });

  test('the same dedupeKey from two sources is two deliveries', async () => {
    const { process, handled } = await processor();

    await process({ Records: [delivery('a', '{}', { source: 'github-org-a', eventId: 'delivery-1' }), delivery('b', '{}', { source: 'github-org-b', eventId: 'delivery-1' })] }, context);

    expect(handled.map((r) => `${r.source}:${r.dedupeKey}`)).toEqual(['github-org-a:delivery-1', 'github-org-b:delivery-1']);
  });

  test('partial batch failures: only the records that failed are reported, the rest are done', async () => {
    const { process, handled } = await processor(new Set(['evt_bad']));
    const malformed = { ...delivery('m-tampered', '{"n":2}'), body: '{"n":3}' };

    const result = await process({ Records: [delivery('m-ok', '{"n":1}', { eventId: 'evt_ok' }), malformed, delivery('m-bad', '{}', { eventId: 'evt_bad' })] }, context);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-tampered' }, { itemIdentifier: 'm-bad' }] });
    expect(handled.map((r) => r.messageId)).toEqual(['m-ok']);
  });

  test('a delivery whose processing failed is not remembered: its retry is processed', async () => {
    const { process, handled, failing } = await processor(new Set(['evt_retry']));

    const failed = await process({ Records: [delivery('m1', '{}', { eventId: 'evt_retry' })] }, context).catch((error: Error) => error);
    failing.clear();
    const retried = await process({ Records: [delivery('m1', '{}', { eventId: 'evt_retry' })] }, context);

    // Every record of the batch failed: Powertools throws, and Lambda returns the whole batch to the queue.
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).name).toBe('FullBatchFailureError');
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(handled.map((r) => r.dedupeKey)).toEqual(['evt_retry']);
  });

  test('what the table holds: a hashed key under a stable prefix, its status, an expiry, no body', async () => {
    const tableName = await idempotencyTable();
    const process = createProcessor({ tableName, dynamodb, handle: async () => undefined, rememberSeconds: 3600 });

    await process({ Records: [delivery('m1', '{"secret":"do-not-store"}', { eventId: 'evt_1' })] }, context);

    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: tableName }));
    expect(Items).toHaveLength(1);
    const [item] = Items;
    // hashFunction 'sha256' (Powertools' default is md5): the base64 SHA-256 of the key's JSON, [source, dedupeKey].
    expect(item.id.S).toBe(`webhook#${createHash('sha256').update(JSON.stringify(['github', 'evt_1'])).digest('base64')}`);
    expect(item.status.S).toBe('COMPLETED');
    expect(Number(item.expiration.N)).toBeGreaterThan(0);
    expect(JSON.stringify(item)).not.toContain('do-not-store');
  });

  test('the handler registers the invocation\'s context: an in-progress key expires with the invocation (a timed-out delivery is retried)', async () => {
    const tableName = await idempotencyTable();
    const seen: Record<string, unknown>[] = [];
    const process = createProcessor({
      tableName,
      dynamodb,
      // While the delivery is processed: its in-progress record, as a concurrent copy would find it.
      handle: async () => void seen.push(...((await dynamodb.send(new ScanCommand({ TableName: tableName }))).Items ?? [])),
    });
    const remaining = jest.fn(() => 30_000);

    await process({ Records: [delivery('m1', '{}', { eventId: 'evt_ctx' })] }, { ...context, getRemainingTimeInMillis: remaining } as Context);

    // Without config.registerLambdaContext(context) Powertools neither asks the context nor writes this attribute.
    expect(remaining).toHaveBeenCalled();
    expect(seen).toEqual([expect.objectContaining({ status: { S: 'INPROGRESS' }, in_progress_expiration: { N: expect.stringMatching(/^\d+$/) } })]);
  });
});
