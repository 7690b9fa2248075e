import { HeaderInput } from './types';

/** Marks a header that arrived more than once. */
export const DUPLICATE = Symbol('duplicate-header');

export type HeaderValue = string | typeof DUPLICATE | undefined;

/**
 * Case-insensitive view over request headers. Built once per request; lookups are a Map get.
 * A header that carries several values (an array with more than one entry, or the same name in two
 * spellings) reads as DUPLICATE so that a scheme can refuse it instead of guessing which one counts.
 */
export class Headers {
  private readonly values = new Map<string, string | typeof DUPLICATE>();

  constructor(input: HeaderInput) {
    for (const name in input) {
      const raw = input[name];
      if (raw === undefined) continue;
      let value: string | typeof DUPLICATE;
      if (typeof raw === 'string') {
        value = raw;
      } else if (raw.length === 1) {
        value = raw[0];
      } else if (raw.length === 0) {
        continue;
      } else {
        value = DUPLICATE;
      }
      const key = name.toLowerCase();
      this.values.set(key, this.values.has(key) ? DUPLICATE : value);
    }
  }

  get(name: string): HeaderValue {
    return this.values.get(name);
  }
}
