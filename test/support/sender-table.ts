import { ALIASES, keyIssuedBySender, SCHEME_TYPES, SchemeDescription, schemeFor, SENDERS, VERIFIER_FAMILIES } from '../../lib/runtime';
import { describeScheme } from '../../lib/runtime/schemes/describe-row';
import { publishedIpList } from '../../lib/runtime/ip-ranges';
import { exampleConfig } from './example-configs';

// The sender table of docs/senders.md, generated from the catalogue itself (test/docs/senders.test.ts keeps the page
// equal to it; `npm run docs:senders` rewrites it). The seven families written as code describe
// themselves here.
const FAMILIES: Record<string, SchemeDescription & { docs: string; ipRanges?: string }> = {
  // Two code senders of the saas family, described here rather than by a describe() in their bundle,
  // which sits at the 40 KB budget.
  contentful: {
    docs: 'https://www.contentful.com/developers/docs/extensibility/webhooks/request-verification/',
    signature: '`x-contentful-signature`, HMAC-SHA256 hex over method, path, the signed headers and body',
    replay: 'signed timestamp (unix ms), 30 s; dedupe record',
    dedupe: 'signed `x-contentful-idempotency-key`, else SHA-256 of the body',
    metadata: ['signed.eventId', 'signed.eventType', 'unsigned.eventId', 'unsigned.eventType'],
  },
  trello: {
    docs: 'https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures',
    signature: "`X-Trello-Webhook`, HMAC-SHA1 base64 over body + URL, each character's low byte",
    replay: 'dedupe record only (nothing signed in time)',
    dedupe: 'SHA-256 of the signed content',
    metadata: [],
  },
  'standard-webhooks': {
    docs: 'https://www.standardwebhooks.com/',
    signature: '`webhook-signature`: `v1,<sig>` list, HMAC-SHA256 base64 over `webhook-id` + `.` + timestamp + `.` + body (`svix-*` with `headerPrefix: svix`); `v1a,<sig>` entries, Ed25519 over the same, verified with `whpk_` public keys (a key set may hold both)',
    replay: 'signed timestamp (unix s), 5 min; dedupe record',
    dedupe: 'signed id `webhook-id`',
    metadata: ['signed.eventId'],
  },
  stripe: {
    docs: 'https://docs.stripe.com/webhooks#verify-manually',
    // Stripe's webhook addresses (https://docs.stripe.com/ips lists them with the others).
    ipRanges: 'https://stripe.com/files/ips/ips_webhooks.json',
    signature: '`Stripe-Signature`: `t=<t>,v1=<sig>` (several v1), HMAC-SHA256 hex over timestamp + `.` + body',
    replay: 'signed timestamp (unix s), 5 min; dedupe record',
    dedupe: 'SHA-256 of the body',
    metadata: [],
  },
  github: {
    docs: 'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries',
    // The `hooks` list of GitHub's meta API.
    ipRanges: 'https://api.github.com/meta',
    signature: '`X-Hub-Signature-256`: `sha256=<sig>`, HMAC-SHA256 hex over body',
    replay: 'dedupe record only (nothing signed in time)',
    dedupe: 'SHA-256 of the body',
    metadata: ['unsigned.eventId', 'unsigned.eventType', 'unsigned.hookId'],
  },
  slack: {
    docs: 'https://api.slack.com/authentication/verifying-requests-from-slack',
    signature: '`X-Slack-Signature`: `v0=<sig>`, HMAC-SHA256 hex over `v0:` + timestamp + `:` + body',
    replay: 'signed timestamp (unix s), 5 min; dedupe record',
    dedupe: 'SHA-256 of the body',
    metadata: ['unsigned.attempt'],
  },
  shopify: {
    docs: 'https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook',
    signature: '`X-Shopify-Hmac-SHA256`, HMAC-SHA256 base64 over body',
    replay: 'dedupe record only (nothing signed in time)',
    dedupe: 'SHA-256 of the body',
    metadata: ['unsigned.eventId', 'unsigned.eventType', 'unsigned.shopDomain', 'unsigned.apiVersion'],
  },
  twilio: {
    docs: 'https://www.twilio.com/docs/usage/webhooks/webhooks-security',
    signature: '`X-Twilio-Signature`, HMAC-SHA1 base64 over URL + sorted form fields (JSON: URL with `bodySHA256`)',
    replay: 'dedupe record only (nothing signed in time)',
    dedupe: 'SHA-256 of the signed content',
    metadata: ['unsigned.eventId'],
  },
  hmac: {
    docs: '(your sender\'s)',
    signature: 'your header (a prefix, or a `t=…,v1=…` list), HMAC-SHA1/256/512 hex, base64 or base64url over body, timestamp + separator + body, or a template of `{body}`, `{timestamp}`, `{url}`, `{method}`, `{header:Name}` and literal text',
    replay: 'signed timestamp (unix s, ms or RFC 3339), 5 min or your window, where one is signed; dedupe record',
    dedupe: 'SHA-256 of the body (of the signed string for a template without `{body}`; a signed id header where the template signs it)',
    metadata: ['unsigned.eventId', 'unsigned.eventType'],
  },
};


