import { isUtf8 } from 'node:buffer';
import { createHash, randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
// Imported module by module, never through the runtime's index: each verifier bundle carries the
// scheme code of one family of senders only (its entry passes that family's SchemeFactory).
import { headerValue } from '../../runtime/headers';
import { activeKeyStrings, CapturedHandshake, captureRequestToken, KeySetDocument, parseImportedSecret, parseKeySet } from '../../runtime/key-set';
import type { KeyFetcher, KeyFetchError, PublishedKeyCache, PublishedKeyCacheOptions, PublishedKeySource, ResolvedKeys } from '../../runtime/published-keys';
import { SchemeFactory } from '../../runtime/schemes/factory';
import { ImmediateAnswer } from '../../runtime/schemes/scheme';
import { SchemeConfig } from '../../runtime/scheme-config';
import { ActiveKey, RejectionReason } from '../../runtime/types';
import { verifyWithKeys } from '../../runtime/verify-with-keys';
import { KeyCache, KeyString } from '../shared/key-cache';
import { DedupeClaims, DedupeOptions } from './dedupe';
import { Outcome } from '../../runtime/metrics-contract';
import { INLINE_BODY_BYTES } from '../../runtime/body-limits';
import { LineWriter, Telemetry } from '../shared/telemetry';

export interface VerifierConfig {
  readonly endpoint: string;
  readonly source: string;
  readonly scheme: SchemeConfig;
  /**
   * The source's secret: its keys, or for a sender that publishes its keys and needs a credential to
   * fetch them (Plaid), that credential. Undefined for senders whose keys are all published (SNS,
   * PayPal, Google): such a source has no secret.
   */
  readonly secretId?: string;
  /**
   * Where a sender's unsigned key handshake (Notion's verification token) is kept while the signing
   * secret awaits its key: a secret of its own, the only one the verifier may write.
   */
  readonly captureSecretId?: string;
  readonly queueUrl: string;
  readonly toleranceSeconds?: number;
  readonly maxBodyBytes: number;
  readonly cacheTtlMs: number;
  readonly missRefreshIntervalMs: number;
  readonly maxStaleMs: number;
  /**
   * The route's public URL, exactly as its sender is configured with (query included), for schemes
   * that sign it (Square, HubSpot, Twilio): required for them, and never rebuilt from the request.
   */
  readonly publicUrl?: string;
  /** The dedupe table; undefined turns duplicate detection off. */
  readonly dedupe?: DedupeOptions;
  /**
   * `generated`: the rotation function maintains the key set, grace windows included. `imported`
   * (provider-issued keys): each put-secret-value is a new key, and the key it replaced (AWSPREVIOUS)
   * keeps verifying for `graceMs` after the new version was created.
   */
  readonly keySource?: 'generated' | 'imported';
  readonly graceMs?: number;
  /**
   * The endpoint's claim-check bucket, for a source whose maxBodySize exceeds INLINE_BODY_BYTES: a
   * larger body is written there and the message carries where. Without it, no body above
   * INLINE_BODY_BYTES is accepted (413), whatever maxBodyBytes says.
   */
  readonly bodyBucket?: string;
}

export interface VerifierDeps {
  readonly sqs: SQSClient;
  readonly secrets: SecretsManagerClient;
  readonly dynamodb?: DynamoDBClient;
  /** Writes claim-checked bodies: required with a bodyBucket (without, each such body is answered 503). */
  readonly s3?: S3Client;
  /**
   * For senders that publish their keys (SNS, PayPal, Plaid, Google): how their keys are cached, and
   * how they (and SNS confirmations) are fetched. Given only by the bundles of those families, so the
   * others carry none of that code; a scheme that needs them fails at start-up without them.
   */
  readonly published?: {
    readonly cache: (source: PublishedKeySource, options: PublishedKeyCacheOptions) => Pick<PublishedKeyCache, 'keysFor'>;
    readonly fetch: KeyFetcher;
  };
  readonly now?: () => number;
  readonly write?: LineWriter;
}

/** Reads the verifier's configuration from its environment. No secret is ever in it. */
export function configFromEnv(env: NodeJS.ProcessEnv): VerifierConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`Environment variable ${name} is not set`);
    return value;
  };
  // A number that does not parse would turn every comparison it takes part in into "false": refuse it
  // at start-up, naming the variable, rather than verify against NaN.
  const number = (name: string, fallback?: number): number => {
    const raw = env[name];
    // Unset with no fallback: required() throws, naming it.
    if (!raw) return fallback ?? Number(required(name));
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`Environment variable ${name} must be a finite number ≥ 0, not ${JSON.stringify(raw)}`);
    return value;
  };
  // A zero lock or retention would let a concurrent copy past the claim: refused, never "off".
  const atLeastOne = (name: string, value: number): number => {
    if (!(value >= 1)) throw new Error(`Environment variable ${name} must be at least 1, not ${value}`);
    return value;
  };
  return {
    endpoint: required('WEBHOOK_ENDPOINT'),
    source: required('WEBHOOK_SOURCE'),
    scheme: JSON.parse(required('WEBHOOK_SCHEME')) as SchemeConfig,
    secretId: env.WEBHOOK_SECRET_ARN || undefined,
    captureSecretId: env.WEBHOOK_CAPTURE_SECRET_ARN || undefined,
    queueUrl: required('WEBHOOK_QUEUE_URL'),
    toleranceSeconds: env.WEBHOOK_TOLERANCE_SECONDS ? number('WEBHOOK_TOLERANCE_SECONDS', 0) : undefined,
    maxBodyBytes: number('WEBHOOK_MAX_BODY_BYTES'),
    cacheTtlMs: number('WEBHOOK_SECRET_CACHE_SECONDS', 300) * 1000,
    missRefreshIntervalMs: number('WEBHOOK_SECRET_MISS_REFRESH_SECONDS', 30) * 1000,
    maxStaleMs: number('WEBHOOK_SECRET_MAX_STALE_SECONDS', 3600) * 1000,
    publicUrl: env.WEBHOOK_PUBLIC_URL || undefined,
    bodyBucket: env.WEBHOOK_BODY_BUCKET || undefined,
    keySource: env.WEBHOOK_KEY_SOURCE === 'imported' ? 'imported' : 'generated',
    graceMs: number('WEBHOOK_GRACE_SECONDS', 86400) * 1000,
    dedupe: env.WEBHOOK_DEDUPE_TABLE
      ? {
          tableName: env.WEBHOOK_DEDUPE_TABLE,
          retentionSeconds: atLeastOne('WEBHOOK_DEDUPE_RETENTION_SECONDS', number('WEBHOOK_DEDUPE_RETENTION_SECONDS', 7 * 86400)),
          // The construct sets the function's timeout plus a margin; without it, the longest timeout
          // the construct allows (28 s) plus that margin, so no live invocation is ever overtaken.
          lockSeconds: atLeastOne('WEBHOOK_DEDUPE_LOCK_SECONDS', number('WEBHOOK_DEDUPE_LOCK_SECONDS', 33)),
        }
      : undefined,
  };
}

