import { Command, InvalidArgumentError, Option } from 'commander';
import { FailureError, UsageError, writeErr, writeOut } from '../local/command';
import { AWS_HELP, awsCommand, endpointOption, readKey, runsAws } from '../aws/command';
import { AwsOptions } from '../aws/context';
import { findSource, selectEndpoints } from '../aws/discovery';
import { json } from '../aws/format';
import { formatPutKey, putKey } from '../aws/put-key';
import { formatRedrive, redrive, RedriveResult } from '../aws/redrive';
import { formatRotation, revoke, rotate } from '../aws/rotate';
import { formatStatus, gatherStatus } from '../aws/status';
import { formatTail, tail } from '../aws/tail';
import { parseSince, parseTimeout } from '../aws/time';

interface SourceOptions extends AwsOptions {
  readonly source: string;
  readonly endpoint?: string;
}

interface WaitOptions {
  readonly wait: boolean;
  readonly timeout: number;
}

/** status, redrive, rotate, revoke, put-key, tail: against a deployed stack. */
export function registerAwsCommands(program: Command): void {
  registerStatus(program);
  registerRedrive(program);
  registerRotate(program);
  registerRevoke(program);
  registerPutKey(program);
  registerTail(program);
}

function registerStatus(program: Command): void {
  const command = awsCommand(program, 'status')
    .description("Each source's URL, key source and key age, rotation state, published IP list (size and age) and alarms in ALARM; the queue's and dead-letter queue's depth and oldest message age.")
    .addOption(endpointOption())
    .option('--source <name>', 'only this source')
    .addHelpText('after', `${AWS_HELP}\n\nExamples:\n  $ cdk-hardened-webhook status --stack HardenedWebhook-prod\n  $ AWS_PROFILE=ops cdk-hardened-webhook status --stack HardenedWebhook-prod --json | jq '.endpoints[].deadLetterQueue'\n`);
  runsAws(command, async (context, options: AwsOptions & { endpoint?: string; source?: string }) => {
    const { stack, endpoints } = await context.loadStack();
    const report = await gatherStatus(context, stack, selectEndpoints(endpoints, stack.stackName, options));
    writeOut(command, options.json ? json(report) : formatStatus(report));
  });
}

/** `--timeout <duration>`, held in milliseconds and shown in --help as a person writes it (`30m`). */
function timeoutOption(description: string, minutes: number): Option {
  return new Option('--timeout <duration>', description).argParser(parseTimeout).default(minutes * 60_000, `${minutes}m`);
}

function registerRedrive(program: Command): void {
  const command = awsCommand(program, 'redrive')
    .description("Move the dead-letter queue's messages back to the queue (an SQS message move task) and follow it until done. Fix the processor first.")
    .addOption(endpointOption())
    .option('--source <name>', "the queue this source's verifier sends to (a move task moves every message of the dead-letter queue, whatever its source)")
    .option('--rate <n>', 'messages per second (default: as fast as SQS allows, up to 500)', positiveInteger)
    .option('--no-wait', 'start the task and return; run redrive again to follow it')
    .addOption(timeoutOption('how long to follow the task', 30))
    .addHelpText('after', `${AWS_HELP}\n\nExamples:\n  $ cdk-hardened-webhook redrive --stack HardenedWebhook-prod\n  $ cdk-hardened-webhook redrive --stack HardenedWebhook-prod --rate 10 --no-wait\n`);
  runsAws(command, async (context, options: AwsOptions & WaitOptions & { endpoint?: string; source?: string; rate?: number }) => {
    const { stack, endpoints } = await context.loadStack();
    const results: RedriveResult[] = [];
    for (const endpoint of selectEndpoints(endpoints, stack.stackName, options)) {
      results.push(await redrive(context, endpoint, { rate: options.rate, wait: options.wait, timeoutMs: options.timeout, progress: (line) => writeErr(command, `${line}\n`) }));
    }
    writeOut(command, options.json ? json(results.length === 1 ? results[0] : results) : formatRedrive(results));
    const failed = results.find((r) => r.status === 'FAILED' || r.status === 'CANCELLED');
    if (failed) throw new FailureError(`the move task from ${failed.deadLetterQueue} ended ${failed.status}${failed.failureReason ? `: ${failed.failureReason}` : ''}; the messages not moved are still in the dead-letter queue`);
  });
}

function rotationCommand(program: Command, name: 'rotate' | 'revoke', description: string, examples: string): ReturnType<typeof awsCommand> {
  return awsCommand(program, name)
    .description(description)
    .requiredOption('--source <name>', 'the source whose key to change')
    .addOption(endpointOption())
    .option('--no-wait', 'start it and return; status shows when it completes')
    .addOption(timeoutOption('how long to wait for it to complete', 5))
    .addHelpText('after', `${AWS_HELP}\n\nExamples:\n${examples}`);
}

function registerRotate(program: Command): void {
  const command = rotationCommand(
    program,
    'rotate',
    "Rotate a generated key now (Secrets Manager runs the source's rotation function); the replaced key keeps verifying for the grace period. Waits until the new key is current.",
    '  $ cdk-hardened-webhook rotate --stack HardenedWebhook-prod --source billing\n',
  );
  runsAws(command, async (context, options: SourceOptions & WaitOptions) => {
    const { stack, endpoints } = await context.loadStack();
    const source = findSource(endpoints, stack.stackName, options.source, options.endpoint);
    const result = await rotate(context, source, { stack: stack.stackName, wait: options.wait, timeoutMs: options.timeout, progress: (line) => writeErr(command, `${line}\n`) });
    writeOut(command, options.json ? json(result) : formatRotation(result));
  });
}

