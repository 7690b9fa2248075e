/**
 * One structured JSON line per request that is both the audit record and, through CloudWatch's
 * Embedded Metric Format, the metrics. Written to stdout as-is so CloudWatch keeps it as JSON.
 * Only the fields named here are ever written: callers cannot pass headers, bodies or secrets.
 *
 * Kept small, since every byte is paid for a million times (scripts/cost.mjs): no ISO `timestamp` (the
 * log event's own time and `_aws.Timestamp` carry it; the CLI falls back to the event time). What stays is
 * either read (message by the CLI's filter; outcome, status, reason, requestId, sourceIp, the ids,
 * payloadSha256, error and errorCode by the saved queries and the Contributor Insights rule), needed
 * by EMF (Endpoint and Source, the dimensions; the outcome's count; `_aws`, its Unit asserted by test/handlers/senders.test.ts), or what an
 * investigation needs (latencyMs, size, level). ≈ 560 B for an accepted delivery with a 37-character
 * endpoint name, ≈ 600 B before.
 *
 * Powertools Logger + Metrics do this too, but add ~34 KB minified to a handler whose whole budget is
 * 25 KB; this is the part of them the verifier needs.
 */
import { METRIC_NAMESPACE, Outcome } from '../../runtime/metrics-contract';

export interface AuditRecord {
  readonly requestId: string;
  readonly outcome: Outcome;
  readonly status: number;
  readonly reason?: string;
  /** Only an id the signature covers; see unsignedEventId for the others. */
  readonly eventId?: string;
  /** A delivery id from a header the signature does not cover (kept for tracing, never trusted). */
  readonly unsignedEventId?: string;
  readonly unsignedEventType?: string;
  readonly payloadSha256?: string;
  readonly size?: number;
  readonly sourceIp?: string;
  readonly latencyMs: number;
  /** The error's class name, and its code where it has one (ECONNREFUSED, ThrottlingException). */
  readonly error?: string;
  readonly errorCode?: string;
}

export type LineWriter = (line: string) => void;

export const stdoutWriter: LineWriter = (line) => {
  process.stdout.write(line + '\n');
};

export class Telemetry {
  constructor(
    private readonly endpoint: string,
    private readonly source: string,
    private readonly write: LineWriter = stdoutWriter,
  ) {}

  record(record: AuditRecord): void {
    // A concurrent delivery waiting for another's claim, and a queued delivery whose dedupe record
    // failed (a second copy may follow), are worth a look but not errors.
    const level =
      record.outcome === 'InProgress' || (record.outcome === 'Accepted' && record.error)
        ? 'WARN'
        : record.status >= 500
          ? 'ERROR'
          : record.outcome === 'Accepted' || record.outcome === 'Duplicate'
            ? 'INFO'
            : 'WARN';
    this.write(
      JSON.stringify({
        level,
        message: 'webhook',
        Endpoint: this.endpoint,
        Source: this.source,
        ...record,
        [record.outcome]: 1,
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: METRIC_NAMESPACE,
              Dimensions: [['Endpoint', 'Source']],
              Metrics: [{ Name: record.outcome, Unit: 'Count' }],
            },
          ],
        },
      }),
    );
  }
}
