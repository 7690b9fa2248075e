import { Headers } from '../headers';
import { GenericHmacSchemeConfig, RejectionReason } from '../types';
import { DIGEST_BYTES, decodeSignature, eventIdHeader, isReason, one, Parsed, parsed, parseTimestamp } from './common';
import { HmacScheme } from './scheme';

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
  protected readonly algorithm;

  constructor(private readonly config: GenericHmacSchemeConfig) {
    super();
    if (config.signedContent === 'timestamp-body' && !config.timestampHeader) {
      throw new Error('A generic HMAC scheme that signs the timestamp needs timestampHeader');
    }
    if (config.signedContent === 'body' && config.timestampHeader) {
      throw new Error('timestampHeader with signedContent "body" would check a timestamp the signature does not cover');
    }
    this.algorithm = config.algorithm;
    const names = [config.signatureHeader, config.timestampHeader, config.eventIdHeader].filter((h): h is string => !!h).map((h) => h.toLowerCase());
    this.requiredHeaders = names;
    this.signatureHeaders = [config.signatureHeader.toLowerCase()];
    this.contentTypes = config.contentTypes ?? ['application/json'];
    this.defaultToleranceSeconds = config.timestampHeader ? 300 : undefined;
  }

  protected parse(headers: Headers): Parsed | RejectionReason {
    const c = this.config;
    const signature = one(headers, c.signatureHeader.toLowerCase());
    if (isReason(signature)) return signature;
    let timestamp: string | undefined;
    let sentAt: number | undefined;
    if (c.timestampHeader) {
      const ts = one(headers, c.timestampHeader.toLowerCase());
      if (isReason(ts)) return ts;
      const parsed = parseTimestamp(ts);
      if (isReason(parsed)) return parsed;
      timestamp = ts;
      sentAt = parsed;
    }
    let eventId: string | undefined;
    if (c.eventIdHeader) {
      const id = eventIdHeader(headers, c.eventIdHeader.toLowerCase());
      if (isReason(id)) return id;
      eventId = id;
    }
    const prefix = c.prefix ?? '';
    if (!signature.startsWith(prefix)) return 'malformed_header';
    const decoded = decodeSignature(signature.slice(prefix.length), c.encoding, DIGEST_BYTES[c.algorithm]);
    if (!decoded) return 'malformed_header';
    const signedPrefix = timestamp === undefined ? '' : timestamp + (c.separator ?? '.');
    return parsed([decoded], signedPrefix, true, sentAt, eventId);
  }
}
