import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { HeaderValue, pickHeaders, DUPLICATE } from '../headers';
import { ActiveKey, BodyBinding, HeaderInput, SchemeConfigData, RejectionReason, VerifiedWebhook, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../types';
import { accepted, isEventId, matchedKeyOf, parseTimestamp, rejected, SignatureEncoding, SignedContent, verifySigned } from './common';
import { DIGEST_BYTES, hmac, HmacAlgorithm } from './mac';
import { Handshake, ImmediateAnswer, Scheme, SignInput } from './scheme';

/**
 * One sender of the catalogue, as data: where its signature is, what it signs, how its timestamp is
 * written and how long it is good for, which headers carry delivery metadata, how its secret becomes
 * key bytes. Every sender whose scheme is a variant of "an HMAC (or a shared token) in a header" is
 * one of these rows (`catalogue.ts`); senders that sign something else are code of their own.
 */
export interface SenderRow {
  /** The sender's documentation this row follows. */
  readonly docs: string;
  /** Where the sender publishes the IP ranges its webhooks come from, where it does (a page or a machine-readable list). */
  readonly ipRanges?: string;
  /** HMAC hash, or `token` for a shared secret sent as-is (GitLab, Okta): weaker than a signature. */
  readonly algorithm: HmacAlgorithm | 'token';
  /** How the signature is written. Ignored for tokens. */
  readonly encoding: SignatureEncoding;
  readonly signature: SignatureSpec;
  /**
   * What is signed, in order: the raw body, the timestamp as sent, the full public URL, the HTTP
   * method, a header's value, or literal text. Empty for tokens. The row's body binding follows from
   * it (`Scheme.bodyBinding`): `signed` when `body` is a part, else (and for every token) `unsigned`.
   */
  readonly signed: readonly SignedPart[];
  readonly timestamp?: TimestampSpec;
  /**
   * A header whose value the signature covers and that names the event (Twitch's message id): it
   * keys duplicates and travels as `signed.eventId`. Must appear in `signed`.
   */
  readonly signedIdHeader?: string;
  /**
   * Headers carrying delivery metadata, forwarded as `signed.<name>` when the header is one of the
   * signed parts, else `unsigned.<name>`. `eventId` and `eventType` are the well-known names.
   */
  readonly metadata?: readonly MetadataSpec[];
  /**
   * How the secret, exactly as the sender shows it, becomes key bytes: its UTF-8 bytes, a base64
   * decode (Airtable's `macSecretBase64`), or Standard Webhooks' `whsec_<base64>`.
   * @default 'utf8'
   */
  readonly key?: 'utf8' | 'base64' | 'whsec';
  /** The shortest secret the sender issues, in characters. @default 16 */
  readonly minKeyLength?: number;
  /** What a generated key looks like, where the key is ours to choose. @default 32 random bytes, hex */
  readonly generatedKey?: (bytes: Buffer) => string;
  /** Media types the sender posts. */
  readonly contentTypes: readonly string[];
  /** Whether the sender issues the key (import it) or lets its user type one in (we generate it). */
  readonly issuesKey: boolean;
  /** How the sender checks the endpoint before it delivers (see `Handshake`). */
  readonly handshake?: Handshake;
  /** Several signatures at once (a sender rolling its secret). @default 1, or 8 for `list` and `headers` */
  readonly maxSignatures?: number;
  /** Where the signature is, in the sender table's words, when the row's own spelling would not read well (DocuSign's hundred headers). */
  readonly signatureText?: string;
}

/**
 * A sender whose scheme is genuinely different from a header HMAC (Mailgun signs fields inside the
 * body; Linear puts its timestamp in the body): code of its own, behind the same catalogue entry.
 */
export interface CodeSender {
  readonly docs: string;
  /** Where the sender publishes the IP ranges its webhooks come from, where it does. */
  readonly ipRanges?: string;
  readonly issuesKey: boolean;
  /** Builds the scheme from the source's configuration (its `type`, and what the sender's config type adds). */
  readonly create: (config: SchemeConfigData) => Scheme;
}

/** One catalogue entry: a row of data, or code. */
export type SenderEntry = SenderRow | CodeSender;

export type SignatureSpec =
  /** One signature in one header, after an optional fixed prefix (`sha256=`, `v0=`). */
  | { readonly kind: 'header'; readonly header: string; readonly prefix?: string }
  /**
   * A list in one header: `t=1700000000,v1=<sig>,v1=<sig>` (Stripe-like) or `ts=...;h1=...` (Paddle):
   * entries split on `separator`, names and values on `assign`. Entries under other names are ignored.
   */
  | {
      readonly kind: 'list';
      readonly header: string;
      readonly separator: string;
      readonly assign: string;
      readonly signatureKey: string;
      /** The entry holding the timestamp, when it is in the list. */
      readonly timestampKey?: string;
    }
  /** Any of several headers, each with one signature (Box's primary/secondary, DocuSign's 1..N). */
  | { readonly kind: 'headers'; readonly headers: readonly string[] };

export type SignedPart = 'body' | 'timestamp' | 'url' | 'method' | { readonly literal: string } | SignedHeader;

/**
 * A header's value as a signed part. The signed string has no boundary of its own between parts, so a
 * header is either fixed in form (`pattern`: Klaviyo's HTTP date, right after the body) or set off by
 * literal text, which its value may then not contain (so no text can move between it and its
 * neighbours under one signature).
 */
export interface SignedHeader {
  readonly header: string;
  /** The value's whole form, as the sender writes it. */
  readonly pattern?: RegExp;
  /** How the sender writes the value for a delivery signed at `seconds` (for `sign`), where it is not an id. */
  readonly write?: (seconds: number) => string;
}

/**
 * The parts beside signed part `i` that free header text could give characters to or take them from
 * under one signature: anything but literal text, an RFC 3339 timestamp (its fixed form sets itself
 * off) and a header of fixed form (`pattern`). The body, another free header, a digits-only
 * timestamp, and the method or URL (whose text a value could hold) all could.
 */
export function openNeighbours(parts: readonly SignedPart[], i: number, timestampFormat?: TimestampSpec['format']): SignedPart[] {
  return [parts[i - 1], parts[i + 1]].filter(
    (n): n is SignedPart => n !== undefined && !(typeof n === 'object' && 'literal' in n) && !(n === 'timestamp' && timestampFormat === 'iso8601') && !(typeof n === 'object' && 'header' in n && n.pattern),
  );
}

export interface TimestampSpec {
  /** The header holding it; omitted when it is an entry of the signature list. */
  readonly header?: string;
  /** Unix seconds, unix milliseconds, or an ISO-8601 / RFC 3339 instant. */
  readonly format: 'unix' | 'unix-ms' | 'iso8601';
  /** The sender's documented window, else the library's default of 300 s. */
  readonly toleranceSeconds: number;
}

export interface MetadataSpec {
  readonly header: string;
  readonly name: string;
}

// An RFC 3339 instant: what Twitch and Box send. Anything looser is refused, not guessed at.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const MAX_LIST_HEADER = 4096;
const MAX_METADATA_VALUE = 256;
const METADATA_VALUE = /^[\x20-\x7e]{1,256}$/;

/** The scheme a catalogue row describes. */
export class SenderScheme implements Scheme {
  readonly requiredHeaders: readonly string[];
  readonly signatureHeaders: readonly string[];
  readonly contentTypes: readonly string[];
  readonly defaultToleranceSeconds?: number;
  readonly signsUrl: boolean;
  /** `signed` when the raw body is a signed part; a token, or a row that signs no body, binds none. */
  readonly bodyBinding: BodyBinding;
  readonly handshake?: Handshake;
  private readonly signed: SignedContent;
  private readonly isToken: boolean;
  // Every header the row reads, and where each role's value sits in `values`.
  private readonly names: string[] = [];
  private readonly values: HeaderValue[] = [];
  private readonly signatureAt: number[] = [];
  private readonly timestampAt: number;
  private readonly signedIdAt: number;
  private readonly partAt: Map<string, number> = new Map();
  private readonly metadataAt: { at: number; key: string }[] = [];
  private readonly bodyAt: number;
  // Signed headers' values: each in its fixed form, or free of the literal text around it.
  private readonly headerChecks: { name: string; check: (value: string) => boolean }[] = [];

  constructor(
    readonly type: string,
    /** The catalogue row this scheme reads (the sender table, docs/senders.md describes it: ./describe-row.ts). */
    readonly row: SenderRow,
  ) {
    this.isToken = row.algorithm === 'token';
    const digestBytes = row.algorithm === 'token' ? 32 : DIGEST_BYTES[row.algorithm];
    const spec = row.signature;
    this.signed = new SignedContent(digestBytes, row.maxSignatures ?? (spec.kind === 'header' ? 1 : 8));
    const add = (name: string): number => {
      const lower = name.toLowerCase();
      const at = this.names.indexOf(lower);
      if (at >= 0) return at;
      this.names.push(lower);
      return this.names.length - 1;
    };
    const required: string[] = [];
    for (const header of spec.kind === 'headers' ? spec.headers : [spec.header]) this.signatureAt.push(add(header));
    if (spec.kind !== 'headers') required.push(spec.header.toLowerCase());
    this.timestampAt = row.timestamp?.header ? add(row.timestamp.header) : -1;
    if (row.timestamp?.header) required.push(row.timestamp.header.toLowerCase());
    this.signedIdAt = row.signedIdHeader ? add(row.signedIdHeader) : -1;
    row.signed.forEach((part, i) => {
      if (typeof part !== 'object' || !('header' in part)) return;
      const name = part.header.toLowerCase();
      this.partAt.set(name, add(part.header));
      required.push(name);
      if (part.pattern) {
        this.headerChecks.push({ name, check: (value) => part.pattern!.test(value) });
        return;
      }
      if (openNeighbours(row.signed, i, row.timestamp?.format).length) throw new WebhookConfigurationError(`sender ${type}: the signed header ${part.header} needs literal text around it, or a fixed form`);
      // The boundary is where the literal text begins (after the value) or ends (before it): a value
      // without that character cannot reach across it.
      const [before, after] = [row.signed[i - 1], row.signed[i + 1]].map((n) => (typeof n === 'object' && 'literal' in n ? n.literal : undefined));
      const stops = [...(before ? [before[before.length - 1]] : []), ...(after ? [after[0]] : [])];
      if (stops.length > 0) this.headerChecks.push({ name, check: (value) => !stops.some((c) => value.includes(c)) });
    });
    const signedHeaders = new Set([...this.partAt.keys(), ...(row.timestamp?.header ? [row.timestamp.header.toLowerCase()] : [])]);
    for (const { header, name } of row.metadata ?? []) {
      this.metadataAt.push({ at: add(header), key: `${signedHeaders.has(header.toLowerCase()) ? 'signed' : 'unsigned'}.${name}` });
    }
    this.bodyAt = row.signed.indexOf('body');
    this.bodyBinding = this.isToken || this.bodyAt < 0 ? 'unsigned' : 'signed';
    if (!this.isToken && row.signed.length === 0) throw new Error(`sender ${type}: an HMAC row must say what is signed`);
    if (row.signed.includes('timestamp') !== (row.timestamp !== undefined)) throw new Error(`sender ${type}: a timestamp must be both read and signed`);
    if (row.timestamp && !row.timestamp.header && !(spec.kind === 'list' && spec.timestampKey)) throw new Error(`sender ${type}: where is the timestamp?`);
    if (row.signedIdHeader && !this.partAt.has(row.signedIdHeader.toLowerCase())) throw new Error(`sender ${type}: the signed id header must be a signed part`);
    this.requiredHeaders = [...new Set(required)];
    this.signatureHeaders = spec.kind === 'headers' ? spec.headers.map((h) => h.toLowerCase()) : [spec.header.toLowerCase()];
    this.contentTypes = row.contentTypes;
    this.defaultToleranceSeconds = row.timestamp?.toleranceSeconds;
    this.signsUrl = row.signed.includes('url');
    this.handshake = row.handshake;
  }

  /** Whether the sender issues the key itself (imported), rather than taking one we generate. */
  get issuesKey(): boolean {
    return this.row.issuesKey;
  }

  decodeKey(secret: string): Buffer {
    const min = this.row.minKeyLength ?? 16;
    if (typeof secret !== 'string' || secret.length < min) throw new WebhookConfigurationError(`a ${this.type} secret must be a string of at least ${min} characters`);
    const format = this.row.key ?? 'utf8';
    if (format === 'utf8') return Buffer.from(secret, 'utf8');
    const encoded = format === 'whsec' && secret.startsWith('whsec_') ? secret.slice(6) : secret;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw new WebhookConfigurationError(`a ${this.type} secret must be base64${format === 'whsec' ? ' after whsec_' : ''}`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length < 16) throw new WebhookConfigurationError(`a ${this.type} secret must decode to at least 16 bytes`);
    return key;
  }

  generateKey(): string {
    const bytes = randomBytes(32);
    if (this.row.generatedKey) return this.row.generatedKey(bytes);
    const format = this.row.key ?? 'utf8';
    return format === 'utf8' ? bytes.toString('hex') : format === 'whsec' ? `whsec_${bytes.toString('base64')}` : bytes.toString('base64');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    if (this.signsUrl && !request.url) throw new WebhookConfigurationError(`${this.type} signs the public URL: pass the URL the sender posted to`);
    const problem = this.parse(request, this.signed.reset());
    if (problem) return rejected(problem);
    const result = this.isToken ? this.verifyToken(request.body, keys, nowMs, toleranceSeconds) : verifySigned(this.signed, this.row.algorithm as HmacAlgorithm, request.body, keys, nowMs, toleranceSeconds);
    const disagreement = result.ok ? this.handshake?.agrees?.(request.body, request.headers) : undefined;
    return disagreement ? rejected(disagreement) : result;
  }

  /** A shared token: its SHA-256 compared with each key's in constant time (equal lengths by construction). */
  private verifyToken(body: string | Uint8Array, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    if (keys.length === 0) return rejected('no_active_key');
    const sent = this.signed.signatures[0];
    let matchedKey: Buffer | undefined;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k].key;
      if (!(keys[k].notAfterMs > nowMs) || !Buffer.isBuffer(key)) continue;
      const expected = createHash('sha256').update(key).digest();
      if (timingSafeEqual(expected, sent) && !matchedKey) matchedKey = key;
    }
    if (!matchedKey) return rejected('signature_invalid');
    return accepted(this.signed, body, nowMs, toleranceSeconds, matchedKey);
  }

  private parse(request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const { names, values, row } = this;
    out.bodyBinding = this.bodyBinding;
    pickHeaders(request.headers, names, values);
    for (let i = 0; i < names.length; i++) if (values[i] === DUPLICATE) return 'duplicate_header';
    const text = values as readonly (string | undefined)[];
    for (const name of this.requiredHeaders) if (!values[names.indexOf(name)]) return 'missing_header';
    const spec = row.signature;
    let timestamp: string | undefined = this.timestampAt >= 0 ? (values[this.timestampAt] as string) : undefined;
    if (this.isToken) {
      const sent = values[this.signatureAt[0]] as string;
      const prefix = spec.kind === 'header' ? spec.prefix ?? '' : '';
      if (!sent.startsWith(prefix) || sent.length === prefix.length) return 'malformed_header';
      // Hashed so that the constant-time comparison is between equal lengths, whatever was sent.
      out.addSignature(createHash('sha256').update(sent.slice(prefix.length), 'utf8').digest('hex'), 'hex');
    } else if (spec.kind === 'header') {
      const sent = values[this.signatureAt[0]] as string;
      const prefix = spec.prefix ?? '';
      if (!sent.startsWith(prefix) || !out.addSignature(sent.slice(prefix.length), row.encoding)) return 'malformed_header';
    } else if (spec.kind === 'headers') {
      for (const at of this.signatureAt) {
        const sent = values[at];
        if (sent !== undefined && !out.addSignature(sent as string, row.encoding)) return 'malformed_header';
      }
      if (out.count === 0) return 'missing_header';
    } else {
      const listed = readList(values[this.signatureAt[0]] as string, spec, row.encoding, out);
      if (typeof listed !== 'string' && listed !== undefined) return listed.problem;
      if (spec.timestampKey) timestamp = listed;
    }
    if (row.timestamp) {
      if (timestamp === undefined) return 'malformed_timestamp';
      const sentAt = parseInstant(timestamp, row.timestamp.format);
      if (typeof sentAt !== 'number') return sentAt;
      out.timestamp = sentAt;
    }
    if (this.signedIdAt >= 0) {
      const id = values[this.signedIdAt] as string;
      if (!isEventId(id)) return 'malformed_header';
      out.eventId = id;
    }
    for (const { at, key } of this.metadataAt) {
      const value = text[at];
      if (value === undefined) continue;
      if (value.length > MAX_METADATA_VALUE || !METADATA_VALUE.test(value)) return 'malformed_header';
      if (key === 'unsigned.eventId') out.unsignedEventId = value;
      else if (key === 'unsigned.eventType') out.unsignedEventType = value;
      else (out.metadata ??= {})[key] = value;
    }
    if (this.isToken) return undefined;
    for (const { name, check } of this.headerChecks) if (!check(values[this.partAt.get(name)!] as string)) return 'malformed_header';
    const [before, after] = this.around(timestamp, request.url, request.method, (name) => values[this.partAt.get(name.toLowerCase())!] as string);
    out.prefix = before;
    out.suffix = after;
    out.includeBody = this.bodyAt >= 0;
    // Signing no body, the row signs a canonical string of its own: duplicates key on it.
    if (this.bodyAt < 0) out.dedupeContent = before;
    return undefined;
  }

  /**
   * The signed content around the body, the same for verifying and signing: the parts before the
   * body (all of them, when the body is not signed) and the parts after it.
   */
  private around(timestamp: string | undefined, url: string | undefined, method: string | undefined, header: (name: string) => string): [string, string] {
    const { signed } = this.row;
    let before = '';
    let after = '';
    for (let i = 0; i < signed.length; i++) {
      const part = signed[i];
      if (part === 'body') continue;
      const text =
        part === 'timestamp' ? (timestamp as string)
        : part === 'url' ? (url as string)
        : part === 'method' ? (method ?? 'POST').toUpperCase()
        : 'literal' in part ? part.literal
        : header(part.header);
      if (this.bodyAt < 0 || i < this.bodyAt) before += text;
      else after += text;
    }
    return [before, after];
  }

  /** The headers this sender would send with `input`, signed with `secret`. */
  sign(input: SignInput, secret: string): Record<string, string> {
    const { row } = this;
    const key = this.decodeKey(secret);
    const headers: Record<string, string> = { 'content-type': this.contentTypes[0] };
    const seconds = input.timestamp ?? Math.floor(Date.now() / 1000);
    const timestamp = row.timestamp ? formatInstant(seconds, row.timestamp.format) : undefined;
    if (row.timestamp?.header) headers[row.timestamp.header] = timestamp as string;
    if (row.signedIdHeader) headers[row.signedIdHeader] = input.id ?? `evt_${randomBytes(12).toString('hex')}`;
    for (const part of row.signed) if (typeof part === 'object' && 'header' in part && headers[part.header] === undefined) headers[part.header] = part.write?.(seconds) ?? input.id ?? randomBytes(8).toString('hex');
    const spec = row.signature;
    if (this.isToken) {
      const header = spec.kind === 'header' ? spec.header : '';
      headers[header] = (spec.kind === 'header' ? spec.prefix ?? '' : '') + secret;
      return headers;
    }
    if (this.signsUrl && !input.url) throw new WebhookConfigurationError(`${this.type} signs the public URL: give the URL the delivery is posted to`);
    const [before, after] = this.around(timestamp, input.url, input.method, (name) => headers[name]);
    const signature = hmac(row.algorithm as HmacAlgorithm, key, before, this.bodyAt >= 0 ? input.body : undefined, after).toString(row.encoding);
    if (spec.kind === 'header') headers[spec.header] = (spec.prefix ?? '') + signature;
    else if (spec.kind === 'headers') headers[spec.headers[0]] = signature;
    else {
      const entries = spec.timestampKey ? [`${spec.timestampKey}${spec.assign}${timestamp}`] : [];
      entries.push(`${spec.signatureKey}${spec.assign}${signature}`);
      headers[spec.header] = entries.join(spec.separator);
    }
    return headers;
  }

  immediateResponse(body: string | Uint8Array, verified?: VerifiedWebhook, headers: HeaderInput = {}): ImmediateAnswer | undefined {
    const key = verified && matchedKeyOf(verified);
    return this.handshake?.post && key ? this.handshake.post(body, headers, key) : undefined;
  }
}

