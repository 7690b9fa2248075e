import { Duration, Size, Token } from 'aws-cdk-lib';
import { bundleOf, GenericHmacSchemeConfig, keyIssuedBySender, SCHEME_TYPES, SchemeConfig, schemeFor } from '../runtime';
import { KeySource } from './key-source';
import { meant, unknownKeyProblems } from '../runtime/suggest';
import { SCHEME_OPTIONS } from './known-props';

/** The hash of a generic HMAC signature. */
export enum HmacAlgorithm {
  SHA1 = 'sha1',
  SHA256 = 'sha256',
  SHA512 = 'sha512',
}

/** How a generic HMAC signature is written in its header. */
export enum SignatureEncoding {
  HEX = 'hex',
  BASE64 = 'base64',
  /** base64url (RFC 4648 §5): read padded or not, written without padding. */
  BASE64URL = 'base64url',
}

/** What a generic HMAC sender signs. */
export enum HmacSignedContent {
  /** The raw body alone. No timestamp is signed: the dedupe record is the replay window. */
  BODY = 'body',
  /** `<timestamp><separator><body>`, with the timestamp from `timestampHeader`. */
  TIMESTAMP_BODY = 'timestamp-body',
  /**
   * The string `template` spells out, e.g. `v0:{timestamp}:{body}` or `{method}\n{url}\n{timestamp}\n{body}`.
   * Without `{body}` the body is not bound (the source's body binding is `unsigned`), and the template
   * must sign the delivery's id (`{header:<eventIdHeader>}`), on which duplicates are then keyed. A
   * `{header:Name}` is set off by literal text from `{body}`, a digits timestamp and other headers.
   */
  TEMPLATE = 'template',
}

/** How a generic HMAC sender writes its signed timestamp. */
export enum TimestampFormat {
  /** Unix seconds, e.g. `1700000000`. */
  UNIX_SECONDS = 'unix',
  /** Unix milliseconds, e.g. `1700000000000`. */
  UNIX_MILLISECONDS = 'unix-ms',
  /** An RFC 3339 / ISO 8601 instant with a zone, e.g. `2023-11-14T22:13:20Z`. */
  ISO_8601 = 'iso8601',
}

/** AWS SNS HTTPS subscriptions. */
export interface SnsOptions {
  /** The topics whose messages this source accepts (tokens such as `topic.topicArn` are fine). */
  readonly topicArns: string[];
}

/** Google Cloud Pub/Sub push subscriptions with authentication (an OIDC token per push). */
export interface PubSubOptions {
  /** The audience set on the push subscription (by default there: the push endpoint's URL). */
  readonly audience: string;
  /** The service account the push subscription authenticates as. */
  readonly serviceAccountEmail: string;
}

/** Plaid's API environments. */
export enum PlaidEnvironment {
  PRODUCTION = 'production',
  SANDBOX = 'sandbox',
}

/** Plaid webhooks. The source's secret holds the Plaid API secret, which fetching Plaid's keys needs. */
export interface PlaidOptions {
  /** The Plaid API client id (an identifier, not a secret). */
  readonly clientId: string;
  /** @default PlaidEnvironment.PRODUCTION */
  readonly environment?: PlaidEnvironment;
}

/** PayPal's API environments. */
export enum PayPalEnvironment {
  LIVE = 'live',
  SANDBOX = 'sandbox',
}

/** PayPal webhooks. */
export interface PayPalOptions {
  /** The webhook's id as PayPal shows it (PayPal signs it into every delivery). */
  readonly webhookId: string;
  /** @default PayPalEnvironment.LIVE */
  readonly environment?: PayPalEnvironment;
}

/** Salesforce outbound messages (unsigned SOAP). */
export interface SalesforceOptions {
  /** The org id (`00D…`, 15 or 18 characters) every outbound message must carry. */
  readonly organizationId: string;
}

/** The App Store environment whose notifications a source accepts. */
export enum AppleAppStoreEnvironment {
  PRODUCTION = 'Production',
  SANDBOX = 'Sandbox',
}

/** Apple App Store Server Notifications V2. */
export interface AppleAppStoreOptions {
  /** The app's bundle identifier: only notifications for it verify. */
  readonly bundleId: string;
  /**
   * Production and Sandbox notifications go to separate URLs in App Store Connect: one source each.
   * @default AppleAppStoreEnvironment.PRODUCTION
   */
  readonly environment?: AppleAppStoreEnvironment;
  /**
   * The app's Apple ID (App Store Connect, App Information), checked on every Production
   * notification. Required with `AppleAppStoreEnvironment.PRODUCTION`, as Apple's own verifier
   * requires it there.
   * @default - none (refused in Production)
   */
  readonly appAppleId?: number;
}

