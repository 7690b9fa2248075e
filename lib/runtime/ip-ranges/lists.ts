// Which senders publish the addresses their webhooks come from as a machine-readable list, where the
// list is, and how to read its webhook entries. Pure (no AWS imports): the refresher bundle, the
// snapshot script and the constructs all read it.
//
// Each list below was checked against the sender's documentation and against independent public
// code that reads it (URL and format); the sources are cited per list. Captured copies are under
// test/fixtures/ip-ranges/ (README there says where each came from).

/** One sender's published, machine-readable list of the addresses its webhooks are sent from. */
export interface PublishedIpList {
  /** The catalogue's scheme type of the sender (`github`, `stripe`, ...). */
  readonly sender: string;
  /** The list's https URL: fetched exactly as written (its host is the only one asked; no redirects). */
  readonly url: string;
  /** The sender's page that documents the list. */
  readonly docs: string;
  /** In words, which entries of the list are its webhook senders (for docs/ip-allowlists.md and the runbook). */
  readonly entries: string;
  /**
   * The webhook senders' addresses (CIDRs or single addresses, as the list spells them) from the
   * list's text. Throws on a list it does not recognise (a changed format, an HTML error page):
   * never returns a partial reading.
   */
  parse(text: string): string[];
}

/** A list's text as JSON, or a clear error (an HTML error page is the usual wrong answer). */
function json(text: string, what: string): unknown {
  if (typeof text !== 'string') throw new Error(`${what}: the list is not text`);
  try {
    return JSON.parse(text);
  } catch {
    const start = text.trimStart().slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
    throw new Error(`${what}: the list is not JSON (it starts ${JSON.stringify(start)}${/^\s*</.test(text) ? ', an HTML or XML page' : ''})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` as an array of strings, or an error naming `path`. */
function strings(value: unknown, what: string, path: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${what}: ${path} is missing or not an array`);
  value.forEach((entry, i) => {
    if (typeof entry !== 'string') throw new Error(`${what}: ${path}[${i}] is not a string`);
  });
  return [...(value as string[])];
}

/** `value` as an object, or an error naming `path`. */
function object(value: unknown, what: string, path: string): Record<string, unknown> {
  if (!isObject(value)) throw new Error(`${what}: ${path} is missing or not an object`);
  return value;
}

/** A list that is one array of strings under `key` of a JSON object. */
function keyedList(sender: string, url: string, docs: string, key: string, entries: string): PublishedIpList {
  return {
    sender,
    url,
    docs,
    entries,
    parse(text) {
      const what = `${sender}'s IP list`;
      return strings(object(json(text, what), what, 'the document')[key], what, `"${key}"`);
    },
  };
}

/**
 * https://ip-ranges.atlassian.com/ (one list for every Atlassian cloud product):
 * `{ creationDate, syncToken, items: [{ network, mask_len, cidr, mask, region: [], product: [],
 * direction: [], perimeter }] }`. Outgoing connections (webhooks among them) come from the items
 * whose `direction` holds `egress`; `product` names the products an item serves; `perimeter`
 * separates the commercial cloud from Atlassian Government Cloud (`fedramp-moderate`). Atlassian
 * asks to allow every region of a product and direction, not one region (ACCESS-1771).
 * Sources: https://support.atlassian.com/organization-administration/docs/ip-addresses-and-domains-for-atlassian-cloud-products/,
 * https://jira.atlassian.com/browse/ACCESS-1771 (product, region and direction added, Jan 2022),
 * the item type in github.com/go-enjin/be pkg/net/ip/ranges/atlassian (IpRangeItem), and the
 * `perimeter` field in public parsers' fixtures.
 */
function atlassianList(sender: string, docs: string, products: readonly string[], named: string): PublishedIpList {
  return {
    sender,
    url: 'https://ip-ranges.atlassian.com/',
    docs,
    entries: `the \`items\` whose \`direction\` includes \`egress\` and whose \`product\` includes ${products.map((p) => `\`${p}\``).join(' or ')} (${named}), in the commercial perimeter (Atlassian Government Cloud items excluded), all regions`,
    parse(text) {
      const what = `${sender}'s IP list (ip-ranges.atlassian.com)`;
      const items = object(json(text, what), what, 'the document').items;
      if (!Array.isArray(items)) throw new Error(`${what}: "items" is missing or not an array`);
      const out: string[] = [];
      items.forEach((raw, i) => {
        const item = object(raw, what, `items[${i}]`);
        if (typeof item.cidr !== 'string') throw new Error(`${what}: items[${i}].cidr is missing or not a string`);
        const product = strings(item.product, what, `items[${i}].product`);
        const direction = strings(item.direction, what, `items[${i}].direction`);
        if (item.perimeter !== undefined && typeof item.perimeter !== 'string') throw new Error(`${what}: items[${i}].perimeter is not a string`);
        const commercial = item.perimeter === undefined || item.perimeter === 'commercial';
        if (commercial && direction.includes('egress') && product.some((p) => products.includes(p))) out.push(item.cidr);
      });
      return out;
    },
  };
}

