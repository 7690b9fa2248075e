import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { AwsCommandError, AwsContext, isAwsError } from './context';
import { queueNameOf } from './discovery';

export interface QueueState {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  /** Messages waiting to be received. */
  readonly visible: number;
  /** Received, not yet deleted (a consumer is working on them). */
  readonly inFlight: number;
  readonly delayed: number;
  /** The dead-letter queue's ARN from the redrive policy. */
  readonly deadLetterArn?: string;
}

export interface QueuePair {
  readonly queue: QueueState;
  readonly deadLetter?: QueueState;
}

/**
 * The queue the verifiers send to and its dead-letter queue (from the queue's own redrive policy, so
 * a queue you brought is read the same way). Each URL is asked of SQS by name (GetQueueUrl): the one
 * CloudFormation recorded names the service's default host, which is not where an AWS_ENDPOINT_URL
 * points.
 */
export async function readQueues(context: AwsContext, queueUrl: string): Promise<QueuePair> {
  const queue = await readQueue(context, queueNameOf(queueUrl), ownerOf(queueUrl));
  if (!queue.deadLetterArn) return { queue };
  const arn = queue.deadLetterArn.split(':');
  return { queue, deadLetter: await readQueue(context, arn[5], arn[4]) };
}

async function readQueue(context: AwsContext, name: string, owner?: string): Promise<QueueState> {
  let url: string;
  try {
    url = (await context.sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: owner }))).QueueUrl ?? '';
  } catch (error) {
    if (isAwsError(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue')) {
      throw new AwsCommandError(`queue ${name} does not exist (deleted outside CloudFormation?); redeploy the stack to recreate it`);
    }
    throw error;
  }
  const { Attributes: a = {} } = await context.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'RedrivePolicy'],
    }),
  );
  let deadLetterArn: string | undefined;
  if (a.RedrivePolicy) {
    try {
      deadLetterArn = (JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
    } catch {
      deadLetterArn = undefined;
    }
  }
  return {
    name,
    url,
    arn: a.QueueArn ?? '',
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    deadLetterArn,
  };
}

/**
 * Each queue's ApproximateAgeOfOldestMessage, the latest minute CloudWatch has in the last 15
 * minutes (SQS reports it to CloudWatch only; no queue attribute carries it). Undefined where there is
 * no data point (an idle queue) or the call is not allowed.
 */
export async function oldestMessageAges(context: AwsContext, queueNames: readonly string[], now = Date.now()): Promise<Record<string, number | undefined>> {
  const ages: Record<string, number | undefined> = Object.fromEntries(queueNames.map((n) => [n, undefined]));
  if (queueNames.length === 0) return ages;
  try {
    const result = await context.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 15 * 60_000),
        EndTime: new Date(now + 60_000),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: queueNames.map((name, i) => ({
          Id: `q${i}`,
          MetricStat: { Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: name }] }, Period: 60, Stat: 'Maximum' },
        })),
      }),
    );
    for (const series of result.MetricDataResults ?? []) {
      const index = Number(series.Id?.slice(1));
      const latest = latestValue(series.Timestamps ?? [], series.Values ?? []);
      if (queueNames[index] !== undefined && latest !== undefined) ages[queueNames[index]] = latest;
    }
  } catch {
    // Optional: status still reports depth without CloudWatch.
  }
  return ages;
}

function latestValue(timestamps: readonly Date[], values: readonly number[]): number | undefined {
  let best: { at: number; value: number } | undefined;
  timestamps.forEach((t, i) => {
    const at = new Date(t).getTime();
    if (values[i] !== undefined && (!best || at > best.at)) best = { at, value: values[i] };
  });
  return best?.value;
}

function ownerOf(queueUrl: string): string | undefined {
  const parts = queueUrl.replace(/\/+$/, '').split('/');
  const account = parts[parts.length - 2];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}