/** Reads a `name=value` list into `out`'s signatures; returns the timestamp entry, or why it cannot. */
function readList(
  header: string,
  spec: Extract<SignatureSpec, { kind: 'list' }>,
  encoding: SignatureEncoding,
  out: SignedContent,
): string | undefined | { problem: RejectionReason } {
  if (header.length > MAX_LIST_HEADER) return { problem: 'malformed_header' };
  let timestamp: string | undefined;
  for (const raw of header.split(spec.separator)) {
    const entry = raw.trim();
    if (entry === '') continue;
    const at = entry.indexOf(spec.assign);
    if (at <= 0) return { problem: 'malformed_header' };
    const name = entry.slice(0, at).trim();
    const value = entry.slice(at + spec.assign.length).trim();
    if (name === spec.timestampKey) {
      if (timestamp !== undefined) return { problem: 'malformed_header' };
      timestamp = value;
    } else if (name === spec.signatureKey) {
      if (!out.addSignature(value, encoding)) return { problem: 'malformed_header' };
    }
  }
  if (out.count === 0) return { problem: 'malformed_header' };
  return timestamp;
}

/** A timestamp as sent, in unix seconds (fractions kept for milliseconds and RFC 3339), or why not. */
export function parseInstant(value: string, format: TimestampSpec['format']): number | RejectionReason {
  if (format === 'unix') return parseTimestamp(value);
  if (format === 'unix-ms') return /^\d{1,15}$/.test(value) ? Number(value) / 1000 : 'malformed_timestamp';
  if (!ISO_INSTANT.test(value)) return 'malformed_timestamp';
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms / 1000 : 'malformed_timestamp';
}

export function formatInstant(seconds: number, format: TimestampSpec['format']): string {
  if (format === 'unix') return String(Math.floor(seconds));
  if (format === 'unix-ms') return String(Math.round(seconds * 1000));
  return new Date(seconds * 1000).toISOString();
}

/** Reads request headers case-insensitively for handshakes (one value each, or undefined). */
export function singleHeader(headers: HeaderInput, name: string): string | undefined {
  const out: HeaderValue[] = [];
  pickHeaders(headers, [name], out);
  return typeof out[0] === 'string' ? out[0] : undefined;
}
