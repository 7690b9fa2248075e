import { createHash } from 'node:crypto';
import { BODY_BINDINGS, BodyBinding } from '../types';
import { uniqueKeys } from '../schemes/strict-json';

/**
 * The message attributes the verifier puts on every message it queues (lib/handlers/verifier/stages/enqueue.ts),
 * besides the sender's metadata (`signed.<name>`, `unsigned.<name>`, and `metadata` for what did not
 * fit in SQS's 10 attributes).
 */
export const WEBHOOK_RECORD_ATTRIBUTES = ['source', 'receivedAt', 'payloadSha256', 'dedupeKey', 'contentType', 'bodyEncoding', 'requestId', 'bodyBinding'] as const;

/** How the message body carries the delivery's bytes. */
export type BodyEncoding = 'utf8' | 'base64' | 's3';
const BODY_ENCODINGS: readonly BodyEncoding[] = ['utf8', 'base64', 's3'];

/**
 * The largest claim-checked body read back: a synchronous Lambda invocation carries at most 6 MB
 * (6,291,456 bytes) of request, the body base64-encoded inside it, so no body the verifier verified
 * comes near it. A claim naming more is refused before anything is fetched.
 */
export const MAX_CLAIM_CHECKED_BYTES = 6_291_456;

/** One message attribute as Lambda's SQS event carries it. */
export interface SqsMessageAttributeLike {
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValue?: string;
}

/**
 * What `parseWebhookRecord` reads of a record of Lambda's SQS event (`SQSRecord` of @types/aws-lambda
 * fits): the message id, body and message attributes. A message received with the SDK's
 * ReceiveMessage has capitalised names (`MessageId`, `Body`, `MessageAttributes`): map it first.
 */
export interface SqsRecordLike {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttributeLike>>;
}

/**
 * What fetches a claim-checked body, typed structurally so that this module's types need no AWS SDK:
 * - an `S3` (@aws-sdk/client-s3's aggregated client) or anything else with `getObject({ Bucket, Key })`:
 *   called as it is, and @aws-sdk/client-s3 is never loaded by this module;
 * - an `S3Client` (`send` only): sent a GetObjectCommand, for which @aws-sdk/client-s3 is loaded
 *   (the command's class is the package's; the Lambda Node.js runtime has it).
 * `getObject` is used when both are there.
 */
export interface S3ClientLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send?(command: any, options?: any): Promise<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  getObject?(input: { Bucket: string; Key: string }): Promise<any>;
}

export interface ParseWebhookRecordOptions {
  /**
   * The client claim-checked bodies are fetched with (see S3ClientLike: an `S3` loads nothing, an
   * `S3Client` needs the package's GetObjectCommand). Without it, the first claim-checked record
   * creates one (`new S3Client({})`, the function's region and credentials) from `@aws-sdk/client-s3`,
   * loaded then, which the Lambda Node.js runtime has (elsewhere, install it: it is not a dependency
   * of this package). Records with inline bodies never load it.
   */
  readonly s3?: S3ClientLike;
  /**
   * The only bucket claim-checked bodies may be read from: the endpoint's body bucket
   * (`endpoint.bodyBucket.bucketName`). A record naming another is refused before any fetch.
   * @default - any bucket the function's role may read (the endpoint grants the processor only its own)
   */
  readonly bucket?: string;
}

/** Where a claim-checked body was kept: the message body of a record with `bodyEncoding` `s3`. */
export interface ClaimCheck {
  readonly bucket: string;
  readonly key: string;
  /** The body's size in bytes. */
  readonly size: number;
  /** SHA-256 (hex) of the body's bytes. */
  readonly sha256: string;
}

