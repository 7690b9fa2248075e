import { isIPv4, isIPv6 } from 'node:net';
import { Token } from 'aws-cdk-lib';

/**
 * Collects every problem with a set of props and throws them together, so a user fixes their
 * configuration in one round. Each message names the bad value and the fix.
 */
export class Problems {
  private readonly messages: string[] = [];

  add(message: string): void {
    this.messages.push(message);
  }

  get hasAny(): boolean {
    return this.messages.length > 0;
  }

  throwIfAny(what: string): void {
    if (this.messages.length === 0) return;
    throw new Error(`Invalid ${what}:\n${this.messages.map((m) => `  - ${m}`).join('\n')}`);
  }
}

export type IpVersion = 'IPV4' | 'IPV6';

/**
 * Checks a CIDR the way WAF IP sets need it: a network address with a prefix (/1 to /32 for IPv4,
 * /1 to /128 for IPv6; WAF refuses /0) and no host bits set. Returns a problem, or the IP version.
 */
export function checkCidr(cidr: string): { version: IpVersion } | { problem: string } {
  const slash = cidr.indexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const prefixText = slash < 0 ? '' : cidr.slice(slash + 1);
  const v4 = isIPv4(address);
  if (!v4 && !isIPv6(address)) return { problem: `"${cidr}" is not an IPv4 or IPv6 CIDR; write it as e.g. "203.0.113.0/24" or "2001:db8::/32"` };
  const bits = v4 ? 32 : 128;
  if (!/^[0-9]{1,3}$/.test(prefixText)) return { problem: `"${cidr}" has no prefix length; write "${address}/${bits}" for a single address` };
  const prefix = Number(prefixText);
  if (prefix < 1 || prefix > bits) {
    return { problem: `"${cidr}" has prefix /${prefix}; WAF IP sets accept /1 to /${bits} (an allowlist of everything is allowAnySourceIp: true)` };
  }
  const value = v4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((value & hostMask) !== 0n) {
    const network = v4 ? bigIntToIpv4(value & ~hostMask) : bigIntToIpv6(value & ~hostMask & ((1n << 128n) - 1n));
    return { problem: `"${cidr}" has host bits set; the network address is "${network}/${prefix}"` };
  }
  return { version: v4 ? 'IPV4' : 'IPV6' };
}

/** Validates a list of CIDRs, adding problems; returns the CIDRs split by IP version. */
export function checkCidrs(problems: Problems, label: string, cidrs: readonly string[]): Record<IpVersion, string[]> {
  const out: Record<IpVersion, string[]> = { IPV4: [], IPV6: [] };
  if (cidrs.length > 10_000) problems.add(`${label} has ${cidrs.length} entries; a WAF IP set holds at most 10,000`);
  for (const cidr of cidrs) {
    if (Token.isUnresolved(cidr)) {
      problems.add(`${label} contains a token; give literal CIDRs so the WAF IP set can be checked at synth`);
      continue;
    }
    const result = checkCidr(cidr);
    if ('problem' in result) problems.add(`${label}: ${result.problem}`);
    else out[result.version].push(cidr);
  }
  return out;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((n, octet) => (n << 8n) + BigInt(Number(octet)), 0n);
}

function bigIntToIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const v4 = ipv4ToBigInt(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const headParts = head ? head.split(':') : [];
  const restParts = rest === undefined ? [] : rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array(8 - headParts.length - restParts.length).fill('0');
  return [...headParts, ...fill, ...restParts].reduce((n, group) => (n << 16n) + BigInt(parseInt(group, 16)), 0n);
}

function bigIntToIpv6(value: bigint): string {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** True when the value is a concrete number we can check (not a token). */
export function isConcrete(value: number | undefined): value is number {
  return value !== undefined && !Token.isUnresolved(value);
}
