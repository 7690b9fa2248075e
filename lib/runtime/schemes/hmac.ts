import { GenericHmacSchemeConfig, RejectionReason, SchemeConfigData, WebhookConfigurationError, WebhookRequest } from '../types';
import { isEventId, SignedContent } from './common';
import { randomUUID } from 'node:crypto';
import { HmacScheme, Scheme, SignInput } from './scheme';
import { formatInstant, MetadataSpec, openNeighbours, parseInstant, SenderScheme, SignedPart } from './sender';
import { DEFAULT_TOLERANCE_SECONDS } from './tolerance';
import { HEADER_NAME, parseTemplate } from './template';

const HEADER_FIELDS = ['signatureHeader', 'timestampHeader', 'eventIdHeader', 'eventTypeHeader'] as const;

/**
 * The scheme a generic HMAC config describes: `GenericHmacScheme` for `body` and `timestamp-body`;
 * for `template`, the catalogue's row engine over the template's parts (the same engine that reads
 * every named header-HMAC sender). Throws one WebhookConfigurationError listing every problem.
 */
export function genericHmacScheme(config: GenericHmacSchemeConfig): Scheme {
  return config.signedContent === 'template' ? templateHmacScheme(config) : new GenericHmacScheme(config);
}

/** A generic HMAC template's scheme: the catalogue's row engine over its parts (throws on any problem, all listed). */
export function templateHmacScheme(config: GenericHmacSchemeConfig): Scheme {
  const parts = checkGenericHmac(config);
  const signedHeaders = parts.filter((p): p is { header: string } => typeof p === 'object' && 'header' in p).map((p) => p.header.toLowerCase());
  const idSigned = config.eventIdHeader !== undefined && signedHeaders.includes(config.eventIdHeader.toLowerCase());
  const metadata: MetadataSpec[] = [];
  if (config.eventIdHeader && !idSigned) metadata.push({ header: config.eventIdHeader, name: 'eventId' });
  if (config.eventTypeHeader) metadata.push({ header: config.eventTypeHeader, name: 'eventType' });
  return new SenderScheme('hmac', {
    docs: '',
    algorithm: config.algorithm,
    encoding: config.encoding,
    signature: config.signatureKey
      ? { kind: 'list', header: config.signatureHeader, separator: config.listSeparator ?? ',', assign: '=', signatureKey: config.signatureKey, timestampKey: config.timestampKey }
      : { kind: 'header', header: config.signatureHeader, prefix: config.prefix },
    signed: parts,
    timestamp: parts.includes('timestamp') ? { header: config.timestampHeader, format: config.timestampFormat ?? 'unix', toleranceSeconds: config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS } : undefined,
    signedIdHeader: idSigned ? config.eventIdHeader : undefined,
    metadata,
    contentTypes: config.contentTypes ?? ['application/json'],
    issuesKey: false,
  });
}

/** The generic HMAC scheme factory, both forms (what `schemeFor` chains). */
export const genericScheme = (config: SchemeConfigData): Scheme | undefined => ((config as { type?: unknown } | undefined)?.type === 'hmac' ? genericHmacScheme(config as GenericHmacSchemeConfig) : undefined);

/** Whether a generic HMAC config is a template (read by the row engine: a verifier bundle of its own, `generic-template`). */
export function isHmacTemplate(config: SchemeConfigData): boolean {
  return (config as { type?: unknown; signedContent?: unknown } | undefined)?.type === 'hmac' && (config as { signedContent?: unknown }).signedContent === 'template';
}

/**
 * Every problem with a generic HMAC config, thrown together (each names the value and the fix), so a
 * user fixes it in one round; the template's parts when there is none.
 */
