import { GenericHmacSchemeConfig, RejectionReason, WebhookRequest } from '../types';
import { isEventId, parseTimestamp, SignedContent } from './common';
import { HmacScheme } from './scheme';

// An HTTP field name (RFC 9110 token).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Any HMAC sender: algorithm, signature header, optional prefix (e.g. `sha256=`), hex or base64,
 * signed content either the body or `<timestamp><separator><body>`, optional timestamp and event id
 * headers.
 */
export class GenericHmacScheme extends HmacScheme {
  readonly requiredHeaders: readonly string[];
  readonly signatureHeaders: readonly string[];
  readonly contentTypes: readonly string[];
  readonly defaultToleranceSeconds?: number;
  private readonly prefix: string;
  private readonly separator: string;
  // Where the optional headers sit in requiredHeaders (signature first), or -1.
  private readonly timestampAt: number;
  private readonly eventIdAt: number;

  constructor(private readonly config: GenericHmacSchemeConfig) {
    super(config.algorithm);
    if (config.signedContent === 'timestamp-body' && !config.timestampHeader) {
      throw new Error('A generic HMAC scheme that signs the timestamp needs timestampHeader');
    }
    if (config.signedContent === 'body' && config.timestampHeader) {
      throw new Error('timestampHeader with signedContent "body" would check a timestamp the signature does not cover');
    }
    const names: string[] = [];
    const fields: string[] = [];
    for (const field of ['signatureHeader', 'timestampHeader', 'eventIdHeader'] as const) {
      const name = config[field];
      if (name === undefined) continue;
      if (!HEADER_NAME.test(name)) throw new Error(`${field} ${JSON.stringify(name)} is not an HTTP header name: give the header the sender sends, e.g. "X-Signature"`);
      const earlier = names.indexOf(name.toLowerCase());
      if (earlier >= 0) throw new Error(`${field} "${name}" is also the ${fields[earlier]}: the signature, timestamp and event id must each come in their own header`);
      names.push(name.toLowerCase());
      fields.push(field);
    }
    this.requiredHeaders = names;
    this.timestampAt = config.timestampHeader ? 1 : -1;
    this.eventIdAt = config.eventIdHeader ? names.length - 1 : -1;
    this.prefix = config.prefix ?? '';
    this.separator = config.separator ?? '.';
    this.signatureHeaders = [config.signatureHeader.toLowerCase()];
    this.contentTypes = config.contentTypes ?? ['application/json'];
    this.defaultToleranceSeconds = config.timestampHeader ? 300 : undefined;
  }

  protected parse(required: readonly string[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    if (this.timestampAt > 0) {
      const timestamp = required[this.timestampAt];
      const sentAt = parseTimestamp(timestamp);
      if (typeof sentAt !== 'number') return sentAt;
      out.prefix = timestamp + this.separator;
      out.timestamp = sentAt;
    }
    if (this.eventIdAt > 0) {
      const id = required[this.eventIdAt];
      if (!isEventId(id)) return 'malformed_header';
      out.eventId = id;
    }
    const signature = required[0];
    if (!signature.startsWith(this.prefix) || !out.addSignature(signature.slice(this.prefix.length), this.config.encoding)) return 'malformed_header';
    return undefined;
  }
}
