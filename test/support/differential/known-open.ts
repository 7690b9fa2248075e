import type { Kit } from './kits';
import { Mutation } from './mutations';

/*
 * Findings of the differential property not yet fixed (none today; each row names what is wrong, for
 * whom, and whose it is to fix). Each is tolerated in the property only for its kits and only as the
 * difference it is (`matches`), and each has a minimal counterexample that the test files run as a
 * test of its own, which FAILS once the finding is fixed: then delete the row. Nothing here is
 * skipped silently.
 */

export interface KnownOpen {
  /** What is wrong, for whom, and whose to fix. */
  readonly finding: string;
  /** Where the property sees it: through the runtime's verify, or the handler's queued message. */
  readonly level: 'runtime' | 'handler';
  /** Whether it shows in a kit. */
  readonly applies: (kit: Kit) => boolean;
  /** Whether a difference the property reports is this finding. */
  readonly matches: (problem: string) => boolean;
  /** A minimal counterexample: a kit, a payload and the changes that still show the finding. */
  readonly example: { readonly kit: string; readonly payload: string; readonly mutations: readonly Mutation[] };
}

// The queued `contentType` is the request's unsigned Content-Type (found by this property): settled
// by documentation, not code. The README's attribute table says a consumer parses by what its sender
// documents for the route, never by that attribute; the property compares what is queued by the
// sender's documented parse (`consumer.ts`), so it is not compared here.
export const KNOWN_OPEN: readonly KnownOpen[] = [];

/** The open finding a reported difference is, for this kit at this level; undefined when it is a new one. */
export function knownOpen(level: KnownOpen['level'], kit: Kit, problem: string): KnownOpen | undefined {
  return KNOWN_OPEN.find((k) => k.level === level && k.applies(kit) && k.matches(problem));
}
