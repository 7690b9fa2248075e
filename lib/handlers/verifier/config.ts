import type { SchemeConfig } from '../../runtime/scheme-config';
import type { DedupeOptions } from './dedupe';

// One source's verifier configuration, read from the function's environment.

export interface VerifierConfig {
  readonly endpoint: string;
  readonly source: string;
  readonly scheme: SchemeConfig;
  /**
   * The source's secret: its keys, or for a sender that publishes its keys and needs a credential to
   * fetch them (Plaid), that credential. Undefined for senders whose keys are all published (SNS,
   * PayPal, Google): such a source has no secret.
   */
  readonly secretId?: string;
  /**
   * Where a sender's unsigned key handshake (Notion's verification token) is kept while the signing
   * secret awaits its key: a secret of its own, the only one the verifier may write.
   */
  readonly captureSecretId?: string;
  readonly queueUrl: string;
  readonly toleranceSeconds?: number;
  readonly maxBodyBytes: number;
  readonly cacheTtlMs: number;
  readonly missRefreshIntervalMs: number;
  readonly maxStaleMs: number;
  /**
   * The route's public URL, exactly as its sender is configured with (query included), for schemes
   * that sign it (Square, HubSpot, Twilio): required for them, and never rebuilt from the request.
   */
  readonly publicUrl?: string;
  /** The dedupe table; undefined turns duplicate detection off. */
  readonly dedupe?: DedupeOptions;
  /**
   * `generated`: the rotation function maintains the key set, grace windows included. `imported`
   * (provider-issued keys): each put-secret-value is a new key, and the key it replaced (AWSPREVIOUS)
   * keeps verifying for `graceMs` after the new version was created.
   */
  readonly keySource?: 'generated' | 'imported';
  readonly graceMs?: number;
  /**
   * The endpoint's claim-check bucket, for a source whose maxBodySize exceeds INLINE_BODY_BYTES: a
   * larger body is written there and the message carries where. Without it, no body above
   * INLINE_BODY_BYTES is accepted (413), whatever maxBodyBytes says.
   */
  readonly bodyBucket?: string;
}

/** Reads the verifier's configuration from its environment. No secret is ever in it. */
export function configFromEnv(env: NodeJS.ProcessEnv): VerifierConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`Environment variable ${name} is not set`);
    return value;
  };
  // A number that does not parse would turn every comparison it takes part in into "false": refuse it
  // at start-up, naming the variable, rather than verify against NaN.
  const number = (name: string, fallback?: number): number => {
    const raw = env[name];
    // Unset with no fallback: required() throws, naming it.
    if (!raw) return fallback ?? Number(required(name));
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`Environment variable ${name} must be a finite number ≥ 0, not ${JSON.stringify(raw)}`);
    return value;
  };
  // A zero lock or retention would let a concurrent copy past the claim: refused, never "off".
  const atLeastOne = (name: string, value: number): number => {
    if (!(value >= 1)) throw new Error(`Environment variable ${name} must be at least 1, not ${value}`);
    return value;
  };
  return {
    endpoint: required('WEBHOOK_ENDPOINT'),
    source: required('WEBHOOK_SOURCE'),
    scheme: JSON.parse(required('WEBHOOK_SCHEME')) as SchemeConfig,
    secretId: env.WEBHOOK_SECRET_ARN || undefined,
    captureSecretId: env.WEBHOOK_CAPTURE_SECRET_ARN || undefined,
    queueUrl: required('WEBHOOK_QUEUE_URL'),
    toleranceSeconds: env.WEBHOOK_TOLERANCE_SECONDS ? number('WEBHOOK_TOLERANCE_SECONDS', 0) : undefined,
    maxBodyBytes: number('WEBHOOK_MAX_BODY_BYTES'),
    cacheTtlMs: number('WEBHOOK_SECRET_CACHE_SECONDS', 300) * 1000,
    missRefreshIntervalMs: number('WEBHOOK_SECRET_MISS_REFRESH_SECONDS', 30) * 1000,
    maxStaleMs: number('WEBHOOK_SECRET_MAX_STALE_SECONDS', 3600) * 1000,
    publicUrl: env.WEBHOOK_PUBLIC_URL || undefined,
    bodyBucket: env.WEBHOOK_BODY_BUCKET || undefined,
    keySource: env.WEBHOOK_KEY_SOURCE === 'imported' ? 'imported' : 'generated',
    graceMs: number('WEBHOOK_GRACE_SECONDS', 86400) * 1000,
    dedupe: env.WEBHOOK_DEDUPE_TABLE
      ? {
          tableName: env.WEBHOOK_DEDUPE_TABLE,
          retentionSeconds: atLeastOne('WEBHOOK_DEDUPE_RETENTION_SECONDS', number('WEBHOOK_DEDUPE_RETENTION_SECONDS', 7 * 86400)),
          // The construct sets the function's timeout plus a margin; without it, the longest timeout
          // the construct allows (28 s) plus that margin, so no live invocation is ever overtaken.
          lockSeconds: atLeastOne('WEBHOOK_DEDUPE_LOCK_SECONDS', number('WEBHOOK_DEDUPE_LOCK_SECONDS', 33)),
        }
      : undefined,
  };
}
