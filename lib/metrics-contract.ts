// What the verifier emits and the alarms read: one place, so the two can never drift apart.
// Pure (no imports) because both the Lambda bundle and the CDK constructs use it.

export const METRIC_NAMESPACE = 'HardenedWebhook';

/** The verifier's outcome metrics, one count per request, with dimensions Endpoint and Source. */
export type Outcome =
  | 'Accepted'
  | 'Duplicate'
  | 'SignatureInvalid'
  | 'TimestampOutOfTolerance'
  | 'Malformed'
  | 'EnqueueFailed'
  | 'SecretUnavailable'
  | 'DedupeUnavailable'
  /** Another delivery of the same event holds its dedupe claim: 503 + Retry-After, nothing queued. */
  | 'InProgress'
  /** An unsigned key handshake (Notion's) after the first one was kept: refused, and alarmed when repeated. */
  | 'CaptureRefused';