/** One verified delivery, as the verifier queued it. */
export interface WebhookRecord {
  /** The SQS message id (what a partial batch failure names). */
  readonly messageId: string;
  /** The endpoint's source the delivery came in on (`POST /webhooks/<source>`). */
  readonly source: string;
  /** The body's exact bytes, as the sender sent them (fetched from S3 for a claim-checked body). */
  readonly body: Buffer;
  /** How the queue carried the body: inline as text (`utf8`), inline as base64 (`base64`), or claim-checked (`s3`). */
  readonly bodyEncoding: BodyEncoding;
  /** The media type of the delivery's Content-Type, lower case, without parameters (`application/json`). */
  readonly contentType: string;
  /** When the verifier received the delivery. */
  readonly receivedAt: Date;
  /** API Gateway's request id of the delivery (the verifier's audit line carries it too). */
  readonly requestId: string;
  /**
   * What the verifier keyed duplicates on, from signed material only: the signed event id, else
   * `signed-sha256:<hex>` of the signed canonical form, else `sha256:<hex>` of the body. Unique per
   * source, not across sources: key idempotency on `source` and `dedupeKey` together.
   */
  readonly dedupeKey: string;
  /** SHA-256 (hex) of the body's bytes, checked against `body`. */
  readonly payloadSha256: string;
  /**
   * How much of the body the signature vouches for: `signed` (every byte), `partial` (some of it, such
   * as form parameters), `unsigned` (none: the sender authenticated with a credential that does not
   * bind the body). Trust a body's content only as far as this says.
   */
  readonly bodyBinding: BodyBinding;
  /** The metadata the signature covers, by name without the `signed.` prefix (`eventId`). */
  readonly signed: Readonly<Record<string, string>>;
  /** The metadata the signature does not cover (`eventType`, `attempt`, ...), by name without `unsigned.`. */
  readonly unsigned: Readonly<Record<string, string>>;
  /** Where the body was kept, for a claim-checked body. */
  readonly claimCheck?: ClaimCheck;
  /** The body as UTF-8 text; throws WebhookRecordError if it is not valid UTF-8. A BOM is kept. */
  text(): string;
  /**
   * The body parsed as JSON; throws WebhookRecordError if it is not valid UTF-8 JSON or if any object
   * in it names a key twice (parsers disagree on which of two equal keys wins: such a body is refused
   * rather than read one way here and another way elsewhere).
   */
  json<T = unknown>(): T;
}

/**
 * A record that is not what the verifier queues: an attribute missing or malformed, an unknown
 * attribute, a body that does not decode or does not match its SHA-256, a claim-checked object that is
 * gone (S3 answered NoSuchKey), of another size or with other bytes. `problems` lists each; the
 * message names them all, and never quotes the body (of a malformed claim check it says which field
 * is wrong and the JSON type found, never its value).
 * Never retried into success: let it fail (a partial batch failure), so the queue's redrive policy
 * moves it to the dead-letter queue for a person to look at.
 */
