import { Duration } from 'aws-cdk-lib';
import { SchemeConfig, schemeFor } from './runtime';

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

  /** Lower-case names of the headers a request cannot be verified without. */
  public readonly requiredHeaders: readonly string[];
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
    this.contentTypes = scheme.contentTypes;
    this.defaultTolerance = scheme.defaultToleranceSeconds === undefined ? undefined : Duration.seconds(scheme.defaultToleranceSeconds);
  }

  /** Whether bodies are JSON objects (lets API Gateway's request validator require one). */
  public get jsonBody(): boolean {
    return this.contentTypes.every((t) => t === 'application/json');
  }
}
