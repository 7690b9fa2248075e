import { createHash, KeyObject, randomUUID, sign as signBytes, verify as verifyBytes } from 'node:crypto';
import { HeaderValue } from '../../headers';
import { KeyFetcher, keyReference, PublishedKeySource, refusedReference } from '../../published-keys';
import { ActiveKey, RejectionReason, SnsSchemeConfig, VerifiedWebhook, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { accepted, readHeaders, rejected, SignedContent } from '../common';
import { ImmediateAnswer, Scheme, SchemeDescription, SignInput } from '../scheme';
import { parseObjectStrict, spelledAsRead } from '../strict-json';
import { bodyText, LONE_SURROGATE } from '../body-text';
import { certificateSigningSecret, fetchSigningCertificate } from '../x509';

/*
 * AWS SNS HTTPS subscriptions.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
 *
 * The body is the JSON message SNS signs: the signature (base64; SignatureVersion 1 = SHA1withRSA,
 * 2 = SHA256withRSA) covers `name\nvalue\n` for these fields in this order, per message type:
 * - Notification: Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type;
 * - SubscriptionConfirmation and UnsubscribeConfirmation: Message, MessageId, SubscribeURL,
 *   Timestamp, Token, TopicArn, Type.
 * The certificate is fetched from `SigningCertURL`, only when that URL is exactly
 * `https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-<hex>.pem` (checked before any
 * fetch), over TLS (Node checks the host's certificate), and used only when it is valid now and
 * issued to SNS's host (AWS's certificates carry `CN=sns.amazonaws.com` and the same DNS name, as the
 * one in the AWS SDK for Ruby's verifier tests does). The TLS certificate of the pinned host is what
 * vouches for the file: the subject check only refuses a file that is plainly not SNS's, since anyone
 * can make a self-signed certificate with that subject. So the host pin is the security boundary and
 * is exact: `<region>` must look like a region (`us-east-1`, `us-gov-west-1`, `cn-north-1`), not any
 * label, because other services answer under `<name>.<label>.amazonaws.com` with a name a customer
 * chooses (`sns.s3.amazonaws.com` is where S3 serves a bucket named `sns`, under a valid TLS
 * certificate); `.com.cn` goes with `cn-` regions only. What is decided here beyond AWS's words:
 * - Only the configured topics: another topic's genuine message is `not_allowed`.
 * - The body is read strictly: a top-level key twice, a non-string field, a missing one is refused
 *   (a consumer reading one spelling and the verifier another is how a signed value is swapped).
 * - The `x-amz-sns-message-type`, `-message-id` and `-topic-arn` headers are unsigned: when present
 *   they must agree with the signed body, else the request is malformed (nothing downstream may be
 *   told one thing by a header and another by the body).
 * - Tolerance: 1 hour by default. SNS redelivers the same signed message (same Timestamp) under its
 *   delivery policy, whose total retry time for HTTP/S is at most 3,600 seconds, a hard limit
 *   (https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html); the library's
 *   5 minutes would refuse SNS's own retries of any policy longer than that. The dedupe record,
 *   keyed on the signed MessageId, stops a replay inside the window.
 * - A SubscriptionConfirmation is confirmed only for a listed topic, and only through a SubscribeURL
 *   on SNS's host whose `TopicArn` is the message's; the answers given after verify (confirming,
 *   acknowledging an UnsubscribeConfirmation) read the verified result, never state left by another
 *   request, so concurrent verifications in one process cannot swap them.
 * - Raw message delivery sends the message without its signature: it cannot be verified, and is
 *   refused (no `Signature` field).
 * - SNS does not sign `UnsubscribeURL` or `MessageAttributes`: they reach the consumer in the body as
 *   sent, so a consumer must not act on them. Duplicates key on the signed MessageId, so a captured
 *   message resent with those fields changed is a duplicate of the original.
 */

export const SNS_TOLERANCE_SECONDS = 3600;
// sns.<region>.amazonaws.com or, for cn- regions only, sns.<region>.amazonaws.com.cn.
const CERT_URL_HOST = /^sns\.([a-z]{2}(?:-[a-z]{1,12}){1,2}-\d{1,2})\.amazonaws\.com(\.cn)?$/;
const CERT_URL_PATH = /^\/SimpleNotificationService-[0-9a-f]{1,64}\.pem$/;
const TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]{1,30}:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
type MessageType = (typeof TYPES)[number];
const FIELDS: Record<MessageType, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};
// Every field some message type signs.
const SIGNED_ANYWHERE = new Set(Object.values(FIELDS).flat());
// Whether an envelope key is spelt as SNS spells it, or names none of SNS's fields even to a consumer
// that matches keys loosely (aws-lambda-go's SNSEntity through encoding/json, Json.NET, System.Text.Json
// fill `Message` from `message` or `Meſſage`, the last one winning): an unsigned key added beside a
// signed one would be read as it.
const ENVELOPE_KEY = spelledAsRead(['Message', 'MessageId', 'Subject', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type', 'Signature', 'SignatureVersion', 'SigningCertURL', 'UnsubscribeURL', 'MessageAttributes']);
// The unsigned headers SNS sends beside the body, each checked against the signed field it repeats.
const SNS_HEADERS = ['x-amz-sns-message-type', 'x-amz-sns-message-id', 'x-amz-sns-topic-arn'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
// SNS's MessageId: a UUID (SNS's own are lower-case; the case is signed, so either reads one way).
const MESSAGE_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// A line break or control character (C0, DEL, C1, U+2028/U+2029): never in a signed field but Message.
const LINE_OR_CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;
// Publish: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100
// characters long" (older revisions said ASCII).
const MAX_SUBJECT = 100;
// SNS messages are at most 256 KiB (262,144 bytes); in the JSON envelope its fields add about a
// kilobyte (a maximal message arrives as 262,792 bytes), and escaping doubles every `"`, `\` and line
// break and makes other control characters six bytes (`\u0000`). Larger is not SNS, and is refused
// before it is parsed.
const MAX_BODY = 2 * 1024 * 1024;

/** A SigningCertURL or SubscribeURL on SNS's own host, exactly as pinned; undefined for anything else. */
export function pinnedSnsUrl(text: string, kind: 'certificate' | 'subscribe'): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const host = CERT_URL_HOST.exec(url.hostname);
  if (url.protocol !== 'https:' || url.username || url.password || url.port || url.hash || !host) return undefined;
  if ((host[2] === '.cn') !== host[1].startsWith('cn-')) return undefined;
  if (kind === 'certificate') {
    if (url.search || !CERT_URL_PATH.test(url.pathname) || text !== `https://${url.hostname}${url.pathname}`) return undefined;
  } else if (url.pathname !== '/' || !once(url.searchParams, 'Action', 'ConfirmSubscription')) {
    return undefined;
  }
  return url;
}

function once(params: URLSearchParams, name: string, value: string): boolean {
  const values = params.getAll(name);
  return values.length === 1 && values[0] === value;
}

interface Message {
  readonly type: MessageType;
  readonly fields: Record<string, string>;
  readonly signature: Buffer;
  readonly algorithm: 'sha1' | 'sha256';
  readonly certUrl: string;
  readonly timestampSeconds: number;
}

export class SnsScheme implements Scheme {
  readonly requiredHeaders: readonly string[] = [];
  readonly signatureHeaders: readonly string[] = [];
  readonly contentTypes = ['text/plain', 'application/json'];
  // The signed fields are read from the body; the others (MessageAttributes, UnsubscribeURL, the
  // signature's own fields) are not signed.
  readonly bodyBinding = 'partial';
  readonly defaultToleranceSeconds = SNS_TOLERANCE_SECONDS;
  readonly largestBody = MAX_BODY;
  readonly signsUrl = false;
  readonly issuesKey = true;
  readonly published: PublishedKeySource;
  private readonly topics: ReadonlySet<string>;
  private readonly headerValues: HeaderValue[] = [];
  private readonly signed = new SignedContent(0, 0);
  // The last request parsed, so that reference() and verify() of one request parse it once. Only
  // ever read for the same request object: the answers given after verify read the verified result.
  private last?: { request: WebhookRequest; message: Message | RejectionReason };

  constructor(config: SnsSchemeConfig) {
    const arns = (config as { topicArns?: unknown } | undefined)?.topicArns;
    if (!Array.isArray(arns) || arns.length === 0) {
      throw new WebhookConfigurationError(`sns topicArns ${JSON.stringify(arns)} must be a non-empty list: the ARNs of the topics whose messages this source accepts (arn:aws:sns:<region>:<account>:<topic>)`);
    }
    const bad = arns.filter((arn) => typeof arn !== 'string' || !TOPIC_ARN.test(arn));
    if (bad.length > 0) throw new WebhookConfigurationError(`sns topicArns ${bad.map((a) => JSON.stringify(a)).join(', ')} ${bad.length === 1 ? 'is not a topic ARN' : 'are not topic ARNs'}: give each as arn:aws:sns:<region>:<account>:<topic> (arn:aws-cn:... or arn:aws-us-gov:... in those partitions)`);
    this.topics = new Set(arns as string[]);
    this.published = {
      needsCredential: false,
      reference: (request) => {
        const message = this.parse(request);
        if (typeof message === 'string') return refusedReference(message);
        // Checked before anything is fetched: else made-up topics, which need no signature, would
        // spend the cache's fetch budget and put off a configured topic's new certificate.
        return this.topics.has(message.fields.TopicArn) ? keyReference(message.certUrl) : refusedReference('not_allowed');
      },
      load: (reference, fetch, nowMs) => {
        const pinned = pinnedSnsUrl(reference, 'certificate');
        if (!pinned) return Promise.reject(new Error('the certificate URL is not on SNS\'s host'));
        // AWS's certificates are issued to sns.amazonaws.com (or the regional host that serves them).
        return fetchSigningCertificate(reference, fetch, nowMs, ['sns.amazonaws.com', pinned.hostname], 'SNS');
      },
    };
  }

  decodeKey(): Buffer {
    throw new WebhookConfigurationError('sns has no key of yours: its certificates are fetched from SNS (KeySource.PUBLISHED)');
  }

  generateKey(): string {
    throw new WebhookConfigurationError('sns has no key of yours: its certificates are fetched from SNS (KeySource.PUBLISHED)');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const message = this.parse(request);
    if (typeof message === 'string') return rejected(message);
    const key = keys.find((k) => k.key instanceof KeyObject && k.key.asymmetricKeyType === 'rsa' && k.notAfterMs > nowMs)?.key as KeyObject | undefined;
    if (!key) return rejected('no_active_key');
    if (!verifyBytes(message.algorithm, Buffer.from(canonical(message.type, message.fields), 'utf8'), key, message.signature)) return rejected('signature_invalid');
    if (!this.topics.has(message.fields.TopicArn)) return rejected('not_allowed');
    const signed = this.signed.reset();
    signed.timestamp = message.timestampSeconds;
    signed.includeBody = false;
    signed.bodyBinding = this.bodyBinding;
    // Signed, and the same on every redelivery: what duplicates key on.
    signed.eventId = message.fields.MessageId;
    signed.metadata = {
      'signed.type': message.type,
      'signed.topicArn': message.fields.TopicArn,
      ...(message.fields.Subject !== undefined ? { 'signed.subject': message.fields.Subject } : {}),
    };
    return accepted(signed, request.body, nowMs, toleranceSeconds, key);
  }

  /**
   * An UnsubscribeConfirmation is acknowledged and never queued (there is nothing to process). The
   * type is the verified result's signed one; without a result, the body's.
   */
  immediateResponse(body: string | Uint8Array, verified?: VerifiedWebhook): ImmediateAnswer | undefined {
    const type = verified ? verified.metadata['signed.type'] : strictDocument(body)?.Type;
    return type === 'UnsubscribeConfirmation' ? { body: '{"received":true}' } : undefined;
  }

  /**
   * A verified SubscriptionConfirmation (of an allowed topic: verify refused the others) is confirmed
   * by fetching its SubscribeURL, itself pinned to SNS's host and naming the message's topic; never
   * queued. `body` must be the one `verified` is the result for (its SHA-256 is compared), so the URL
   * fetched is the signed one. A rejected promise is a 5xx: SNS asks again.
   */
  settle(body: string | Uint8Array, verified: VerifiedWebhook, fetch: KeyFetcher): Promise<ImmediateAnswer> | undefined {
    if (verified.metadata['signed.type'] !== 'SubscriptionConfirmation') return undefined;
    if (createHash('sha256').update(body).digest('hex') !== verified.payloadSha256) {
      return Promise.reject(new Error('the body to settle is not the one verified'));
    }
    const doc = strictDocument(body);
    const topic = doc?.TopicArn;
    const url = typeof doc?.SubscribeURL === 'string' ? pinnedSnsUrl(doc.SubscribeURL, 'subscribe') : undefined;
    if (!url) return Promise.reject(new Error('SubscribeURL is not on SNS\'s host'));
    if (typeof topic !== 'string' || !this.topics.has(topic) || topic !== verified.metadata['signed.topicArn'] || !once(url.searchParams, 'TopicArn', topic)) {
      return Promise.reject(new Error('SubscribeURL does not confirm the message\'s allowed topic'));
    }
    return fetch({ url: url.toString() }).then((response) => {
      if (response.status !== 200) throw new Error(`ConfirmSubscription answered ${response.status}`);
      return { body: '{"confirmed":true}' };
    });
  }

  /**
   * A Notification as SNS would send it, `input.body` as its Message, signed with version 2
   * (SHA256withRSA), for tests and the CLI. The secret is JSON:
   * `{"privateKey": "<PKCS#8 PEM>", "certUrl": "https://sns.<region>.amazonaws.com/SimpleNotificationService-<hex>.pem", "topicArn"?: "<ARN>"}`;
   * the certificate must be served at `certUrl` to verify. The topic is `topicArn` when given (a
   * topic ARN, not necessarily an allowed one, to try `not_allowed`), else the first configured.
   */
  signDelivery(input: SignInput, secret: string): { headers: Record<string, string>; body: string } {
    const { privateKey, certUrl } = certificateSigningSecret(secret, 'SNS', (url) => pinnedSnsUrl(url, 'certificate') !== undefined, 'https://sns.<region>.amazonaws.com/SimpleNotificationService-<hex>.pem');
    const topicArn = (JSON.parse(secret) as { topicArn?: unknown }).topicArn ?? [...this.topics][0];
    if (typeof topicArn !== 'string' || !TOPIC_ARN.test(topicArn)) throw new WebhookConfigurationError(`topicArn ${JSON.stringify(topicArn)} is not a topic ARN (arn:aws:sns:<region>:<account>:<topic>)`);
    const text = typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8');
    const fields: Record<string, string> = {
      Type: 'Notification',
      MessageId: messageId(input.id),
      TopicArn: topicArn,
      Message: text,
      Timestamp: new Date((input.timestamp ?? Date.now() / 1000) * 1000).toISOString(),
    };
    const signature = signBytes('sha256', Buffer.from(canonical('Notification', fields), 'utf8'), privateKey).toString('base64');
    const body = JSON.stringify({ ...fields, SignatureVersion: '2', Signature: signature, SigningCertURL: certUrl });
    return { headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': fields.MessageId, 'x-amz-sns-topic-arn': fields.TopicArn }, body };
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    return this.signDelivery(input, secret).headers;
  }

  describe(): SchemeDescription {
    return {
      signature: 'in the JSON body: `Signature`, SHA1withRSA (v1) or SHA256withRSA (v2) over the message type\'s canonical fields, with the certificate at `SigningCertURL` (fetched only from `https://sns.<region>.amazonaws.com/`, cached); only the configured topics',
      replay: 'signed `Timestamp`, 1 h (SNS redelivers the same message); dedupe record',
      dedupe: 'signed `MessageId`',
      metadata: ['signed.eventId', 'signed.type', 'signed.topicArn', 'signed.subject'],
    };
  }

  private parse(request: WebhookRequest): Message | RejectionReason {
    if (this.last?.request === request) return this.last.message;
    const message = this.read(request);
    this.last = { request, message };
    return message;
  }

  private read(request: WebhookRequest): Message | RejectionReason {
    const bytes = typeof request.body === 'string' ? Buffer.byteLength(request.body) : request.body.byteLength;
    if (bytes > MAX_BODY) return 'malformed_header';
    const doc = strictDocument(request.body);
    if (!doc || !Object.keys(doc).every(ENVELOPE_KEY)) return 'malformed_body';
    const type = doc.Type;
    if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) return 'malformed_header';
    // A field another type signs (a `SubscribeURL` or `Token` beside a Notification, a `Subject` beside a
    // confirmation) would travel unsigned under a name a consumer takes for a signed one.
    if (Object.keys(doc).some((key) => SIGNED_ANYWHERE.has(key) && !FIELDS[type as MessageType].includes(key))) return 'malformed_body';
    const fields: Record<string, string> = {};
    for (const name of FIELDS[type as MessageType]) {
      const value = doc[name];
      if (value === undefined && name === 'Subject') continue;
      if (typeof value !== 'string') return value === undefined ? 'missing_header' : 'malformed_header';
      fields[name] = value;
    }
    const { Signature: signature, SignatureVersion: version, SigningCertURL: certUrl } = doc;
    if (signature === undefined || version === undefined || certUrl === undefined) return 'missing_header';
    if (typeof signature !== 'string' || typeof version !== 'string' || typeof certUrl !== 'string') return 'malformed_header';
    if (version !== '1' && version !== '2') return 'malformed_header';
    const sigBytes = /^[A-Za-z0-9+/]{1,1400}={0,2}$/.test(signature) ? Buffer.from(signature, 'base64') : undefined;
    if (!sigBytes || sigBytes.toString('base64') !== signature) return 'malformed_header';
    if (!pinnedSnsUrl(certUrl, 'certificate')) return 'malformed_header';
    if (!ISO_TIME.test(fields.Timestamp)) return 'malformed_timestamp';
    const timestampMs = Date.parse(fields.Timestamp);
    // Date.parse reads a date that does not exist (30 February) as another: written back, it must read as sent.
    if (!Number.isFinite(timestampMs) || new Date(timestampMs).toISOString().slice(0, 19) !== fields.Timestamp.slice(0, 19)) return 'malformed_timestamp';
    // SNS signs each field's UTF-8 bytes, where a lone surrogate (a JSON `\ud800`) can only be U+FFFD:
    // a genuine U+FFFD would verify as any of them, each read as another character.
    if (Object.values(fields).some((value) => LONE_SURROGATE.test(value))) return 'malformed_body';
    if (!oneSplit(fields)) return 'malformed_header';
    const problem = this.headersAgree(request, type, fields);
    if (problem) return problem;
    return { type: type as MessageType, fields, signature: sigBytes, algorithm: version === '1' ? 'sha1' : 'sha256', certUrl, timestampSeconds: timestampMs / 1000 };
  }

  /** The unsigned x-amz-sns-* headers, where sent, must say what the signed body says. */
  private headersAgree(request: WebhookRequest, type: string, fields: Record<string, string>): RejectionReason | undefined {
    const problem = readHeaders(request.headers, SNS_HEADERS, 0, this.headerValues);
    if (problem) return problem;
    const values = this.headerValues;
    if (values[0] !== undefined && values[0] !== type) return 'malformed_header';
    if (values[1] !== undefined && values[1] !== fields.MessageId) return 'malformed_header';
    if (values[2] !== undefined && values[2] !== fields.TopicArn) return 'malformed_header';
    return undefined;
  }
}

/**
 * Whether the canonical string of `fields` splits back into fields one way only. SNS separates names
 * and values with bare newlines and escapes nothing, so a Message holding
 * `\nMessageId\n<X>\nSubject\n...` would also read as a shorter Message, MessageId X and a made-up
 * Subject, under the same signature. Every field after Message is held to SNS's own rules, none of
 * which admits a newline (MessageId a UUID, Subject as Publish allows it, TopicArn an ARN, Timestamp
 * ISO 8601, Type one of three, Token and SubscribeURL without control characters); read from the
 * end, the lines then fix every field, and Message is what is left.
 */
function oneSplit(fields: Record<string, string>): boolean {
  if (!MESSAGE_ID.test(fields.MessageId) || !TOPIC_ARN.test(fields.TopicArn)) return false;
  const subject = fields.Subject;
  if (subject !== undefined && [...subject].length > MAX_SUBJECT) return false;
  for (const name of Object.keys(fields)) if (name !== 'Message' && LINE_OR_CONTROL.test(fields[name])) return false;
  return true;
}

/** The MessageId to sign: `id` when it is a UUID, as SNS's are (the verifier refuses anything else). */
function messageId(id: string | undefined): string {
  if (id === undefined) return randomUUID();
  if (!MESSAGE_ID.test(id)) throw new WebhookConfigurationError(`an SNS MessageId is a UUID, not ${JSON.stringify(id)}`);
  return id;
}

/** What SNS signs for a message of `type`: each field's name and value, one per line. */
export function canonical(type: MessageType, fields: Record<string, string>): string {
  let out = '';
  for (const name of FIELDS[type]) if (fields[name] !== undefined) out += `${name}\n${fields[name]}\n`;
  return out;
}

/**
 * The body as a JSON object read one way only (see parseObjectStrict), or undefined. Read by bodyText:
 * bytes that are not UTF-8 are refused rather than decoded with replacement characters (two bodies
 * would read as one), and a BOM is kept (so the body is not JSON, as to a consumer's JSON.parse).
 */
function strictDocument(body: string | Uint8Array): Record<string, unknown> | undefined {
  const text = bodyText(body);
  return text === undefined ? undefined : parseObjectStrict(text);
}