/** A generic HMAC sender. */
export interface GenericHmacOptions {
  readonly algorithm: HmacAlgorithm;
  /** The header carrying the signature, e.g. `X-Signature`. */
  readonly signatureHeader: string;
  /**
   * Text before the signature in the header, e.g. `sha256=`.
   * @default - none
   */
  readonly prefix?: string;
  /**
   * With a template: the signature header is a list of `name=value` entries (Stripe's
   * `t=<t>,v1=<sig>`), the signatures being the entries of this name (several while a sender rolls its
   * secret). Not with `prefix`.
   * @default - one signature, after `prefix`
   */
  readonly signatureKey?: string;
  /**
   * With `signatureKey`: the list entry holding the timestamp (Stripe's `t`), instead of `timestampHeader`.
   * @default - none
   */
  readonly timestampKey?: string;
  /**
   * With `signatureKey`: what separates the list's entries (`,`, `;` or a space).
   * @default ','
   */
  readonly listSeparator?: string;
  readonly encoding: SignatureEncoding;
  readonly signedContent: HmacSignedContent;
  /**
   * Between the timestamp and the body, with `HmacSignedContent.TIMESTAMP_BODY` (with a template,
   * write it into the template).
   * @default '.'
   */
  readonly separator?: string;
  /**
   * The signed string, with `HmacSignedContent.TEMPLATE`: literal text and the placeholders `{body}`
   * (the raw body, at most once), `{timestamp}` (the `timestampHeader` value as sent), `{url}` (the
   * route's full public URL), `{method}`, `{header:Name}` (that header's value, then required on
   * every request); `{{` and `}}` are literal braces. Slack's scheme is `v0:{timestamp}:{body}`.
   * Checked at synth: every problem is reported at once.
   * @default - none (required with TEMPLATE, refused otherwise)
   */
  readonly template?: string;
  /**
   * The header with the timestamp. Required with `HmacSignedContent.TIMESTAMP_BODY` and with a
   * template that signs `{timestamp}`; refused otherwise (it would check a timestamp the signature
   * does not cover).
   * @default - none
   */
  readonly timestampHeader?: string;
  /**
   * How the timestamp is written.
   * @default TimestampFormat.UNIX_SECONDS
   */
  readonly timestampFormat?: TimestampFormat;
  /**
   * The sender's replay window around its signed timestamp (1 second to 1 hour); a source's
   * `timestampTolerance` overrides it.
   * @default Duration.minutes(5)
   */
  readonly tolerance?: Duration;
  /**
   * A header with the sender's delivery or event id, required on every request when set. Not covered
   * by the signature: it travels as the `unsignedEventId` attribute and never keys duplicates. With a
   * template it is read when present; a template that signs it (`{header:Name}`) makes it required,
   * the signed `eventId` and the dedupe key.
   * @default - none
   */
  readonly eventIdHeader?: string;
  /**
   * A header naming the event type, forwarded when present as `unsignedEventType` (not signed).
   * @default - none
   */
  readonly eventTypeHeader?: string;
  /**
   * The media types the sender posts; others are refused with 415.
   * @default ['application/json']
   */
  readonly contentTypes?: string[];
}

export interface OktaOptions {
  /**
   * The "Authentication field" configured on the Okta event hook.
   * @default 'Authorization'
   */
  readonly authorizationHeader?: string;
}

/** Senders whose token travels in a header their user names (Strapi, Supabase database webhooks). */
export interface HeaderTokenOptions {
  /**
   * The header configured on the sender's webhook. Its whole value is the token, except for
   * `Authorization`, where it is `Bearer <token>`.
   * @default 'Authorization'
   */
  readonly authorizationHeader?: string;
}

export interface StandardWebhooksOptions {
  /**
   * The header names' prefix: `webhook` (`webhook-id`, ...) per the Standard Webhooks spec, or `svix`
   * for senders that deliver through Svix under `svix-id`, `svix-timestamp`, `svix-signature`.
   * @default 'webhook'
   */
  readonly headerPrefix?: string;
}

/** How a sender signs its webhooks. One per source. */
export class SignatureScheme {
  /**
   * Standard Webhooks: HMAC-SHA256 over `id.timestamp.body`, base64, several `v1,` signatures per
   * header during the sender's own key rotation, secrets `whsec_<base64>`, 5 minute tolerance.
   */
  public static standardWebhooks(options: StandardWebhooksOptions = {}): SignatureScheme {
    const headerPrefix = options.headerPrefix ?? 'webhook';
    if (headerPrefix !== 'webhook' && headerPrefix !== 'svix') {
      throw new Error(`headerPrefix ${JSON.stringify(headerPrefix)} is not one Standard Webhooks senders use; give 'webhook' (the spec) or 'svix'`);
    }
    return SignatureScheme.given('standardWebhooks', 'StandardWebhooksOptions', options, new SignatureScheme({ type: 'standard-webhooks', headerPrefix }));
  }

  /** Standard Webhooks as delivered by Svix, under `svix-*` header names. */
  public static svix(): SignatureScheme {
    return SignatureScheme.standardWebhooks({ headerPrefix: 'svix' });
  }

  /**
   * Stripe: `Stripe-Signature: t=...,v1=...` over `t.body`, HMAC-SHA256 hex, the `whsec_` endpoint
   * secret used as-is, 5 minute tolerance. Stripe issues the secret: import it (docs/signing-keys.md).
   * Duplicates are recognised by the payload's SHA-256.
   */
  public static stripe(): SignatureScheme {
    return new SignatureScheme({ type: 'stripe' });
  }

  /**
   * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body. `X-GitHub-Delivery` and
   * `X-GitHub-Event` are not signed: they travel as unsigned metadata. GitHub signs no timestamp, so
   * the dedupe record is the only replay control.
   */
  public static github(): SignatureScheme {
    return new SignatureScheme({ type: 'github' });
  }

  /**
   * Slack: `X-Slack-Signature: v0=<hex>` over `v0:timestamp:body`, 5 minute tolerance; answers the
   * Events API `url_verification` challenge itself, after verifying it.
   */
  public static slack(): SignatureScheme {
    return new SignatureScheme({ type: 'slack' });
  }

  /**
   * Shopify: `X-Shopify-Hmac-SHA256` base64 over the body; `X-Shopify-Webhook-Id` and
   * `X-Shopify-Topic` travel as unsigned metadata.
   */
  public static shopify(): SignatureScheme {
    return new SignatureScheme({ type: 'shopify' });
  }

  /**
   * Twilio: `X-Twilio-Signature`, HMAC-SHA1 over the exact public URL and the sorted form
   * parameters (or the URL's `bodySHA256` for JSON). The verifier is told the route's public URL,
   * custom domain and base path included.
   */
  public static twilio(): SignatureScheme {
    return new SignatureScheme({ type: 'twilio' });
  }

