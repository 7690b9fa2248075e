import { createPrivateKey, KeyObject, randomUUID, sign as signBytes, verify as verifyBytes, X509Certificate } from 'node:crypto';
import { ActiveKey, AppleAppStoreSchemeConfig, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { accepted, isEventId, rejected, SignedContent } from '../common';
import { base64url, jsonObject, keyFits } from '../jws';
import { Scheme, SchemeDescription, SignInput } from '../scheme';
import { bodyText } from '../body-text';
import { parseObjectStrict } from '../strict-json';

/*
 * Apple App Store Server Notifications V2.
 * https://developer.apple.com/documentation/appstoreservernotifications/responsebodyv2
 * https://developer.apple.com/documentation/appstoreservernotifications/jwsdecodedheader
 * The body is `{"signedPayload":"<JWS>"}`; the JWS is ES256, its `x5c` header the chain leaf,
 * intermediate, root (base64 DER). Checked as Apple's own library checks it
 * (apple/app-store-server-library-node, `SignedDataVerifier`, without its online OCSP checks):
 * - the chain has exactly three certificates; the intermediate is issued and signed by the pinned
 *   Apple Root CA - G3 (shipped here, pinned by its bytes and SHA-256 fingerprint), the leaf by the
 *   intermediate; the intermediate is a CA, the leaf carries Apple's receipt-signing OID
 *   1.2.840.113635.100.6.11.1 and the intermediate the WWDR OID 1.2.840.113635.100.6.2.1;
 * - every certificate is valid at the payload's signed `signedDate` (Apple's library checks at
 *   `signedDate` when it makes no online check);
 * - the JWS verifies with the leaf's P-256 key, `alg` pinned to ES256 (never read from the token);
 * - the app: `bundleId`, `environment` (and, in Production, `appAppleId`, required there as Apple's own verifier requires it) read
 *   where Apple's library reads them (`data`, `summary`, `externalPurchaseToken`, `appData`).
 * What is decided here beyond Apple's words:
 * - The third certificate must be the pinned root itself (Apple's library ignores it): a chain
 *   naming another root is refused, not repaired.
 * - The body must be exactly `{"signedPayload":"<JWS>"}` as Apple posts it (compact JSON, one key,
 *   no escapes): then every byte of it is fixed by the signed JWS (`bodyBinding: signed`); any other
 *   spelling (whitespace, `\u` escapes, a second key) is refused rather than read.
 * - `signedDate` is required, and is the signed timestamp: 7 days by default, since Apple retries a
 *   notification it could not deliver 1, 12, 24, 48 and 72 hours after each attempt (157 hours in all,
 *   https://developer.apple.com/documentation/appstoreservernotifications/responding-to-app-store-server-notifications)
 *   with the same `notificationUUID`, the dedupe key.
 * - No secret: the pinned root is the trust anchor (`trustAnchor`); `verify` ignores its keys.
 */

/** Apple Root CA - G3, from https://www.apple.com/certificateauthority/AppleRootCA-G3.cer. */
export const APPLE_ROOT_CA_G3 = `-----BEGIN CERTIFICATE-----
MIICQzCCAcmgAwIBAgIILcX8iNLFS5UwCgYIKoZIzj0EAwMwZzEbMBkGA1UEAwwS
QXBwbGUgUm9vdCBDQSAtIEczMSYwJAYDVQQLDB1BcHBsZSBDZXJ0aWZpY2F0aW9u
IEF1dGhvcml0eTETMBEGA1UECgwKQXBwbGUgSW5jLjELMAkGA1UEBhMCVVMwHhcN
MTQwNDMwMTgxOTA2WhcNMzkwNDMwMTgxOTA2WjBnMRswGQYDVQQDDBJBcHBsZSBS
b290IENBIC0gRzMxJjAkBgNVBAsMHUFwcGxlIENlcnRpZmljYXRpb24gQXV0aG9y
aXR5MRMwEQYDVQQKDApBcHBsZSBJbmMuMQswCQYDVQQGEwJVUzB2MBAGByqGSM49
AgEGBSuBBAAiA2IABJjpLz1AcqTtkyJygRMc3RCV8cWjTnHcFBbZDuWmBSp3ZHtf
TjjTuxxEtX/1H7YyYl3J6YRbTzBPEVoA/VhYDKX1DyxNB0cTddqXl5dvMVztK517
IDvYuVTZXpmkOlEKMaNCMEAwHQYDVR0OBBYEFLuw3qFYM4iapIqZ3r6966/ayySr
MA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMDA2gA
MGUCMQCD6cHEFl4aXTQY2e3v9GwOAEZLuN+yRhHFD/3meoyhpmvOwgPUnPWTxnS4
at+qIxUCMG1mihDK1A3UT82NQz60imOlM27jbdoXt2QfyFMm+YhidDkLF1vLUagM
6BgD56KyKA==
-----END CERTIFICATE-----
`;
/** Its SHA-256 fingerprint as Apple's PKI page publishes it: checked whenever the root is loaded. */
export const APPLE_ROOT_CA_G3_SHA256 = '63:34:3A:BF:B8:9A:6A:03:EB:B5:7E:9B:3F:5F:A7:BE:7C:4F:5C:75:6F:30:17:B3:A8:C4:88:C3:65:3E:91:79';

export const APPLE_TOLERANCE_SECONDS = 7 * 24 * 3600;
// DER of the extension ids Apple's library requires: the leaf's (receipt signing) and the intermediate's (WWDR).
const LEAF_OID = Buffer.from('060a2a864886f76364060b01', 'hex');
const INTERMEDIATE_OID = Buffer.from('060a2a864886f76364060201', 'hex');
const PREFIX = '{"signedPayload":"';
const SUFFIX = '"}';
// A JWS with a three-certificate chain is about 5 KB; Apple's payloads (nested signed transaction and
// renewal JWS) stay well under 64 KiB.
const MAX_BODY = 65_536;
const MAX_CERT = 4096;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// Header parameters that demand extensions, point at other keys or belong to JWE: refused.
const REFUSED = ['crit', 'jku', 'jwk', 'x5u', 'b64', 'zip', 'enc'];
const ENVIRONMENTS = ['Production', 'Sandbox'];
const BUNDLE_ID = /^[A-Za-z0-9.-]{1,155}$/;

let pinnedRoot: X509Certificate | undefined;

/** The shipped root, checked against its published fingerprint once. */
function appleRoot(): X509Certificate {
  if (!pinnedRoot) {
    const root = new X509Certificate(APPLE_ROOT_CA_G3);
    if (root.fingerprint256 !== APPLE_ROOT_CA_G3_SHA256) throw new Error('the shipped Apple Root CA - G3 does not match its fingerprint');
    pinnedRoot = root;
  }
  return pinnedRoot;
}

export class AppleAppStoreScheme implements Scheme {
  readonly requiredHeaders: readonly string[] = [];
  readonly signatureHeaders: readonly string[] = [];
  readonly contentTypes = ['application/json'];
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds = APPLE_TOLERANCE_SECONDS;
  readonly signsUrl = false;
  readonly issuesKey = true;
  readonly trustAnchor = 'Apple Root CA - G3 (pinned; SHA-256 63:34:3A:…:91:79)';
  readonly keyless = 'pinned root';
  private readonly bundleId: string;
  private readonly environment: string;
  private readonly appAppleId: number | undefined;
  private readonly root: X509Certificate;
  private readonly signed = new SignedContent(0, 0);

  /**
   * @param root the trust anchor, PEM: Apple Root CA - G3 unless a test gives its own (never
   * reachable from a configuration)
   */
  constructor(config: AppleAppStoreSchemeConfig, root?: string) {
    const { bundleId, environment = 'Production', appAppleId } = (config ?? {}) as Partial<AppleAppStoreSchemeConfig>;
    if (typeof bundleId !== 'string' || !BUNDLE_ID.test(bundleId)) throw new WebhookConfigurationError(`apple-app-store bundleId ${JSON.stringify(bundleId)} must be the app's bundle identifier (com.example.app)`);
    if (!ENVIRONMENTS.includes(environment)) throw new WebhookConfigurationError(`apple-app-store environment ${JSON.stringify(environment)} must be 'Production' or 'Sandbox'`);
    if (appAppleId !== undefined && !(Number.isSafeInteger(appAppleId) && appAppleId > 0)) throw new WebhookConfigurationError(`apple-app-store appAppleId ${JSON.stringify(appAppleId)} must be the app's Apple ID (a positive integer)`);
    // As Apple's SignedDataVerifier: in Production every notification's app must be this app by its Apple ID too.
    if (environment === 'Production' && appAppleId === undefined) throw new WebhookConfigurationError("apple-app-store in Production needs appAppleId: the app's Apple ID (App Store Connect, App Information), which Apple's own verifier requires in Production");
    this.bundleId = bundleId;
    this.environment = environment;
    this.appAppleId = appAppleId;
    this.root = root === undefined ? appleRoot() : new X509Certificate(root);
  }

  decodeKey(): Buffer {
    throw new WebhookConfigurationError('apple-app-store has no key: notifications chain to Apple Root CA - G3, pinned in the package');
  }

  generateKey(): string {
    throw new WebhookConfigurationError('apple-app-store has no key: notifications chain to Apple Root CA - G3, pinned in the package');
  }

  verify(request: WebhookRequest, _keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const problem = this.check(request.body);
    if (problem) return rejected(problem);
    return accepted(this.signed, request.body, nowMs, toleranceSeconds, this.root.publicKey);
  }

  /** Fills `signed` from a notification that verifies, or says why it does not. */
  private check(body: string | Uint8Array): RejectionReason | undefined {
    if (body.length > MAX_BODY) return 'malformed_body';
    const text = bodyText(body);
    if (text === undefined || !text.startsWith(PREFIX) || !text.endsWith(SUFFIX)) return 'malformed_body';
    const token = text.slice(PREFIX.length, text.length - SUFFIX.length);
    const parts = token.split('.');
    if (parts.length !== 3) return 'malformed_body';
    const [headerBytes, payloadBytes, signature] = parts.map(base64url);
    if (!headerBytes || !payloadBytes || !signature || signature.length !== 64) return 'malformed_header';
    const header = jsonObject(headerBytes);
    const payload = jsonObject(payloadBytes);
    if (!header || !payload) return 'malformed_header';
    if (header.alg !== 'ES256' || (header.typ !== undefined && header.typ !== 'JWT') || REFUSED.some((name) => name in header)) return 'malformed_header';
    const chain = certificates(header.x5c);
    if (!chain) return 'malformed_header';
    const [leaf, intermediate, root] = chain;
    const signedDate = payload.signedDate;
    if (typeof signedDate !== 'number' || !Number.isSafeInteger(signedDate) || signedDate <= 0) return 'malformed_timestamp';
    if (!root.raw.equals(this.root.raw)) return 'signature_invalid';
    if (!(intermediate.checkIssued(root) && intermediate.verify(root.publicKey) && intermediate.ca)) return 'signature_invalid';
    if (!(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey) && !leaf.ca)) return 'signature_invalid';
    if (!hasExtension(leaf.raw, LEAF_OID) || !hasExtension(intermediate.raw, INTERMEDIATE_OID)) return 'signature_invalid';
    if (!chain.every((certificate) => validAt(certificate, signedDate))) return 'signature_invalid';
    const key = leaf.publicKey;
    if (!keyFits(key, 'ES256')) return 'signature_invalid';
    const input = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
    if (!verifyBytes('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)) return 'signature_invalid';
    // Signed by Apple: now what it says.
    const { notificationUUID, notificationType, subtype } = payload;
    if (typeof notificationUUID !== 'string' || !isEventId(notificationUUID)) return 'malformed_body';
    if (typeof notificationType !== 'string' || !isEventId(notificationType) || (subtype !== undefined && (typeof subtype !== 'string' || !isEventId(subtype)))) return 'malformed_body';
    if (!this.forThisApp(payload)) return 'not_allowed';
    const signed = this.signed.reset();
    signed.bodyBinding = 'signed';
    signed.timestamp = signedDate / 1000;
    signed.eventId = notificationUUID;
    signed.metadata = { 'signed.eventType': notificationType, ...(subtype !== undefined ? { 'signed.subtype': subtype as string } : {}) };
    return undefined;
  }

  /** Whether the signed payload names this app and environment, read where Apple's library reads them. */
  private forThisApp(payload: Record<string, unknown>): boolean {
    const { data, summary, externalPurchaseToken, appData } = payload as Record<string, Record<string, unknown> | undefined>;
    const found = [data, summary, externalPurchaseToken, appData].filter((part) => part !== undefined);
    if (found.length !== 1 || found[0] === null || typeof found[0] !== 'object' || Array.isArray(found[0])) return false;
    const app = found[0];
    const environment =
      app === externalPurchaseToken ? (typeof app.externalPurchaseId === 'string' && app.externalPurchaseId.startsWith('SANDBOX') ? 'Sandbox' : 'Production') : app.environment;
    if (app.bundleId !== this.bundleId || environment !== this.environment) return false;
    return this.appAppleId === undefined || this.environment !== 'Production' || app.appAppleId === this.appAppleId;
  }

  /**
   * A notification as the App Store would post it, signed with a chain of the caller's (tests and
   * the CLI: it verifies only against a scheme given that chain's root). The secret is JSON
   * `{"privateKey": "<PKCS#8 PEM of the leaf>", "x5c": ["<leaf>", "<intermediate>", "<root>"]}`
   * (base64 DER). `input.body` is the decoded payload, a JSON object: its `notificationUUID` is
   * `input.id` (default a random UUID), its `signedDate` `input.timestamp`, and its `data` names
   * this source's app and environment.
   */
  signDelivery(input: SignInput, secret: string): { headers: Record<string, string>; body: string } {
    const usage = 'to sign as apple-app-store, give {"privateKey": "<PKCS#8 PEM>", "x5c": ["<leaf>", "<intermediate>", "<root>"]}';
    let parsed: { privateKey?: unknown; x5c?: unknown };
    try {
      parsed = JSON.parse(secret) as typeof parsed;
    } catch {
      throw new WebhookConfigurationError(usage);
    }
    if (!Array.isArray(parsed?.x5c) || parsed.x5c.length !== 3 || !parsed.x5c.every((c) => typeof c === 'string')) throw new WebhookConfigurationError(usage);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(String(parsed.privateKey));
    } catch {
      throw new WebhookConfigurationError('privateKey must be an EC P-256 private key in PEM');
    }
    const text = typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8');
    const given = parseObjectStrict(text);
    if (!given) throw new WebhookConfigurationError('the body to sign as apple-app-store is the decoded payload: a JSON object');
    const data = given.data !== null && typeof given.data === 'object' && !Array.isArray(given.data) ? given.data : {};
    const payload = {
      notificationType: 'TEST',
      version: '2.0',
      ...given,
      notificationUUID: input.id ?? randomUUID(),
      signedDate: Math.round((input.timestamp ?? Date.now() / 1000) * 1000),
      data: { ...data, bundleId: this.bundleId, environment: this.environment, ...(this.appAppleId !== undefined ? { appAppleId: this.appAppleId } : {}) },
    };
    const signingInput = `${Buffer.from(JSON.stringify({ alg: 'ES256', x5c: parsed.x5c })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const signature = signBytes('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return { headers: { 'content-type': 'application/json' }, body: `${PREFIX}${signingInput}.${signature}${SUFFIX}` };
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    return this.signDelivery(input, secret).headers;
  }

  describe(): SchemeDescription {
    return {
      signature: 'in the body: `{"signedPayload":"<JWS>"}`, ES256 with an `x5c` chain (leaf, intermediate, root) to the pinned Apple Root CA - G3, Apple\'s OIDs on leaf and intermediate, every certificate valid at `signedDate`; only the configured `bundleId` and environment',
      replay: 'signed `signedDate`, 7 days (Apple retries for 157 hours); dedupe record',
      dedupe: 'signed `notificationUUID`',
      metadata: ['signed.eventId', 'signed.eventType', 'signed.subtype'],
    };
  }
}

/** The `x5c` header: exactly three canonical base64 DER certificates; undefined otherwise. */
function certificates(x5c: unknown): [X509Certificate, X509Certificate, X509Certificate] | undefined {
  if (!Array.isArray(x5c) || x5c.length !== 3) return undefined;
  const out: X509Certificate[] = [];
  for (const entry of x5c) {
    if (typeof entry !== 'string' || entry.length > MAX_CERT || !BASE64.test(entry)) return undefined;
    const der = Buffer.from(entry, 'base64');
    if (der.toString('base64') !== entry) return undefined;
    try {
      const certificate = new X509Certificate(der);
      // Parsed as DER, and nothing after it: the bytes are the certificate.
      if (!certificate.raw.equals(der)) return undefined;
      out.push(certificate);
    } catch {
      return undefined;
    }
  }
  return out as [X509Certificate, X509Certificate, X509Certificate];
}

/** Whether `certificate` is valid at `ms`; a date that does not parse is not. */
function validAt(certificate: X509Certificate, ms: number): boolean {
  return Date.parse(certificate.validFrom) <= ms && ms <= Date.parse(certificate.validTo);
}

/** One DER element at `at` within `end`: its tag and where its content starts and ends; undefined when malformed. */
function element(der: Buffer, at: number, end: number): { tag: number; start: number; end: number } | undefined {
  if (at + 2 > end) return undefined;
  const tag = der[at];
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 3 || start + bytes > end) return undefined;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
    start += bytes;
  }
  return start + length <= end ? { tag, start, end: start + length } : undefined;
}

/**
 * Whether the certificate's extensions (tbsCertificate's `[3]`) hold one whose `extnID` is `oid`
 * (its DER, tag and length included). Walks the DER rather than searching its bytes, so the id is
 * found only where it is an extension's id.
 */
function hasExtension(der: Buffer, oid: Buffer): boolean {
  const certificate = element(der, 0, der.length);
  const tbs = certificate && element(der, certificate.start, certificate.end);
  if (!tbs) return false;
  for (let at = tbs.start; at < tbs.end; ) {
    const field = element(der, at, tbs.end);
    if (!field) return false;
    if (field.tag === 0xa3) {
      const list = element(der, field.start, field.end);
      if (!list) return false;
      for (let e = list.start; e < list.end; ) {
        const extension = element(der, e, list.end);
        if (!extension) return false;
        const id = element(der, extension.start, extension.end);
        if (id && id.tag === 0x06 && der.subarray(extension.start, id.end).equals(oid)) return true;
        e = extension.end;
      }
      return false;
    }
    at = field.end;
  }
  return false;
}

