/**
 * Reviewer R4, issue 22 round 2 (medium: an allowlist that opens). lib/runtime/ip-ranges/decide.ts:97
 * (`if (covered === 0n) continue;`) skips both guards for a version the sets hold nothing of. Five of the
 * eight catalogued senders publish IPv4 only (auth0, bitbucket, linear, stripe, zendesk: their `-v6` set
 * is created empty and stays empty). For them a wrong or tampered list may add any number of IPv6 /24s
 * (each 2^104 addresses: 2600:1f00::/24 is a cloud provider's whole range) and it is applied as 'update':
 * the growth guard 8b77302 added ("more than doubling refused") never sees it, though a sender's IPv4
 * list may not even gain a /23. Fix: for a version with nothing covered now, bound what a refresh may
 * add (e.g. GROWTH_ALLOWANCE, or a small multiple of what the other version covers, or a fixed cap such as
 * a /32 in all) and refuse 'growth' beyond it; the first fill from the shipped snapshot is a
 * Custom::WebhookIpSet Create and does not pass through decideRefresh.
 */
import { decideRefresh } from '../../lib/runtime/ip-ranges/decide';
import { IP_RANGES_SNAPSHOT } from '../../lib/runtime/ip-ranges/snapshot';

test('a v4-only sender\'s list that suddenly brings IPv6 /24s is refused like any other more-than-doubling growth', () => {
  const current = [...IP_RANGES_SNAPSHOT.stripe.addresses];
  expect(current.some((a) => a.includes(':'))).toBe(false);
  const next = [...current, '2600:1f00::/24', '2a05:d000::/24', '2406:da00::/24'];
  expect(decideRefresh({ current, next, maxShrinkPercent: 25 })).toMatchObject({ action: 'refuse', reason: 'growth' });
});

test('for comparison: the same sender\'s IPv4 list may not gain even a /23', () => {
  const current = [...IP_RANGES_SNAPSHOT.stripe.addresses];
  expect(decideRefresh({ current, next: [...current, '3.0.0.0/23'], maxShrinkPercent: 25 })).toMatchObject({ action: 'refuse', reason: 'growth' });
});