  /**
   * A sender of the catalogue by its runtime type name (`square`, `coinbase-commerce`, ...; the list
   * is in the sender table, docs/senders.md): the same as the named preset.
   */
  public static sender(typeName: string): SignatureScheme {
    if (!SCHEME_TYPES.includes(typeName) || typeName === 'hmac') {
      const senders = SCHEME_TYPES.filter((t) => t !== 'hmac');
      throw new Error(`Unknown sender ${JSON.stringify(typeName)}${meant(typeName, senders)}: give one of ${senders.join(', ')}, or describe it with SignatureScheme.hmac()`);
    }
    const configured = CONFIGURED_SENDERS[typeName];
    if (configured) throw new Error(`${typeName} needs its configuration: use SignatureScheme.${configured}`);
    return new SignatureScheme({ type: typeName } as SchemeConfig);
  }

  /** Square: `x-square-hmacsha256-signature`: base64 HMAC-SHA256 over the notification URL followed by the body; the route's public URL is given to the verifier. */
  public static square(): SignatureScheme {
    return SignatureScheme.sender('square');
  }

  /** HubSpot (v3): `X-HubSpot-Signature-v3`: base64 HMAC-SHA256 over method, URI, body and the millisecond timestamp `X-HubSpot-Request-Timestamp`, 5 minutes. */
  public static hubspot(): SignatureScheme {
    return SignatureScheme.sender('hubspot');
  }

  /** Zoom: `x-zm-signature: v0=<hex>` over `v0:<timestamp>:<body>`; answers `endpoint.url_validation` after verifying it. */
  public static zoom(): SignatureScheme {
    return SignatureScheme.sender('zoom');
  }

  /** Paddle Billing: `Paddle-Signature: ts=...;h1=...` (several h1 while a secret rolls), HMAC-SHA256 over `ts:body`. */
  public static paddle(): SignatureScheme {
    return SignatureScheme.sender('paddle');
  }

  /** PagerDuty (v3): `X-PagerDuty-Signature: v1=<hex>[,v1=...]` over the body (several while a secret rolls). */
  public static pagerduty(): SignatureScheme {
    return SignatureScheme.sender('pagerduty');
  }

  /** Linear: `Linear-Signature`: hex HMAC-SHA256 of the body; the signed `webhookTimestamp` inside the body is checked against the tolerance. */
  public static linear(): SignatureScheme {
    return SignatureScheme.sender('linear');
  }

  /** Intercom: `X-Hub-Signature: sha1=<hex>` over the body, keyed with the app's client secret. */
  public static intercom(): SignatureScheme {
    return SignatureScheme.sender('intercom');
  }

  /** Mailgun: HMAC-SHA256 over the `timestamp` and `token` fields inside the body (JSON `signature` object or form fields), keyed with the webhook signing key. */
  public static mailgun(): SignatureScheme {
    return SignatureScheme.sender('mailgun');
  }

  /** Twitch EventSub: `Twitch-Eventsub-Message-Signature: sha256=<hex>` over message id + timestamp + body, 10 minutes; answers `webhook_callback_verification`. */
  public static twitch(): SignatureScheme {
    return SignatureScheme.sender('twitch');
  }

  /** Meta (Facebook, Instagram, WhatsApp): `X-Hub-Signature-256: sha256=<hex>` over the body with the app secret; answers the `hub.challenge` GET when `hub.verify_token` equals the `verifyToken` kept in the source's secret. */
  public static meta(): SignatureScheme {
    return SignatureScheme.sender('meta');
  }

  /** Razorpay: `X-Razorpay-Signature`: hex HMAC-SHA256 of the body with the webhook secret. */
  public static razorpay(): SignatureScheme {
    return SignatureScheme.sender('razorpay');
  }

  /** Paystack: `x-paystack-signature`: hex HMAC-SHA512 of the body with the secret key. */
  public static paystack(): SignatureScheme {
    return SignatureScheme.sender('paystack');
  }

  /** WooCommerce: `X-WC-Webhook-Signature`: base64 HMAC-SHA256 of the body. */
  public static woocommerce(): SignatureScheme {
    return SignatureScheme.sender('woocommerce');
  }

  /** Sentry: `Sentry-Hook-Signature`: hex HMAC-SHA256 of the body with the integration's client secret. */
  public static sentry(): SignatureScheme {
    return SignatureScheme.sender('sentry');
  }

  /** Zendesk: `X-Zendesk-Webhook-Signature`: base64 HMAC-SHA256 over the timestamp header followed by the body. */
  public static zendesk(): SignatureScheme {
    return SignatureScheme.sender('zendesk');
  }

  /** Typeform: `Typeform-Signature: sha256=<base64>` over the body. */
  public static typeform(): SignatureScheme {
    return SignatureScheme.sender('typeform');
  }

  /** Calendly: `Calendly-Webhook-Signature: t=...,v1=<hex>` over `t.body`. */
  public static calendly(): SignatureScheme {
    return SignatureScheme.sender('calendly');
  }

  /** Mux: `Mux-Signature: t=...,v1=<hex>` over `t.body`. */
  public static mux(): SignatureScheme {
    return SignatureScheme.sender('mux');
  }

  /** Lemon Squeezy: `X-Signature`: hex HMAC-SHA256 of the body. */
  public static lemonsqueezy(): SignatureScheme {
    return SignatureScheme.sender('lemonsqueezy');
  }

  /** DocuSign Connect: `X-DocuSign-Signature-1..N`: base64 HMAC-SHA256 of the body, one per active Connect key. */
  public static docusign(): SignatureScheme {
    return SignatureScheme.sender('docusign');
  }

