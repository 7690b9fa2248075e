import { Command, CommanderError } from 'commander';
import { buildProgram } from '../../../lib/cli';
import { closeLocalServers } from '../../../lib/cli/local/server';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The program with every command's exit and output redirected here (commander copies neither to subcommands added before). */
function capturedProgram(out: string[], err: string[]): Command {
  const program = buildProgram();
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}

function exitCode(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  throw error;
}

/** Runs the command line in this process: its exit code and what it wrote. */
export async function runCli(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  try {
    await capturedProgram(out, err).parseAsync(args, { from: 'user' });
  } catch (error) {
    code = exitCode(error);
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

export interface Serving {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The JSON lines written so far. */
  stdoutLines(): Record<string, unknown>[];
  stderrLines(): Record<string, unknown>[];
  /** Everything written to stderr, the start-up text included. */
  stderr(): string;
  /** Stops the server; resolves with the command's exit code. */
  stop(): Promise<number>;
}

/** Starts `serve --port 0 ...args` in this process and waits until it listens. */
export async function startServe(...args: string[]): Promise<Serving> {
  const out: string[] = [];
  const err: string[] = [];
  let listening: (url: string) => void = () => undefined;
  const started = new Promise<string>((resolve) => (listening = resolve));
  const program = capturedProgram(out, err);
  const serve = program.commands.find((c) => c.name() === 'serve')!;
  serve.configureOutput({
    writeOut: (s) => out.push(s),
    writeErr: (s) => {
      err.push(s);
      const match = /listening on (http:\/\/\S+?),/.exec(s);
      if (match) listening(match[1]);
    },
  });
  const finished = program.parseAsync(['serve', '--port', '0', ...args], { from: 'user' }).then(
    () => 0,
    (error: unknown) => exitCode(error),
  );
  const url = await Promise.race([started, finished.then((code) => Promise.reject(new Error(`serve exited ${code}: ${err.join('')}`)))]);
  const lines = (chunks: string[]) =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    url,
    stdoutLines: () => lines(out),
    stderrLines: () => lines(err),
    stderr: () => err.join(''),
    stop: async () => {
      await closeLocalServers();
      return finished;
    },
  };
}
