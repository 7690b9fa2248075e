import { Mutation, setHeader, urlPercentEncode } from './mutations';

/*
 * Findings of the differential property not yet fixed (/work/notes/differential-findings.md has them
 * all, fixed ones included). Each is tolerated in the property only for its kits and only as the
 * difference it is (`matches`), and each has a minimal counterexample that the test files run as a
 * test of its own, which FAILS once the finding is fixed: then delete the row. Nothing here is
 * skipped silently.
 */

export interface KnownOpen {
  /** What is wrong, for whom, and whose to fix. */
  readonly finding: string;
  /** Where the property sees it: through the runtime's verify, or the handler's queued message. */
  readonly level: 'runtime' | 'handler';
  /** The kits (by name) it shows in. */
  readonly kits: readonly string[];
  /** Whether a difference the property reports is this finding. */
  readonly matches: (problem: string) => boolean;
  /** A minimal counterexample: a kit, a payload and the changes that still show the finding. */
  readonly example: { readonly kit: string; readonly payload: string; readonly mutations: readonly Mutation[] };
}

export const KNOWN_OPEN: readonly KnownOpen[] = [
  {
    finding:
      'The queued `contentType` attribute is the unsigned Content-Type: for a sender posting several media types, a replayer flips a signed JSON ' +
      'delivery to `application/x-www-form-urlencoded` (or back) and it is queued under the same dedupe key, so a consumer choosing its parser by ' +
      '`contentType` reads another body. Handler message attributes (decoding helper / lead).',
    level: 'handler',
    kits: ['sns', 'github (json)', 'github (form)', 'slack (json)', 'slack (form)', 'woocommerce (json)', 'woocommerce (form)', 'zendesk (json)', 'zendesk (form)', 'hmac sha512 timestamp-body (json)', 'hmac sha512 timestamp-body (form)'],
    matches: (problem) => problem.startsWith('media type '),
    example: { kit: 'github (json)', payload: '{"id":"evt_1","type":"ping"}', mutations: [setHeader('content-type', 'application/x-www-form-urlencoded')] },
  },
  {
    finding:
      'HubSpot decodes `%2F` (and the rest of its list) before it signs, so a URL with a `/` of its path sent as `%2F` (`/prod%2Fwebhooks/src`, ' +
      'one path segment to a router) verifies as the URL it was signed for. Only `%3F` is refused today. Reachable only through the runtime, ' +
      'by a caller that passes the request\'s own URL; the handler verifies against its configured URL (URL helper).',
    level: 'runtime',
    kits: ['hubspot'],
    matches: (problem) => problem.startsWith('the URL reads'),
    example: { kit: 'hubspot', payload: '{"id":"evt_1","type":"ping"}', mutations: [urlPercentEncode('/', 1)] },
  },
];

/** The open finding a reported difference is, for this kit at this level; undefined when it is a new one. */
export function knownOpen(level: KnownOpen['level'], kit: string, problem: string): KnownOpen | undefined {
  return KNOWN_OPEN.find((k) => k.level === level && k.kits.includes(kit) && k.matches(problem));
}
