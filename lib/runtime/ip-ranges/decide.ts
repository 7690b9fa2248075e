// Whether a freshly fetched list may replace what an IP set holds. Pure.
import { canonicalCidr } from './cidrs';
import { cidrRange, measure, measureMinus, notPublicOverlap, ParsedCidr, toRanges, WIDEST_PUBLISHED_PREFIX } from './coverage';

/**
 * Why a refresh was refused: `empty` (no address at all), `too-wide` (a block wider than
 * {@link WIDEST_PUBLISHED_PREFIX}), `not-public` (a block in special-purpose space: private, loopback,
 * link-local, multicast, documentation...), `shrink` (more than maxShrinkPercent of the addresses
 * covered now would go), `growth` (the list would more than double the addresses covered now, by more
 * than a /24 or /48).
 */
export type RefreshRefusal = 'empty' | 'too-wide' | 'not-public' | 'shrink' | 'growth';

/**
 * Growth a refresh may always bring, per version, however few addresses are covered now: one IPv4 /24
 * (256 addresses) or one IPv6 /48. A list of a dozen /32s (Stripe's) may gain a /24 or a dozen more
 * addresses without an alarm; beyond this, growth is bounded by doubling.
 */
export const GROWTH_ALLOWANCE = { 4: 1n << 8n, 6: 1n << 80n } as const;

export type RefreshDecision =
  | { readonly action: 'update' }
  | { readonly action: 'unchanged' }
  | { readonly action: 'refuse'; readonly reason: RefreshRefusal; readonly detail: string };

export interface RefreshInput {
  /** What the source's IP sets hold now (IPv4 and IPv6 together). */
  readonly current: readonly string[];
  /** What the sender's list says now (IPv4 and IPv6 together, canonical). */
  readonly next: readonly string[];
  /** The largest share of the addresses covered now (0-100, per IP version) one refresh may remove. */
  readonly maxShrinkPercent: number;
}

/**
 * Decides a refresh from a sender's PUBLISHED list (static allowlists never come here). The lists are
 * compared as sets of canonical CIDRs for "unchanged" (so `192.0.2.1` and `192.0.2.1/32` are one
 * entry, whatever spelling WAF hands back) and as address coverage, per IP version, for the guards
 * (a /20 narrowed to a /32 removes 4,095 addresses, not one entry of ten):
 * - `next` empty: refuse (`empty`), whatever the sets hold: a sender never means "allow nobody";
 * - a `next` block wider than IPv4 /16 or IPv6 /24: refuse (`too-wide`);
 * - a `next` block overlapping special-purpose space ({@link NOT_PUBLIC}): refuse (`not-public`);
 * - the same set of blocks: unchanged;
 * - in either version, more than `maxShrinkPercent` of the addresses covered now not covered by
 *   `next`: refuse (`shrink`: a truncated or wrong list must not lock the sender out);
 * - in either version that covers some addresses now, more new addresses (covered by `next`, not now)
 *   than are covered now, i.e. more than doubling, and more than {@link GROWTH_ALLOWANCE} (a /24, a
 *   /48): refuse (`growth`: a list that suddenly admits twice the addresses is more likely wrong than
 *   true). A version the sets hold nothing of while the other holds some (a sender's first IPv6
 *   block) may gain at most {@link GROWTH_ALLOWANCE} in one refresh (`growth` beyond); sets that hold
 *   nothing at all (a first fill; new sets are seeded from the shipped snapshot) only the two checks above;
 * - otherwise update. Growth never pays for removals: each guard is measured on its own.
 *
 * Throws on a `maxShrinkPercent` outside 0-100 and on a `next` entry that is not an address or
 * CIDR (`next` is `splitCidrs` output). A `current` entry it cannot read is compared as written and
 * counts no addresses.
 */
