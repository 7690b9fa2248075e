import { Headers, HeaderValue } from '../headers';
import { RejectionReason } from '../types';
import { decodeSignature, isEventId, Parsed, parsed, readRequired } from './common';
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

  private readonly values: HeaderValue[] = [undefined, undefined];

  protected parse(headers: Headers): Parsed | RejectionReason {
    const problem = readRequired(headers, this.requiredHeaders, this.values);
    if (problem) return problem;
    const signature = this.values[0] as string;
    const id = this.values[1] as string;
    if (!isEventId(id)) return 'malformed_header';
    const decoded = decodeSignature(signature, 'base64', 32);
    if (!decoded) return 'malformed_header';
    return parsed([decoded], '', true, undefined, id);
  }
}
