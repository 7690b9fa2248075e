// The example app's processor: reads each verified delivery with parseWebhookRecord, processes it at
// most once per (source, dedupeKey) with Powertools' idempotency utility, and reports partial batch
// failures with Powertools' BatchProcessor, so only the deliveries that failed go back to the queue
// (and, after maxReceiveCount receives, to its dead-letter queue).
//
// In your own project, import from the package: `from 'cdk-hardened-webhook/consumer'`. Bundled at
// synth by bin/example-processor.ts (local esbuild, no Docker).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseWebhookRecord, S3ClientLike, WebhookRecord } from '../../lib/runtime/consumer';

/** What one delivery's processing returned; Powertools keeps it and returns it again for a duplicate. */
export interface Outcome {
  readonly source: string;
  readonly dedupeKey: string;
  readonly processedAt: string;
}

export interface ProcessorOptions {
  /** The idempotency table (the endpoint's processorIdempotency sets IDEMPOTENCY_TABLE_NAME). */
  readonly tableName: string;
  /** Your business logic for one delivery. Throw to have it retried (and in the end dead-lettered). */
  readonly handle?: (delivery: WebhookRecord) => Promise<void>;
  /**
   * How long a processed delivery is remembered. The verifier's dedupe table keeps each key 7 days by
   * default; remembering as long covers every duplicate it lets through (SQS's at-least-once delivery,
   * the documented second copy after a lost claim).
   */
  readonly rememberSeconds?: number;
  /** Only for claim-checked bodies: the endpoint's body bucket (WEBHOOK_BODY_BUCKET), and a client. */
  readonly bodyBucket?: string;
  readonly s3?: S3ClientLike;
  readonly dynamodb?: DynamoDBClient;
  /** Where a processed delivery's summary line goes. */
  readonly log?: (line: string) => void;
}

/** The example business logic: one JSON line per delivery, the signed event id where there is one, never the body. */
function summarise(log: (line: string) => void) {
  return async (delivery: WebhookRecord): Promise<void> => {
    log(
      JSON.stringify({
        message: 'webhook processed',
        source: delivery.source,
        messageId: delivery.messageId,
        dedupeKey: delivery.dedupeKey,
        eventId: delivery.signed.eventId,
        eventType: delivery.unsigned.eventType,
        bodyBinding: delivery.bodyBinding,
        bytes: delivery.body.length,
        claimChecked: delivery.claimCheck !== undefined,
      }),
    );
  };
}

export function createProcessor(options: ProcessorOptions): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const handle = options.handle ?? summarise(options.log ?? ((line) => process.stdout.write(`${line}\n`)));
  const config = new IdempotencyConfig({
    // Two sources may share a key space (two GitHub organisations, one delivery id each): the key is both.
    eventKeyJmesPath: '[source, dedupeKey]',
    // The table's key is a hash of [source, dedupeKey]: SHA-256, not Powertools' default MD5.
    hashFunction: 'sha256',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.rememberSeconds ?? 7 * 24 * 3600,
  });
  const processOnce = makeIdempotent(
    async (delivery: WebhookRecord): Promise<Outcome> => {
      await handle(delivery);
      return { source: delivery.source, dedupeKey: delivery.dedupeKey, processedAt: new Date().toISOString() };
    },
    {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: options.tableName, ...(options.dynamodb ? { awsSdkV3Client: options.dynamodb } : {}) }),
      config,
      // Not the function's name (Powertools' default): renaming the function must not forget what was processed.
      keyPrefix: 'webhook',
    },
  );
  const processor = new BatchProcessor(EventType.SQS);
  // A record that is not what the verifier queues throws WebhookRecordError: it fails alone, and is
  // dead-lettered after maxReceiveCount receives, for a person to look at.
  const recordHandler = async (record: SQSRecord) => processOnce(await parseWebhookRecord(record, { bucket: options.bodyBucket, s3: options.s3 }));
  return async (event, context) => {
    // An in-progress key expires with this invocation, so a delivery whose processing timed out is retried.
    config.registerLambdaContext(context);
    // One record after another: a duplicate in the same batch then finds the first copy's result,
    // not its in-progress record (which would fail it once, to be retried).
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
  };
}

const tableName = process.env.IDEMPOTENCY_TABLE_NAME;

/** The Lambda handler (IDEMPOTENCY_TABLE_NAME and, with claim-checked sources, WEBHOOK_BODY_BUCKET set by the endpoint). */
export const handler = tableName
  ? createProcessor({ tableName, bodyBucket: process.env.WEBHOOK_BODY_BUCKET || undefined })
  : async () => {
      throw new Error('IDEMPOTENCY_TABLE_NAME is not set: give the endpoint processorIdempotency: true');
    };