/** A scheme type as the sender table describes it (its own description, or its family's here). */
export function describeType(type: string): SchemeDescription | undefined {
  const alias = (ALIASES as Record<string, unknown>)[type];
  return alias ? FAMILIES['standard-webhooks'] : FAMILIES[type] ?? describeScheme(schemeFor(exampleConfig(type)));
}

export function senderTable(): string {
  const lines = [
    '| `type` | signature | must send | body bound | replay control | dedupe key | handshake | metadata attributes | key | IP ranges |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const type of SCHEME_TYPES) {
    const scheme = schemeFor(exampleConfig(type));
    const alias = (ALIASES as Record<string, { headerPrefix: string }>)[type];
    const entry = (SENDERS as Record<string, { docs: string; ipRanges?: string }>)[type];
    const family = FAMILIES[type];
    const described = alias ? FAMILIES['standard-webhooks'] : family ?? describeScheme(scheme);
    const docs = alias ? `Standard Webhooks (\`${alias.headerPrefix}-*\` headers)` : entry?.docs ?? family?.docs;
    const handshake = scheme.handshake?.description ?? (type === 'slack' ? 'signed `url_verification` POST → its `challenge`' : '—');
    const key = scheme.keyless
      ? `none: ${scheme.keyless}`
      : scheme.published
        ? scheme.published.needsCredential
          ? 'published; fetched with the API secret, imported'
          : 'published (fetched; no secret)'
        : (VERIFIER_FAMILIES['signing-keys'] as readonly string[]).includes(type)
          ? 'public key, imported'
          : keyIssuedBySender(type)
            ? 'imported'
            : 'generated';
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    // Where the sender publishes the addresses it sends from, where it does: a machine-readable list
    // that `SenderIpRanges.published()` follows (lib/runtime/ip-ranges/lists.ts), or else a page or
    // list to copy into allowedSourceCidrs.
    const followed = publishedIpList(type);
    const ipRanges = entry?.ipRanges ?? (family as { ipRanges?: string } | undefined)?.ipRanges;
    // The headers without which a delivery is refused (400 missing_header); every other header the
    // sender sends is read when present and only missed as metadata.
    const mustSend = scheme.requiredHeaders.length ? scheme.requiredHeaders.map((h) => `\`${h}\``).join(', ') : '—';
    const ipCell = followed ? `[published list](${followed.url}) (followed)` : ipRanges ? `[listed](${ipRanges})` : '—';
    lines.push(
      `| [\`${type}\`](${docs?.startsWith('http') ? docs : '#senders'}) | ${cell(alias ? `same as \`standard-webhooks\`: ${docs}` : described?.signature ?? 'see docs')} | ${mustSend} | ${type === 'hmac' ? '`signed` (`unsigned` for a template without `{body}`)' : `\`${scheme.bodyBinding}\``} | ${cell(described?.replay ?? '')} | ${cell(described?.dedupe ?? '')} | ${cell(handshake)} | ${described?.metadata.length ? described.metadata.map((m) => `\`${m}\``).join(', ') : '—'} | ${key} | ${ipCell} |`,
    );
  }
  return lines.join('\n');
}
