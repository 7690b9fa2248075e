import { Command } from 'commander';
import { registerSend } from '../local/send';
import { registerServe } from '../local/serve';
import { registerSign } from '../local/sign';

/** sign, send, serve: no AWS needed. */
export function registerLocalCommands(program: Command): void {
  registerSign(program);
  registerSend(program);
  registerServe(program);
}
