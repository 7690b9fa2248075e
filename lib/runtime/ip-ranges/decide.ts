// Whether a freshly fetched list may replace what an IP set holds. Pure.
import { canonicalCidr } from './cidrs';

export type RefreshDecision =
  | { readonly action: 'update' }
  | { readonly action: 'unchanged' }
  | { readonly action: 'refuse'; readonly reason: 'empty' | 'shrink'; readonly detail: string };

export interface RefreshInput {
  /** What the source's IP sets hold now (IPv4 and IPv6 together). */
  readonly current: readonly string[];
  /** What the sender's list says now (IPv4 and IPv6 together, canonical). */
  readonly next: readonly string[];
  /** The largest share of the current addresses (0-100) one refresh may remove. */
  readonly maxShrinkPercent: number;
}

/**
 * Decides a refresh, comparing the two lists as sets of canonical CIDRs (so `192.0.2.1` and
 * `192.0.2.1/32` are one address, whatever spelling WAF hands back):
 * - `next` empty: refuse (`empty`), whatever the sets hold: a sender never means "allow nobody";
 * - `current` empty (the first fill): update;
 * - the same set: unchanged;
 * - more than `maxShrinkPercent` of the current addresses missing from `next`: refuse (`shrink`),
 *   the detail giving the counts (a truncated or wrong list must not lock the sender out);
 * - otherwise update. Growth is always allowed; only removals count against the threshold.
 *
 * Throws on a `maxShrinkPercent` outside 0-100 and on a `next` entry that is not an address or
 * CIDR (`next` is `splitCidrs` output). A `current` entry it cannot read is compared as written.
 */
export function decideRefresh(input: RefreshInput): RefreshDecision {
  const { maxShrinkPercent } = input;
  if (typeof maxShrinkPercent !== 'number' || !Number.isFinite(maxShrinkPercent) || maxShrinkPercent < 0 || maxShrinkPercent > 100) {
    throw new Error(`maxShrinkPercent must be a number from 0 to 100, got ${String(maxShrinkPercent)}`);
  }
  const next = new Set(input.next.map((entry) => canonicalCidr(entry)));
  const current = new Set(input.current.map(readable));
  if (next.size === 0) {
    return { action: 'refuse', reason: 'empty', detail: `the list is empty (the sets hold ${current.size} addresses and keep them)` };
  }
  if (current.size === 0) return { action: 'update' };
  const removed = [...current].filter((entry) => !next.has(entry)).length;
  const added = [...next].filter((entry) => !current.has(entry)).length;
  if (removed === 0 && added === 0) return { action: 'unchanged' };
  // removed / current > maxShrinkPercent / 100, in integers.
  if (removed * 100 > maxShrinkPercent * current.size) {
    const percent = Math.round((removed * 1000) / current.size) / 10;
    return {
      action: 'refuse',
      reason: 'shrink',
      detail: `the list would remove ${removed} of the ${current.size} current addresses (${percent}%, more than the ${maxShrinkPercent}% allowed) and add ${added}`,
    };
  }
  return { action: 'update' };
}

function readable(entry: string): string {
  try {
    return canonicalCidr(entry);
  } catch {
    return entry;
  }
}
