import { GenericHmacSchemeConfig, RejectionReason, WebhookConfigurationError, WebhookRequest } from '../types';
import { isEventId, parseTimestamp, SignedContent } from './common';
import { randomUUID } from 'node:crypto';
import { HmacScheme, SignInput } from './scheme';

// An HTTP field name (RFC 9110 token).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Any HMAC sender: algorithm, signature header, optional prefix (e.g. `sha256=`), hex or base64,
 * signed content either the body or `<timestamp><separator><body>`, optional timestamp, event id and
 * event type headers (the last two unsigned, so forwarded but never trusted).
 */
export class GenericHmacScheme extends HmacScheme {
  readonly requiredHeaders: readonly string[];
  readonly optionalHeaders: readonly string[];
  readonly signatureHeaders: readonly string[];
  readonly contentTypes: readonly string[];
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds?: number;
  private readonly prefix: string;
  private readonly separator: string;
  // Where the optional headers sit in requiredHeaders (signature first), or -1.
  private readonly timestampAt: number;
  private readonly eventIdAt: number;
  private readonly eventTypeAt: number;

  constructor(private readonly config: GenericHmacSchemeConfig) {
    super(config.algorithm);
    if (config.signedContent === 'timestamp-body' && !config.timestampHeader) {
      throw new WebhookConfigurationError('A generic HMAC scheme that signs the timestamp needs timestampHeader');
    }
    if (config.signedContent === 'body' && config.timestampHeader) {
      throw new WebhookConfigurationError('timestampHeader with signedContent "body" would check a timestamp the signature does not cover');
    }
    const names: string[] = [];
    const fields: string[] = [];
    for (const field of ['signatureHeader', 'timestampHeader', 'eventIdHeader', 'eventTypeHeader'] as const) {
      const name = config[field];
      if (name === undefined) continue;
      if (!HEADER_NAME.test(name)) throw new WebhookConfigurationError(`${field} ${JSON.stringify(name)} is not an HTTP header name: give the header the sender sends, e.g. "X-Signature"`);
      const earlier = names.indexOf(name.toLowerCase());
      if (earlier >= 0) {
        throw new WebhookConfigurationError(`${field} "${name}" is also the ${fields[earlier]}: the signature, timestamp, event id and event type must each come in their own header`);
      }
      names.push(name.toLowerCase());
      fields.push(field);
    }
    // The event type header is read when present; the others are required.
    this.optionalHeaders = config.eventTypeHeader ? [names.pop()!] : [];
    this.requiredHeaders = names;
    this.timestampAt = config.timestampHeader ? 1 : -1;
    this.eventIdAt = config.eventIdHeader ? names.length - 1 : -1;
    this.eventTypeAt = config.eventTypeHeader ? names.length : -1;
    this.prefix = config.prefix ?? '';
    this.separator = config.separator ?? '.';
    this.signatureHeaders = [config.signatureHeader.toLowerCase()];
    this.contentTypes = config.contentTypes ?? ['application/json'];
    this.defaultToleranceSeconds = config.timestampHeader ? 300 : undefined;
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    const { config } = this;
    const headers: Record<string, string> = { 'content-type': this.contentTypes[0] };
    let prefix = '';
    if (config.timestampHeader) {
      const t = String(input.timestamp ?? Math.floor(Date.now() / 1000));
      headers[config.timestampHeader] = t;
      prefix = t + this.separator;
    }
    if (config.eventIdHeader) headers[config.eventIdHeader] = input.id ?? randomUUID();
    headers[config.signatureHeader] = this.prefix + this.mac(secret, prefix, input.body, config.encoding);
    return headers;
  }

  protected parse(headers: readonly (string | undefined)[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const required = headers as readonly string[];
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
      // Not covered by the signature: forwarded, never a dedupe key.
      out.unsignedEventId = id;
    }
    if (this.eventTypeAt > 0) {
      const type = headers[this.eventTypeAt];
      if (type !== undefined && !isEventId(type)) return 'malformed_header';
      out.unsignedEventType = type;
    }
    const signature = required[0];
    if (!signature.startsWith(this.prefix) || !out.addSignature(signature.slice(this.prefix.length), this.config.encoding)) return 'malformed_header';
    return undefined;
  }
}
