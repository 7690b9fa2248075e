import { ListMessageMoveTasksCommand, ListMessageMoveTasksResultEntry, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { AwsCommandError, AwsContext } from './context';
import { DiscoveredEndpoint } from './discovery';
import { QueueState, readQueues } from './queues';
import { pollUntil } from './time';

export interface RedriveOptions {
  /** Messages per second; SQS's default (up to 500) when undefined. */
  readonly rate?: number;
  readonly wait: boolean;
  readonly timeoutMs: number;
  /** Progress lines (stderr). */
  readonly progress: (line: string) => void;
}

export interface RedriveResult {
  readonly endpoint: string;
  readonly deadLetterQueue: string;
  readonly queue: string;
  /** `nothing-to-move` when the dead-letter queue was empty; else the task's last status. */
  readonly status: 'nothing-to-move' | 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED' | string;
  readonly messagesMoved: number;
  readonly messagesToMove?: number;
  readonly taskHandle?: string;
  readonly failureReason?: string;
  /** A task was already running: this run followed it instead of starting another. */
  readonly joinedRunningTask?: boolean;
}

/**
 * Moves every message of the endpoint's dead-letter queue back to its queue with an SQS message move
 * task, and follows it until it ends. A task already running on that dead-letter queue is followed, not
 * duplicated (SQS allows one per source queue).
 */
export async function redrive(context: AwsContext, endpoint: DiscoveredEndpoint, options: RedriveOptions): Promise<RedriveResult> {
  if (!endpoint.queueUrl) throw new AwsCommandError(`endpoint ${endpoint.name}: its queue did not resolve from the template; redrive it with aws sqs start-message-move-task`);
  const { queue, deadLetter } = await readQueues(context, endpoint.queueUrl);
  if (!deadLetter) throw new AwsCommandError(`queue ${queue.name} has no dead-letter queue (no redrive policy): there is nothing to redrive`);
  const base = { endpoint: endpoint.name, deadLetterQueue: deadLetter.name, queue: queue.name };

  let task = (await listTasks(context, deadLetter)).find((t) => t.Status === 'RUNNING');
  const joined = task !== undefined;
  if (!task) {
    if (deadLetter.visible + deadLetter.inFlight + deadLetter.delayed === 0) return { ...base, status: 'nothing-to-move', messagesMoved: 0 };
    const started = await context.sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: deadLetter.arn, DestinationArn: queue.arn, MaxNumberOfMessagesPerSecond: options.rate }),
    );
    options.progress(`started moving ${deadLetter.name} → ${queue.name} (about ${deadLetter.visible} messages)`);
    task = { TaskHandle: started.TaskHandle, Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 0, ApproximateNumberOfMessagesToMove: deadLetter.visible };
  } else {
    options.progress(`a move task is already running on ${deadLetter.name}; following it`);
  }
  const handle = task.TaskHandle;
  if (!options.wait) return result(base, task, handle, joined);

  let reported = -1;
  const finished = await pollUntil(
    async () => {
      const tasks = await listTasks(context, deadLetter);
      // The newest task is first; a finished task no longer shows its handle.
      const current = tasks.find((t) => handle !== undefined && t.TaskHandle === handle) ?? tasks[0];
      if (!current) return undefined;
      const moved = current.ApproximateNumberOfMessagesMoved ?? 0;
      if (moved !== reported) {
        reported = moved;
        options.progress(`moved ${moved}${current.ApproximateNumberOfMessagesToMove !== undefined ? ` of ${current.ApproximateNumberOfMessagesToMove}` : ''}`);
      }
      task = current;
      return current.Status === 'RUNNING' || current.Status === 'CANCELLING' ? undefined : current;
    },
    options.timeoutMs,
  );
  if (!finished) {
    throw new AwsCommandError(
      `the move task is still running after the timeout (moved ${task.ApproximateNumberOfMessagesMoved ?? 0} so far); it goes on in SQS: run redrive again to follow it, or aws sqs cancel-message-move-task --task-handle ${handle ?? '<handle>'}`,
    );
  }
  return result(base, finished, handle, joined);
}

function result(base: Pick<RedriveResult, 'endpoint' | 'deadLetterQueue' | 'queue'>, task: ListMessageMoveTasksResultEntry, handle: string | undefined, joined: boolean): RedriveResult {
  return {
    ...base,
    status: task.Status ?? 'UNKNOWN',
    messagesMoved: task.ApproximateNumberOfMessagesMoved ?? 0,
    ...(task.ApproximateNumberOfMessagesToMove !== undefined ? { messagesToMove: task.ApproximateNumberOfMessagesToMove } : {}),
    ...(handle ? { taskHandle: handle } : {}),
    ...(task.FailureReason ? { failureReason: task.FailureReason } : {}),
    ...(joined ? { joinedRunningTask: true } : {}),
  };
}

async function listTasks(context: AwsContext, deadLetter: QueueState): Promise<ListMessageMoveTasksResultEntry[]> {
  return (await context.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: deadLetter.arn, MaxResults: 10 }))).Results ?? [];
}

/** One line per endpoint for people. */
export function formatRedrive(results: readonly RedriveResult[]): string {
  return (
    results
      .map((r) => {
        if (r.status === 'nothing-to-move') return `${r.deadLetterQueue} is empty: nothing to redrive`;
        if (r.status === 'COMPLETED') return `moved ${r.messagesMoved} messages from ${r.deadLetterQueue} back to ${r.queue}`;
        if (r.status === 'RUNNING') return `moving ${r.deadLetterQueue} → ${r.queue} (task ${r.taskHandle ?? 'unknown'}); follow it with redrive again`;
        return `move task ${r.status}${r.failureReason ? `: ${r.failureReason}` : ''} after ${r.messagesMoved} messages (${r.deadLetterQueue} → ${r.queue})`;
      })
      .join('\n') + '\n'
  );
}
