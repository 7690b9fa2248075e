// Addresses as WAF IP sets take them: split by version, validated, canonical. Pure.

export interface CidrsByVersion {
  readonly IPV4: string[];
  readonly IPV6: string[];
}

/**
 * Splits a list's entries into IPv4 and IPv6 CIDRs (a single address becomes /32 or /128), each
 * validated and written canonically, deduplicated and sorted. Throws naming the first entry that is
 * not an address or CIDR: a list with one unreadable entry is not used at all.
 */
export function splitCidrs(entries: readonly string[]): CidrsByVersion {
  throw new Error(`splitCidrs is not implemented yet (${entries.length} entries)`);
}