  /** Box: `box-signature-primary` / `-secondary`: base64 HMAC-SHA256 over the body followed by `box-delivery-timestamp`, 10 minutes. */
  public static box(): SignatureScheme {
    return SignatureScheme.sender('box');
  }

  /** Dropbox: `X-Dropbox-Signature`: hex HMAC-SHA256 of the body with the app secret; answers the `challenge` GET. */
  public static dropbox(): SignatureScheme {
    return SignatureScheme.sender('dropbox');
  }

  /** Bitbucket: `X-Hub-Signature: sha256=<hex>` over the body. */
  public static bitbucket(): SignatureScheme {
    return SignatureScheme.sender('bitbucket');
  }

  /** Atlassian (Jira, Confluence): `X-Hub-Signature: sha256=<hex>` over the body, for webhooks registered with a secret. */
  public static atlassian(): SignatureScheme {
    return SignatureScheme.sender('atlassian');
  }

  /** Vercel: `x-vercel-signature`: hex HMAC-SHA1 of the body. */
  public static vercel(): SignatureScheme {
    return SignatureScheme.sender('vercel');
  }

  /** Coinbase Commerce: `X-CC-Webhook-Signature`: hex HMAC-SHA256 of the body with the shared secret. */
  public static coinbaseCommerce(): SignatureScheme {
    return SignatureScheme.sender('coinbase-commerce');
  }

  /** Segment: `X-Signature`: hex HMAC-SHA1 of the body with the shared secret. */
  public static segment(): SignatureScheme {
    return SignatureScheme.sender('segment');
  }

  /** LaunchDarkly: `X-LD-Signature`: hex HMAC-SHA256 of the body. */
  public static launchdarkly(): SignatureScheme {
    return SignatureScheme.sender('launchdarkly');
  }

  /** CircleCI: `circleci-signature: v1=<hex>` over the body. */
  public static circleci(): SignatureScheme {
    return SignatureScheme.sender('circleci');
  }

  /** Airtable: `X-Airtable-Content-MAC: hmac-sha256=<hex>` over the body, keyed with the base64-decoded `macSecretBase64`. */
  public static airtable(): SignatureScheme {
    return SignatureScheme.sender('airtable');
  }

  /** Notion: `X-Notion-Signature: sha256=<hex>` over the body with the verification token; the unsigned verification POST is answered and its token kept as a pending version of the source's secret for you to put as the key. */
  public static notion(): SignatureScheme {
    return SignatureScheme.sender('notion');
  }

  /** Twilio (HMAC-SHA256): Twilio's HMAC-SHA256 request signatures over the public URL and the sorted form parameters (or the URL's `bodySHA256`). */
  public static twilioSha256(): SignatureScheme {
    return SignatureScheme.sender('twilio-sha256');
  }

  /** GitLab: `X-Gitlab-Token`: a shared token compared in constant time. A token is weaker than a signature: it does not bind the body, and whoever sees one delivery can send anything. */
  public static gitlab(): SignatureScheme {
    return SignatureScheme.sender('gitlab');
  }

  /**
   * Okta event hooks: the hook's authentication header (`Authorization` unless `authorizationHeader`
   * names the "Authentication field" set in Okta), a shared token compared in constant time (weaker
   * than a signature); answers the one-time verification GET.
   */
  public static okta(options: OktaOptions = {}): SignatureScheme {
    return SignatureScheme.given('okta', 'OktaOptions', options, SignatureScheme.withHeader('okta', options.authorizationHeader));
  }

  /** OpenAI: Standard Webhooks (`webhook-*` headers), as OpenAI signs. */
  public static openai(): SignatureScheme {
    return SignatureScheme.sender('openai');
  }

  /** Clerk: Standard Webhooks delivered through Svix (`svix-*` headers). */
  public static clerk(): SignatureScheme {
    return SignatureScheme.sender('clerk');
  }

  /** Resend: Standard Webhooks delivered through Svix (`svix-*` headers). */
  public static resend(): SignatureScheme {
    return SignatureScheme.sender('resend');
  }

  /** Checkout.com: `Cko-Signature`, HMAC-SHA256 hex over the body, with the webhook signature key you set (generated here). */
  public static checkoutCom(): SignatureScheme {
    return SignatureScheme.sender('checkout-com');
  }

  /** Intuit QuickBooks Online: `intuit-signature`, HMAC-SHA256 base64 over the body, with the app's Verifier Token. */
  public static quickbooks(): SignatureScheme {
    return SignatureScheme.sender('quickbooks');
  }

  /** Xero: `x-xero-signature`, HMAC-SHA256 base64 over the body, with the webhook key; answers the Intent to Receive check (200 for a valid signature, 401 otherwise) and queues nothing for it. */
  public static xero(): SignatureScheme {
    return SignatureScheme.sender('xero');
  }

  /** GoCardless: `Webhook-Signature`, HMAC-SHA256 hex over the body, with the endpoint secret. */
  public static gocardless(): SignatureScheme {
    return SignatureScheme.sender('gocardless');
  }

  /** Recurly: `recurly-signature: <unix ms>,<sig>[,<sig>]`, HMAC-SHA256 hex over `<ms>.<body>`, 5 minutes. */
  public static recurly(): SignatureScheme {
    return SignatureScheme.sender('recurly');
  }

  /** Revolut Merchant: `Revolut-Signature: v1=<sig>[,v1=...]`, HMAC-SHA256 hex over `v1.<Revolut-Request-Timestamp>.<body>`, 5 minutes. */
  public static revolut(): SignatureScheme {
    return SignatureScheme.sender('revolut');
  }

