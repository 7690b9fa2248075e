import { randomBytes } from 'node:crypto';
import { Headers } from '../headers';
import { ActiveKey, RejectionReason, VerifyResult } from '../types';
import { HmacAlgorithm, Parsed, verifyParsed } from './common';

/** What the verifier needs from one signature scheme. Implementations are pure and synchronous. */
export interface Scheme {
  /** Lower-case header names the scheme cannot verify without. */
  readonly requiredHeaders: readonly string[];
  /** Lower-case names of headers that carry signatures (redacted from WAF logs). */
  readonly signatureHeaders: readonly string[];
  /** Media types (lower case, without parameters) the sender uses for the body. */
  readonly contentTypes: readonly string[];
  /** Default replay tolerance, seconds; undefined when the scheme signs no timestamp. */
  readonly defaultToleranceSeconds?: number;
  /** Whether the scheme signs the public URL (the verifier must be told it). */
  readonly signsUrl: boolean;
  /**
   * Whether the event id is covered by the signature. Only then may it key duplicate detection: an
   * unsigned id header (GitHub's delivery GUID, Shopify's webhook id) can be changed by anyone
   * replaying a captured delivery, so those deliveries are deduplicated by payload hash instead.
   */
  readonly eventIdSigned: boolean;
  /** Turns a secret as the sender knows it into HMAC key bytes. Throws on a malformed secret. */
  decodeKey(secret: string): Buffer;
  /** Makes a new random secret in the format the sender expects. */
  generateKey(): string;
  verify(input: SchemeInput): VerifyResult;
  /**
   * A verified request the scheme answers itself instead of queueing (Slack's url_verification).
   * Called only after the signature verified.
   */
  immediateResponse?(body: string | Uint8Array): { body: string } | undefined;
}

export interface SchemeInput {
  readonly headers: Headers;
  readonly body: string | Uint8Array;
  readonly url?: string;
  readonly keys: readonly ActiveKey[];
  readonly nowMs: number;
  readonly toleranceSeconds: number;
}

/** Shared shape of the HMAC schemes: parse the headers, then one generic constant-time check. */
export abstract class HmacScheme implements Scheme {
  abstract readonly requiredHeaders: readonly string[];
  abstract readonly signatureHeaders: readonly string[];
  abstract readonly contentTypes: readonly string[];
  readonly defaultToleranceSeconds?: number;
  readonly signsUrl: boolean = false;
  readonly eventIdSigned: boolean = false;
  protected abstract readonly algorithm: HmacAlgorithm;

  /** The signature headers parsed, or why they cannot be. Never throws. */
  protected abstract parse(headers: Headers, body: string | Uint8Array, url: string | undefined): Parsed | RejectionReason;

  decodeKey(secret: string): Buffer {
    if (secret.length < 16) throw new Error('a signing secret must be at least 16 characters');
    return Buffer.from(secret, 'utf8');
  }

  generateKey(): string {
    return randomBytes(32).toString('hex');
  }

  verify({ headers, body, url, keys, nowMs, toleranceSeconds }: SchemeInput): VerifyResult {
    const parsed = this.parse(headers, body, url);
    if (typeof parsed === 'string') return { ok: false, reason: parsed };
    return verifyParsed(parsed, this.algorithm, body, keys, nowMs, toleranceSeconds);
  }
}
