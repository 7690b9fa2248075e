import { Headers } from '../headers';
import { RejectionReason } from '../types';
import { decodeSignature, eventIdHeader, isReason, one, Parsed, parsed } from './common';
import { HmacScheme } from './scheme';

/**
 * Shopify: `X-Shopify-Hmac-SHA256` = base64 HMAC-SHA256 of the raw body with the app's client
 * secret; `X-Shopify-Webhook-Id` identifies the delivery for dedupe. No timestamp is signed.
 */
export class ShopifyScheme extends HmacScheme {
  readonly requiredHeaders = ['x-shopify-hmac-sha256', 'x-shopify-webhook-id'];
  readonly signatureHeaders = ['x-shopify-hmac-sha256'];
  readonly contentTypes = ['application/json'];
  protected readonly algorithm = 'sha256';

  protected parse(headers: Headers): Parsed | RejectionReason {
    const signature = one(headers, 'x-shopify-hmac-sha256');
    const id = eventIdHeader(headers, 'x-shopify-webhook-id');
    if (isReason(signature)) return signature;
    if (isReason(id)) return id;
    const decoded = decodeSignature(signature, 'base64', 32);
    if (!decoded) return 'malformed_header';
    return parsed([decoded], '', true, undefined, id);
  }
}
