// Whether a freshly fetched list may replace what an IP set holds. Pure.

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

export function decideRefresh(input: RefreshInput): RefreshDecision {
  throw new Error(`decideRefresh is not implemented yet (${input.next.length})`);
}
