import { randomBytes } from 'node:crypto';
import { SchemeConfigData, WebhookConfigurationError } from '../../types';
import { CodeSender } from '../sender';
import { StaticTokenScheme, StaticTokenSpec } from '../static-token';

// Senders that sign nothing: a credential in a header, read by ../static-token.ts. Each binds no body
// (`unsigned`) and is kept from replays only by its dedupe record: see that file for what this means.

/** HTTP Basic as stored: `user:password`, the user with no colon or space, the password 16 to 256 printable ASCII characters. */
const BASIC_SECRET = /^[\x21-\x39\x3b-\x7e]{1,128}:[\x20-\x7e]{16,256}$/;
const BASIC_RULE = '`user:password`: a user of 1 to 128 printable ASCII characters without colon or space, a password of 16 to 256 printable ASCII characters';
/** A token in a header a user types in (Strapi, Supabase): 16 to 1024 printable ASCII characters, no space. */
const HEADER_TOKEN = /^[\x21-\x7e]{16,1024}$/;
const HEADER_TOKEN_RULE = '16 to 1024 printable ASCII characters without spaces';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Ours to choose, in characters every URL userinfo and settings form keeps as typed: 64-bit user, 128-bit password, hex. */
function basicCredentials(): string {
  return `${randomBytes(8).toString('hex')}:${randomBytes(16).toString('hex')}`;
}

function hex32(): string {
  return randomBytes(32).toString('hex');
}

const TELEGRAM: StaticTokenSpec = {
  header: 'X-Telegram-Bot-Api-Secret-Token',
  credential: 'token',
  // setWebhook's secret_token: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed".
  // We take 16 at the least (a shorter one is guessable): generate a new one rather than keep it.
  secret: /^[A-Za-z0-9_-]{16,256}$/,
  secretRule: '16 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram\'s secret_token alphabet)',
  // 48 random bytes, base64url: 64 characters of exactly Telegram's alphabet.
  generate: () => randomBytes(48).toString('base64url'),
  contentTypes: ['application/json'],
  issuesKey: false,
};

const BASIC_AUTH = {
  header: 'Authorization',
  credential: 'basic',
  secret: BASIC_SECRET,
  secretRule: BASIC_RULE,
  generate: basicCredentials,
  contentTypes: ['application/json'],
  issuesKey: false,
} as const satisfies StaticTokenSpec;

/**
 * A credential in a header the user configures on the sender (Strapi's and Supabase's webhook
 * headers): `Authorization: Bearer <token>` by default; with `authorizationHeader` (as Okta's), that
 * header's whole value is the token. The scheme word belongs to the `Authorization` header only.
 */
function headerToken(type: string, config: SchemeConfigData, base: StaticTokenSpec): StaticTokenScheme {
  const header = (config as { authorizationHeader?: unknown }).authorizationHeader;
  if (header === undefined) return new StaticTokenScheme(type, base);
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) {
    throw new WebhookConfigurationError(`authorizationHeader ${JSON.stringify(header)} is not an HTTP header name: give the header name configured on the ${type} webhook`);
  }
  const isAuthorization = header.toLowerCase() === 'authorization';
  return new StaticTokenScheme(type, { ...base, header, prefix: isAuthorization ? base.prefix : '' });
}

const STRAPI: StaticTokenSpec = {
  header: 'Authorization',
  credential: 'token',
  prefix: 'Bearer ',
  secret: HEADER_TOKEN,
  secretRule: HEADER_TOKEN_RULE,
  generate: hex32,
  metadata: [{ header: 'X-Strapi-Event', name: 'eventType' }],
  contentTypes: ['application/json'],
  issuesKey: false,
};

const SUPABASE: StaticTokenSpec = { ...STRAPI, metadata: undefined };