const STATUS_TEXT: Record<number, string> = {
  200: 'Received',
  400: 'Bad request',
  401: 'Unauthorized',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  500: 'Internal error',
  503: 'Service unavailable; retry later',
};

const MALFORMED = { status: 400, outcome: 'Malformed' } as const;
const SIGNATURE_INVALID = { status: 401, outcome: 'SignatureInvalid' } as const;
const REJECTIONS: Record<RejectionReason, { status: number; outcome: Outcome }> = {
  missing_header: MALFORMED,
  duplicate_header: MALFORMED,
  malformed_header: MALFORMED,
  malformed_timestamp: MALFORMED,
  signature_invalid: SIGNATURE_INVALID,
  timestamp_out_of_tolerance: { status: 401, outcome: 'TimestampOutOfTolerance' },
  no_active_key: { status: 500, outcome: 'SecretUnavailable' },
  not_allowed: SIGNATURE_INVALID,
  malformed_body: MALFORMED,
};

// SQS allows 10 message attributes: 8 are always sent, so 2 are left for the sender's metadata.
const MAX_ATTRIBUTES = 10;

// Characters SQS accepts in a message body; anything else travels base64-encoded.
const SQS_UNSAFE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export type VerifierHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The verifier Lambda's handler for one source. `schemes` builds its scheme: the bundle's own family
 * (`./entry.ts`), or every sender (`createVerifierHandler` in ./any-sender.ts, for tests and the CLI).
 */
