import { Headers } from '../headers';
import { ActiveKey, VerifyResult } from '../types';

/** What the verifier needs from one signature scheme. Implementations are pure and synchronous. */
export interface Scheme {
  /** Lower-case header names the scheme cannot verify without. */
  readonly requiredHeaders: readonly string[];
  /** Media types (lower case, without parameters) the sender uses for the body. */
  readonly contentTypes: readonly string[];
  /** Default replay tolerance, seconds; undefined when the scheme signs no timestamp. */
  readonly defaultToleranceSeconds?: number;
  /** Turns a secret as the sender knows it into HMAC key bytes. Throws on a malformed secret. */
  decodeKey(secret: string): Buffer;
  /** Makes a new random secret in the format the sender expects. */
  generateKey(): string;
  verify(input: SchemeInput): VerifyResult;
}

export interface SchemeInput {
  readonly headers: Headers;
  readonly body: string | Uint8Array;
  readonly url?: string;
  readonly keys: readonly ActiveKey[];
  readonly nowMs: number;
  readonly toleranceSeconds: number;
}
