import { Headers, HeaderValue } from '../headers';
import { RejectionReason } from '../types';
import { decodeSignature, isEventId, Parsed, parsed, readRequired } from './common';
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

  private readonly values: HeaderValue[] = [undefined, undefined];

  protected parse(headers: Headers): Parsed | RejectionReason {
    const problem = readRequired(headers, this.requiredHeaders, this.values);
    if (problem) return problem;
    const signature = this.values[0] as string;
    const delivery = this.values[1] as string;
    if (!isEventId(delivery)) return 'malformed_header';
    const decoded = signature.startsWith('sha256=') ? decodeSignature(signature.slice(7), 'hex', 32) : undefined;
    if (!decoded) return 'malformed_header';
    return parsed([decoded], '', true, undefined, delivery);
  }
}