export class WebhookRecordError extends Error {
  public readonly name = 'WebhookRecordError';
  constructor(
    /** The SQS message id, when the record has one. */
    public readonly messageId: string | undefined,
    public readonly problems: readonly string[],
  ) {
    super(`SQS message ${messageId ?? '(no messageId)'} is not a webhook record the verifier queued: ${problems.join('; ')}`);
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
// What Date#toISOString writes, and only that: no other spelling of a time is the verifier's.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const METADATA_NAME = /^(signed|unsigned)\.(.+)$/s;
const CLAIM_KEYS = ['bucket', 'key', 'size', 'sha256'];
// What the verifier writes after `<source>/`: the UTC day of receipt and a random UUID (lib/handlers/verifier/stages/enqueue.ts).
const CLAIM_KEY_TAIL = /^\d{4}\/(?:0[1-9]|1[0-2])\/(?:0[1-9]|[12]\d|3[01])\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A value's JSON type, and a string's length: what an error may say of a field that could be body content. */
function jsonType(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length} item(s)`;
  if (typeof value === 'string') return `a string of ${value.length} character(s)`;

  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Reads one record of the endpoint's queue into a WebhookRecord: the body's exact bytes (decoded, or
 * fetched from S3 for a claim-checked body and checked against its size and SHA-256), the attributes,
 * and the sender's metadata split into what the signature covers and what it does not.
 *
 * Strict: every attribute the verifier always sends is required and checked; an attribute it never
 * sends is an error (so is a metadata name without a `signed.`/`unsigned.` prefix, one given both as
 * its own attribute and inside `metadata`, and a `metadata` that is not a JSON object of strings);
 * the body must hash to `payloadSha256`. Each such record throws one WebhookRecordError naming every
 * problem found. This checks that the record is consistent, not that it is authentic: whoever may send
 * to the queue can write any record, so keep SendMessage on it to the verifiers (the endpoint does).
 */
export async function parseWebhookRecord(record: SqsRecordLike, options: ParseWebhookRecordOptions = {}): Promise<WebhookRecord> {
  const messageId = typeof record?.messageId === 'string' && record.messageId !== '' ? record.messageId : undefined;
  const problems: string[] = [];
  if (!messageId) problems.push('it has no messageId');
  if (typeof record?.body !== 'string') problems.push('it has no body');
  const attributes = record?.messageAttributes;
  if (attributes === null || typeof attributes !== 'object') {
    problems.push('it has no messageAttributes');
    throw new WebhookRecordError(messageId, problems);
  }

  const strings = new Map<string, string>();
  for (const name of Object.keys(attributes)) {
    const attribute = attributes[name];
    if (!attribute || attribute.dataType !== 'String' || typeof attribute.stringValue !== 'string') {
      problems.push(`attribute ${JSON.stringify(name)} is not a String attribute`);
      continue;
    }
    strings.set(name, attribute.stringValue);
  }
  const required = (name: string): string | undefined => {
    const value = strings.get(name);
    if (value === undefined && !(name in attributes)) problems.push(`attribute ${JSON.stringify(name)} is missing`);
    return value;
  };

  const source = required('source');
  const receivedAtText = required('receivedAt');
  const payloadSha256 = required('payloadSha256');
  const dedupeKey = required('dedupeKey');
  const contentType = required('contentType');
  const bodyEncoding = required('bodyEncoding');
  const requestId = required('requestId');
  const bodyBinding = required('bodyBinding');
  for (const [name, value] of [['source', source], ['dedupeKey', dedupeKey], ['contentType', contentType], ['requestId', requestId]] as const) {
    if (value === '') problems.push(`attribute ${JSON.stringify(name)} is empty`);
  }
  let receivedAt: Date | undefined;
  if (receivedAtText !== undefined) {
    receivedAt = new Date(receivedAtText);
    if (!ISO_INSTANT.test(receivedAtText) || Number.isNaN(receivedAt.getTime()) || receivedAt.toISOString() !== receivedAtText) {
      problems.push(`attribute "receivedAt" ${JSON.stringify(receivedAtText)} is not an ISO 8601 instant (YYYY-MM-DDTHH:MM:SS.sssZ)`);
    }
  }
  if (payloadSha256 !== undefined && !SHA256_HEX.test(payloadSha256)) problems.push(`attribute "payloadSha256" ${JSON.stringify(payloadSha256)} is not a lower-case hex SHA-256`);
  if (bodyEncoding !== undefined && !BODY_ENCODINGS.includes(bodyEncoding as BodyEncoding)) {
    problems.push(`attribute "bodyEncoding" ${JSON.stringify(bodyEncoding)} is not one of ${BODY_ENCODINGS.join(', ')}`);
  }
  if (bodyBinding !== undefined && !BODY_BINDINGS.includes(bodyBinding as BodyBinding)) {
    problems.push(`attribute "bodyBinding" ${JSON.stringify(bodyBinding)} is not one of ${BODY_BINDINGS.join(', ')}`);
  }

  // The sender's metadata: own attributes, then the folded rest.
  const signed: Record<string, string> = {};
  const unsigned: Record<string, string> = {};
  const put = (name: string, value: string, where: string) => {
    const match = METADATA_NAME.exec(name);
    if (!match) {
      problems.push(`${where} ${JSON.stringify(name)} is neither a verifier attribute (${WEBHOOK_RECORD_ATTRIBUTES.join(', ')}, metadata) nor sender metadata (signed.<name>, unsigned.<name>)`);
      return;
    }
    const into = match[1] === 'signed' ? signed : unsigned;
    if (Object.hasOwn(into, match[2])) {
      problems.push(`metadata ${JSON.stringify(name)} is given both as its own attribute and inside attribute "metadata"`);
      return;
    }
    // Defined, not assigned: a name such as `__proto__` is an own property like any other.
    Object.defineProperty(into, match[2], { value, enumerable: true, writable: true, configurable: true });
  };
  for (const [name, value] of strings) {
    if ((WEBHOOK_RECORD_ATTRIBUTES as readonly string[]).includes(name) || name === 'metadata') continue;
    put(name, value, 'attribute');
  }
  const folded = strings.get('metadata');
  if (folded !== undefined) {
    const parsed = parseStrictJson(folded);
    if (!parsed.ok || parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
      problems.push(`attribute "metadata" is not a JSON object${parsed.ok ? '' : ` (${parsed.reason})`}`);
    } else {
      const entries = Object.entries(parsed.value as Record<string, unknown>);
      if (entries.length === 0) problems.push('attribute "metadata" is an empty object (the verifier folds metadata only when there is some)');
      for (const [name, value] of entries) {
        if (typeof value !== 'string') problems.push(`metadata ${JSON.stringify(name)} inside attribute "metadata" is not a string`);
        else put(name, value, 'metadata name');
      }
    }
  }

  // The body's bytes.
  let body: Buffer | undefined;
  let claimCheck: ClaimCheck | undefined;
  if (typeof record.body === 'string') {
    if (bodyEncoding === 'utf8') {
      body = Buffer.from(record.body, 'utf8');
    } else if (bodyEncoding === 'base64') {
      if (!BASE64.test(record.body) || Buffer.from(record.body, 'base64').toString('base64') !== record.body) problems.push('the body is not canonical base64 (bodyEncoding "base64")');
      else body = Buffer.from(record.body, 'base64');
    } else if (bodyEncoding === 's3') {
      claimCheck = readClaimCheck(record.body, source, payloadSha256, options.bucket, problems);
    }
  }
  if (body && payloadSha256 !== undefined && SHA256_HEX.test(payloadSha256) && sha256(body) !== payloadSha256) {
    problems.push(`the body's SHA-256 ${sha256(body)} is not payloadSha256 ${payloadSha256}: it was changed after the verifier queued it`);
  }
  if (problems.length > 0) throw new WebhookRecordError(messageId, problems);
  if (claimCheck) body = await fetchClaimChecked(messageId!, claimCheck, options);

