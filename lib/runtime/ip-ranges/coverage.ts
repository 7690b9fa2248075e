// How many addresses a list of CIDRs covers, and which parts of it a published list may not hold. Pure.
import { canonicalCidr } from './cidrs';

/** One IP version's blocks as closed ranges of addresses [first, last], merged and sorted. */
export type Ranges = Array<readonly [bigint, bigint]>;

export interface ParsedCidr {
  readonly version: 4 | 6;
  readonly prefix: number;
  readonly first: bigint;
  readonly last: bigint;
}

/** A canonical CIDR (as splitCidrs writes it) as its version, prefix and address range. Throws when it is not one. */
export function cidrRange(entry: string): ParsedCidr {
  const canonical = canonicalCidr(entry);
  const [address, prefixText] = canonical.split('/');
  const prefix = Number(prefixText);
  const version = address.includes(':') ? 6 : 4;
  const bits = version === 4 ? 32 : 128;
  const first = version === 4 ? ipv4Value(address) : ipv6Value(address);
  const size = 1n << BigInt(bits - prefix);
  return { version, prefix, first, last: first + size - 1n };
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Value(address: string): bigint {
  // canonicalCidr wrote it (RFC 5952, no dotted tail).
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** The blocks of one version as merged ranges (overlapping and adjacent blocks joined). */
export function toRanges(cidrs: readonly ParsedCidr[]): Ranges {
  const sorted = [...cidrs].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const { first, last } of sorted) {
    const previous = out[out.length - 1];
    if (previous && first <= previous[1] + 1n) {
      if (last > previous[1]) previous[1] = last;
    } else {
      out.push([first, last]);
    }
  }
  return out;
}

/** How many addresses the ranges cover. */
export function measure(ranges: Ranges): bigint {
  return ranges.reduce((sum, [first, last]) => sum + (last - first + 1n), 0n);
}

/** How many addresses of `a` are not in `b`. */
export function measureMinus(a: Ranges, b: Ranges): bigint {
  let common = 0n;
  let j = 0;
  for (const [first, last] of a) {
    while (j < b.length && b[j][1] < first) j++;
    for (let k = j; k < b.length && b[k][0] <= last; k++) {
      const from = b[k][0] > first ? b[k][0] : first;
      const to = b[k][1] < last ? b[k][1] : last;
      if (to >= from) common += to - from + 1n;
    }
  }
  return measure(a) - common;
}

/**
 * The widest block a published list may hold, per version: IPv4 /16 (65,536 addresses; the widest a
 * catalogued sender publishes is a /18) and IPv6 /24 (the widest published is a /29). A wider block
 * is more likely a broken or tampered list than a sender's webhook range; `0.0.0.0/1` + `128.0.0.0/1`
 * (every address in two halves) is refused here.
 */
export const WIDEST_PUBLISHED_PREFIX = { 4: 16, 6: 24 } as const;

/**
 * Address space that is not globally reachable unicast, which no sender delivers webhooks from:
 * the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and updates: this network,
 * private, shared, loopback, link-local, IETF protocol assignments, documentation, benchmarking,
 * 6to4 relay, reserved, broadcast, unique local, discard, translation, Teredo, ORCHIDv2, SRv6 SIDs)
 * plus multicast (224.0.0.0/4, ff00::/8). IPv6 must moreover lie in global unicast 2000::/3. Blocks
 * that are listed in the registries as globally reachable but sit inside a wider special block
 * (192.0.0.9/32, 2001:1::1/128 ...) are refused with it: no sender publishes those either.
 * Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20) are
 * refused in PUBLISHED lists only: a static allowedSourceCidrs may hold them (examples, tests).
 */
export const NOT_PUBLIC: Readonly<Record<4 | 6, readonly string[]>> = {
  4: [
    '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
    '192.31.196.0/24', '192.52.193.0/24', '192.88.99.0/24', '192.168.0.0/16', '192.175.48.0/24', '198.18.0.0/15', '198.51.100.0/24',
    '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
  ],
  6: [
    '::/3', '4000::/2', '8000::/1', // everything outside global unicast 2000::/3 (loopback, mapped, translation, ULA, link-local, multicast...)
    '2001::/23', '2001:db8::/32', '2002::/16', '3fff::/20',
  ],
};

const NOT_PUBLIC_RANGES = { 4: NOT_PUBLIC[4].map(cidrRange), 6: NOT_PUBLIC[6].map(cidrRange) };

/** The special-purpose block `cidr` overlaps, or undefined when it is all public. */
export function notPublicOverlap(cidr: ParsedCidr): string | undefined {
  const index = NOT_PUBLIC_RANGES[cidr.version].findIndex((special) => special.first <= cidr.last && cidr.first <= special.last);
  return index === -1 ? undefined : NOT_PUBLIC[cidr.version][index];
}
