/*
 * The one clock of the unit tests (test/runtime, test/handlers, test/cli, test/*.test.ts).
 *
 * Every test reads "now" from here and passes it explicitly wherever time matters: to the verifier
 * (`now`), to the handlers' dependencies (`now: () => …`), to key sets, caches and the CLI's
 * helpers. Every fixture that carries a time is made relative to the same instant: signed
 * timestamps, JWT claims (jose's `setIssuedAt(TEST_NOW_S)`, `currentDate: dateAt()`), certificate
 * validity (test/runtime/senders/support/local-ca.ts gives openssl explicit dates, never `-days`),
 * published-key cache entries. So the suite gives the same answers on any calendar day, and
 * `npm run test:future` (the suite under `faketime +400d`) proves it.
 *
 * The instant is fixed, not read from the system clock: a test that mixes a fixed instant with
 * the wall clock (a certificate made "a day before now", checked at a fixed date) passes only
 * on the days the two happen to agree.
 *
 * Signing oracles that read the system clock themselves (stripe's `constructEvent`, svix and
 * standardwebhooks' `verify`, twilio's request validators) are given the instant explicitly where
 * their API allows it (a timestamp argument or option); where it does not, wrap the call in
 * `atTestNow(fn)`, which pins `Date` (only `Date`: timers and promises keep running) to TEST_NOW
 * for the duration of the call.
 *
 * test/e2e runs real processes (moto, the bundled handlers) against the wall clock and may use it,
 * but must never compare against a calendar date. test/clock.test.ts fails when a unit test reads
 * the wall clock outside this file.
 */

/**
 * "Now" for every unit test, in ms since the epoch: 2026-11-28T12:00:00Z. Tests that print times
 * (the CLI's tables) spell their expected output in that calendar; everything else derives from it.
 */
export const TEST_NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

/** TEST_NOW in whole seconds since the epoch, as Unix-time headers and JWT claims carry it. */
export const TEST_NOW_S = TEST_NOW / 1000;

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The instant `offsetMs` from TEST_NOW (negative: before it), in ms. */
export function at(offsetMs: number): number {
  return TEST_NOW + offsetMs;
}

/** Unix seconds `n` seconds before TEST_NOW. */
export function secondsAgo(n: number): number {
  return TEST_NOW_S - n;
}

/** Unix seconds `n` seconds after TEST_NOW. */
export function secondsAhead(n: number): number {
  return TEST_NOW_S + n;
}

/** A Date at `ms` (default TEST_NOW). */
export function dateAt(ms: number = TEST_NOW): Date {
  return new Date(ms);
}

/** ISO-8601 (UTC, milliseconds) of `ms` (default TEST_NOW), as Secrets Manager documents and logs carry it. */
export function isoAt(ms: number = TEST_NOW): string {
  return new Date(ms).toISOString();
}

/**
 * The system clock, in ms: only for a test of code that reads the system clock itself and cannot be
 * given a time (the CLI's `serve`, a real local endpoint; the e2e suite's real processes). Such a
 * test signs at this instant and must never compare anything with a calendar date.
 */
export function wallNow(): number {
  return Date.now();
}

/** A clock a test can move: hand `now` to the code under test, move it with `advance`/`set`. */
export interface TestClock {
  /** The current instant, ms. */
  readonly now: () => number;
  /** Moves the clock by `ms` (may be negative) and returns the new instant. */
  advance(ms: number): number;
  /** Sets the clock to `ms` and returns it. */
  set(ms: number): number;
}

/** A movable clock starting at `start` (default TEST_NOW). */
export function testClock(start: number = TEST_NOW): TestClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => (current += ms),
    set: (ms) => (current = ms),
  };
}

/**
 * Runs `fn` with `Date.now()` and `new Date()` pinned at `ms` (default TEST_NOW), for a library that
 * reads the system clock and takes no time argument. Only `Date` is replaced: timers, `performance`
 * and `process.hrtime` are the real ones, so async code keeps running. Restored when `fn` returns,
 * or, when it returns a promise, when that settles.
 */
export function atTestNow<T>(fn: () => T, ms: number = TEST_NOW): T {
  const RealDate = Date;
  class PinnedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(ms);
      else super(...(args as [string | number | Date]));
    }

    static now(): number {
      return ms;
    }
  }
  globalThis.Date = PinnedDate as DateConstructor;
  const restore = () => {
    globalThis.Date = RealDate;
  };
  let result: T;
  try {
    result = fn();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
