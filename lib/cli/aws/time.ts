import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90s`, `15m`, `1h30m`, `2d`: whole seconds. Undefined for anything else. */
export function parseDurationSeconds(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d+[smhdw])+$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) seconds += Number(amount) * UNITS[unit];
  return seconds;
}

/**
 * commander argParser for --since: a duration back from now (`15m`, `2h`, `1h30m`, `7d`) or an
 * ISO-8601 instant (`2026-11-28T09:00:00Z`). Returns the start as epoch milliseconds, relative to `now`.
 */
export function parseSince(text: string, now: number = Date.now()): number {
  const seconds = parseDurationSeconds(text);
  if (seconds !== undefined) {
    if (seconds === 0) throw new InvalidArgumentError('give a duration above zero, e.g. 15m, 2h, 1h30m or 7d');
    return now - seconds * 1000;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const instant = Date.parse(text.trim());
    if (Number.isNaN(instant)) throw new InvalidArgumentError(`${JSON.stringify(text)} is not a valid ISO-8601 instant; e.g. 2026-11-28T09:00:00Z`);
    if (instant > now) throw new InvalidArgumentError(`${text} is in the future; give an instant in the past, or a duration such as 15m`);
    return instant;
  }
  throw new InvalidArgumentError('give a duration back from now (30s, 15m, 2h, 1h30m, 7d) or an ISO-8601 instant (2026-11-28T09:00:00Z)');
}

/** commander argParser for --timeout: a duration (`10m`, `90s`), in milliseconds. */
export function parseTimeout(text: string): number {
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined || seconds === 0) throw new InvalidArgumentError('give a duration such as 90s, 10m or 1h');
  return seconds * 1000;
}

/** A duration as people read it: `42s`, `5m 3s`, `3h 12m`, `4d 2h`. Negative durations read as 0s. */
export function formatDuration(ms: number): string {
  let seconds = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(seconds / 86400);
  seconds -= days * 86400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  if (days > 0) return hours ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return minutes ? `${hours}h ${minutes}m` : `${hours}h`;
  if (minutes > 0) return seconds ? `${minutes}m ${seconds}s` : `${minutes}m`;
  return `${seconds}s`;
}

/** An instant in UTC to the second: `2026-11-28 09:00:00Z`. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a value, backing off from 250 ms to 2 s between tries, or until
 * `timeoutMs` has passed (then undefined).
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, wait: (ms: number) => Promise<void> = sleep): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 2000)) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() + delay > deadline) return undefined;
    await wait(delay);
  }
}
