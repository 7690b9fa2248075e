import { HeaderInput } from './types';

/** Marks a header that arrived more than once. */
export const DUPLICATE = Symbol('duplicate-header');

export type HeaderValue = string | typeof DUPLICATE | undefined;

/**
 * Case-insensitive view over request headers, without copying them: a lookup scans the names once,
 * comparing lengths before case. A header that carries several values (an array with more than one
 * entry, or the same name in two spellings) reads as DUPLICATE so that a scheme can refuse it
 * instead of guessing which one counts.
 */
export class Headers {
  constructor(private readonly input: HeaderInput) {}

  /**
   * Several headers in one pass over the names, into `out` (same order as `names`, lower case).
   * For hot paths that need three or four headers of every request.
   */
  pick(names: readonly string[], out: HeaderValue[]): void {
    for (let i = 0; i < names.length; i++) out[i] = undefined;
    for (const key in this.input) {
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        if (key.length !== name.length || (key !== name && key.toLowerCase() !== name)) continue;
        const value = valueOf(this.input[key]);
        if (value !== undefined) out[i] = out[i] === undefined ? value : DUPLICATE;
        break;
      }
    }
  }

  /** `name` must be lower case. */
  get(name: string): HeaderValue {
    let found: HeaderValue;
    for (const key in this.input) {
      if (key.length !== name.length || (key !== name && key.toLowerCase() !== name)) continue;
      const value = valueOf(this.input[key]);
      if (value === undefined) continue;
      if (found !== undefined) return DUPLICATE;
      found = value;
    }
    return found;
  }
}

/** One header entry as a single value: several values read as DUPLICATE, none as undefined. */
function valueOf(raw: string | readonly string[] | undefined): HeaderValue {
  if (raw === undefined || typeof raw === 'string') return raw;
  if (raw.length === 0) return undefined;
  return raw.length === 1 ? raw[0] : DUPLICATE;
}