export function decideRefresh(input: RefreshInput): RefreshDecision {
  const { maxShrinkPercent } = input;
  if (typeof maxShrinkPercent !== 'number' || !Number.isFinite(maxShrinkPercent) || maxShrinkPercent < 0 || maxShrinkPercent > 100) {
    throw new Error(`maxShrinkPercent must be a number from 0 to 100, got ${String(maxShrinkPercent)}`);
  }
  const next = new Set(input.next.map((entry) => canonicalCidr(entry)));
  const current = new Set(input.current.map(readable));
  if (next.size === 0) {
    return { action: 'refuse', reason: 'empty', detail: `the list is empty (the sets hold ${current.size} blocks and keep them)` };
  }
  const nextParsed = [...next].map(cidrRange);
  const tooWide = nextParsed.filter((c) => c.prefix < WIDEST_PUBLISHED_PREFIX[c.version]);
  if (tooWide.length > 0) {
    return {
      action: 'refuse',
      reason: 'too-wide',
      detail: `the list holds ${tooWide.length} block(s) wider than IPv4 /${WIDEST_PUBLISHED_PREFIX[4]} or IPv6 /${WIDEST_PUBLISHED_PREFIX[6]}, e.g. ${format(tooWide[0])}`,
    };
  }
  const special = nextParsed.map((c) => [c, notPublicOverlap(c)] as const).filter(([, s]) => s !== undefined);
  if (special.length > 0) {
    return {
      action: 'refuse',
      reason: 'not-public',
      detail: `the list holds ${special.length} block(s) in special-purpose (not globally reachable) space, e.g. ${format(special[0][0])} in ${special[0][1]}`,
    };
  }
  const removedEntries = [...current].filter((entry) => !next.has(entry)).length;
  const addedEntries = [...next].filter((entry) => !current.has(entry)).length;
  if (removedEntries === 0 && addedEntries === 0) return { action: 'unchanged' };

  const currentParsed = [...current].flatMap((entry) => {
    try {
      return [cidrRange(entry)];
    } catch {
      return [];
    }
  });
  for (const version of [4, 6] as const) {
    const now = toRanges(currentParsed.filter((c) => c.version === version));
    const then = toRanges(nextParsed.filter((c) => c.version === version));
    const covered = measure(now);
    const label = version === 4 ? 'IPv4' : 'IPv6';
    // Sets holding nothing at all (a first fill): bounded by the floor and the public-space check only.
    if (currentParsed.length === 0) break;
    if (covered === 0n) {
      // A version the sets hold nothing of while the other holds some (a sender's first IPv6 block): no
      // doubling to measure, so one refresh may bring at most the allowance; more is refused like any
      // other sudden growth.
      const first = measure(then);
      if (first > GROWTH_ALLOWANCE[version]) {
        return {
          action: 'refuse',
          reason: 'growth',
          detail: `the list would add ${first} ${label} addresses where the sets hold none (more than a ${version === 4 ? '/24' : '/48'})`,
        };
      }
      continue;
    }
    const removed = measureMinus(now, then);
    const added = measureMinus(then, now);
    // removed / covered > maxShrinkPercent / 100, in integers (BigInt: IPv6 counts pass 2^53).
    if (removed * 100n > BigInt(maxShrinkPercent) * covered) {
      return {
        action: 'refuse',
        reason: 'shrink',
        detail: `the list would remove ${removed} of the ${covered} ${label} addresses covered now (${percent(removed, covered)}%, more than the ${maxShrinkPercent}% allowed) and add ${added}`,
      };
    }
    if (added > covered && added > GROWTH_ALLOWANCE[version]) {
      return {
        action: 'refuse',
        reason: 'growth',
        detail: `the list would add ${added} ${label} addresses to the ${covered} covered now (${percent(added, covered)}% growth, more than doubling and more than a ${version === 4 ? '/24' : '/48'})`,
      };
    }
  }
  return { action: 'update' };
}

function percent(part: bigint, whole: bigint): number {
  return Number((part * 1000n) / whole) / 10;
}

function format(c: ParsedCidr): string {
  return canonicalCidr(`${c.version === 4 ? ipv4(c.first) : ipv6(c.first)}/${c.prefix}`);
}

function ipv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function ipv6(value: bigint): string {
  return Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
}

function readable(entry: string): string {
  try {
    return canonicalCidr(entry);
  } catch {
    return entry;
  }
}
