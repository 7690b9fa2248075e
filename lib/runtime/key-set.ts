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
   * is true, the verifier keeps what that handshake carries under {@link CAPTURED_STAGE}. Putting the
   * key (any document without it) ends that, so nobody can fill the secret's versions afterwards.
   */
  readonly awaitingKey?: boolean;
}

/** The staging label under which an unsigned handshake's captured value (Notion's token) is kept. */
export const CAPTURED_STAGE = 'HANDSHAKE_CAPTURED';

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
