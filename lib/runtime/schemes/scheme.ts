import { randomBytes } from 'node:crypto';
import { HeaderValue } from '../headers';
import { ActiveKey, RejectionReason, VerifyResult, WebhookRequest } from '../types';
import { readRequired, rejected, SignedContent, verifySigned } from './common';
import { DIGEST_BYTES, HmacAlgorithm, Mac, macFor } from './mac';

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
  /**
   * Verifies one request against the keys valid at `nowMs`. Never throws for anything a sender
   * controls. Synchronous and not reentrant: an instance reuses its parse state between requests.
   */
  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult;
  /**
   * A verified request the scheme answers itself instead of queueing (Slack's url_verification).
   * Called only after the signature verified.
   */
  immediateResponse?(body: string | Uint8Array): { body: string } | undefined;
}

/** Shared shape of the HMAC schemes: read the required headers, parse, then one constant-time check. */
export abstract class HmacScheme implements Scheme {
  abstract readonly requiredHeaders: readonly string[];
  abstract readonly signatureHeaders: readonly string[];
  abstract readonly contentTypes: readonly string[];
  readonly defaultToleranceSeconds?: number;
  readonly signsUrl: boolean = false;
  readonly eventIdSigned: boolean = false;
  private readonly signed: SignedContent;
  private readonly mac: Mac;
  // The required headers' values, refilled by every request.
  private readonly values: HeaderValue[] = [];

  /** @param maxSignatures how many signatures one request may carry (several while a sender rolls its secret) */
  constructor(
    algorithm: HmacAlgorithm,
    maxSignatures = 1,
  ) {
    this.signed = new SignedContent(DIGEST_BYTES[algorithm], maxSignatures);
    this.mac = macFor(algorithm);
  }

  /**
   * Fills `out` from the request, or says why it cannot be. `required` holds the values of
   * `requiredHeaders`, in that order, each present exactly once. Never throws for sender input.
   */
  protected abstract parse(required: readonly string[], request: WebhookRequest, out: SignedContent): RejectionReason | undefined;

  decodeKey(secret: string): Buffer {
    if (secret.length < 16) throw new Error('a signing secret must be at least 16 characters');
    return Buffer.from(secret, 'utf8');
  }

  generateKey(): string {
    return randomBytes(32).toString('hex');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const problem =
      readRequired(request.headers, this.requiredHeaders, this.values) ?? this.parse(this.values as readonly string[], request, this.signed.reset());
    if (problem) return rejected(problem);
    return verifySigned(this.signed, this.mac, request.body, keys, nowMs, toleranceSeconds);
  }
}
