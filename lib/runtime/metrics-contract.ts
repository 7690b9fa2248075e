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

/**
 * The sender IP-ranges refresher's metrics (lib/handlers/ip-ranges), one of each per source and run,
 * with dimensions Endpoint and Source: `Refused` is 1 when the source's sets were left as they were
 * (an empty, shrinking or unreadable list, a failed fetch, a WAF error) and 0 otherwise; `AgeSeconds`
 * is how long ago the oldest of the source's sets last matched the sender's list (emitted on every run,
 * failures included; a set whose stamp cannot be read counts from the epoch); `Count` is the number of
 * addresses the sets hold after the run (left out when they could not be read).
 */
export const IP_RANGES_METRIC = {
  Refused: 'IpRangesRefused',
  AgeSeconds: 'IpRangesAgeSeconds',
  Count: 'IpRangesCount',
} as const;