/** Senders that authenticate with a static token or Basic credentials and sign nothing (Telegram, Postmark, Chargebee, Auth0 log streams, Strapi, ...): they bind no body. */
export const STATIC_TOKENS = {
  /**
   * Telegram Bot API webhooks: `X-Telegram-Bot-Api-Secret-Token` carries the `secret_token` given to
   * setWebhook, exactly (1 to 256 of A-Z a-z 0-9 _ -; we generate 64). Nothing is signed; the body
   * is the JSON Update, whose `update_id` is not read here (duplicates key on the body: Telegram
   * resends the same Update). Telegram sends from 149.154.160.0/20 and 91.108.4.0/22.
   * https://core.telegram.org/bots/api#setwebhook
   */
  telegram: {
    docs: 'https://core.telegram.org/bots/api#setwebhook',
    ipRanges: 'https://core.telegram.org/bots/webhooks',
    issuesKey: false,
    create: () => new StaticTokenScheme('telegram', TELEGRAM),
  },
  /**
   * Postmark: no signature. Basic credentials put in the webhook URL's userinfo
   * (`https://<username>:<password>@host/...`) arrive as `Authorization: Basic base64(user:password)`;
   * the secret is `user:password` (we generate hex, which the URL carries as typed). Postmark
   * recommends its webhook IPs as the other control.
   * https://postmarkapp.com/developer/webhooks/webhooks-overview
   */
  postmark: {
    docs: 'https://postmarkapp.com/developer/webhooks/webhooks-overview',
    ipRanges: 'https://postmarkapp.com/support/article/800-ips-for-firewalls',
    issuesKey: false,
    create: () => new StaticTokenScheme('postmark', BASIC_AUTH),
  },
  /**
   * Chargebee: no signature; "Protect webhook URL with basic authentication" with a Username and
   * Password: `Authorization: Basic base64(user:password)`, the secret `user:password` (generated).
   * The body's `id` is the event id Chargebee advises deduplicating on (not read: duplicates key on
   * the body, which a retry repeats).
   * https://www.chargebee.com/docs/2.0/webhook_settings.html
   */
  chargebee: {
    docs: 'https://www.chargebee.com/docs/2.0/webhook_settings.html',
    issuesKey: false,
    create: () => new StaticTokenScheme('chargebee', BASIC_AUTH),
  },
  /**
   * Auth0 custom log streams (Custom Webhook): the optional "Authorization Token" is "the value in the
   * Authorization header of the request", sent verbatim: the secret is that whole value (a scheme word
   * included if one was typed, e.g. `Bearer <token>`). 16 to 1024 printable ASCII characters; we
   * generate 64 hex. Content Type `application/json` (the stream's setting); the content format (JSON
   * lines, array or object) is the consumer's to read.
   * https://auth0.com/docs/customize/log-streams/custom-log-streams
   */
  auth0: {
    docs: 'https://auth0.com/docs/customize/log-streams/custom-log-streams',
    ipRanges: 'https://cdn.auth0.com/ip-ranges.json',
    issuesKey: false,
    create: () =>
      new StaticTokenScheme('auth0', {
        header: 'Authorization',
        credential: 'token',
        secret: /^[\x21-\x7e][\x20-\x7e]{14,1022}[\x21-\x7e]$/,
        secretRule: '16 to 1024 printable ASCII characters, no space at either end',
        generate: hex32,
        contentTypes: ['application/json'],
        issuesKey: false,
      }),
  },
  /**
   * Strapi webhooks sign nothing; Strapi's advice is a header with a token, set on the webhook (or in
   * `webhooks.defaultHeaders`): `Authorization: Bearer <token>` here, or the header named by
   * `authorizationHeader`, whose whole value is then the token. `X-Strapi-Event` (entry.create, ...)
   * is forwarded as the unsigned event type. Self-hosted: no published IPs.
   * https://docs.strapi.io/cms/backend-customization/webhooks
   */
  strapi: {
    docs: 'https://docs.strapi.io/cms/backend-customization/webhooks',
    issuesKey: false,
    create: (config) => headerToken('strapi', config, STRAPI),
  },
  /**
   * Supabase Database Webhooks (pg_net HTTP requests) are not signed; the HTTP Headers set on the
   * webhook carry the credential: `Authorization: Bearer <token>` here, or the header named by
   * `authorizationHeader`, whose whole value is then the token. (Supabase Auth Hooks sign, Standard
   * Webhooks style: use `standard-webhooks` for them.)
   * https://supabase.com/docs/guides/database/webhooks
   */
  supabase: {
    docs: 'https://supabase.com/docs/guides/database/webhooks',
    issuesKey: false,
    create: (config) => headerToken('supabase', config, SUPABASE),
  },
} satisfies Record<string, CodeSender>;