export function createFamilyVerifierHandler(schemes: SchemeFactory, config: VerifierConfig, deps: VerifierDeps): VerifierHandler {
  const scheme = schemes(config.scheme);
  if (!scheme) throw new Error(`This verifier bundle does not carry scheme type ${JSON.stringify(config.scheme?.type)}: the construct picks the bundle by scheme type`);
  const now = deps.now ?? Date.now;
  if ((scheme.published || scheme.settle) && !deps.published) throw new Error(`Scheme type ${JSON.stringify(config.scheme.type)} fetches published keys, and this bundle cannot`);
  const fetcher = deps.published?.fetch;
  const published = scheme.published ? deps.published!.cache(scheme.published, { fetch: fetcher, now }) : undefined;
  // A sender verified without a key (Apple's pinned root, Salesforce's org id) has no secret, and nothing is fetched.
  const usesSecret = scheme.keyless === undefined && (!scheme.published || scheme.published.needsCredential);
  if (usesSecret && !config.secretId) throw new Error('Environment variable WEBHOOK_SECRET_ARN is not set');
  // Never rebuilt from the request: see signedUrl.
  if (scheme.signsUrl && !config.publicUrl) throw new Error(`Environment variable WEBHOOK_PUBLIC_URL is not set: scheme type ${JSON.stringify(config.scheme.type)} signs the URL the sender posts to`);
  const telemetry = new Telemetry(config.endpoint, config.source, deps.write);
  if (config.dedupe && !deps.dynamodb) throw new Error('A dedupe table is configured but no DynamoDB client was given');
  const dedupe = config.dedupe && deps.dynamodb ? new DedupeClaims(deps.dynamodb, config.dedupe) : undefined;
  // Without a bucket nothing above the inline limit could be queued: refused at once rather than
  // answered 503 (retried) for ever.
  const maxBodyBytes = config.bodyBucket ? config.maxBodyBytes : Math.min(config.maxBodyBytes, INLINE_BODY_BYTES);
  // The verify token kept beside the key (Meta's), refreshed with the keys: read by GET handshakes.
  let verifyToken: string | undefined;
  // The signing secret's version that awaits its key (Notion), while it does: it names the one capture allowed.
  let awaitingVersion: string | undefined;
  // The awaiting version whose capture this container knows to stand (it made it, or Secrets Manager
  // refused one): later captures for it are refused here, with no call, because PutSecretValue's rate
  // quota is the account's and an unauthenticated flood would otherwise spend it.
  let capturedVersion: string | undefined;
  const secretId = config.secretId ?? '';
  const cache = new KeyCache({
    load: async () => {
      if (!usesSecret) return [];
      const { keys, doc, versionId } = await loadKeys(deps.secrets, secretId, config, now());
      verifyToken = doc.verifyToken;
      awaitingVersion = doc.awaitingKey === true ? versionId : undefined;
      return keys;
    },
    decode: (secret) => scheme.decodeKey(secret),
    ttlMs: config.cacheTtlMs,
    missRefreshIntervalMs: config.missRefreshIntervalMs,
    maxStaleMs: config.maxStaleMs,
    retryAfterFailureMs: config.missRefreshIntervalMs,
    now,
  });

  return async (event) => {
    const started = now();
    const receivedAt = new Date(started).toISOString();
    const requestId = event.requestContext?.requestId ?? randomUUID();
    const sourceIp = event.requestContext?.identity?.sourceIp;
    const finish = (status: number, outcome: Outcome, extra: Extra = {}, answer?: ImmediateAnswer) => {
      telemetry.record({ requestId, outcome, status, sourceIp, latencyMs: now() - started, ...extra });
      return respond(status, requestId, answer ?? (extra.reason === 'duplicate' ? { duplicate: true } : undefined), extra.retryAfterSeconds);
    };
    const refuse = (reason: RejectionReason, size?: number) => finish(REJECTIONS[reason].status, REJECTIONS[reason].outcome, { reason, size });
    const notAllowed = () => finish(405, 'Malformed', { reason: 'method_not_allowed' });
    const headers = event.multiValueHeaders ?? event.headers ?? {};
    const method = (event.httpMethod ?? 'POST').toUpperCase();

    if (method === 'GET') {
      // Only a sender's endpoint verification: answered when it checks out, never queued.
      if (!scheme.handshake?.get) return notAllowed();
      let keys;
      try {
        keys = await cache.get();
      } catch (error) {
        return finish(503, 'SecretUnavailable', { reason: 'secret_unavailable', ...errorFields(error) });
      }
      const query = event.multiValueQueryStringParameters ?? {};
      const answer = scheme.handshake.get({ headers, query, verifyToken }, keys, now(), scheme);
      if (typeof answer === 'string') return refuse(answer);
      return finish(200, 'Accepted', { reason: 'answered_handshake' }, answer);
    }
    // A sender that checks the URL with HEAD before creating its webhook (Trello): 200, nothing else.
    if (method === 'HEAD' && scheme.handshake?.head) return finish(200, 'Accepted', { reason: 'answered_head' }, { body: '', contentType: 'text/plain' });
    if (method !== 'POST') return notAllowed();

    // With binary media type */* on the API, every body arrives base64-encoded: the exact bytes the
    // sender signed, which is what is verified. (A text body, from a test or another integration, is
    // taken as its UTF-8 bytes.) API Gateway passes an empty body as null.
    const body: string | Buffer = !event.body ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
    const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
    if (size > maxBodyBytes) return finish(413, 'Malformed', { reason: 'body_too_large', size });

    let keys: readonly ActiveKey[];
    try {
      keys = await cache.get();
    } catch (error) {
      return finish(503, 'SecretUnavailable', { reason: 'secret_unavailable', size, ...errorFields(error) });
    }
    // Unsigned handshakes, only for a POST with none of the signature headers, and before the media
    // type and empty-body checks (Microsoft Graph's validation POST is an empty text/plain body with a
    // query; Asana's X-Hook-Secret POST is empty): each handshake checks exactly what it answers. A
    // ping to check the URL (WooCommerce) or a validation echo (Graph) is answered and forgotten; a
    // sender's handshake made before it has a key (Notion's verification token, Asana's hook secret),
    // only while the signing secret still awaits its first key, is answered and kept in the capture
    // secret, which verifies nothing until an operator puts it as the key (which ends the waiting).
    // The first capture stands: its ClientRequestToken is fixed by the awaiting version, so Secrets
    // Manager refuses every later one and creates no version for it. None is ever queued.
    const { unsigned, capture } = scheme.handshake ?? {};
    const carriesNoSignature = (unsigned || capture) && scheme.signatureHeaders.every((name) => headerValue(headers, name) === undefined);
    const ping = carriesNoSignature && unsigned ? unsigned(body, headers, event.multiValueQueryStringParameters ?? {}) : undefined;
    if (ping) return finish(200, 'Accepted', { reason: 'answered_ping', size }, ping);
    if (carriesNoSignature && capture && awaitingVersion !== undefined && config.captureSecretId) {
      const handshake = capture(body, headers);
      if (handshake) {
        const keyVersion = awaitingVersion;
        // Logged with the request's source IP (every audit line has it) and alarmed when repeated.
        const refused = () => finish(409, 'CaptureRefused', { reason: 'capture_refused', size });
        if (capturedVersion === keyVersion) return refused();
        const captured: CapturedHandshake = {
          token: handshake.captured,
          capturedAt: receivedAt,
          ...(sourceIp ? { sourceIp } : {}),
          requestId,
          keyVersion,
        };
        try {
          await deps.secrets.send(
            new PutSecretValueCommand({ SecretId: config.captureSecretId, ClientRequestToken: captureRequestToken(keyVersion), SecretString: JSON.stringify(captured) }),
          );
        } catch (error) {
          if (errorFields(error).error !== 'ResourceExistsException') return finish(503, 'SecretUnavailable', { reason: 'handshake_store_failed', size, ...errorFields(error) });
          capturedVersion = keyVersion;
          return refused();
        }
        capturedVersion = keyVersion;
        return finish(200, 'Accepted', { reason: 'captured_handshake', size }, handshake.answer);
      }
    }

    const contentType = headerValue(headers, 'content-type');
    const mediaType = typeof contentType === 'string' ? contentType.split(';', 1)[0].trim().toLowerCase() : undefined;
    if (!mediaType || !scheme.contentTypes.includes(mediaType)) return finish(415, 'Malformed', { reason: 'unsupported_media_type' });
    if (size === 0) return finish(400, 'Malformed', { reason: 'empty_body' });

    const url = scheme.signsUrl ? signedUrl(config.publicUrl!, event, scheme.addedQueryParameters) : undefined;
    if (url === null) return finish(400, 'Malformed', { reason: 'query_mismatch', size });
    const request = { headers, body, url, method };
    if (published) {
      // The one key the request names, fetched from the sender's pinned host when not cached (the
      // secret, where there is one, is only the credential the key endpoint asks for).
      // A key that could not be fetched, or may not be fetched yet, may be genuine: 503 with
      // Retry-After, never a 4xx (SNS never retries one).
      let resolved: ResolvedKeys;
      try {
        resolved = await published.keysFor(request, scheme.published!.needsCredential ? credentialOf(keys) : undefined);
      } catch (error) {
        // Read by shape, not instanceof: the other families' bundles carry none of the cache's code.
        const { deferred, retryAfterSeconds } = (error ?? {}) as Partial<KeyFetchError>;
        const retryAfter = typeof retryAfterSeconds === 'number' ? retryAfterSeconds : undefined;
        return finish(503, 'SecretUnavailable', { reason: deferred === true ? 'key_fetch_deferred' : 'key_fetch_failed', size, retryAfterSeconds: retryAfter, ...errorFields(error) });
      }
      if (resolved.kind === 'rejected') return refuse(resolved.reason, size);
      keys = resolved.keys;
    }
    let result = verifyWithKeys(scheme, request, keys, now(), config.toleranceSeconds);
    if (usesSecret && !published && !result.ok && result.reason === 'signature_invalid') {
      const fresh = await cache.refreshAfterMiss();
      if (fresh) result = verifyWithKeys(scheme, request, fresh, now(), config.toleranceSeconds);
    }
    if (!result.ok) return refuse(result.reason, size);

    // Duplicates are keyed on signed material only (the scheme contract: a signed event id, the raw
    // body's hash, or the hash of the canonical form the signature covers), so neither a respelling of
    // a signed request nor an unsigned header a replayer can change makes a captured delivery new.
    const { payloadSha256, eventId, unsignedEventId, unsignedEventType } = result;
    const dedupeKey = result.dedupeKey;
    const audit = { eventId, unsignedEventId, unsignedEventType, payloadSha256, size };
    const recordKey = `${config.source}#${dedupeKey}`;
    // This invocation's claim (dedupe.ts): random, never the request id, which a replayed or test
    // event can repeat and so pass another delivery's claim off as its own.
    const claimToken = randomUUID();
    const dedupeUnavailable = (error: unknown) => finish(503, 'DedupeUnavailable', { reason: 'dedupe_unavailable', ...audit, ...errorFields(error) });
    // A handshake answered without queueing is recorded under its dedupe key before the answer goes
    // out, so its signed content replayed later as an event is a duplicate. No record, no answer: 503,
    // and the sender asks again.
    const answered = async (reason: string, answer: ImmediateAnswer) => {
      if (dedupe) {
        try {
          await dedupe.recordAnswered(recordKey, claimToken, now());
        } catch (error) {
          return dedupeUnavailable(error);
        }
      }
      return finish(200, 'Accepted', { reason, size }, answer);
    };
    const immediate = scheme.immediateResponse?.(body, result, headers);
    if (immediate) return answered('answered_directly', immediate);
    // A verified request the sender expects settled with a call back (SNS's subscription
    // confirmation): settled, never queued; a failed call is a 5xx, so the sender asks again.
    const settling = scheme.settle?.(body, result, fetcher!);
    if (settling) {
      let answer;
      try {
        answer = await settling;
      } catch (error) {
        return finish(503, 'SecretUnavailable', { reason: 'settle_failed', size, ...errorFields(error) });
      }
      return answered('settled', answer);
    }

    // What the sender expects back for a queued delivery (Salesforce's SOAP Ack), given only once it is queued.
    const acknowledgement = scheme.acknowledge?.(result);
    // Claim, queue, complete (dedupe.ts): one claim decides, nothing is queued without it, and the 200
    // comes only after the send.
    if (dedupe) {
      let claim;
      try {
        claim = await dedupe.claim(recordKey, claimToken, now());
      } catch (error) {
        return dedupeUnavailable(error);
      }
      if (claim.state === 'duplicate') return finish(200, 'Duplicate', { reason: 'duplicate', ...audit }, acknowledgement);
      // Another delivery of this event holds the claim: retryable (a 4xx would end SNS's retries), and
      // a duplicate once that one has completed.
      if (claim.state === 'in_progress') return finish(503, 'InProgress', { reason: 'in_progress', ...audit });
    }
    // A body above the inline limit is claim-checked: its exact bytes go to the bucket first, and the
    // message (attributes as for any other, bodyEncoding "s3") says where they are.
    const inline = size > INLINE_BODY_BYTES ? undefined : sqsBody(body);
    const attributes: Record<string, MessageAttributeValue> = {
      source: text(config.source),
      receivedAt: text(receivedAt),
      payloadSha256: text(payloadSha256),
      dedupeKey: text(dedupeKey),
      contentType: text(mediaType),
      bodyEncoding: text(inline?.encoding ?? 's3'),
      requestId: text(requestId),
      // What the consumer may take the body for: every byte signed, some of it, or none.
      bodyBinding: text(result.bodyBinding),
    };
    addMetadata(attributes, result.metadata);
    let messageId: string | undefined;
    let step = 'body_store';
    try {
      const messageBody = inline?.text ?? (await claimCheck(deps.s3!, config.bodyBucket!, `${config.source}/${receivedAt.slice(0, 10).replace(/-/g, '/')}/${randomUUID()}`, body));
      step = 'enqueue';
      const sent = await deps.sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: messageBody, MessageAttributes: attributes }));
      messageId = sent.MessageId;
    } catch (error) {
      // Not acknowledged: the claim is given up, so the sender's retry is queued; if that fails too,
      // the retry waits for the claim's lock to run out. A body already stored stays until the
      // bucket's lifecycle expires it: the verifier cannot delete (nor overwrite) a stored body.
      const released = dedupe ? await dedupe.release(recordKey, claimToken).then(() => true, () => false) : true;
      return finish(503, 'EnqueueFailed', { reason: `${step}_failed${released ? '' : '_claim_held'}`, ...audit, ...errorFields(error) });
    }
    if (dedupe) {
      try {
        // Another delivery took the claim over after its lock ran out: it may queue a second copy.
        if ((await dedupe.complete(recordKey, claimToken, messageId)) === 'claim_lost') return finish(200, 'Accepted', { ...audit, error: 'dedupe_claim_lost' }, acknowledgement);
      } catch (error) {
        // Queued, so acknowledged. The claim stays IN_PROGRESS: retries get 503 until its lock runs
        // out, and the first after that is queued again (the documented second copy).
        const { error: name, errorCode } = errorFields(error);
        return finish(200, 'Accepted', { ...audit, error: `dedupe_complete_failed:${name}`, errorCode }, acknowledgement);
      }
    }
    return finish(200, 'Accepted', audit, acknowledgement);
  };
}

