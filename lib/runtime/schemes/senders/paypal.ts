import { KeyObject, randomUUID, sign as signBytes, verify as verifyBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { HeaderValue } from '../../headers';
import { KeyFetcher, keyReference, PublishedKey, PublishedKeySource, refusedReference } from '../../published-keys';
import { ActiveKey, PayPalSchemeConfig, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { accepted, readHeaders, rejected, SignedContent } from '../common';
import { bodyText } from '../body-text';
import { parseObjectStrict } from '../strict-json';
import { Scheme, SchemeDescription, SignInput } from '../scheme';
import { certificateSigningSecret, fetchSigningCertificate } from '../x509';
import { DEFAULT_TOLERANCE_SECONDS } from '../tolerance';

/*
 * PayPal webhooks.
 * https://developer.paypal.com/api/rest/webhooks/rest/#link-selfverificationmethod
 *
 * `PAYPAL-TRANSMISSION-SIG` (base64) is SHA256withRSA over
 * `<PAYPAL-TRANSMISSION-ID>|<PAYPAL-TRANSMISSION-TIME>|<webhook id>|<CRC32 of the raw body, unsigned decimal>`,
 * verified with the certificate at `PAYPAL-CERT-URL`, fetched only from PayPal's API host
 * (api.paypal.com / api-m.paypal.com live, api.sandbox.paypal.com / api-m.sandbox.paypal.com
 * sandbox) under /v1/notifications/certs/, valid now and issued to PayPal's message-verification host
 * of the environment: PayPal's Java SDK (SSLUtil.validateCertificateChain) accepts only a subject CN
 * `messageverificationcerts…paypal.com`, and the sandbox certificate its tests carry is issued to
 * `messageverificationcerts.sandbox.paypal.com` (CN and DNS name). As for SNS, the TLS certificate of
 * the pinned host vouches for the file; the subject check refuses files that are plainly not PayPal's.
 * `PAYPAL-AUTH-ALGO` must be SHA256withRSA. What is decided here:
 * - The body is bound only through CRC32, which is not collision resistant: anyone can make another
 *   body with a chosen CRC32 (four free bytes suffice), so whoever captures a delivery can write a
 *   body of their own with the captured body's CRC32, and it verifies under the captured signature
 *   inside the window. Keying duplicates on a hash of the raw body would let that forgery through as
 *   a new event; they key on the signed transmission id instead, so the forgery is a duplicate of the
 *   delivery it was made from (it gets through only by arriving before it). The body's `id` and
 *   `event_type` travel as unsigned metadata for the same reason. describe() says so in docs/senders.md.
 * - PayPal documents no window for the transmission time: the library's 5 minutes apply.
 * - The webhook id and transmission id are checked against PayPal's documented forms
 *   (verify-webhook-signature: webhook_id `^[a-zA-Z0-9]+$`, at most 50; transmission_id at most 50).
 */

const HOSTS = { live: ['api.paypal.com', 'api-m.paypal.com'], sandbox: ['api.sandbox.paypal.com', 'api-m.sandbox.paypal.com'] } as const;
const CERT_SUBJECT = { live: 'messageverificationcerts.paypal.com', sandbox: 'messageverificationcerts.sandbox.paypal.com' } as const;
const CERT_PATH = /^\/v1\/notifications\/certs\/CERT-[A-Za-z0-9-]{1,128}$/;
const TRANSMISSION_ID = /^[A-Za-z0-9_-]{1,50}$/;
const WEBHOOK_ID = /^[A-Za-z0-9]{1,50}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|([+-])(\d{2}):(\d{2}))$/;
const HEADERS = ['paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo'];

const CRC32_MISSING = 'PayPal signs a CRC32 of the body: node:zlib crc32 needs Node.js 20.15 / 22.2 or later';

function zlibCrc32(): ((data: Uint8Array) => number) | undefined {
  const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  return typeof crc32 === 'function' ? crc32 : undefined;
}

/** The CRC32 of `body` as PayPal signs it: node:zlib's crc32 (Node ≥ 20.15 / 22.2), unsigned decimal. */
export function crc32Decimal(body: string | Uint8Array): string {
  const crc32 = zlibCrc32();
  if (!crc32) throw new WebhookConfigurationError(CRC32_MISSING);
  return String(crc32(typeof body === 'string' ? Buffer.from(body, 'utf8') : body) >>> 0);
}

export class PayPalScheme implements Scheme {
  readonly requiredHeaders = HEADERS;
  readonly signatureHeaders = ['paypal-transmission-sig'];
  readonly contentTypes = ['application/json'];
  // CRC32 binds the body, and anyone can make another body with the same CRC32.
  readonly bodyBinding = 'partial';
  readonly defaultToleranceSeconds = DEFAULT_TOLERANCE_SECONDS;
  readonly signsUrl = false;
  readonly issuesKey = true;
  readonly published: PublishedKeySource;
  private readonly webhookId: string;
  private readonly environment: 'live' | 'sandbox';
  private readonly values: HeaderValue[] = [];
  private readonly signed = new SignedContent(0, 0);

  constructor(config: PayPalSchemeConfig) {
    const problems: string[] = [];
    const { webhookId, environment = 'live' } = (config ?? {}) as { webhookId?: unknown; environment?: unknown };
    if (typeof webhookId !== 'string' || !WEBHOOK_ID.test(webhookId)) problems.push(`paypal webhookId ${JSON.stringify(webhookId)} is not a PayPal webhook id: give the id the app's webhook settings show (letters and digits, at most 50)`);
    if (environment !== 'live' && environment !== 'sandbox') problems.push(`paypal environment ${JSON.stringify(environment)} must be 'live' or 'sandbox'`);
    // Refused here rather than at the first delivery: a verifier that cannot check a body must not start.
    if (!zlibCrc32()) problems.push(CRC32_MISSING);
    if (problems.length > 0) throw new WebhookConfigurationError(problems.join('; '));
    this.webhookId = webhookId as string;
    this.environment = environment as 'live' | 'sandbox';
    this.published = {
      needsCredential: false,
      reference: (request) => {
        const problem = readHeaders(request.headers, HEADERS, HEADERS.length, this.values);
        if (problem) return refusedReference(problem);
        return this.pinned(this.values[3] as string) ? keyReference(this.values[3] as string) : refusedReference('malformed_header');
      },
      load: (reference, fetch, nowMs) => this.loadCertificate(reference, fetch, nowMs),
    };
  }

  decodeKey(): Buffer {
    throw new WebhookConfigurationError('paypal has no key of yours: its certificates are fetched from PayPal (KeySource.PUBLISHED)');
  }

  generateKey(): string {
    throw new WebhookConfigurationError('paypal has no key of yours: its certificates are fetched from PayPal (KeySource.PUBLISHED)');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const problem = readHeaders(request.headers, HEADERS, HEADERS.length, this.values);
    if (problem) return rejected(problem);
    const [id, time, sig, certUrl, algo] = this.values as string[];
    if (algo !== 'SHA256withRSA' || !TRANSMISSION_ID.test(id) || !this.pinned(certUrl)) return rejected('malformed_header');
    const timeMs = isoTimeMs(time);
    if (timeMs === undefined) return rejected('malformed_timestamp');
    const signature = /^[A-Za-z0-9+/]{1,1400}={0,2}$/.test(sig) ? Buffer.from(sig, 'base64') : undefined;
    if (!signature || signature.toString('base64') !== sig) return rejected('malformed_header');
    const key = keys.find((k) => k.key instanceof KeyObject && k.key.asymmetricKeyType === 'rsa' && k.notAfterMs > nowMs)?.key as KeyObject | undefined;
    if (!key) return rejected('no_active_key');
    const message = `${id}|${time}|${this.webhookId}|${crc32Decimal(request.body)}`;
    if (!verifyBytes('sha256', Buffer.from(message, 'utf8'), key, signature)) return rejected('signature_invalid');
    const signed = this.signed.reset();
    signed.timestamp = timeMs / 1000;
    signed.bodyBinding = this.bodyBinding;
    // Signed; what duplicates key on (see above: the body is bound only through CRC32).
    signed.eventId = id;
    // PayPal posts UTF-8 JSON: a body with no exact reading is refused, not read one way here.
    const text = bodyText(request.body);
    if (text === undefined) return rejected('malformed_body');
    const { eventId, eventType } = bodyIds(text);
    signed.unsignedEventId = eventId;
    signed.unsignedEventType = eventType;
    return accepted(signed, request.body, nowMs, toleranceSeconds, key);
  }

  /**
   * The headers PayPal would send. The secret is JSON: `{"privateKey": "<PKCS#8 PEM>", "certUrl":
   * "https://api.paypal.com/v1/notifications/certs/CERT-..."}` (tests and the CLI: the certificate must
   * be served at that URL to verify).
   */
  sign(input: SignInput, secret: string): Record<string, string> {
    const hosts = HOSTS[this.environment].join(' or ');
    const { privateKey, certUrl } = certificateSigningSecret(secret, 'PayPal', (url) => this.pinned(url) !== undefined, `https://${hosts}/v1/notifications/certs/CERT-...`);
    const id = input.id ?? randomUUID();
    const time = new Date((input.timestamp ?? Date.now() / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const sig = signBytes('sha256', Buffer.from(`${id}|${time}|${this.webhookId}|${crc32Decimal(input.body)}`, 'utf8'), privateKey).toString('base64');
    return {
      'content-type': 'application/json',
      'paypal-transmission-id': id,
      'paypal-transmission-time': time,
      'paypal-transmission-sig': sig,
      'paypal-cert-url': certUrl,
      'paypal-auth-algo': 'SHA256withRSA',
    };
  }

  describe(): SchemeDescription {
    return {
      signature: '`PAYPAL-TRANSMISSION-SIG`, SHA256withRSA over transmission id `|` time `|` webhook id `|` CRC32 of the body, with the certificate at `PAYPAL-CERT-URL` (PayPal\'s API host only, cached); the body is bound only by CRC32',
      replay: 'signed transmission time (ISO 8601), 5 min; dedupe record',
      dedupe: 'signed `PAYPAL-TRANSMISSION-ID`',
      metadata: ['signed.eventId', 'unsigned.eventId', 'unsigned.eventType'],
    };
  }

  /** A certificate URL exactly on PayPal's API host of this environment. */
  private pinned(text: string): URL | undefined {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    const hosts: readonly string[] = HOSTS[this.environment];
    if (url.protocol !== 'https:' || url.username || url.password || url.port || url.search || url.hash || !hosts.includes(url.hostname)) return undefined;
    return CERT_PATH.test(url.pathname) && text === `https://${url.hostname}${url.pathname}` ? url : undefined;
  }

  private loadCertificate(url: string, fetch: KeyFetcher, nowMs: number): Promise<ReadonlyMap<string, PublishedKey>> {
    if (!this.pinned(url)) return Promise.reject(new Error('the certificate URL is not on PayPal\'s API host'));
    return fetchSigningCertificate(url, fetch, nowMs, [CERT_SUBJECT[this.environment]], 'PayPal\'s message-verification');
  }
}

/**
 * An RFC 3339 date-time (what PayPal sends: `2019-08-29T10:49:33Z`) in epoch ms, or undefined for
 * anything else, a date that does not exist (`Date.parse` reads 30 February as 2 March) included.
 */
function isoTimeMs(text: string): number | undefined {
  const match = ISO_TIME.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  const offsetMinutes = match[3] ? (match[3] === '-' ? -1 : 1) * (Number(match[4]) * 60 + Number(match[5])) : 0;
  // Written back in the sender's offset, the time must read as sent: every field in its range.
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19) === text.slice(0, 19) ? ms : undefined;
}

/** The body's `id` and `event_type`, when it is a JSON object (each key once) carrying them as short strings. */
function bodyIds(text: string): { eventId?: string; eventType?: string } {
  const parsed = parseObjectStrict(text);
  const ok = (v: unknown) => (typeof v === 'string' && /^[\x21-\x7e]{1,256}$/.test(v) ? v : undefined);
  return parsed ? { eventId: ok(parsed.id), eventType: ok(parsed.event_type) } : {};
}
