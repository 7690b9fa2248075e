import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';

/*
 * Duplicate detection: two designs, what each guarantees and what it costs (on-demand, us-east-1,
 * per million accepted webhooks; a record is under 1 KB, so 1 WRU a write and 1 RRU a strongly
 * consistent read of it).
 *
 * Claim–queue–complete (the previous design, `DedupeStore` below): a conditional PutItem claims the
 * event IN_PROGRESS with a lock, then SendMessage, then UpdateItem marks it COMPLETED (a failed send
 * deletes the claim). Concurrent deliveries of one event: one queues, the others get 409 and retry.
 * A crash between claim and send blocks retries until the lock runs out. Still at-least-once: a
 * failed UpdateItem after the send lets a retry past the lock queue a second copy. Cost: 2 WRU =
 * $1.25 (3 with the release).
 *
 * Read–queue–record (this design, `DedupeLedger`): a strongly consistent GetItem; a live record means
 * a duplicate (200, nothing queued); else SendMessage; then a conditional PutItem of the done record
 * (expires after the retention window). Guarantees:
 * - nothing acknowledged is lost: the 200 still comes only after the send, and a read that fails
 *   answers 503 before anything is queued;
 * - a recorded event is never queued again within the retention window. That needs the strongly
 *   consistent read: an eventually consistent one (0.5 RRU) can miss a record written a moment
 *   before, and a sender's quick retry is exactly that case. The difference is $0.0625 a million;
 * - what it gives up: no record exists until after the send, so a crash or a failed PutItem after
 *   the send, or two deliveries of one event at the same moment, can queue a second copy. SQS is
 *   at-least-once anyway and consumers dedupe on the `dedupeKey` attribute (README, "What your
 *   processor receives"), so a second copy was always possible; no lock, no 409, no release.
 * Cost: 1 WRU + 1 RRU = $0.625 + $0.125 = $0.75 (a duplicate costs the read alone).
 * Needs only dynamodb:GetItem and dynamodb:PutItem, under the source's leading key.
 */

export interface DedupeOptions {
  readonly tableName: string;
  /** How long a queued event is remembered (and refused as a duplicate). */
  readonly retentionSeconds: number;
}

/** "Have we queued this event already?": the read–queue–record design described above. */
export class DedupeLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DedupeOptions,
  ) {}

  /** Whether a live record of the event exists (strongly consistent). Throws when DynamoDB does. */
  async seen(key: string, nowMs: number): Promise<boolean> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: { pk: { S: key } }, ConsistentRead: true }));
    const expiresAt = Number(out.Item?.expiresAt?.N);
    // TTL deletes lazily, so a record past its retention counts as absent.
    return out.Item !== undefined && !(expiresAt < Math.floor(nowMs / 1000));
  }

  /**
   * Records the event as queued. A live record already there (a concurrent delivery of the same
   * event recorded first) is left as it is, and that is not an error.
   */
  async record(key: string, messageId: string | undefined, nowMs: number): Promise<void> {
    const now = Math.floor(nowMs / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            pk: { S: key },
            status: { S: 'COMPLETED' },
            messageId: { S: messageId ?? 'unknown' },
            expiresAt: { N: String(now + this.options.retentionSeconds) },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
