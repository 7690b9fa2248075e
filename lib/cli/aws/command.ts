import { Command, Option } from 'commander';
import { LocalCommand, runs, subcommand, UsageError } from '../local/command';
import { readStdinBytes } from '../local/inputs';
import { AwsCommandError, AwsContext, AwsOptions, explainAwsError } from './context';
import { NotAnEndpointStackError, UnknownNameError } from './discovery';

export const AWS_HELP =
  "\nAWS access: the SDK's usual chain (AWS_PROFILE or --profile, AWS_REGION or --region, SSO, instance\n" +
  'roles); AWS_ENDPOINT_URL points every call at an emulator. Everything else is found from the stack\n' +
  'name: its template and resources.';

/** A subcommand with the options every AWS command takes: --stack, --region, --profile, --json. */
export function awsCommand(program: Command, name: string): LocalCommand {
  return subcommand(program, name)
    .requiredOption('--stack <name>', 'the CloudFormation stack that holds the endpoint (e.g. HardenedWebhook-prod)')
    .option('--region <region>', 'the stack\'s region (default: AWS_REGION, or your profile\'s)')
    .option('--profile <name>', 'a profile of ~/.aws/config (default: AWS_PROFILE)')
    .option('--json', 'print the result as JSON on stdout') as LocalCommand;
}

/** --endpoint, for stacks with more than one endpoint sharing a source name. */
export function endpointOption(): Option {
  return new Option('--endpoint <name>', 'the endpoint\'s name (endpointName), when the stack has several endpoints with this source');
}

/**
 * Runs an AWS command's action with a context for its options. What goes wrong is explained (no
 * credentials, no region, unknown stack, a stack without an endpoint); names that match nothing in the
 * stack are usage errors (exit 2), AWS failures exit 1.
 */
export function runsAws<O extends AwsOptions>(command: LocalCommand, action: (context: AwsContext, options: O) => Promise<void>): Command {
  return runs(command, async (options: O) => {
    try {
      await action(new AwsContext(options), options);
    } catch (error) {
      if (error instanceof NotAnEndpointStackError || error instanceof UnknownNameError) throw new UsageError(error.message);
      throw explainAwsError(error);
    }
  });
}

/**
 * A key from stdin (one trailing newline dropped), or typed at a hidden prompt when stdin is a
 * terminal. Never from argv, where ps and shell history would keep it.
 */
export async function readKey(prompt: (question: string) => Promise<string> = promptHidden): Promise<string> {
  const text = process.stdin.isTTY ? await prompt('Paste the key (input hidden), then Enter: ') : (await readStdinBytes()).toString('utf8').replace(/\r?\n$/, '');
  if (!text.trim()) throw new UsageError('no key given: pipe it in (e.g. printf %s "$KEY" | cdk-hardened-webhook put-key ...) or type it at the prompt');
  return text;
}

/** Reads one line from the terminal without echoing it. */
export function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stderr.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let value = '';
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new AwsCommandError('cancelled; nothing put'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    input.on('data', onData);
  });
}
