import { RejectionReason, WebhookRequest } from '../types';
import { isEventId, SignedContent } from './common';
import { randomUUID } from 'node:crypto';
import { HmacScheme, SignInput } from './scheme';

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body. No timestamp and no id is signed:
 * `X-GitHub-Delivery` (a GUID) and `X-GitHub-Event` travel as unsigned metadata, duplicates are keyed
 * on the body's hash, and that dedupe record is the only replay control.
 */
export class GitHubScheme extends HmacScheme {
  // The delivery id is metadata only (duplicates are keyed on the body's hash): a delivery without it
  // is verified and queued, just without `unsigned.eventId`.
  readonly requiredHeaders = ['x-hub-signature-256'];
  readonly optionalHeaders = ['x-github-delivery', 'x-github-event', 'x-github-hook-id'];
  readonly signatureHeaders = ['x-hub-signature-256', 'x-hub-signature'];
  readonly contentTypes = ['application/json', 'application/x-www-form-urlencoded'];
  readonly bodyBinding = 'signed';

  constructor() {
    super('sha256');
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    return {
      'content-type': 'application/json',
      'x-github-delivery': input.id ?? randomUUID(),
      'x-github-event': 'ping',
      'x-hub-signature-256': `sha256=${this.mac(secret, '', input.body, 'hex')}`,
    };
  }

  protected parse(headers: readonly (string | undefined)[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const [signature, delivery, event, hook] = headers as [string, string | undefined, string | undefined, string | undefined];
    if ([delivery, event, hook].some((value) => value !== undefined && !isEventId(value))) return 'malformed_header';
    if (!signature.startsWith('sha256=') || !out.addSignature(signature.slice(7), 'hex')) return 'malformed_header';
    out.unsignedEventId = delivery;
    out.unsignedEventType = event;
    if (hook !== undefined) out.metadata = { 'unsigned.hookId': hook };
    return undefined;
  }
}
