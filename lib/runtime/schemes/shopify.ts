import { RejectionReason, WebhookRequest } from '../types';
import { isEventId, SignedContent } from './common';
import { randomUUID } from 'node:crypto';
import { HmacScheme, SignInput } from './scheme';

/**
 * Shopify: `X-Shopify-Hmac-SHA256` = base64 HMAC-SHA256 of the raw body with the app's client
 * secret. No timestamp and no id is signed: `X-Shopify-Webhook-Id` and `X-Shopify-Topic` travel as
 * unsigned metadata and duplicates are keyed on the body's hash.
 */
export class ShopifyScheme extends HmacScheme {
  // The webhook id is metadata only (duplicates are keyed on the body's hash): a delivery without it
  // is verified and queued, just without `unsigned.eventId`.
  readonly requiredHeaders = ['x-shopify-hmac-sha256'];
  readonly optionalHeaders = ['x-shopify-webhook-id', 'x-shopify-topic', 'x-shopify-shop-domain', 'x-shopify-api-version'];
  readonly signatureHeaders = ['x-shopify-hmac-sha256'];
  readonly contentTypes = ['application/json'];
  readonly bodyBinding = 'signed';

  constructor() {
    super('sha256');
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    return {
      'content-type': 'application/json',
      'x-shopify-webhook-id': input.id ?? randomUUID(),
      'x-shopify-hmac-sha256': this.mac(secret, '', input.body, 'base64'),
    };
  }

  protected parse(headers: readonly (string | undefined)[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const [signature, id, topic, shop, version] = headers as [string, string | undefined, string | undefined, string | undefined, string | undefined];
    if ([id, topic, shop, version].some((value) => value !== undefined && !isEventId(value))) return 'malformed_header';
    if (!out.addSignature(signature, 'base64')) return 'malformed_header';
    out.unsignedEventId = id;
    out.unsignedEventType = topic;
    if (shop !== undefined || version !== undefined) {
      out.metadata = {};
      if (shop !== undefined) out.metadata['unsigned.shopDomain'] = shop;
      if (version !== undefined) out.metadata['unsigned.apiVersion'] = version;
    }
    return undefined;
  }
}
