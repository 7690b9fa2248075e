import { Command } from 'commander';

/** sign, send, serve: no AWS needed. */
export function registerLocalCommands(_program: Command): void {}