/**
 * The message body as the queue carries it, unchanged from before binary bodies: the body's text
 * when it is valid UTF-8 that SQS can carry (`utf8`), else its bytes in base64 (`base64`).
 */
export function sqsBody(body: string | Buffer): { text: string; encoding: 'utf8' | 'base64' } {
  const asText = typeof body === 'string' ? body : isUtf8(body) ? body.toString('utf8') : undefined;
  if (asText !== undefined && !SQS_UNSAFE.test(asText)) return { text: asText, encoding: 'utf8' };
  return { text: Buffer.from(body).toString('base64'), encoding: 'base64' };
}

/**
 * Claim-check: the body's exact bytes (a text body as UTF-8) written to the claim-check bucket under
 * `key` (`<source>/<yyyy>/<mm>/<dd>/<uuid>`, the day it was received, UTC), never over another object
 * (If-None-Match) and checked by S3 against their SHA-256; returns the message body that points at
 * them: `{"bucket","key","size","sha256"}`, the SHA-256 in hex.
 */
async function claimCheck(s3: S3Client, bucket: string, key: string, body: string | Buffer): Promise<string> {
  const bytes = Buffer.from(body);
  const digest = createHash('sha256').update(bytes).digest();
  // Required here, not imported: only a source that claim-checks loads the S3 client's module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PutObjectCommand } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ChecksumSHA256: digest.toString('base64'), IfNoneMatch: '*' }));
  return JSON.stringify({ bucket, key, size: bytes.length, sha256: digest.toString('hex') });
}

