import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Outcome } from '../../../runtime/metrics-contract';
import type { KeyFetcher, PublishedKeyCache, PublishedKeyCacheOptions, PublishedKeySource } from '../../../runtime/published-keys';
import type { ImmediateAnswer, Scheme } from '../../../runtime/schemes/scheme';
import type { ActiveKey, HeaderInput, RejectionReason, VerifiedWebhook, WebhookRequest } from '../../../runtime/types';
import type { KeyCache } from '../../shared/key-cache';
import type { LineWriter } from '../../shared/telemetry';
import type { VerifierConfig } from '../config';
import type { DedupeClaims } from '../dedupe';

/*
 * What the verifier's stages share. A stage is a plain function of the source (`Verifier`) and the
 * request (`Delivery`) that either gives the request's answer (an `Answered`, through `finish`: the
 * pipeline stops there) or hands the next stage what it made; `isAnswered` tells which.
 */

/** The verifier's clients and clock, and what its family's bundle gives it for published keys. */
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
    /** The published-key stage (stages/published-keys.ts), given here so that only those bundles carry its code. */
    readonly keys: PublishedKeysStage;
  };
  readonly now?: () => number;
  readonly write?: LineWriter;
}

/** One source's verifier, built once per container (verifierPipeline) and shared by every request. */
export interface Verifier {
  readonly config: VerifierConfig;
  readonly deps: VerifierDeps;
  readonly scheme: Scheme;
  readonly now: () => number;
  /** Whether the source's secret is read (not for a keyless sender, nor one whose keys are all published). */
  readonly usesSecret: boolean;
  /** The largest body taken: the source's cap, or the inline limit when it has no claim-check bucket. */
  readonly maxBodyBytes: number;
  /** The keys in the source's secret (keys.ts). */
  readonly cache: Pick<KeyCache, 'get' | 'refreshAfterMiss'>;
  /** For a sender that publishes its keys: the one key a request names, fetched and cached. */
  readonly published?: Pick<PublishedKeyCache, 'keysFor'>;
  /** Undefined when duplicate detection is off. */
  readonly dedupe?: Pick<DedupeClaims, 'claim' | 'recordAnswered' | 'complete' | 'release'>;
  /** The optional stages this bundle carries (undefined: none of its senders needs it). */
  readonly getHandshake?: GetHandshakeStage;
  readonly unsignedHandshakes?: UnsignedHandshakesStage;
  readonly signedUrl?: SignedUrlStage;
  readonly settleWithCall?: SettleWithCallStage;
  /** The verify token kept beside the key (Meta's), refreshed with the keys: read by GET handshakes. */
  verifyToken?: string;
  /** The signing secret's version that awaits its key (Notion), while it does: it names the one capture allowed. */
  awaitingVersion?: string;
  /**
   * The awaiting version whose capture this container knows to stand (it made it, or Secrets Manager
   * refused one): later captures for it are refused here, with no call, because PutSecretValue's rate
   * quota is the account's and an unauthenticated flood would otherwise spend it.
   */
  capturedVersion?: string;
}

/** The request's answer to API Gateway. */
export type Answered = APIGatewayProxyResult;

/** Writes the request's one audit line (and its metric) and gives its answer: every stage ends a request through it. */
export type Finish = (status: number, outcome: Outcome, extra?: Extra, answer?: ImmediateAnswer) => Answered;

/** One request, as read by receive(). */
export interface Delivery {
  readonly event: APIGatewayProxyEvent;
  readonly requestId: string;
  readonly receivedAt: string;
  readonly sourceIp?: string;
  /** Upper case; POST when API Gateway gives none. */
  readonly method: string;
  readonly headers: HeaderInput;
  /** The exact bytes the sender signed (a text body as its UTF-8 bytes); '' for none. */
  readonly body: string | Buffer;
  readonly size: number;
  readonly finish: Finish;
}

/** What the audit line carries beyond the status and outcome. */
export interface Extra {
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

/** A request that passed the request checks: what is verified, and the media type it was sent as. */
export interface Signed {
  readonly request: WebhookRequest;
  readonly mediaType: string;
}

/** A verified request, as the stages after verification take it. */
export interface Verified {
  readonly result: VerifiedWebhook;
  readonly mediaType: string;
  /** What every later audit line carries: the ids, the body's hash and size. */
  readonly audit: Extra;
  /** The dedupe record's key, `<source>#<dedupeKey>`. */
  readonly recordKey: string;
  /**
   * This invocation's claim (dedupe.ts): random, never the request id, which a replayed or test
   * event can repeat and so pass another delivery's claim off as its own.
   */
  readonly claimToken: string;
  /** What the sender expects back for an accepted delivery (Salesforce's SOAP Ack), where it expects more than the JSON. */
  readonly acknowledgement?: ImmediateAnswer;
}

/**
 * Stages only some senders need, each carried by the bundles of the families that have such senders
 * (./entries), so that the others carry none of their code; a scheme that needs one fails at start-up
 * in a bundle without it.
 */
export interface OptionalStages {
  /** A sender's endpoint-verification GET (Meta's verify token, Dropbox's challenge): handshakes.ts. */
  readonly getHandshake?: GetHandshakeStage;
  /** Unsigned handshakes: a URL check (WooCommerce, Graph) or a key handed over unsigned (Notion, Asana). handshakes.ts. */
  readonly unsignedHandshakes?: UnsignedHandshakesStage;
  /** The public URL a URL-signing sender signed (Square, HubSpot, Twilio, a generic template with {url}). signed-url.ts. */
  readonly signedUrl?: SignedUrlStage;
  /** A verified request settled with a call back instead of queued (SNS's subscription confirmation): settle-with-call.ts. */
  readonly settleWithCall?: SettleWithCallStage;
}

/** The answer to a sender's endpoint-verification GET. */
export type GetHandshakeStage = (v: Verifier, d: Delivery) => Promise<Answered>;

/** The answer to an unsigned handshake, or undefined for a request that is none. */
export type UnsignedHandshakesStage = (v: Verifier, d: Delivery) => Promise<Answered | undefined>;

/** The answer to a verified request settled with a call back, or undefined for one to queue. */
export type SettleWithCallStage = (v: Verifier, d: Delivery, verified: Verified) => Promise<Answered | undefined>;

/** The URL a URL-signing sender signed, or null when the request's query differs from the configured URL's. */
export type SignedUrlStage = (configured: string, event: Pick<APIGatewayProxyEvent, 'multiValueQueryStringParameters'>, added?: readonly string[]) => string | null;

/** The keys a request to a published-key sender is verified with (`keys`: its secret's, the credential), or its answer. */
export type PublishedKeysStage = (v: Verifier, d: Delivery, request: WebhookRequest, keys: readonly ActiveKey[]) => Promise<Answered | readonly ActiveKey[]>;

/** Whether a stage gave the request's answer (the pipeline stops) rather than its product. */
export function isAnswered<T extends object>(step: T | Answered): step is Answered {
  return 'statusCode' in step;
}

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

/** The answer to a request the scheme rejected: 400 for a malformed one, 401 for a bad signature. */
export function refuse(d: Delivery, reason: RejectionReason, size?: number): Answered {
  return d.finish(REJECTIONS[reason].status, REJECTIONS[reason].outcome, { reason, size });
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
