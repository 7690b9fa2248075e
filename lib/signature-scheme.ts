import { Duration } from 'aws-cdk-lib';
import { GenericHmacSchemeConfig, SchemeConfig, schemeFor } from './runtime';
import { KeySource } from './key-source';

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
}

/** What a generic HMAC sender signs. */
export enum HmacSignedContent {
  /** The raw body alone. No timestamp is signed: the dedupe record is the replay window. */
  BODY = 'body',
  /** `<timestamp><separator><body>`, with the unix-seconds timestamp from `timestampHeader`. */
  TIMESTAMP_BODY = 'timestamp-body',
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
  readonly encoding: SignatureEncoding;
  readonly signedContent: HmacSignedContent;
  /**
   * Between the timestamp and the body, with `HmacSignedContent.TIMESTAMP_BODY`.
   * @default '.'
   */
  readonly separator?: string;
  /**
   * The header with the unix-seconds timestamp. Required with `HmacSignedContent.TIMESTAMP_BODY`,
   * refused with `BODY` (it would check a timestamp the signature does not cover).
   * @default - none
   */
  readonly timestampHeader?: string;
  /**
   * A header with the sender's delivery or event id, required on every request when set. Not covered
   * by the signature: it travels as the `unsignedEventId` attribute and never keys duplicates.
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

export interface StandardWebhooksOptions {
  /**
   * The header names' prefix: `webhook` (`webhook-id`, ...) per the Standard Webhooks spec, or `svix`
   * for senders that deliver through Svix under `svix-id`, `svix-timestamp`, `svix-signature`.
   * @default 'webhook'
   */
  readonly headerPrefix?: string;
}

/** Senders that issue the signing key themselves: it is imported, not generated here. */
const SENDER_ISSUED_KEYS = ['stripe', 'slack', 'shopify', 'twilio'];

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
    return new SignatureScheme({ type: 'standard-webhooks', headerPrefix });
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

  /** Any HMAC sender, described by its algorithm, header, encoding and signed content. */
  public static hmac(options: GenericHmacOptions): SignatureScheme {
    const config: GenericHmacSchemeConfig = {
      type: 'hmac',
      ...options,
      algorithm: options.algorithm as GenericHmacSchemeConfig['algorithm'],
      encoding: options.encoding as GenericHmacSchemeConfig['encoding'],
      signedContent: options.signedContent as GenericHmacSchemeConfig['signedContent'],
    };
    return new SignatureScheme(config);
  }

  /** The scheme's type name, as the runtime API spells it (`stripe`, `standard-webhooks`, `hmac`, ...). */
  public readonly schemeType: string;
  /** Whether the signature covers the public URL. */
  public readonly signsUrl: boolean;
  /** The scheme's own replay tolerance, when it signs a timestamp. */
  public readonly defaultTolerance?: Duration;
  /**
   * The scheme as plain data, handed to the verifier through its environment.
   * @internal
   */
  public readonly _config: SchemeConfig;
  private readonly required: readonly string[];
  private readonly signatures: readonly string[];
  private readonly mediaTypes: readonly string[];

  private constructor(config: SchemeConfig) {
    // Building the runtime scheme validates the configuration (header names, combinations).
    const scheme = schemeFor(config);
    this._config = config;
    this.schemeType = config.type;
    this.required = scheme.requiredHeaders;
    this.signatures = scheme.signatureHeaders;
    this.mediaTypes = scheme.contentTypes;
    this.signsUrl = scheme.signsUrl;
    this.defaultTolerance = scheme.defaultToleranceSeconds === undefined ? undefined : Duration.seconds(scheme.defaultToleranceSeconds);
  }

  /** Lower-case names of the headers a request cannot be verified without. */
  public get requiredHeaders(): string[] {
    return [...this.required];
  }

  /** Lower-case names of the headers carrying signatures (redacted from WAF logs). */
  public get signatureHeaders(): string[] {
    return [...this.signatures];
  }

  /** Media types the sender posts; others are refused with 415. */
  public get contentTypes(): string[] {
    return [...this.mediaTypes];
  }

  /** Stripe, Slack, Shopify and Twilio issue the signing key themselves; others take one we generate. */
  public get defaultKeySource(): KeySource {
    return SENDER_ISSUED_KEYS.includes(this.schemeType) ? KeySource.IMPORTED : KeySource.GENERATED;
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
