import { Duration } from 'aws-cdk-lib';
import { GenericHmacSchemeConfig, SchemeConfig, schemeFor } from './runtime';
import { KeySource } from './key-source';

/** A generic HMAC sender (see GenericHmacSchemeConfig for each field). */
export type GenericHmacOptions = Omit<GenericHmacSchemeConfig, 'type'>;

export interface StandardWebhooksOptions {
  /**
   * The header names' prefix: `webhook` (`webhook-id`, ...) per the Standard Webhooks spec, or `svix`
   * for senders that deliver through Svix under `svix-id`, `svix-timestamp`, `svix-signature`.
   * @default 'webhook'
   */
  readonly headerPrefix?: 'webhook' | 'svix';
}

/** How a sender signs its webhooks. One per source. */
export class SignatureScheme {
  /**
   * Standard Webhooks: HMAC-SHA256 over `id.timestamp.body`, base64, several `v1,` signatures per
   * header during the sender's own key rotation, secrets `whsec_<base64>`, 5 minute tolerance.
   */
  public static standardWebhooks(options: StandardWebhooksOptions = {}): SignatureScheme {
    return new SignatureScheme({ type: 'standard-webhooks', headerPrefix: options.headerPrefix ?? 'webhook' });
  }

  /** Standard Webhooks as delivered by Svix, under `svix-*` header names. */
  public static svix(): SignatureScheme {
    return SignatureScheme.standardWebhooks({ headerPrefix: 'svix' });
  }

  /**
   * Stripe: `Stripe-Signature: t=...,v1=...` over `t.body`, HMAC-SHA256 hex, the `whsec_` endpoint
   * secret used as-is, 5 minute tolerance. Stripe issues the secret: import it (see README).
   * Duplicates are recognised by the payload's SHA-256.
   */
  public static stripe(): SignatureScheme {
    return new SignatureScheme({ type: 'stripe' });
  }

  /**
   * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body; `X-GitHub-Delivery` is the event id.
   * GitHub signs no timestamp, so the dedupe store is the only replay control.
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

  /** Shopify: `X-Shopify-Hmac-SHA256` base64 over the body; `X-Shopify-Webhook-Id` is the event id. */
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

  /** Any HMAC sender, described by its algorithm, header, encoding and signed content. */
  public static hmac(options: GenericHmacOptions): SignatureScheme {
    return new SignatureScheme({ type: 'hmac', ...options });
  }

  /** Lower-case names of the headers a request cannot be verified without. */
  public readonly requiredHeaders: readonly string[];
  /** Lower-case names of the headers carrying signatures (redacted from WAF logs). */
  public readonly signatureHeaders: readonly string[];
  /** Whether the signature covers the public URL. */
  public readonly signsUrl: boolean;
  /** Media types the sender posts; others are refused with 415. */
  public readonly contentTypes: readonly string[];
  /** The scheme's own replay tolerance, when it signs a timestamp. */
  public readonly defaultTolerance?: Duration;

  private constructor(
    /** The scheme as plain data, handed to the verifier through its environment. */
    public readonly config: SchemeConfig,
  ) {
    const scheme = schemeFor(config);
    this.requiredHeaders = scheme.requiredHeaders;
    this.signatureHeaders = scheme.signatureHeaders;
    this.signsUrl = scheme.signsUrl;
    this.contentTypes = scheme.contentTypes;
    this.defaultTolerance = scheme.defaultToleranceSeconds === undefined ? undefined : Duration.seconds(scheme.defaultToleranceSeconds);
  }

  /** Stripe, Slack, Shopify and Twilio issue the signing key themselves; others take one we generate. */
  public get defaultKeySource(): KeySource {
    return ['stripe', 'slack', 'shopify', 'twilio'].includes(this.config.type) ? KeySource.IMPORTED : KeySource.GENERATED;
  }

  /** Whether bodies are JSON objects (lets API Gateway's request validator require one). */
  public get jsonBody(): boolean {
    return this.contentTypes.every((t) => t === 'application/json');
  }
}
