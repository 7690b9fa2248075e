import { ALIASES, keyIssuedBySender, SCHEME_TYPES, SchemeConfig, SchemeDescription, schemeFor, SENDERS, VERIFIER_FAMILIES } from '../../lib/runtime';

// The README's sender table, generated from the catalogue itself (test/readme.test.ts keeps the README
// equal to it; `npm run docs:senders` rewrites it). The seven families written as code describe
// themselves here.
const FAMILIES: Record<string, SchemeDescription & { docs: string }> = {
  'standard-webhooks': {
    docs: 'https://www.standardwebhooks.com/',
    signature: '`webhook-signature`: `v1,<sig>` list, HMAC-SHA256 base64 over `webhook-id` + `.` + timestamp + `.` + body (`svix-*` with `headerPrefix: svix`); `v1a,<sig>` entries, Ed25519 over the same, verified with `whpk_` public keys (a key set may hold both)',
    replay: 'signed timestamp (unix s), 5 min; dedupe record',
    dedupe: 'signed id `webhook-id`',
    metadata: ['signed.eventId'],
  },
  stripe: {
    docs: 'https://docs.stripe.com/webhooks#verify-manually',
    signature: '`Stripe-Signature`: `t=<t>,v1=<sig>` (several v1), HMAC-SHA256 hex over timestamp + `.` + body',
    replay: 'signed timestamp (unix s), 5 min; dedupe record',
    dedupe: 'SHA-256 of the body',
    metadata: [],
  },
  github: {
    docs: 'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries',
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
    signature: 'your header, HMAC-SHA1/256/512 hex or base64 over body or timestamp + separator + body',
    replay: 'signed timestamp, 5 min, where one is signed; dedupe record',
    dedupe: 'SHA-256 of the body',
    metadata: ['unsigned.eventId', 'unsigned.eventType'],
  },
};

// What the senders with required configuration need to be built (any valid values describe them).
const EXAMPLE_CONFIGS: Record<string, SchemeConfig> = {
  hmac: { type: 'hmac', algorithm: 'sha256', signatureHeader: 'x-signature', encoding: 'hex', signedContent: 'body' },
  sns: { type: 'sns', topicArns: ['arn:aws:sns:us-east-1:123456789012:orders'] },
  paypal: { type: 'paypal', webhookId: '1JE4291016473214C' },
  plaid: { type: 'plaid', clientId: '5f1a2b3c4d5e6f7a8b9c0d1e' },
  pubsub: { type: 'pubsub', audience: 'https://hooks.example.com/webhooks/pubsub', serviceAccountEmail: 'push@my-project.iam.gserviceaccount.com' },
};

function configOf(type: string): SchemeConfig {
  return EXAMPLE_CONFIGS[type] ?? ({ type } as SchemeConfig);
}

export function senderTable(): string {
  const lines = [
    '| `type` | signature | body bound | replay control | dedupe key | handshake | metadata attributes | key |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const type of SCHEME_TYPES) {
    const scheme = schemeFor(configOf(type));
    const alias = (ALIASES as Record<string, { headerPrefix: string }>)[type];
    const entry = (SENDERS as Record<string, { docs: string }>)[type];
    const family = FAMILIES[type];
    const described = alias ? FAMILIES['standard-webhooks'] : family ?? scheme.describe?.();
    const docs = alias ? `Standard Webhooks (\`${alias.headerPrefix}-*\` headers)` : entry?.docs ?? family?.docs;
    const handshake = scheme.handshake?.description ?? (type === 'slack' ? 'signed `url_verification` POST → its `challenge`' : '—');
    const key = scheme.published
      ? scheme.published.needsCredential
        ? 'published; fetched with the API secret, imported'
        : 'published (fetched; no secret)'
      : (VERIFIER_FAMILIES['signing-keys'] as readonly string[]).includes(type)
        ? 'public key, imported'
        : keyIssuedBySender(type)
          ? 'imported'
          : 'generated';
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    lines.push(
      `| [\`${type}\`](${docs?.startsWith('http') ? docs : '#senders'}) | ${cell(alias ? `same as \`standard-webhooks\`: ${docs}` : described?.signature ?? 'see docs')} | \`${scheme.bodyBinding}\` | ${cell(described?.replay ?? '')} | ${cell(described?.dedupe ?? '')} | ${cell(handshake)} | ${described?.metadata.length ? described.metadata.map((m) => `\`${m}\``).join(', ') : '—'} | ${key} |`,
    );
  }
  return lines.join('\n');
}