  /** Authorize.Net: `X-ANET-Signature: sha512=<HEX>`, HMAC-SHA512 over the body, with the 128-character Signature Key. */
  public static authorizeNet(): SignatureScheme {
    return SignatureScheme.sender('authorize-net');
  }

  /** Coinbase Developer Platform: `X-Hook0-Signature: t=,h=,v1=`, HMAC-SHA256 over the timestamp, the named headers and the body, 5 minutes. */
  public static coinbaseCdp(): SignatureScheme {
    return SignatureScheme.sender('coinbase-cdp');
  }

  /** WorkOS: `WorkOS-Signature: t=<ms>, v1=<sig>`, HMAC-SHA256 hex over `<t>.<body>`, 3 minutes. */
  public static workos(): SignatureScheme {
    return SignatureScheme.sender('workos');
  }

  /** Klaviyo system webhooks: `Klaviyo-Signature`, HMAC-SHA256 hex over the body and `Klaviyo-Timestamp`. */
  public static klaviyo(): SignatureScheme {
    return SignatureScheme.sender('klaviyo');
  }

  /** Webflow (OAuth apps): `x-webflow-signature`, HMAC-SHA256 hex over `<x-webflow-timestamp>:<body>`, 5 minutes. */
  public static webflow(): SignatureScheme {
    return SignatureScheme.sender('webflow');
  }

  /** Contentful request verification: `x-contentful-signature` over the canonical request (method, path, signed headers, body), 30 seconds. Signs the path: the verifier is given the route's public URL. */
  public static contentful(): SignatureScheme {
    return SignatureScheme.sender('contentful');
  }

  /** Trello: `X-Trello-Webhook`, HMAC-SHA1 base64 over the body and the callback URL (the route's public URL); answers Trello's HEAD check. */
  public static trello(): SignatureScheme {
    return SignatureScheme.sender('trello');
  }

  /** ClickUp: `X-Signature`, HMAC-SHA256 hex over the body. */
  public static clickup(): SignatureScheme {
    return SignatureScheme.sender('clickup');
  }

  /** TikTok for Developers: `TikTok-Signature: t=<t>,s=<sig>`, HMAC-SHA256 hex over `<t>.<body>`, 5 minutes. */
  public static tiktok(): SignatureScheme {
    return SignatureScheme.sender('tiktok');
  }

  /** Sanity: `sanity-webhook-signature: t=<ms>,v1=<sig>`, HMAC-SHA256 base64url over `<t>.<body>`, 5 minutes. */
  public static sanity(): SignatureScheme {
    return SignatureScheme.sender('sanity');
  }

  /** Cal.com: `X-Cal-Signature-256`, HMAC-SHA256 hex over the body. */
  public static calCom(): SignatureScheme {
    return SignatureScheme.sender('cal-com');
  }

  /** Customer.io reporting webhooks: `X-CIO-Signature`, HMAC-SHA256 hex over `v0:<X-CIO-Timestamp>:<body>`, 5 minutes. */
  public static customerIo(): SignatureScheme {
    return SignatureScheme.sender('customer-io');
  }

  /** LINE Messaging API: `x-line-signature`, HMAC-SHA256 base64 over the body, with the channel secret. */
  public static line(): SignatureScheme {
    return SignatureScheme.sender('line');
  }

  /** Microsoft Teams outgoing webhooks: `Authorization: HMAC <sig>`, HMAC-SHA256 base64 over the body with the base64-decoded security token; each queued message answered with a short reply. */
  public static microsoftTeams(): SignatureScheme {
    return SignatureScheme.sender('microsoft-teams');
  }

  /** Front application webhooks: `X-Front-Signature`, HMAC-SHA256 base64 over `<X-Front-Request-Timestamp>:<body>`, 5 minutes; answers the signed sync challenge. */
  public static front(): SignatureScheme {
    return SignatureScheme.sender('front');
  }

  /** ElevenLabs: `ElevenLabs-Signature: t=<t>,v0=<sig>`, HMAC-SHA256 hex over `<t>.<body>`, 30 minutes. */
  public static elevenlabs(): SignatureScheme {
    return SignatureScheme.sender('elevenlabs');
  }

  /** Nylas v3: `X-Nylas-Signature`, HMAC-SHA256 hex over the body; answers the GET `challenge`. */
  public static nylas(): SignatureScheme {
    return SignatureScheme.sender('nylas');
  }

  /** Asana: `X-Hook-Signature`, HMAC-SHA256 hex over the body; the `X-Hook-Secret` handshake is echoed and captured for the operator (like Notion's). */
  public static asana(): SignatureScheme {
    return SignatureScheme.sender('asana');
  }

  /** X (Twitter) Account Activity: `x-twitter-webhooks-signature: sha256=<sig>`, HMAC-SHA256 base64 over the body with the consumer secret; answers the CRC GET. */
  public static x(): SignatureScheme {
    return SignatureScheme.sender('x');
  }

  /** Telegram Bot API: `X-Telegram-Bot-Api-Secret-Token`, the `secret_token` given to setWebhook (a shared token: binds no body). */
  public static telegram(): SignatureScheme {
    return SignatureScheme.sender('telegram');
  }

  /** Postmark: HTTP Basic credentials from the webhook URL (binds no body). */
  public static postmark(): SignatureScheme {
    return SignatureScheme.sender('postmark');
  }

  /** Chargebee: HTTP Basic credentials set on the webhook (binds no body). */
  public static chargebee(): SignatureScheme {
    return SignatureScheme.sender('chargebee');
  }

  /** Auth0 custom log streams: the `Authorization` token as configured (binds no body). */
  public static auth0(): SignatureScheme {
    return SignatureScheme.sender('auth0');
  }

