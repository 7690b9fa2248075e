import { createHash } from 'node:crypto';

/**
 * The signing secret's value in Secrets Manager: the current key plus earlier keys that stay valid
 * until their not-after time (the rotation grace window).
 *
 * ```json
 * { "current": "whsec_...", "previous": [{ "key": "whsec_...", "notAfter": "2026-11-23T17:00:00.000Z" }] }
 * ```
 */
export interface KeySetDocument {
  readonly current: string;
  readonly previous?: readonly PreviousKey[];
  /**
   * For imported (provider-issued) keys: the key this version replaced must stop verifying now,
   * instead of after the grace window (emergency revoke).
   */
  readonly revokePrevious?: boolean;
  /**
   * A token the sender echoes when it verifies the endpoint (Meta's Verify Token), kept beside the key
   * because it is a secret too. It verifies no signature.
   */
  readonly verifyToken?: string;
  /**
   * Set in a new secret whose sender hands its key over in an unsigned handshake (Notion): while it
   * is true, the verifier keeps the first such handshake in the source's capture secret (never in this
   * one, which it cannot write). Putting the key (any document without it) ends that.
   */
  readonly awaitingKey?: boolean;
}

/**
 * What the verifier keeps of an unsigned handshake (Notion's verification token) in the source's
 * capture secret: the token, and when, from where and in which request it came, for an operator to
 * check before putting the token as the key.
 */
export interface CapturedHandshake {
  readonly token: string;
  /** ISO-8601 instant the verifier received it. */
  readonly capturedAt: string;
  /** The address API Gateway saw the request come from (undefined when it gave none). */
  readonly sourceIp?: string;
  /** API Gateway's request id, also in the verifier's audit line of that request. */
  readonly requestId: string;
  /** The version of the signing secret that was awaiting its key: one capture per such version. */
  readonly keyVersion: string;
}

/**
 * The ClientRequestToken of the one capture allowed while the signing secret's version `keyVersion`
 * awaits its key. Secrets Manager creates at most one secret version per token and refuses a second
 * value under it (ResourceExistsException), so the first capture stands and later ones create nothing.
 * UUID-shaped (Secrets Manager takes 32-64 characters), derived so every verifier container agrees.
 */
export function captureRequestToken(keyVersion: string): string {
  const h = createHash('sha256').update(`captured-handshake:${keyVersion}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The capture secret's value: a {@link CapturedHandshake}, or undefined for the value it is created
 * with (`{}`, nothing captured yet). Throws InvalidKeySetError for anything else; the message never
 * contains the value.
 */
export function parseCapturedHandshake(secretString: string): CapturedHandshake | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(secretString);
  } catch {
    throw new InvalidKeySetError('the captured handshake is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidKeySetError('the captured handshake is not a JSON object');
  if (Object.keys(doc).length === 0) return undefined;
  const { token, capturedAt, sourceIp, requestId, keyVersion } = doc as Record<string, unknown>;
  const text = (value: unknown) => typeof value === 'string' && value.length > 0;
  if (!text(token) || !text(requestId) || !text(keyVersion) || (sourceIp !== undefined && !text(sourceIp))) {
    throw new InvalidKeySetError('the captured handshake needs non-empty "token", "requestId" and "keyVersion" (and "sourceIp", when given)');
  }
  if (typeof capturedAt !== 'string' || Number.isNaN(Date.parse(capturedAt))) throw new InvalidKeySetError('the captured handshake\'s "capturedAt" must be an ISO-8601 instant');
  return { token: token as string, capturedAt, ...(sourceIp === undefined ? {} : { sourceIp: sourceIp as string }), requestId: requestId as string, keyVersion: keyVersion as string };
}

export interface PreviousKey {
  readonly key: string;
  /** ISO-8601 instant after which the key no longer verifies anything. */
  readonly notAfter: string;
}

/** Thrown when a secret value is not a key set. The message never contains the value. */
export class InvalidKeySetError extends Error {
  constructor(problem: string) {
    super(`The signing secret is not a valid key set: ${problem}`);
    this.name = 'InvalidKeySetError';
  }
}

export function parseKeySet(secretString: string): KeySetDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(secretString);
  } catch {
    throw new InvalidKeySetError('it is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidKeySetError('it is not a JSON object');
  const { current, previous, revokePrevious, verifyToken, awaitingKey } = doc as Record<string, unknown>;
  if (typeof current !== 'string' || current.length === 0) throw new InvalidKeySetError('"current" must be a non-empty string');
  if (revokePrevious !== undefined && typeof revokePrevious !== 'boolean') throw new InvalidKeySetError('"revokePrevious" must be true or false');
  if (verifyToken !== undefined && (typeof verifyToken !== 'string' || verifyToken.length === 0)) throw new InvalidKeySetError('"verifyToken" must be a non-empty string');
  const token = { ...(verifyToken === undefined ? {} : { verifyToken: verifyToken as string }), ...(awaitingKey === true ? { awaitingKey: true } : {}) };
  if (previous === undefined) return revokePrevious ? { current, revokePrevious, ...token } : { current, ...token };
  if (!Array.isArray(previous)) throw new InvalidKeySetError('"previous" must be an array');
  const checked = previous.map((entry, i) => {
    const { key, notAfter } = (entry ?? {}) as Record<string, unknown>;
    if (typeof key !== 'string' || key.length === 0) throw new InvalidKeySetError(`previous[${i}].key must be a non-empty string`);
    if (typeof notAfter !== 'string' || Number.isNaN(Date.parse(notAfter))) {
      throw new InvalidKeySetError(`previous[${i}].notAfter must be an ISO-8601 instant`);
    }
    return { key, notAfter };
  });
  return revokePrevious ? { current, previous: checked, revokePrevious, ...token } : { current, previous: checked, ...token };
}

/**
 * An imported (provider-issued) secret: the key set document, or, for convenience, just the key as
 * the provider shows it (`put-secret-value --secret-string whsec_...`).
 */
export function parseImportedSecret(secretString: string): KeySetDocument {
  const trimmed = secretString.trim();
  if (trimmed.startsWith('{')) return parseKeySet(trimmed);
  if (trimmed.length === 0) throw new InvalidKeySetError('it is empty');
  return { current: trimmed };
}

/** The keys that verify at `nowMs`, current first, each with its not-after time (current: never). */
export function activeKeyStrings(doc: KeySetDocument, nowMs: number): { key: string; notAfterMs: number }[] {
  const keys = [{ key: doc.current, notAfterMs: Number.POSITIVE_INFINITY }];
  for (const p of doc.previous ?? []) {
    const notAfterMs = Date.parse(p.notAfter);
    if (notAfterMs > nowMs) keys.push({ key: p.key, notAfterMs });
  }
  return keys;
}

/**
 * The key set after a rotation to `newKey`: the old current key stays valid for `graceMs`
 * (0 revokes it at once), earlier keys keep their own not-after, expired keys are pruned.
 */
export function rotateKeySet(doc: KeySetDocument, newKey: string, nowMs: number, graceMs: number): KeySetDocument {
  const previous: PreviousKey[] = [];
  if (graceMs > 0) previous.push({ key: doc.current, notAfter: new Date(nowMs + graceMs).toISOString() });
  for (const p of doc.previous ?? []) {
    const notAfterMs = Date.parse(p.notAfter);
    // A revoke (grace 0) ends every earlier key too: the point is that nothing old verifies any more.
    if (graceMs > 0 && notAfterMs > nowMs && p.key !== newKey) previous.push(p);
  }
  return doc.verifyToken === undefined ? { current: newKey, previous } : { current: newKey, previous, verifyToken: doc.verifyToken };
}