/**
 * The sender's metadata as message attributes, named as the runtime names them (`signed.<name>`
 * when the signature covers the value, `unsigned.<name>` when not). SQS carries at most 10
 * attributes; when the metadata does not fit in what is left, all but the last free slot go as their
 * own attributes, in the order the scheme declares them, and the rest together as one JSON object in
 * a `metadata` attribute. Nothing is dropped.
 */
export function addMetadata(attributes: Record<string, MessageAttributeValue>, metadata: Readonly<Record<string, string>>): void {
  const names = Object.keys(metadata);
  const free = MAX_ATTRIBUTES - Object.keys(attributes).length;
  const own = names.length <= free ? names.length : free - 1;
  for (let i = 0; i < own; i++) attributes[names[i]] = text(metadata[names[i]]);
  if (own === names.length) return;
  const rest: Record<string, string> = {};
  for (let i = own; i < names.length; i++) rest[names[i]] = metadata[names[i]];
  attributes.metadata = text(JSON.stringify(rest));
}

function text(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** The keys that verify now, read from Secrets Manager (AWSCURRENT, and AWSPREVIOUS for imported keys). */
async function loadKeys(secrets: SecretsManagerClient, secretId: string, config: VerifierConfig, nowMs: number): Promise<{ keys: KeyString[]; doc: KeySetDocument; versionId?: string }> {
  const current = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!current.SecretString) throw new Error('The signing secret has no string value');
  const versionId = current.VersionId;
  if (config.keySource !== 'imported') {
    const doc = parseKeySet(current.SecretString);
    return { keys: activeKeyStrings(doc, nowMs), doc, versionId };
  }
  const doc = parseImportedSecret(current.SecretString);
  const keys = activeKeyStrings(doc, nowMs);
  const notAfterMs = (current.CreatedDate?.getTime() ?? nowMs) + (config.graceMs ?? 0);
  if (doc.revokePrevious || notAfterMs <= nowMs) return { keys, doc, versionId };
  try {
    const previous = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' }));
    if (previous.SecretString) keys.push({ key: parseImportedSecret(previous.SecretString).current, notAfterMs });
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  return { keys, doc, versionId };
}

/** The current credential a published-key sender's key endpoint needs (Plaid's API secret). */
function credentialOf(keys: readonly ActiveKey[]): string | undefined {
  const current = keys[0]?.key;
  return Buffer.isBuffer(current) ? current.toString('utf8') : undefined;
}

interface Extra {
  reason?: string;
  eventId?: string;
  unsignedEventId?: string;
  unsignedEventType?: string;
  payloadSha256?: string;
  size?: number;
  error?: string;
  errorCode?: string;
  /** The 503's Retry-After, in seconds, where it is known better than the default. */
  retryAfterSeconds?: number;
}

function respond(status: number, requestId: string, answer?: ImmediateAnswer | object, retryAfterSeconds = 5): APIGatewayProxyResult {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (status === 503) headers['retry-after'] = String(retryAfterSeconds);
  if (isAnswer(answer)) {
    const own: Record<string, string> = { ...headers, 'content-type': answer.contentType ?? 'application/json' };
    // A handshake's own headers (Asana's X-Hook-Secret echo) never replace or double the verifier's,
    // whatever their case.
    const extra: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers ?? {})) if (!(name.toLowerCase() in own)) extra[name.toLowerCase()] = value;
    return { statusCode: status, headers: { ...extra, ...own }, body: answer.body };
  }
  const body = status === 200 ? { received: true, ...answer, requestId } : { error: STATUS_TEXT[status], requestId };
  return { statusCode: status, headers, body: JSON.stringify(body) };
}