  const bytes = body!;
  const id = messageId!;
  return Object.freeze({
    messageId: id,
    source: source!,
    body: bytes,
    bodyEncoding: bodyEncoding as BodyEncoding,
    contentType: contentType!,
    receivedAt: receivedAt!,
    requestId: requestId!,
    dedupeKey: dedupeKey!,
    payloadSha256: payloadSha256!,
    bodyBinding: bodyBinding as BodyBinding,
    signed: Object.freeze(signed),
    unsigned: Object.freeze(unsigned),
    ...(claimCheck ? { claimCheck: Object.freeze(claimCheck) } : {}),
    text: () => bodyText(id, bytes),
    json: <T>() => bodyJson<T>(id, bytes),
  });
}

function readClaimCheck(text: string, source: string | undefined, payloadSha256: string | undefined, bucket: string | undefined, problems: string[]): ClaimCheck | undefined {
  const parsed = parseStrictJson(text);
  const claim = parsed.ok ? (parsed.value as Record<string, unknown>) : undefined;
  // Until the claim's sha256 is found to be payloadSha256, the message body may be a webhook body
  // under a wrong bodyEncoding: say which field is wrong and its JSON type, never a name or value of it.
  if (!claim || typeof claim !== 'object' || Array.isArray(claim)) {
    problems.push(`the body of a claim-checked record (bodyEncoding "s3") is not the JSON object {bucket, key, size, sha256}${parsed.ok ? ` (it is ${jsonType(parsed.value)})` : ` (${parsed.reason})`}`);
    return undefined;
  }
  const before = problems.length;
  const extra = Object.keys(claim).filter((k) => !CLAIM_KEYS.includes(k));
  if (extra.length > 0) problems.push(`the claim check has ${extra.length} unknown field(s) (only bucket, key, size and sha256 are allowed)`);
  const nonEmpty = (name: string) => {
    if (typeof claim[name] !== 'string' || claim[name] === '') problems.push(`the claim check's "${name}" is not a non-empty string (it is ${jsonType(claim[name])})`);
  };
  nonEmpty('bucket');
  nonEmpty('key');
  const { size, sha256: hash } = claim;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1 || size > MAX_CLAIM_CHECKED_BYTES) {
    problems.push(`the claim check's "size" is not a whole number of bytes from 1 to ${MAX_CLAIM_CHECKED_BYTES} (it is ${jsonType(size)})`);
  }
  if (typeof hash !== 'string' || !SHA256_HEX.test(hash)) problems.push(`the claim check's "sha256" is not a lower-case hex SHA-256 (it is ${jsonType(hash)})`);
  else if (payloadSha256 !== undefined && hash !== payloadSha256) problems.push(`the claim check's "sha256" is not payloadSha256 ${payloadSha256}`);
  if (problems.length > before) return undefined;
  // From here the claim is the verifier's (its sha256 is the stored body's, which no body can contain of itself).
  const found = claim as unknown as ClaimCheck;
  // The verifier writes a source's bodies under `<source>/<yyyy>/<mm>/<dd>/<uuid>` only, and may write nowhere else.
  if (source !== undefined && (!found.key.startsWith(`${source}/`) || !CLAIM_KEY_TAIL.test(found.key.slice(source.length + 1)))) {
    problems.push(`the claim check's key ${JSON.stringify(found.key)} is not the verifier's "${source}/<yyyy>/<mm>/<dd>/<uuid>"`);
  }
  if (bucket !== undefined && found.bucket !== bucket) problems.push(`the claim check names bucket ${JSON.stringify(found.bucket)}, not the body bucket ${JSON.stringify(bucket)}`);
  return problems.length > before ? undefined : { bucket: found.bucket, key: found.key, size: found.size, sha256: found.sha256 };
}