  /** Adyen: each notification item's `additionalData.hmacSignature`, HMAC-SHA256 base64 over its documented fields with the hex HMAC key; every item of a batch must verify; answered `[accepted]`. */
  public static adyen(): SignatureScheme {
    return SignatureScheme.sender('adyen');
  }

  /** Braintree: the form's `bt_signature` over `bt_payload` (HMAC-SHA1 keyed by the SHA-1 of the private key); the secret is `public_key:private_key`. */
  public static braintree(): SignatureScheme {
    return SignatureScheme.sender('braintree');
  }

  /** Mailchimp Transactional (Mandrill): `X-Mandrill-Signature`, HMAC-SHA1 base64 over the route's public URL and the sorted POST parameters. */
  public static mandrill(): SignatureScheme {
    return SignatureScheme.sender('mandrill');
  }

  /** Vonage signed webhooks: `Authorization: Bearer <JWT>`, HS256 with the signature secret, its `payload_hash` the body's SHA-256, `iat` within 5 minutes. */
  public static vonage(): SignatureScheme {
    return SignatureScheme.sender('vonage');
  }

  /** Netlify deploy notifications: `X-Webhook-Signature`, a JWS (HS256) with `iss` netlify and the body's SHA-256. */
  public static netlify(): SignatureScheme {
    return SignatureScheme.sender('netlify');
  }

  /** monday.com app webhooks: the `Authorization` JWT (HS256, the app's Signing Secret; it binds no body); answers the `challenge`. */
  public static monday(): SignatureScheme {
    return SignatureScheme.sender('monday');
  }

  /**
   * Microsoft Graph change notifications: every notification's `clientState` compared with the
   * source's secret (binds no body); answers the `validationToken` check. The `clientState` is in
   * every notification's body, so it travels to the queue, the DLQ and your processor with it: use a
   * value for nothing else (synth says so in a warning).
   */
  public static microsoftGraph(): SignatureScheme {
    return SignatureScheme.sender('microsoft-graph');
  }

  /** Jira admin webhooks: `X-Hub-Signature: sha256=<sig>`, HMAC-SHA256 hex over the body (the same as `atlassian`). */
  public static jira(): SignatureScheme {
    return SignatureScheme.sender('jira');
  }

  /** GitLab webhooks with a signing token: Standard Webhooks (`webhook-*` headers), instead of `X-Gitlab-Token`. */
  public static gitlabSigned(): SignatureScheme {
    return SignatureScheme.sender('gitlab-signed');
  }

  /**
   * Strapi webhooks: the header its user configures (`Authorization: Bearer <token>` unless
   * `authorizationHeader` names another, whose whole value is the token); a shared token: binds no body.
   */
  public static strapi(options: HeaderTokenOptions = {}): SignatureScheme {
    return SignatureScheme.given('strapi', 'HeaderTokenOptions', options, SignatureScheme.withHeader('strapi', options.authorizationHeader));
  }

  /**
   * Supabase database webhooks: the header its user configures (`Authorization: Bearer <token>` unless
   * `authorizationHeader` names another, whose whole value is the token); a shared token: binds no body.
   */
  public static supabase(options: HeaderTokenOptions = {}): SignatureScheme {
    return SignatureScheme.given('supabase', 'HeaderTokenOptions', options, SignatureScheme.withHeader('supabase', options.authorizationHeader));
  }

  /** Discord interactions: `X-Signature-Ed25519` over timestamp + body with the application's public key; answers PING after verifying. */
  public static discord(): SignatureScheme {
    return SignatureScheme.sender('discord');
  }

  /** Telnyx: `telnyx-signature-ed25519` over `timestamp|body` with the account's public key. */
  public static telnyx(): SignatureScheme {
    return SignatureScheme.sender('telnyx');
  }

  /** Twilio SendGrid Event Webhook: ECDSA P-256 over timestamp + body with the webhook's verification key. */
  public static sendgrid(): SignatureScheme {
    return SignatureScheme.sender('sendgrid');
  }

  /**
   * AWS SNS HTTPS subscriptions: every message verified against the certificate at its
   * `SigningCertURL` (fetched only from `https://sns.<region>.amazonaws.com/`, cached); only the listed
   * topics; subscription confirmations confirmed for those topics only. The source has no secret.
   */
  public static sns(options: SnsOptions): SignatureScheme {
    return SignatureScheme.given('sns', 'SnsOptions', options, new SignatureScheme({ type: 'sns', topicArns: options.topicArns }));
  }

  /**
   * Google Cloud Pub/Sub push: the OIDC token in `Authorization`, checked against Google's published
   * keys, the audience and the service account. The token binds no body. The source has no secret.
   */
  public static pubsub(options: PubSubOptions): SignatureScheme {
    return SignatureScheme.given('pubsub', 'PubSubOptions', options, new SignatureScheme({ type: 'pubsub', audience: options.audience, serviceAccountEmail: options.serviceAccountEmail }));
  }

  /**
   * Plaid: the `Plaid-Verification` ES256 JWT, its key fetched from Plaid by `kid` (with the Plaid API
   * secret the source's secret holds), and the body's SHA-256 it carries.
   */
  public static plaid(options: PlaidOptions): SignatureScheme {
    return SignatureScheme.given('plaid', 'PlaidOptions', options, new SignatureScheme({ type: 'plaid', clientId: options.clientId, environment: (options.environment ?? PlaidEnvironment.PRODUCTION) as 'production' | 'sandbox' }));
  }