function isAnswer(answer: unknown): answer is ImmediateAnswer {
  return answer instanceof Object && typeof (answer as ImmediateAnswer).body === 'string';
}

/**
 * The URL a URL-signing sender signed (Square, HubSpot, Twilio): the route's public URL exactly as
 * configured at synth (custom domain, base path and any query included), never rebuilt from the
 * request. These senders sign the URL and what follows it with no separator (Square: URL + body;
 * HubSpot: method + URL + body; Twilio: URL + sorted parameters), so a query taken from the request
 * would let bytes move between the query and the body under one signature; and HubSpot decodes
 * `%3F` and other escapes before signing, so differently spelt queries would verify alike. A request
 * whose query differs from the configured one is refused (null; answered 400): parameters compared
 * name by name and value by value, as API Gateway decodes them (as URLSearchParams does, `+` a
 * space). The only parameters a request may add are those the sender appends itself
 * (`addedQueryParameters`: Twilio's `bodySHA256`), each at most once, appended as the sender appends
 * them.
 */
function signedUrl(configured: string, event: APIGatewayProxyEvent, added: readonly string[] = []): string | null {
  const queryAt = configured.indexOf('?');
  const expected = new URLSearchParams(queryAt < 0 ? '' : configured.slice(queryAt + 1));
  const sent = event.multiValueQueryStringParameters ?? {};
  let url = configured;
  for (const name of new Set([...expected.keys(), ...Object.keys(sent)])) {
    // Own properties only: a name like `constructor` must not read Object.prototype's.
    const values = (Object.hasOwn(sent, name) ? sent[name] : undefined) ?? [];
    if (!expected.has(name) && added.includes(name)) {
      if (values.length > 1) return null;
      if (values.length === 1) url += `${url.includes('?') ? '&' : '?'}${encodeURIComponent(name)}=${encodeURIComponent(values[0])}`;
      continue;
    }
    const want = expected.getAll(name);
    if (values.length !== want.length || values.some((value, i) => value !== want[i])) return null;
  }
  return url;
}

// What an error code looks like (ECONNREFUSED, ThrottlingException, ERR_SOCKET_TIMEOUT): anything
// else is not logged, because it could carry request data.
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * The error's class name and code (`ECONNREFUSED` for a refused connection, whose name is just
 * "Error"), never its message: messages can echo request data.
 */
export function errorFields(error: unknown): { error: string; errorCode?: string } {
  // Read as plain properties, not through instanceof: errors from another realm (a socket error
  // surfacing through the SDK) are errors all the same.
  const { name, code, Code } = (error !== null && typeof error === 'object' ? error : {}) as { name?: unknown; code?: unknown; Code?: unknown };
  const safeName = typeof name === 'string' && ERROR_CODE.test(name) ? name : 'UnknownError';
  const raw = code ?? Code;
  return typeof raw === 'string' && ERROR_CODE.test(raw) && raw !== safeName ? { error: safeName, errorCode: raw } : { error: safeName };
}
