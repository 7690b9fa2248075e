// The stamp a managed IP set carries in its Description: whose list it holds, and as of when. Pure (no
// AWS imports): the refresher writes and reads it, the CLI's `status` reads it to show a list's age.

/** Where a set's addresses came from: the snapshot shipped with the package, or a fetch of the list. */
export type StampOrigin = 'snapshot' | 'fetch';

export interface IpSetStamp {
  /** The catalogue's sender whose list the set holds. */
  readonly sender: string;
  /** When the addresses were last known to be the sender's list, ms since the epoch (whole seconds). */
  readonly asOfMs: number;
  readonly origin: StampOrigin;
}

const PREFIX = 'cdk-hardened-webhook';
/** A sender's name as the stamp carries it: it must also fit WAF's Description pattern. */
const SENDER = /^[a-z0-9][a-z0-9-]{0,62}$/;
const STAMP = /^cdk-hardened-webhook sender=([a-z0-9][a-z0-9-]{0,62}) as-of=(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z) origin=(snapshot|fetch)$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * A strict ISO 8601 UTC time (`2026-12-07T00:00:00Z`, optionally with milliseconds) as ms since the
 * epoch, or undefined: no other spelling, no offset, and no date that does not exist (Feb 30).
 */
export function parseIsoUtc(text: unknown): number | undefined {
  if (typeof text !== 'string' || !ISO_UTC.test(text)) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over to March: only a time that prints back as written exists.
  const printed = new Date(ms).toISOString();
  return printed.slice(0, 19) === text.slice(0, 19) ? ms : undefined;
}

/**
 * The Description for a set holding `sender`'s list as of `asOfMs` (rounded down to the second), e.g.
 * `cdk-hardened-webhook sender=github as-of=2026-12-07T00:00:00Z origin=fetch`: within WAF's
 * Description pattern and 256 characters.
 */
export function formatStamp(stamp: IpSetStamp): string {
  if (!SENDER.test(stamp.sender)) throw new Error('A sender name is 1-63 lower-case letters, digits or -');
  if (!Number.isFinite(stamp.asOfMs) || stamp.asOfMs < 0) throw new Error('A stamp needs a time');
  const asOf = new Date(Math.floor(stamp.asOfMs / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
  return `${PREFIX} sender=${stamp.sender} as-of=${asOf} origin=${stamp.origin}`;
}

/**
 * Reads a set's Description as written by {@link formatStamp}, exactly: anything else (a hand-edited
 * Description, another tool's, another sender's when `sender` is given) is undefined, which every
 * caller treats as the oldest possible stamp, so a set whose age cannot be told is refreshed first and
 * alarmed as stale.
 */
export function parseStamp(description: string | undefined, sender?: string): IpSetStamp | undefined {
  const match = STAMP.exec(description ?? '');
  if (!match) return undefined;
  const [, stampSender, asOf, origin] = match;
  if (sender !== undefined && stampSender !== sender) return undefined;
  const asOfMs = parseIsoUtc(asOf);
  if (asOfMs === undefined) return undefined;
  return { sender: stampSender, asOfMs, origin: origin as StampOrigin };
}

/** Whether `sender` can be written into a stamp. */
export function isStampSender(sender: unknown): sender is string {
  return typeof sender === 'string' && SENDER.test(sender);
}