/** Senders that publish a machine-readable list, by scheme type. */
export const PUBLISHED_IP_LISTS: Readonly<Record<string, PublishedIpList>> = /* @__PURE__ */ Object.freeze({
  /*
   * GitHub's meta API: a JSON object whose `hooks` array holds the CIDRs webhook deliveries come
   * from (IPv4 and IPv6); GitHub announces additions there (changelog 2026-10-29, "Webhook IP
   * ranges added to the Meta API": "If you already keep your allowlist up to date using the Meta
   * API, no changes are needed"). Unauthenticated requests are rate-limited (60 an hour per
   * address), ample for a daily refresh.
   * Sources: https://docs.github.com/en/rest/meta/meta#get-apiname-meta-information,
   * https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-githubs-ip-addresses,
   * GHMeta (`hooks`) in hub4j/github-api, terraform-provider-github's github_ip_ranges (`hooks`).
   */
  github: keyedList(
    'github',
    'https://api.github.com/meta',
    'https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-githubs-ip-addresses',
    'hooks',
    'the `hooks` array of the meta API (IPv4 and IPv6 CIDRs); the other keys (web, api, git, actions, ...) are not webhook senders',
  ),
  /*
   * Stripe's webhook addresses: `{"WEBHOOKS": ["3.18.12.63", ...]}` (bare IPv4 addresses; the same
   * list as text, one per line, at ips_webhooks.txt). Stripe gives seven days' notice of changes on
   * its API announce list.
   * Sources: https://docs.stripe.com/ips#webhook-notifications, and public readers of the
   * file's `WEBHOOKS` key (e.g. a Rust client `#[serde(rename = "WEBHOOKS")]`, a PHP
   * `$data['WEBHOOKS']`, a Node `result.body.WEBHOOKS`).
   */
  stripe: keyedList(
    'stripe',
    'https://stripe.com/files/ips/ips_webhooks.json',
    'https://docs.stripe.com/ips#webhook-notifications',
    'WEBHOOKS',
    'the `WEBHOOKS` array (single IPv4 addresses); the API and Armada/Gator lists in other files are not webhook senders',
  ),
  atlassian: atlassianList(
    'atlassian',
    'https://support.atlassian.com/organization-administration/docs/ip-addresses-and-domains-for-atlassian-cloud-products/',
    ['jira', 'confluence'],
    'Jira and Confluence webhooks',
  ),
  jira: atlassianList(
    'jira',
    'https://support.atlassian.com/organization-administration/docs/ip-addresses-and-domains-for-atlassian-cloud-products/',
    ['jira'],
    'Jira webhooks',
  ),
  bitbucket: atlassianList(
    'bitbucket',
    'https://support.atlassian.com/bitbucket-cloud/docs/what-are-the-bitbucket-cloud-ip-addresses-i-should-use-to-configure-my-corporate-firewall/',
    ['bitbucket'],
    'Bitbucket Cloud webhooks',
  ),
  /*
   * Auth0's outbound addresses (Actions, Log Streams, hooks, custom DB scripts, SMTP), per tenant
   * region: `{ last_updated_at, regions: { <region>: { ipv4_cidrs: [...] } }, changelog: [...] }`.
   * A tenant's region is not known to the library, so every region is allowed (a tenant's region
   * is fixed, so narrowing would be safe; not offered yet).
   * Sources: https://auth0.com/docs/secure/security-guidance/data-security/allowlist ("Machine-
   * readable list ... https://cdn.auth0.com/ip-ranges.json", schema table), and
   * terraform-provider-auth0's auth0_outbound_ips data source (regions / ipv4_cidrs / changelog).
   */
  auth0: {
    sender: 'auth0',
    url: 'https://cdn.auth0.com/ip-ranges.json',
    docs: 'https://auth0.com/docs/secure/security-guidance/data-security/allowlist',
    entries: 'every region\'s `ipv4_cidrs` under `regions` (the tenant\'s region is not known, so all of them); the `changelog` is history, not read',
    parse(text) {
      const what = "auth0's IP list (cdn.auth0.com/ip-ranges.json)";
      const regions = object(object(json(text, what), what, 'the document').regions, what, '"regions"');
      return Object.entries(regions).flatMap(([region, value]) => strings(object(value, what, `regions.${region}`).ipv4_cidrs, what, `regions.${region}.ipv4_cidrs`));
    },
  },
  /*
   * Linear's outbound addresses: `{ "ips": [...], "codingSessionIps": [...] }`; `ips` are the
   * webhook senders (published 2026, changelog "Added outbound IP addresses published at
   * https://linear.app/.well-known/appspecific/app.linear.ips.json"); `codingSessionIps` are the
   * addresses of Linear's coding agent sessions, not webhook senders.
   * Sources: https://linear.app/developers/webhooks, Linear's changelog (2026-09), public readers of
   * the `ips` key that exclude `codingSessionIps`.
   */
  linear: keyedList(
    'linear',
    'https://linear.app/.well-known/appspecific/app.linear.ips.json',
    'https://linear.app/developers/webhooks',
    'ips',
    'the `ips` array (webhook senders); `codingSessionIps` (Linear\'s coding agent sessions) is not read',
  ),
  /*
   * Zendesk's public IPs API: `{ "ips": { "ingress": { "all": [], "specific": [] }, "egress": { ... } } }`.
   * `egress` is "the list of IPs Zendesk will connect to your systems" from (webhooks and targets
   * among them); `all` is the full list (`specific` is a temporary subset Zendesk says may
   * disappear). Anonymous; Zendesk asks for a scheduled (daily) request.
   * Sources: https://developer.zendesk.com/api-reference/ticketing/account-configuration/public_ips/,
   * https://support.zendesk.com/hc/en-us/articles/4408842860186 (Zendesk's addresses consolidated to
   * 216.198.0.0/18).
   */
  zendesk: {
    sender: 'zendesk',
    url: 'https://support.zendesk.com/ips',
    docs: 'https://developer.zendesk.com/api-reference/ticketing/account-configuration/public_ips/',
    entries: '`ips.egress.all` (the addresses Zendesk connects to your systems from); `ingress` and the temporary `specific` lists are not read',
    parse(text) {
      const what = "zendesk's IP list (support.zendesk.com/ips)";
      const ips = object(object(json(text, what), what, 'the document').ips, what, '"ips"');
      return strings(object(ips.egress, what, 'ips.egress').all, what, 'ips.egress.all');
    },
  },
});