function checkGenericHmac(config: GenericHmacSchemeConfig): SignedPart[] {
  const problems: string[] = [];
  const { signedContent, template, timestampHeader, toleranceSeconds: tolerance } = config;
  const isTemplate = signedContent === 'template';
  const oneOf = (field: keyof GenericHmacSchemeConfig, allowed: string): void => {
    const value = config[field];
    if ((value !== undefined || field !== 'timestampFormat') && !allowed.split(', ').includes(value as string)) problems.push(`${field} ${JSON.stringify(value)} is not one of ${allowed}`);
  };
  oneOf('algorithm', 'sha1, sha256, sha512');
  oneOf('encoding', 'hex, base64, base64url');
  oneOf('signedContent', 'body, timestamp-body, template');
  oneOf('timestampFormat', 'unix, unix-ms, iso8601');
  const names: string[] = [];
  for (const field of HEADER_FIELDS) {
    const name = config[field];
    if (name === undefined && field !== 'signatureHeader') continue;
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
      problems.push(`${field} ${JSON.stringify(name)} is not an HTTP header name: give the header the sender sends, e.g. "X-Signature"`);
      continue;
    }
    const earlier = names.indexOf(name.toLowerCase());
    if (earlier >= 0) problems.push(`${field} "${name}" is also the ${HEADER_FIELDS[earlier]}: the signature, timestamp, event id and event type must each come in their own header`);
    names[HEADER_FIELDS.indexOf(field)] = name.toLowerCase();
  }
  if (signedContent === 'timestamp-body' && !timestampHeader) problems.push('A generic HMAC scheme that signs the timestamp needs timestampHeader');
  if (signedContent === 'body' && timestampHeader) problems.push('timestampHeader with signedContent "body" would check a timestamp the signature does not cover');
  if (template !== undefined && !isTemplate) problems.push(`template is set but signedContent is ${JSON.stringify(signedContent)}: set it to "template", or remove template`);
  if (isTemplate && config.separator !== undefined) problems.push(`separator ${JSON.stringify(config.separator)} is for "timestamp-body": write it into the template`);
  if (tolerance !== undefined && !(Number.isInteger(tolerance) && tolerance >= 1 && tolerance <= 3600)) problems.push(`toleranceSeconds ${tolerance} must be a whole number from 1 to 3600 (senders use 300)`);
  const { signatureKey, timestampKey, listSeparator } = config;
  const timestamped = !!(timestampHeader ?? timestampKey);
  if (!timestamped && (config.timestampFormat ?? tolerance) !== undefined) problems.push('timestampFormat and toleranceSeconds need a timestampHeader: set it, or remove them');
  if ((signatureKey ?? timestampKey ?? listSeparator) !== undefined) {
    const name = (value = '') => /^[\w-]{1,32}$/.test(value);
    if (!isTemplate || !name(signatureKey) || !name(timestampKey ?? 't') || !/^[,; ]$/.test(listSeparator ?? ',') || config.prefix || (timestampKey && timestampHeader)) {
      problems.push(
        `signatureKey ${JSON.stringify(signatureKey)}, timestampKey ${JSON.stringify(timestampKey)}, listSeparator ${JSON.stringify(listSeparator)}: a signature list ("t=<t>,v1=<sig>") takes signedContent "template", signatureKey ("v1"), optionally timestampKey ("t", not with timestampHeader) and listSeparator ("," ";" " "), no prefix`,
      );
    }
  }
  let parts: SignedPart[] = [];
  if (isTemplate) {
    if (typeof template !== 'string') {
      problems.push('signedContent "template" needs template, the string the sender signs, e.g. "{timestamp}.{body}"');
    } else {
      parts = parseTemplate(template, problems);
      const quoted = `template ${JSON.stringify(template)}`;
      if (parts.includes('timestamp') !== timestamped) {
        problems.push(`${quoted} ${timestamped ? 'lacks' : 'has'} {timestamp} but timestampHeader/timestampKey is ${timestamped ? '' : 'not '}set: give both or neither`);
      }
      for (const part of parts) {
        const at = typeof part === 'object' && 'header' in part ? names.indexOf(part.header.toLowerCase()) : -1;
        if (at === 0 || at === 1) problems.push(`${quoted} signs {header:${(part as { header: string }).header}}, the ${HEADER_FIELDS[at]}: ${at === 0 ? 'a signature cannot cover itself' : 'write {timestamp}, so that its time is checked'}`);
      }
      if (parts.length > 0 && !parts.some((p) => p === 'body' || p === 'timestamp' || (typeof p === 'object' && 'header' in p))) {
        problems.push(`${quoted} signs nothing that changes between deliveries: add {body}, {timestamp} or a {header:Name}`);
      }
      // A header's free text beside anything but literal text could give or take characters across the
      // boundary under one signature (openNeighbours; an RFC 3339 timestamp sets itself off, as in
      // Twitch's `{header:…-Message-Id}{timestamp}{body}`): literal text must set it off, and the
      // header's value may then not contain its boundary character (checked on every request).
      parts.forEach((part, i) => {
        if (typeof part !== 'object' || !('header' in part)) return;
        const touching = openNeighbours(parts, i, config.timestampFormat).map((p) => (typeof p === 'string' ? `{${p}}` : `{header:${(p as { header: string }).header}}`));
        if (touching.length) problems.push(`${quoted}: {header:${part.header}} is next to ${touching.join(' and ')} with nothing between: put literal text between them, e.g. "{header:${part.header}}.{body}" (the header's value may then not contain it)`);
      });
      // Without the body, duplicates key on the signed string: only the delivery's own id keeps two
      // deliveries apart (and keeps one captured signature from standing for every later delivery).
      const id = typeof config.eventIdHeader === 'string' ? config.eventIdHeader.toLowerCase() : undefined;
      if (parts.length > 0 && !parts.includes('body') && !parts.some((p) => typeof p === 'object' && 'header' in p && p.header.toLowerCase() === id)) {
        problems.push(`${quoted} signs no {body}, so it must sign each delivery's id: set eventIdHeader to the header the sender puts it in and add {header:<that header>} to the template (otherwise two deliveries signed alike are one duplicate)`);
      }
    }
  }
  if (problems.length > 1) throw new WebhookConfigurationError(`Invalid generic HMAC scheme:\n${problems.map((m) => `  - ${m}`).join('\n')}`);
  if (problems.length) throw new WebhookConfigurationError(problems[0]);
  return parts;
}

/**
 * Any HMAC sender: algorithm, signature header, optional prefix (e.g. `sha256=`), hex, base64 or
 * base64url, signed content either the body or `<timestamp><separator><body>` (the timestamp in unix
 * seconds, milliseconds or RFC 3339; `genericHmacScheme` builds a template), optional timestamp, event id and
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
    checkGenericHmac(config);
    if (config.signedContent === 'template') throw new WebhookConfigurationError('a template needs genericHmacScheme');
    const names = HEADER_FIELDS.map((field) => config[field]?.toLowerCase()).filter((name): name is string => name !== undefined);
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
    this.defaultToleranceSeconds = config.timestampHeader ? config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS : undefined;
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    const { config } = this;
    const headers: Record<string, string> = { 'content-type': this.contentTypes[0] };
    let prefix = '';
    if (config.timestampHeader) {
      const t = formatInstant(input.timestamp ?? Math.floor(Date.now() / 1000), config.timestampFormat ?? 'unix');
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
      const sentAt = parseInstant(timestamp, this.config.timestampFormat ?? 'unix');
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