  /**
   * PayPal: `PAYPAL-TRANSMISSION-SIG` over transmission id, time, webhook id and the body's CRC32,
   * verified against the certificate at `PAYPAL-CERT-URL` (PayPal's API host only, cached). The
   * source has no secret.
   */
  public static paypal(options: PayPalOptions): SignatureScheme {
    return SignatureScheme.given('paypal', 'PayPalOptions', options, new SignatureScheme({ type: 'paypal', webhookId: options.webhookId, environment: (options.environment ?? PayPalEnvironment.LIVE) as 'live' | 'sandbox' }));
  }

  /**
   * Salesforce outbound messages: SOAP, not signed. Only the `OrganizationId` each message carries is
   * checked (against `organizationId`), and the SOAP `Ack` Salesforce expects is answered once the
   * message is queued. Nothing binds the body: restrict the route to Salesforce (mTLS or an IP
   * allowlist of Salesforce's ranges).
   */
  public static salesforce(options: SalesforceOptions): SignatureScheme {
    return SignatureScheme.given('salesforce', 'SalesforceOptions', options, new SignatureScheme({ type: 'salesforce', organizationId: options.organizationId }));
  }

  /**
   * Apple App Store Server Notifications V2: the `signedPayload` JWS (ES256) verified through its
   * `x5c` chain to Apple Root CA - G3, pinned in the package; only the app's `bundleId` and
   * environment. The source has no secret.
   */
  public static appleAppStore(options: AppleAppStoreOptions): SignatureScheme {
    return SignatureScheme.given('appleAppStore', 'AppleAppStoreOptions', options, new SignatureScheme({
      type: 'apple-app-store',
      bundleId: options.bundleId,
      environment: (options.environment ?? AppleAppStoreEnvironment.PRODUCTION) as 'Production' | 'Sandbox',
      ...(options.appAppleId !== undefined ? { appAppleId: options.appAppleId } : {}),
    }));
  }

  /** Any HMAC sender, described by its algorithm, header, encoding and signed content. */
  public static hmac(options: GenericHmacOptions): SignatureScheme {
    const { tolerance, ...rest } = options;
    if (tolerance !== undefined && Token.isUnresolved(tolerance.toSeconds())) {
      throw new Error('tolerance is a token; give a literal Duration (e.g. Duration.minutes(5)) so the scheme can be checked at synth');
    }
    const config: GenericHmacSchemeConfig = {
      type: 'hmac',
      ...rest,
      algorithm: options.algorithm as GenericHmacSchemeConfig['algorithm'],
      encoding: options.encoding as GenericHmacSchemeConfig['encoding'],
      signedContent: options.signedContent as GenericHmacSchemeConfig['signedContent'],
      ...(options.timestampFormat !== undefined ? { timestampFormat: options.timestampFormat as GenericHmacSchemeConfig['timestampFormat'] } : {}),
      ...(tolerance !== undefined ? { toleranceSeconds: tolerance.toSeconds() } : {}),
    };
    return SignatureScheme.given('hmac', 'GenericHmacOptions', options, new SignatureScheme(config));
  }

  /**
   * The scheme a preset built, carrying a problem per key of its options that the options' interface
   * lacks (from JavaScript or a jsii language), for the endpoint to report with its other problems.
   */
  private static given(preset: string, options: keyof typeof SCHEME_OPTIONS, given: unknown, scheme: SignatureScheme): SignatureScheme {
    scheme._optionProblems = unknownKeyProblems(`SignatureScheme.${preset}() options`, given, SCHEME_OPTIONS[options]);
    return scheme;
  }

  /** A sender whose token travels in a header its user may name (Okta, Strapi, Supabase): the default header unless one is given. */
  private static withHeader(type: 'okta' | 'strapi' | 'supabase', authorizationHeader: string | undefined): SignatureScheme {
    return authorizationHeader === undefined ? SignatureScheme.sender(type) : new SignatureScheme({ type, authorizationHeader } as SchemeConfig);
  }

  /** The scheme's type name, as the runtime API spells it (`stripe`, `standard-webhooks`, `hmac`, ...). */
  public readonly schemeType: string;
  /** Whether the signature covers the public URL. */
  public readonly signsUrl: boolean;
  /**
   * Whether the sender's credential is a field of the body (Microsoft Graph's `clientState`), so that
   * it travels to the queue with every message.
   */
  public readonly credentialInBody: boolean;
  /**
   * How much of the body the sender's signature vouches for: `signed` (every byte), `partial` (some of
   * it: the sender table, docs/senders.md, says which part), or `unsigned` (none: a shared token, Basic auth).
   * Queued messages carry it as their `bodyBinding` attribute.
   */
  public readonly bodyBinding: string;
  /** The scheme's own replay tolerance, when it signs a timestamp. */
  public readonly defaultTolerance?: Duration;
  /** The largest body the sender sends, where that is more than a source's default cap (SNS's envelope). */
  public readonly largestBody?: Size;
  /**
   * The scheme as plain data, handed to the verifier through its environment.
   * @internal
   */
  public readonly _config: SchemeConfig;
  /**
   * Keys of the preset's options that its options interface lacks, as problems (see known-props.ts).
   * @internal
   */
  public _optionProblems: readonly string[] = [];
  private readonly required: readonly string[];
  private readonly signatures: readonly string[];
  private readonly secrets: readonly string[];
  private readonly mediaTypes: readonly string[];
  private readonly issuedBySender: boolean;
  private readonly publishedKeys: boolean;
  /**
   * Whether the verifier fetches the sender's published keys over HTTPS (SNS, PayPal, Plaid,
   * Google): its function needs outbound internet access (Lambda outside a VPC has it; inside one,
   * a NAT gateway).
   */
  public readonly fetchesKeys: boolean;
  /**
   * The verifier bundle that carries this scheme (`core`, `payments`, ...).
   * @internal
   */
  public readonly _family: string;
  /**
   * How the sender verifies the endpoint before delivering, when it does (answered by the verifier,
   * never queued).
   */
  public readonly handshake?: string;
  /** Whether the sender verifies the endpoint with a GET (the route then answers GET too). */
  public readonly answersGet: boolean;
  /** Whether the sender checks the URL with a HEAD request before creating its webhook (the route then answers HEAD too). */
  public readonly answersHead: boolean;
  /**
   * Whether the sender's handshake arrives before any key exists (Notion): with imported keys, the
   * source gets a capture secret where the verifier keeps the first such handshake (the only secret
   * it may write; never the signing secret).
   */
  public readonly capturesHandshake: boolean;
  /**
   * Whether the sender sends a request without a signature that the verifier answers (a URL ping, a
   * key handed over before it can sign): the gateway then requires no signature header of the route,
   * and the verifier decides.
   */
  public readonly answersUnsigned: boolean;

