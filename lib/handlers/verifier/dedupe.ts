import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

export type ClaimResult = 'claimed' | 'duplicate' | 'in_progress';

export interface DedupeOptions {
  readonly tableName: string;
  /** How long a claim blocks other deliveries of the same event: longer than one verifier run. */
  readonly lockSeconds: number;
  /** How long a completed event is remembered (and refused as a duplicate). */
  readonly retentionSeconds: number;
}

/**
 * "Have we queued this event already?", in DynamoDB, keyed by source and event id. A delivery first
 * claims the event (an IN_PROGRESS record whose lock expires), then queues it, then marks it
 * COMPLETED. A verifier that dies between claim and queue leaves a lock that simply runs out, so the
 * sender's retry gets through; one that fails to queue releases the claim at once.
 *
 * Written here rather than with Powertools idempotency, which does the same protocol but adds
 * ≈46 KB minified (JMESPath, persistence layers) to a handler whose budget is 25 KB.
 */
export class DedupeStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DedupeOptions,
  ) {}

  async claim(key: string, nowMs: number): Promise<ClaimResult> {
    const now = Math.floor(nowMs / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            pk: { S: key },
            status: { S: 'IN_PROGRESS' },
            lockExpiresAt: { N: String(now + this.options.lockSeconds) },
            expiresAt: { N: String(now + this.options.retentionSeconds) },
          },
          // TTL deletes lazily, so an expired record counts as absent.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR (#status = :inProgress AND lockExpiresAt < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':inProgress': { S: 'IN_PROGRESS' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // DynamoDB returns the existing record with the failure; an implementation that does not gets read.
      const status = error.Item ? error.Item.status?.S : await this.status(key);
      return status === 'COMPLETED' ? 'duplicate' : 'in_progress';
    }
  }

  private async status(key: string): Promise<string | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: { pk: { S: key } }, ConsistentRead: true }));
    return out.Item?.status?.S;
  }

  async complete(key: string, messageId: string | undefined): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: key } },
        UpdateExpression: 'SET #status = :completed, messageId = :messageId REMOVE lockExpiresAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':completed': { S: 'COMPLETED' }, ':messageId': { S: messageId ?? 'unknown' } },
      }),
    );
  }

  async release(key: string): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: key } },
        ConditionExpression: '#status = :inProgress',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inProgress': { S: 'IN_PROGRESS' } },
      }),
    );
  }
}