function registerRevoke(program: Command): void {
  const command = rotationCommand(
    program,
    'revoke',
    'Emergency revoke of a leaked generated key: rotate now with zero grace, so no earlier key verifies once the verifiers\' key caches expire (5 min by default). ' +
      'For keys issued by the sender, roll the key at the sender and use put-key --revoke-previous.',
    '  $ cdk-hardened-webhook revoke --stack HardenedWebhook-prod --source billing\n',
  );
  runsAws(command, async (context, options: SourceOptions & WaitOptions) => {
    const { stack, endpoints } = await context.loadStack();
    const source = findSource(endpoints, stack.stackName, options.source, options.endpoint);
    const result = await revoke(context, source, { stack: stack.stackName, wait: options.wait, timeoutMs: options.timeout, progress: (line) => writeErr(command, `${line}\n`) });
    writeOut(command, options.json ? json(result) : formatRotation(result));
  });
}

function registerPutKey(program: Command): void {
  const command = awsCommand(program, 'put-key')
    .description(
      "Put a key issued by the sender (Stripe's whsec_..., Slack's signing secret, ...) as the source's current key, read from stdin or typed at a hidden prompt, never from the command line. " +
        'The replaced key keeps verifying for the grace period, unless --revoke-previous.',
    )
    .requiredOption('--source <name>', 'the source whose key to put')
    .addOption(endpointOption())
    .option('--revoke-previous', 'stop the replaced key at once (a leaked key): every verifier rejects it within its key cache TTL')
    .option('--from-capture', "put the key the sender handed over unsigned (Notion's verification token), as the verifier captured it: shows when and from where it came, and puts it only with --confirm-capture")
    .option('--confirm-capture <requestId>', 'with --from-capture: the request id of the capture shown, confirming it is the sender\'s')
    .option('--reopen-capture', 'the capture kept is not the sender\'s: let the verifier capture the next handshake instead (only while no key is put)')
    .addHelpText(
      'after',
      `${AWS_HELP}\n\nThe key is the sender's as it shows it, or a {"current": "..."} document. A verify token the\ncurrent version keeps (Meta's) stays with the new key.\n\nExamples:\n` +
        '  $ cdk-hardened-webhook put-key --stack HardenedWebhook-prod --source payments   # hidden prompt\n' +
        '  $ cdk-hardened-webhook put-key --stack HardenedWebhook-prod --source notion --from-capture   # shows the capture\n' +
        '  $ printf %s "$STRIPE_WHSEC" | cdk-hardened-webhook put-key --stack HardenedWebhook-prod --source payments\n' +
        '  $ pbpaste | cdk-hardened-webhook put-key --stack HardenedWebhook-prod --source payments --revoke-previous\n',
    );
  runsAws(command, async (context, options: SourceOptions & { revokePrevious?: boolean; fromCapture?: boolean; confirmCapture?: string; reopenCapture?: boolean }) => {
    if (options.confirmCapture !== undefined && !options.fromCapture) throw new UsageError('--confirm-capture goes with --from-capture');
    if (options.reopenCapture && (options.fromCapture || options.revokePrevious)) throw new UsageError('--reopen-capture puts no key: give it alone');
    const { stack, endpoints } = await context.loadStack();
    const source = findSource(endpoints, stack.stackName, options.source, options.endpoint);
    const result = await putKey(context, source, {
      stack: stack.stackName,
      revokePrevious: options.revokePrevious === true,
      fromCapture: options.fromCapture === true,
      confirmCapture: options.confirmCapture,
      reopenCapture: options.reopenCapture === true,
      readKey: () => readKey(),
      progress: (line) => writeErr(command, `${line}\n`),
    });
    writeOut(command, options.json ? json(result) : formatPutKey(result));
  });
}

function registerTail(program: Command): void {
  const command = awsCommand(program, 'tail')
    .description("Recent rejected deliveries (4xx and 5xx) by source and reason, from the verifiers' audit logs, with the most recent ones listed; and what WAF blocked before them (allowlists, rate limit, managed rules) by source.")
    .addOption(endpointOption())
    .option('--source <name>', 'only this source')
    .option('--since <when>', 'how far back: a duration (30s, 15m, 2h, 1h30m, 7d) or an ISO-8601 instant (default: 15m)', (value: string) => parseSince(value))
    .option('--limit <n>', 'how many of the most recent rejections to list', positiveInteger, 20)
    .option('--max-events <n>', 'stop reading a log group after this many matching lines', positiveInteger, 10_000)
    .addHelpText('after', `${AWS_HELP}\n\nExamples:\n  $ cdk-hardened-webhook tail --stack HardenedWebhook-prod\n  $ cdk-hardened-webhook tail --stack HardenedWebhook-prod --source payments --since 2h --json\n`);
  runsAws(command, async (context, options: AwsOptions & { endpoint?: string; source?: string; since?: number; limit: number; maxEvents: number }) => {
    const sinceMs = options.since ?? Date.now() - 15 * 60_000;
    const { stack, endpoints } = await context.loadStack();
    const selected = selectEndpoints(endpoints, stack.stackName, options);
    const sources = selected.flatMap((e) => e.sources);
    const report = await tail(context, sources, { stack: stack.stackName, sinceMs, limit: options.limit, maxEvents: options.maxEvents, endpoints: endpoints.filter((e) => selected.some((s) => s.name === e.name)) });
    writeOut(command, options.json ? json(report) : formatTail(report));
  });
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('give a whole number of at least 1');
  return Number(value);
}
