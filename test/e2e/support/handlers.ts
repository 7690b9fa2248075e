import { join } from 'node:path';

const ASSETS = join(__dirname, '..', '..', '..', 'assets');

/**
 * A fresh copy of a bundled handler (assets/<name>/index.js, what the Lambda runs: `rotation`, or
 * `verifier-<family>`, see verifierBundle) as a new container
 * would load it: with exactly `environment` set while its module initialises (it reads its
 * configuration then) and its own SDK clients. It runs in this test's realm, so jest's fake Date
 * reaches it.
 */
export function loadBundledHandler<E, R>(name: string, environment: Record<string, string>): (event: E) => Promise<R> {
  const saved = new Map(Object.keys(environment).map((key) => [key, process.env[key]]));
  Object.assign(process.env, environment);
  let handler: ((event: E) => Promise<R>) | undefined;
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = (require(join(ASSETS, name, 'index.js')) as { handler: (event: E) => Promise<R> }).handler;
    });
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  return handler!;
}

/** A line the verifier wrote: its audit record (lib/handlers/shared/telemetry.ts). */
export interface AuditLine {
  readonly raw: string;
  readonly Source: string;
  readonly outcome: string;
  readonly status: number;
  readonly reason?: string;
  readonly timestamp: string;
}

/**
 * Everything the handlers write to stdout while the suite runs, kept instead of printed: the
 * verifier's audit lines (which `tail` later reads from the log group they go to in Lambda) and the
 * rotation function's logs. Anything else passes through.
 */
export class StdoutCapture {
  public readonly audit: AuditLine[] = [];
  public readonly other: string[] = [];
  private original?: typeof process.stdout.write;

  start(): void {
    const original = process.stdout.write.bind(process.stdout);
    this.original = process.stdout.write;
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      if (!text.startsWith('{')) return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      for (const line of text.split('\n').filter(Boolean)) {
        try {
          const parsed = JSON.parse(line) as Partial<AuditLine> & { message?: string };
          // The verifier writes no time of its own: Lambda stamps each log event, as this capture does.
          if (parsed.message === 'webhook') this.audit.push({ ...(parsed as AuditLine), timestamp: parsed.timestamp ?? new Date().toISOString(), raw: line });
          else this.other.push(line);
        } catch {
          this.other.push(line);
        }
      }
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  }

  stop(): void {
    if (this.original) process.stdout.write = this.original;
  }
}

/** The verifier bundle a source's function runs, as the construct picks it (bundleOf). */
export function verifierBundle(environment: Record<string, string>): string {
  const { bundleOf } = jest.requireActual('../../../lib/runtime') as typeof import('../../../lib/runtime');
  return `verifier-${bundleOf(JSON.parse(environment.WEBHOOK_SCHEME))}`;
}