/**
 * Senders checked that publish no machine-readable list of their webhook addresses, with what they
 * publish instead (a documentation page, or nothing: "sends from changing cloud addresses").
 */
export const UNPUBLISHED_IP_LISTS: Readonly<Record<string, string>> = /* @__PURE__ */ Object.freeze({
  // A list exists but is not followed (yet): say which and why.
  okta:
    'Okta publishes https://s3.amazonaws.com/okta-ip-ranges/ip_ranges.json ({"<cell>": {"ip_ranges": [...]}}, every Okta system address per cell, documented for connectivity to Okta rather than as event-hook senders); it is not followed yet: no captured copy of it could be had for the snapshot shipped with the library. Allow your org\'s cell from that list with allowedSourceCidrs',
  pagerduty:
    'PagerDuty lists its webhook addresses per service region (https://support.pagerduty.com/docs/safelist-ips#webhooks, with downloads per region such as https://developer.pagerduty.com/ip-safelists/webhooks-us-service-region-json and ...-eu-service-region-json); the old machine-readable endpoint https://app.pagerduty.com/webhook_ips stopped being updated on 2022-05-05. Two regional lists are not followed (the catalogue follows one list per sender); copy your region\'s addresses into allowedSourceCidrs',
  'customer-io':
    'Customer.io serves its webhook addresses only from its App API (GET /v1/info/ip_addresses), which needs an App API key: not a public list the refresher can fetch without a secret',
  nylas:
    'Nylas serves its webhook addresses only from its API (GET /v3/webhooks/ip-addresses), which needs an API key: not a public list the refresher can fetch without a secret',
  // Documentation pages with a static list.
  gitlab: 'GitLab.com lists its webhook source ranges on a documentation page (https://docs.gitlab.com/user/gitlab_com/#ip-range: 34.74.90.64/28, 34.74.226.0/24); no machine-readable list. Self-managed GitLab sends from your own hosts',
  'gitlab-signed': 'GitLab.com lists its webhook source ranges on a documentation page (https://docs.gitlab.com/user/gitlab_com/#ip-range); no machine-readable list',
  intercom: 'Intercom lists its outbound webhook addresses per region on its webhooks documentation page; no machine-readable list',
  postmark: 'Postmark lists its webhook addresses on a support article (https://postmarkapp.com/support/article/800-ips-for-firewalls#webhooks); no machine-readable list',
  sentry: 'Sentry lists the addresses of its integration platform on a documentation page (https://docs.sentry.io/security-legal-pii/security/ip-ranges/); its machine-readable https://sentry.io/api/0/uptime-ips/ is for uptime monitoring, not webhooks',
  'checkout-com': 'Checkout.com lists its webhook addresses on a documentation page (https://www.checkout.com/docs/developer-resources/ip-addresses); no machine-readable list',
  recurly: 'Recurly lists its webhook addresses on a documentation page (https://docs.recurly.com/docs/ip-allowlist); no machine-readable list',
  adyen: 'Adyen documents its webhook domains and addresses on a documentation page and recommends allowing by domain, not address (https://docs.adyen.com/development-resources/webhooks/domain-and-ip-addresses); no machine-readable list',
  paystack: 'Paystack lists its webhook addresses on a documentation page (https://paystack.com/docs/payments/webhooks/#ip-whitelisting); no machine-readable list',
  square: 'Square lists its webhook addresses on a documentation page (https://developer.squareup.com/docs/webhooks/overview); no machine-readable list',
  paddle: 'Paddle lists its webhook addresses (sandbox and live) on a documentation page (https://developer.paddle.com/webhooks/respond-to-webhooks); no machine-readable list',
  workos: 'WorkOS lists its webhook addresses on a documentation page (https://workos.com/docs/events/data-syncing/webhooks#create-an-ip-allowlist); no machine-readable list',
  vonage: 'Vonage lists its webhook address ranges on a documentation page (https://developer.vonage.com/en/getting-started/concepts/webhooks#configuring-your-firewall); no machine-readable list',
  telegram: 'Telegram documents the ranges its bot webhooks come from on a documentation page (https://core.telegram.org/bots/webhooks: 149.154.160.0/20, 91.108.4.0/22); https://core.telegram.org/resources/cidr.txt lists all of Telegram\'s networks, not the webhook senders',
  plaid: 'Plaid lists its webhook addresses on a documentation page (https://plaid.com/docs/api/webhooks/); no machine-readable list',
  elevenlabs: 'ElevenLabs lists its webhook addresses on a documentation page (https://elevenlabs.io/docs/eleven-agents/workflows/post-call-webhooks); no machine-readable list',
  revolut: 'Revolut lists its webhook addresses on a documentation page; no machine-readable list',
  salesforce: 'Salesforce documents the addresses outbound messages come from in a help article (https://help.salesforce.com/articleView?id=000321501); its https://ip-ranges.salesforce.com/ip-ranges.json covers Hyperforce infrastructure and does not single out outbound messaging',
  'microsoft-graph': 'Microsoft lists the addresses Graph change notifications come from on a documentation page (https://learn.microsoft.com/en-us/microsoft-365/enterprise/additional-office365-ip-addresses-and-urls); the Office 365 endpoints web service needs a client request id and does not single them out',
  'microsoft-teams': 'Microsoft documents Teams and Bot Framework addresses only as broad service ranges (Azure service tags, Office 365 endpoints); no list of just the webhook senders',
  paypal: 'PayPal lists its IP addresses on a help page; no machine-readable list of its webhook senders',
  zoom: 'Zoom publishes its whole network ranges (e.g. https://assets.zoom.us/docs/ipranges/Zoom.txt) and a firewall article; no list of just its webhook senders',
  // Nothing (cloud addresses that change).
  twilio: 'Twilio publishes no webhook source addresses (it sends from changing cloud addresses and tells receivers to check the signature)',
  'twilio-sha256': 'Twilio publishes no webhook source addresses (it sends from changing cloud addresses and tells receivers to check the signature)',
  sendgrid: 'Twilio SendGrid publishes no Event Webhook source addresses (it sends from changing cloud addresses)',
  mailgun: 'Mailgun publishes no webhook source addresses (checked: none found in its documentation)',
  slack: 'Slack publishes no source addresses for its requests (it sends from changing AWS addresses and tells receivers to check the signature)',
  shopify: 'Shopify documents no webhook source addresses; https://egress-ips.shopify.com lists egress addresses without saying webhooks use them',
  sns: 'Amazon SNS sends HTTPS notifications from the AWS address ranges of its region (https://ip-ranges.amazonaws.com/ip-ranges.json names no SNS service): not a sender-specific list',
  pubsub: 'Google Cloud Pub/Sub push requests come from Google\'s shared ranges (https://www.gstatic.com/ipranges/goog.json lists all of Google), not a sender-specific list',
});

export function publishedIpList(sender: string): PublishedIpList | undefined {
  return Object.hasOwn(PUBLISHED_IP_LISTS, sender) ? PUBLISHED_IP_LISTS[sender] : undefined;
}