// One client per container, created on the first claim-checked record that needs one.
let defaultClient: Promise<S3ClientLike> | undefined;

/**
 * A claim-checked body S3 refused to give (AccessDenied, 403): thrown so that the record is retried,
 * never a WebhookRecordError. Read `cause` for S3's own error.
 */
export class ClaimCheckedBodyNotReadableError extends Error {
  public readonly name = 'ClaimCheckedBodyNotReadableError';
}

async function getObject(client: S3ClientLike, input: { Bucket: string; Key: string }) {
  // An `S3` (or any getObject): no command to build, nothing to load.
  if (typeof client.getObject === 'function') return client.getObject(input);
  if (typeof client.send !== 'function') throw new TypeError('parseWebhookRecord: options.s3 has neither getObject (an S3) nor send (an S3Client)');
  const sdk = await loadS3Sdk();
  return client.send(new sdk.GetObjectCommand(input));
}

async function fetchClaimChecked(messageId: string, claim: ClaimCheck, options: ParseWebhookRecordOptions): Promise<Buffer> {
  const client =
    options.s3 ??
    (await (defaultClient ??= loadS3Sdk().then(
      (sdk) => new sdk.S3Client({}) as S3ClientLike,
      (error: unknown) => {
        defaultClient = undefined; // not kept: the next record tries again
        throw error;
      },
    )));
  let response: { Body?: { transformToByteArray(): Promise<Uint8Array> }; ContentLength?: number };
  try {
    response = await getObject(client, { Bucket: claim.bucket, Key: claim.key });
  } catch (error) {
    const name = (error as { name?: unknown })?.name;
    // Gone for good: expired by the bucket's lifecycle (2 × the longer queue retention + 1 day: one
    // redrive is covered, a second late one is not), or never written. S3 says so (404) only to a
    // role that may also list the bucket: the endpoint grants its readers s3:ListBucket for this.
    if (name === 'NoSuchKey' || name === 'NotFound') {
      throw new WebhookRecordError(messageId, [
        `the claim-checked body s3://${claim.bucket}/${claim.key} does not exist (expired by the bucket's lifecycle after a late second redrive, or never written)`,
      ]);
    }
    // 403: this role may not read it (a grant missing or not yet propagated, a key policy, an SCP), or,
    // for a role without s3:ListBucket on the bucket, the object may be gone: S3 does not say which.
    // Not a WebhookRecordError: a permission problem can be fixed and the record must then be read,
    // so it is thrown to be retried (and dead-lettered after maxReceiveCount, to be redriven).
    if (name === 'AccessDenied' || name === 'Forbidden' || (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 403) {
      throw new ClaimCheckedBodyNotReadableError(
        `SQS message ${messageId}: the claim-checked body s3://${claim.bucket}/${claim.key} is missing or not readable (S3 answered AccessDenied): this role may not read it (it needs s3:GetObject on the object and kms:Decrypt through S3; the endpoint grants both to its processor and to grantConsumeMessages()), or, if the role lacks s3:ListBucket on the bucket, the object has expired. Retried.`,
        { cause: error },
      );
    }
    // Anything else (throttling, a network error) may pass: the record is retried.
    throw error;
  }
  if (response.ContentLength !== undefined && response.ContentLength !== claim.size) {
    throw new WebhookRecordError(messageId, [`the claim-checked body s3://${claim.bucket}/${claim.key} is ${response.ContentLength} bytes, not the claim's ${claim.size}`]);
  }
  const bytes = Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array());
  const problems: string[] = [];
  if (bytes.length !== claim.size) problems.push(`the claim-checked body s3://${claim.bucket}/${claim.key} is ${bytes.length} bytes, not the claim's ${claim.size}`);
  const hash = sha256(bytes);
  if (hash !== claim.sha256) problems.push(`the claim-checked body s3://${claim.bucket}/${claim.key} has SHA-256 ${hash}, not the claim's ${claim.sha256}`);
  if (problems.length > 0) throw new WebhookRecordError(messageId, problems);
  return bytes;
}