  private constructor(config: SchemeConfig) {
    // Building the runtime scheme validates the configuration (header names, combinations). A value
    // only known at deploy time (a topic's ARN) is checked as a placeholder of its kind.
    const scheme = schemeFor(withPlaceholders(config));
    this._family = bundleOf(config);
    this.fetchesKeys = scheme.published !== undefined;
    // A sender verified with no key of ours (Apple's pinned root, Salesforce's org id) has no secret either; nothing is fetched.
    this.publishedKeys = (scheme.published !== undefined && !scheme.published.needsCredential) || scheme.keyless !== undefined;
    this._config = config;
    this.schemeType = config.type;
    this.required = scheme.requiredHeaders;
    this.signatures = scheme.signatureHeaders;
    this.secrets = scheme.handshake?.secretHeaders ?? [];
    this.credentialInBody = scheme.credentialInBody === true;
    this.mediaTypes = scheme.contentTypes;
    this.signsUrl = scheme.signsUrl;
    this.bodyBinding = scheme.bodyBinding;
    this.issuedBySender = keyIssuedBySender(config.type);
    this.handshake = scheme.handshake?.description ?? (config.type === 'slack' ? 'signed `url_verification` POST → its `challenge`' : undefined);
    this.answersGet = scheme.handshake?.get !== undefined;
    this.answersHead = scheme.handshake?.head === true;
    this.capturesHandshake = scheme.handshake?.capture !== undefined;
    this.answersUnsigned = this.capturesHandshake || scheme.handshake?.unsigned !== undefined;
    this.defaultTolerance = scheme.defaultToleranceSeconds === undefined ? undefined : Duration.seconds(scheme.defaultToleranceSeconds);
    this.largestBody = scheme.largestBody === undefined ? undefined : Size.bytes(scheme.largestBody);
  }

  /** Lower-case names of the headers a request cannot be verified without. */
  public get requiredHeaders(): string[] {
    return [...this.required];
  }

  /** Lower-case names of the headers carrying signatures. */
  public get signatureHeaders(): string[] {
    return [...this.signatures];
  }

  /** Lower-case names of the headers redacted from the WAF's logs: the signatures, and any header a handshake hands a secret in (Asana's `X-Hook-Secret`). */
  public get redactedHeaders(): string[] {
    return [...new Set([...this.signatures, ...this.secrets])];
  }

  /** Media types the sender posts; others are refused with 415. */
  public get contentTypes(): string[] {
    return [...this.mediaTypes];
  }

  /**
   * Senders that issue the signing key themselves (Stripe, Slack, Shopify, Twilio, Square, Meta, ...)
   * have it imported; those whose user types one in take one generated here.
   */
  public get defaultKeySource(): KeySource {
    if (this.publishedKeys) return KeySource.PUBLISHED;
    return this.issuedBySender ? KeySource.IMPORTED : KeySource.GENERATED;
  }

  /** Whether bodies are JSON objects (lets API Gateway's request validator require one). */
  public get jsonBody(): boolean {
    return this.mediaTypes.every((t) => t === 'application/json');
  }

  /**
   * The scheme as the verifier's JSON configuration (`WEBHOOK_SCHEME`): the same shape as the runtime
   * API's `scheme` option.
   */
  public toJson(): string {
    return JSON.stringify(this._config);
  }
}

// Senders whose scheme needs configuration beyond the type: their presets take it.
const CONFIGURED_SENDERS: Record<string, string> = {
  sns: 'sns({ topicArns })',
  paypal: 'paypal({ webhookId })',
  plaid: 'plaid({ clientId })',
  pubsub: 'pubsub({ audience, serviceAccountEmail })',
  'apple-app-store': 'appleAppStore({ bundleId })',
  salesforce: 'salesforce({ organizationId })',
};

// Stands in for a deploy-time value while the runtime checks a configuration at synth.
const PLACEHOLDERS: Record<string, string> = {
  topicArns: 'arn:aws:sns:us-east-1:123456789012:placeholder',
  audience: 'https://placeholder.example.com/',
  serviceAccountEmail: 'placeholder@placeholder.iam.gserviceaccount.com',
  clientId: 'placeholderclientid00000',
  webhookId: 'PLACEHOLDER00000000000000',
  bundleId: 'com.example.placeholder',
  organizationId: '00D000000000000',
};

function withPlaceholders(config: SchemeConfig): SchemeConfig {
  const out: Record<string, unknown> = { ...config };
  for (const [name, value] of Object.entries(out)) {
    const placeholder = PLACEHOLDERS[name];
    if (placeholder === undefined) continue;
    if (typeof value === 'string' && Token.isUnresolved(value)) out[name] = placeholder;
    else if (Array.isArray(value)) out[name] = value.map((v) => (typeof v === 'string' && Token.isUnresolved(v) ? placeholder : v));
  }
  return out as unknown as SchemeConfig;
}
