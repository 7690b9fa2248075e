// Addresses as WAF IP sets take them: split by version, validated, canonical. Pure.
import { isIPv4, isIPv6 } from 'node:net';

export interface CidrsByVersion {
  readonly IPV4: string[];
  readonly IPV6: string[];
}

/**
 * The most addresses (CIDR blocks) one WAF IP set holds (AWS WAF quota "IP addresses in CIDR
 * notation in one IP set", 10,000; not adjustable). A list with more in one version cannot be
 * used whole, so it is refused rather than cut.
 */
export const MAX_IP_SET_ADDRESSES = 10_000;

/** One entry, validated and canonical: the address with its host bits cleared, `/prefix` always written. */
interface Parsed {
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/**
 * Splits a list's entries into IPv4 and IPv6 CIDRs (a single address becomes /32 or /128), each
 * validated and written canonically, deduplicated and sorted. Throws naming the first entry that is
 * not an address or CIDR: a list with one unreadable entry is not used at all.
 *
 * Canonical means: IPv4 dotted decimal without leading zeros; IPv6 as RFC 5952 writes it (lower
 * case, leading zeros dropped, the longest run of two or more zero groups as `::`); the prefix
 * always written; host bits cleared (`192.0.2.7/24` becomes `192.0.2.0/24`, the same block: AWS
 * documents WAF IP set addresses only as CIDR blocks and does not say it accepts host bits, so they
 * are never sent). Refused: `/0` (WAF refuses it, and it would let every address through),
 * prefixes out of range or written with leading zeros or signs, zone ids (`fe80::1%eth0`),
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`: WAF matches IPv4 clients in IPv4 sets), leading or trailing
 * spaces, and more than {@link MAX_IP_SET_ADDRESSES} blocks of one version. Sorted by version,
 * then address, then prefix length, numerically.
 */
export function splitCidrs(entries: readonly string[]): CidrsByVersion {
  if (!Array.isArray(entries)) throw new Error('IP list entries must be an array of strings');
  const seen = new Map<string, Parsed>();
  entries.forEach((entry, index) => {
    const parsed = parseEntry(entry, index);
    seen.set(format(parsed), parsed);
  });
  const sorted = [...seen.values()].sort(compare);
  const byVersion = (version: 4 | 6) => sorted.filter((p) => p.version === version).map(format);
  const result = { IPV4: byVersion(4), IPV6: byVersion(6) };
  for (const [version, list] of Object.entries(result)) {
    if (list.length > MAX_IP_SET_ADDRESSES) {
      throw new Error(`the list has ${list.length} ${version} blocks, more than the ${MAX_IP_SET_ADDRESSES} one WAF IP set holds`);
    }
  }
  return result;
}

/** One address or CIDR written canonically (as {@link splitCidrs} writes it); throws when it is not one. */
export function canonicalCidr(entry: string): string {
  return format(parseEntry(entry, 0));
}

function describe(entry: unknown, index: number): string {
  const text = typeof entry === 'string' ? JSON.stringify(entry.length > 80 ? `${entry.slice(0, 80)}…` : entry) : `a ${entry === null ? 'null' : typeof entry}`;
  return `entry ${index + 1} (${text})`;
}

function parseEntry(entry: unknown, index: number): Parsed {
  const bad = (why: string): never => {
    throw new Error(`${describe(entry, index)} is not an IP address or CIDR: ${why}`);
  };
  if (typeof entry !== 'string') return bad('not a string');
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const prefixText = slash === -1 ? undefined : entry.slice(slash + 1);
  let version: 4 | 6;
  let bytes: Uint8Array;
  if (isIPv4(address)) {
    version = 4;
    bytes = Uint8Array.from(address.split('.').map(Number));
  } else if (isIPv6(address)) {
    if (address.includes('%')) return bad('a zone id is not an internet address');
    version = 6;
    bytes = ipv6Bytes(address);
    if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
      return bad('an IPv4-mapped IPv6 address; write the IPv4 address');
    }
  } else {
    return bad('no IPv4 or IPv6 address');
  }
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return bad('the prefix length is not a plain number');
    prefix = Number(prefixText);
    if (prefix > max) return bad(`the prefix length is above ${max}`);
    if (prefix === 0) return bad('a /0 block is every address (WAF refuses it)');
  }
  return { version, bytes: mask(bytes, prefix), prefix };
}

function ipv6Bytes(address: string): Uint8Array {
  // isIPv6 has accepted it; an embedded dotted IPv4 tail becomes its two groups.
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

function mask(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

function format({ version, bytes, prefix }: Parsed): string {
  if (version === 4) return `${[...bytes].join('.')}/${prefix}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  // RFC 5952 4.2: the longest run of two or more zero groups becomes "::", the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  const text = bestStart === -1 ? hex(groups) : `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
  return `${text}/${prefix}`;
}

function compare(a: Parsed, b: Parsed): number {
  if (a.version !== b.version) return a.version - b.version;
  for (let i = 0; i < a.bytes.length; i++) {
    if (a.bytes[i] !== b.bytes[i]) return a.bytes[i] - b.bytes[i];
  }
  return a.prefix - b.prefix;
}
