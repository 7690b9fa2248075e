import { Command } from 'commander';

/** status, redrive, rotate, revoke, put-key, tail: against a deployed stack. */
export function registerAwsCommands(_program: Command): void {}
