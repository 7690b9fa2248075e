import { RejectionReason, WebhookRequest } from '../types';
import { isEventId, SignedContent } from './common';
import { HmacScheme } from './scheme';

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body; `X-GitHub-Delivery` (a GUID) is
 * the event id. No timestamp is signed, so the dedupe store is the only replay control.
 */
export class GitHubScheme extends HmacScheme {
  readonly requiredHeaders = ['x-hub-signature-256', 'x-github-delivery'];
  readonly signatureHeaders = ['x-hub-signature-256', 'x-hub-signature'];
  readonly contentTypes = ['application/json', 'application/x-www-form-urlencoded'];

  constructor() {
    super('sha256');
  }

  protected parse(required: readonly string[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const signature = required[0];
    const delivery = required[1];
    if (!isEventId(delivery)) return 'malformed_header';
    if (!signature.startsWith('sha256=') || !out.addSignature(signature.slice(7), 'hex')) return 'malformed_header';
    out.eventId = delivery;
    return undefined;
  }
}
