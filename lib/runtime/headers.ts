import { HeaderInput } from './types';

/** Marks a header that arrived more than once. */
export const DUPLICATE = Symbol('duplicate-header');

export type HeaderValue = string | typeof DUPLICATE | undefined;

/*
 * Case-insensitive header reads straight off the caller's object, without copying or wrapping it: a
 * lookup scans the object's own names once (never inherited ones: a header is what the request
 * carried, not what a prototype supplies), comparing lengths before case. A header that carries
 * several values (an array with more than one entry, or the same name in two spellings) reads as
 * DUPLICATE so that a scheme can refuse it instead of guessing which one counts.
 */

/**
 * Several headers in one pass over the names, into `out` (same order as `names`, which must be lower
 * case). For hot paths that need two to four headers of every request; `out` is the caller's, reused.
 */
export function pickHeaders(input: HeaderInput, names: readonly string[], out: HeaderValue[]): void {
  for (let i = 0; i < names.length; i++) out[i] = undefined;
  const keys = Object.keys(input);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (key.length !== name.length || (key !== name && key.toLowerCase() !== name)) continue;
      const value = valueOf(input[key]);
      if (value !== undefined) out[i] = out[i] === undefined ? value : DUPLICATE;
      break;
    }
  }
}

/** One header; `name` must be lower case. */
export function headerValue(input: HeaderInput, name: string): HeaderValue {
  let found: HeaderValue;
  const keys = Object.keys(input);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    if (key.length !== name.length || (key !== name && key.toLowerCase() !== name)) continue;
    const value = valueOf(input[key]);
    if (value === undefined) continue;
    if (found !== undefined) return DUPLICATE;
    found = value;
  }
  return found;
}

/** One header entry as a single value: several values read as DUPLICATE, none as undefined. */
function valueOf(raw: string | readonly string[] | undefined): HeaderValue {
  if (raw === undefined || typeof raw === 'string') return raw;
  if (!Array.isArray(raw)) return DUPLICATE; // not a header value at all: refused, never coerced
  if (raw.length === 0) return undefined;
  return raw.length === 1 && typeof raw[0] === 'string' ? raw[0] : DUPLICATE;
}
