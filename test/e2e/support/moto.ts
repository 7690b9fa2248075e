import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** What moto printed, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A run that ends without afterAll (a crash, a timeout) must not leave moto_server behind.
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/** A free loopback port: bound by the OS, then released for moto to take. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `moto_server -H 127.0.0.1 -p <free port>` and resolves once it answers. Tried twice: another
 * process can take the port between freePort() and moto binding it.
 */
export async function startMoto(timeoutMs = 20_000): Promise<MotoServer> {
  try {
    return await startMotoOnce(await freePort(), timeoutMs);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('moto_server is not on PATH')) throw error;
    return startMotoOnce(await freePort(), timeoutMs);
  }
}

async function startMotoOnce(port: number, timeoutMs: number): Promise<MotoServer> {
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'ENOENT' ? 'moto_server is not on PATH: pip install "moto[server]" (moto 5.2.1 is what this suite is checked with)' : `moto_server: ${error.message}`)),
    );
    child.once('exit', (code) => reject(new Error(`moto_server exited (${code}) before answering:\n${output.join('').slice(-2000)}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
    running.delete(child);
  };
  try {
    await Promise.race([exited, waitUntilAnswering(`${url}/moto-api/data.json`, timeoutMs)]);
  } catch (error) {
    await stop();
    throw error;
  }
  exited.catch(() => undefined);
  return { url, log: () => output.join(''), stop };
}

async function waitUntilAnswering(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not answer ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
