import { RejectionReason, WebhookRequest } from '../types';
import { isEventId, SignedContent } from './common';
import { HmacScheme } from './scheme';

/**
 * Shopify: `X-Shopify-Hmac-SHA256` = base64 HMAC-SHA256 of the raw body with the app's client
 * secret; `X-Shopify-Webhook-Id` identifies the delivery for dedupe. No timestamp is signed.
 */
export class ShopifyScheme extends HmacScheme {
  readonly requiredHeaders = ['x-shopify-hmac-sha256', 'x-shopify-webhook-id'];
  readonly signatureHeaders = ['x-shopify-hmac-sha256'];
  readonly contentTypes = ['application/json'];

  constructor() {
    super('sha256');
  }

  protected parse(required: readonly string[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const id = required[1];
    if (!isEventId(id)) return 'malformed_header';
    if (!out.addSignature(required[0], 'base64')) return 'malformed_header';
    out.eventId = id;
    return undefined;
  }
}
