import { AttributeValue, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

/*
 * Duplicate detection: one claim decides (claim → queue → complete), after AWS Lambda Powertools'
 * idempotency utility (its DynamoDB persistence layer: a conditional PutItem of an IN_PROGRESS record
 * with an in-progress expiry, ReturnValuesOnConditionCheckFailure=ALL_OLD instead of a second read,
 * then COMPLETED). Written here rather than imported because that persistence layer alone is 39 KB
 * minified (with @aws-sdk external), and a verifier bundle's whole budget is 40 KB.
 *
 * Per delivery, with `key` = `<source>#<dedupeKey>` (the IAM policy confines each verifier to its
 * source's prefix) and `token` a random id of this invocation:
 * 1. claim: PutItem {status IN_PROGRESS, claimToken, lockExpiresAtMs, expiresAt} if no live record
 *    exists (absent, past its retention, or an IN_PROGRESS claim whose lock has run out). When the
 *    condition fails, DynamoDB hands back the record it found:
 *    - our own token: our PutItem was applied but its answer was lost and the SDK sent it again, so
 *      the claim is ours (Powertools would call that in progress and answer a retryable error);
 *    - COMPLETED: a duplicate (200, nothing queued);
 *    - IN_PROGRESS: another delivery holds it: 503 + Retry-After (not 409: SNS and others never
 *      retry a 4xx), and the retry is a duplicate once that one completes;
 *    - no record returned (an emulator without ALL_OLD): treated as in progress, never as ours.
 *    A claim that fails (DynamoDB unreachable, throttled) answers 503 and nothing is queued.
 * 2. SendMessage. If it fails, the claim is released (DeleteItem, only if it still carries our token)
 *    and the answer is 503: the sender's retry is queued. If the release fails too, the lock blocks
 *    retries until it runs out.
 * 3. complete: UpdateItem to COMPLETED (only if the record still carries our token), tried
 *    COMPLETE_ATTEMPTS times; the 200 comes after the send whether or not this succeeds.
 *
 * The lock (`lockSeconds`) is the verifier function's timeout plus a margin, set by the construct: a
 * claim made during an invocation outlives that invocation, so a slow live delivery is never
 * overtaken, and a crash between claim and send blocks the sender's retries only that long.
 *
 * What is guaranteed, within the retention window: one dedupe key is queued at most once under
 * concurrent deliveries and under any failed, slow or lost DynamoDB call before the send. The only
 * second copies (same dedupeKey, for the consumer to fold): SQS's own at-least-once (a SendMessage
 * that reached SQS but whose answer was lost, resent by the SDK or answered 503 and retried), and a
 * crash or a persistently failing completion between the send and the completion, followed by a
 * sender's retry after the lock has run out (a retry before that gets 503, never a second message).
 *
 * Answered handshakes (Slack's url_verification, Twitch's callback verification, Zoom's endpoint
 * validation, SNS's subscription confirmation) are recorded COMPLETED under their dedupe key
 * (`recordAnswered`), so the same signed content replayed later as an event is a duplicate.
 *
 * Cost (on-demand, us-east-1, per million accepted webhooks; a record is under 1 KB, so 1 WRU a
 * write, and ALL_OLD costs no read unit): claim + complete = 2 WRU = $1.25. A duplicate or a
 * concurrent delivery costs its failed conditional PutItem (1 WRU, $0.625 a million); a failed send
 * costs the release (1 WRU). The previous read–queue–record design cost $0.75 (1 strongly consistent
 * RRU + 1 WRU) and could queue an event twice whenever two deliveries raced or its record failed to
 * write; for senders that sign no timestamp (GitHub, Shopify, Twilio, ...) the record is the only
 * replay control, so the $0.50 a million buys the guarantee above.
 * Needs dynamodb:PutItem, UpdateItem and DeleteItem under the source's leading key (no GetItem).
 */

export interface DedupeOptions {
  readonly tableName: string;
  /** How long a queued event is remembered (and refused as a duplicate). */
  readonly retentionSeconds: number;
  /** How long a claim blocks other deliveries of its key (longer than the function's timeout). */
  readonly lockSeconds: number;
}

export type ClaimResult = { readonly state: 'claimed' } | { readonly state: 'duplicate' } | { readonly state: 'in_progress' };

/** Attempts at the completion write before the verifier gives up on it (and logs it). */
export const COMPLETE_ATTEMPTS = 3;

const IN_PROGRESS = { S: 'IN_PROGRESS' };
const COMPLETED = { S: 'COMPLETED' };
// A record may be (re)claimed when it is absent, past its retention (TTL deletes lazily), or an
// IN_PROGRESS claim whose lock has run out (its holder crashed or timed out).
const CLAIMABLE = 'attribute_not_exists(pk) OR expiresAt < :now OR (#status = :inProgress AND lockExpiresAtMs < :nowMs)';

/** The claim–queue–complete protocol described above, over the dedupe table. */
export class DedupeClaims {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly options: DedupeOptions,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Claims `key` for this invocation (`token`). Throws when DynamoDB does: nothing may be queued then. */
  async claim(key: string, token: string, nowMs: number): Promise<ClaimResult> {
    const old = await this.putIfClaimable(key, token, nowMs, {
      status: IN_PROGRESS,
      lockExpiresAtMs: { N: String(nowMs + this.options.lockSeconds * 1000) },
    });
    if (old === undefined) return { state: 'claimed' };
    if (old === null) return { state: 'in_progress' };
    if (old.status?.S === 'IN_PROGRESS' && old.claimToken?.S === token) return { state: 'claimed' };
    return { state: old.status?.S === 'COMPLETED' ? 'duplicate' : 'in_progress' };
  }

  /**
   * Records a handshake answered without queueing as COMPLETED, so that its signed content comes
   * back as a duplicate. A live record already there (the same handshake answered before, or an event
   * with that key) stays as it is. Throws when DynamoDB does.
   */
  async recordAnswered(key: string, token: string, nowMs: number): Promise<void> {
    await this.putIfClaimable(key, token, nowMs, { status: COMPLETED });
  }

  /**
   * Marks our claim COMPLETED with the message it was queued as: 'completed', or 'claim_lost' when the
   * record no longer carries our token (another delivery took it over after the lock ran out).
   * Retried COMPLETE_ATTEMPTS times; throws the last error after that.
   */
  async complete(key: string, token: string, messageId: string | undefined): Promise<'completed' | 'claim_lost'> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: { pk: { S: key } },
            UpdateExpression: 'SET #status = :completed, messageId = :messageId REMOVE lockExpiresAtMs',
            // No status in the condition: a completion whose answer was lost and that the SDK resends
            // finds its own COMPLETED record, and succeeds again.
            ConditionExpression: 'claimToken = :token',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':completed': COMPLETED, ':messageId': { S: messageId ?? 'unknown' }, ':token': { S: token } },
          }),
        );
        return 'completed';
      } catch (error) {
        if (conditionFailed(error)) return 'claim_lost';
        if (attempt >= COMPLETE_ATTEMPTS) throw error;
        await this.sleep(50 * 2 ** attempt);
      }
    }
  }

  /** Gives our claim up after a failed send, so the sender's retry is queued. Throws when DynamoDB does. */
  async release(key: string, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: key } },
          ConditionExpression: 'claimToken = :token AND #status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':token': { S: token }, ':inProgress': IN_PROGRESS },
        }),
      );
    } catch (error) {
      // Already gone (a resent delete) or no longer ours: nothing of ours to release.
      if (!conditionFailed(error)) throw error;
    }
  }

  /**
   * The conditional PutItem both writes share. undefined: written; the record found instead when the
   * condition failed; null when the condition failed and DynamoDB returned no record.
   */
  private async putIfClaimable(key: string, token: string, nowMs: number, fields: Record<string, AttributeValue>): Promise<Record<string, AttributeValue> | null | undefined> {
    const now = Math.floor(nowMs / 1000);
    // A record past its retention is claimable: one that expired before its lock ran out would let a
    // second delivery past a live claim, so it lives at least as long as the lock.
    const lifeSeconds = Math.max(this.options.retentionSeconds, Math.ceil(this.options.lockSeconds));
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: { pk: { S: key }, ...fields, claimToken: { S: token }, expiresAt: { N: String(now + lifeSeconds) } },
          ConditionExpression: CLAIMABLE,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':nowMs': { N: String(nowMs) }, ':inProgress': IN_PROGRESS },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      return error.Item ?? null;
    }
  }
}

/** DynamoDB's ConditionalCheckFailedException, read by name: the SDK may come from another module instance. */
function conditionFailed(error: unknown): error is { Item?: Record<string, AttributeValue> } {
  return error !== null && typeof error === 'object' && (error as { name?: unknown }).name === 'ConditionalCheckFailedException';
}
