// The `cdk-hardened-webhook` command line (package.json "bin"). Bundled by scripts/bundle.mjs into
// dist/cli/index.js with its dependencies (commander, the AWS SDK clients it calls): it is never part
// of a Lambda bundle, and never compiled by jsii.
import { Command } from 'commander';
// Inlined by the bundler: the version of the package this command line was built from.
import { version } from '../../package.json';
import { registerAwsCommands } from './commands/aws';
import { registerLocalCommands } from './commands/local';
import { LocalCommand } from './local/command';

export function buildProgram(): Command {
  // Its usage errors (an unknown command, a bad option) exit 2, as the subcommands' do.
  const program = new LocalCommand('cdk-hardened-webhook')
    .description('Sign, send and serve webhooks locally with the verifier the Lambda runs; operate a deployed endpoint.')
    .version(version, '-V, --version', 'print the version of cdk-hardened-webhook (this command line and the library it came with)')
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ sortSubcommands: false });
  registerLocalCommands(program);
  registerAwsCommands(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = process.exitCode || 1;
    });
}