interface S3Sdk {
  S3Client: new (config: object) => unknown;
  GetObjectCommand: new (input: { Bucket: string; Key: string }) => unknown;
}

async function loadS3Sdk(): Promise<S3Sdk> {
  try {
    // CommonJS (this package's dist, a CommonJS bundle): require, which also works where import() is
    // not available (a vm context such as jest's). Else (an ES module bundle, whose bundler's require
    // shim throws): import().
    if (typeof require === 'function') {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require('@aws-sdk/client-s3') as S3Sdk;
      } catch {
        // import() below says why, if it cannot load it either.
      }
    }
    return (await import('@aws-sdk/client-s3')) as unknown as S3Sdk;
  } catch (error) {
    throw new Error(
      `A claim-checked webhook body is fetched with @aws-sdk/client-s3, which could not be loaded (${(error as Error)?.message}): install it (npm install @aws-sdk/client-s3; the Lambda Node.js runtime has it)`,
    );
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bodyText(messageId: string, body: Buffer): string {
  try {
    return decoder.decode(body);
  } catch {
    throw new WebhookRecordError(messageId, [`the body (${body.length} bytes) is not valid UTF-8 text; read it as bytes (record.body)`]);
  }
}

function bodyJson<T>(messageId: string, body: Buffer): T {
  const parsed = parseStrictJson(bodyText(messageId, body));
  if (!parsed.ok) throw new WebhookRecordError(messageId, [`the body is not JSON: ${parsed.reason}`]);
  return parsed.value as T;
}

/** JSON.parse, refusing a text in which any object names a key twice. */
function parseStrictJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Not JSON.parse's message: it quotes the text, and a body may carry what must not reach a log.
    const at = /position (\d+)/.exec((error as Error)?.message ?? '');
    return { ok: false, reason: `not valid JSON${at ? ` (at character ${at[1]})` : ''}` };
  }
  if (!uniqueKeys(text)) return { ok: false, reason: 'an object in it names a key twice, which parsers read differently' };
  return { ok: true, value };
}
