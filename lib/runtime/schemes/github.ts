import { Headers } from '../headers';
import { RejectionReason } from '../types';
import { decodeSignature, eventIdHeader, isReason, one, Parsed, parsed } from './common';
import { HmacScheme } from './scheme';

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body; `X-GitHub-Delivery` (a GUID) is
 * the event id. No timestamp is signed, so the dedupe store is the only replay control.
 */
export class GitHubScheme extends HmacScheme {
  readonly requiredHeaders = ['x-hub-signature-256', 'x-github-delivery'];
  readonly signatureHeaders = ['x-hub-signature-256', 'x-hub-signature'];
  readonly contentTypes = ['application/json', 'application/x-www-form-urlencoded'];
  protected readonly algorithm = 'sha256';

  protected parse(headers: Headers): Parsed | RejectionReason {
    const signature = one(headers, 'x-hub-signature-256');
    const delivery = eventIdHeader(headers, 'x-github-delivery');
    if (isReason(signature)) return signature;
    if (isReason(delivery)) return delivery;
    const decoded = signature.startsWith('sha256=') ? decodeSignature(signature.slice(7), 'hex', 32) : undefined;
    if (!decoded) return 'malformed_header';
    return parsed([decoded], '', true, undefined, delivery);
  }
}
