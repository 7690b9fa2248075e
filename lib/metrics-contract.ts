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
  | 'DedupeUnavailable';
