import { Command, CommanderError, ErrorOptions } from 'commander';
import { WebhookConfigurationError } from '../../runtime';

/** Exit codes of the local commands: scripts tell "the endpoint said no" from "called wrongly". */
export const EXIT = { success: 0, failure: 1, usage: 2 } as const;

/** The command was called wrongly; the message says what to give instead. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command ran, and what it found is a failure (a non-2xx answer). Exit code 1. */
export class FailureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailureError';
  }
}

/**
 * A subcommand whose usage errors exit with 2. Commander exits with 1 for its own (unknown option,
 * missing value, conflicting options), which a script could not tell from a request that failed.
 */
export class LocalCommand extends Command {
  override error(message: string, errorOptions?: ErrorOptions): never {
    // Every error commander raises itself (codes `commander.*`, an invalid option value's included) is a usage error.
    const usage = errorOptions?.code?.startsWith('commander.') || errorOptions?.exitCode === undefined;
    return super.error(message, { ...errorOptions, exitCode: usage ? EXIT.usage : errorOptions?.exitCode });
  }

  /** Exits 1 with `message`, without the "(add --help for usage)" a usage error gets: the call was right. */
  fail(message: string): never {
    this.showHelpAfterError(false);
    return this.error(message, { exitCode: EXIT.failure, code: 'cdk-hardened-webhook.failure' });
  }
}

/** A new subcommand of `parent`, with the settings `parent.command(name)` would give it. */
export function subcommand(parent: Command, name: string): LocalCommand {
  const command = new LocalCommand(name);
  command.copyInheritedSettings(parent);
  parent.addCommand(command);
  return command;
}

/**
 * Runs `action` as the command's action, turning what it throws into commander's error path (so an
 * `exitOverride` sees it): a UsageError or a WebhookConfigurationError exits 2, anything else 1.
 * Messages never carry a secret: the runtime's errors are written not to, and ours never quote one.
 */
export function runs<A extends unknown[]>(command: LocalCommand, action: (...args: A) => Promise<void>): Command {
  return command.action(async (...args: unknown[]) => {
    try {
      await action(...(args as A));
    } catch (error) {
      if (error instanceof CommanderError) throw error;
      const message = `error: ${error instanceof Error ? error.message : String(error)}`;
      if (error instanceof UsageError || error instanceof WebhookConfigurationError) command.error(message, { exitCode: EXIT.usage, code: 'cdk-hardened-webhook.usage' });
      command.fail(message);
    }
  });
}

/** Writes to the command's standard output (commander's output configuration, so tests can capture it). */
export function writeOut(command: Command, text: string): void {
  const { writeOut: write } = command.configureOutput();
  if (write) write(text);
  else process.stdout.write(text);
}

/** Writes to the command's standard error. */
export function writeErr(command: Command, text: string): void {
  const { writeErr: write } = command.configureOutput();
  if (write) write(text);
  else process.stderr.write(text);
}
