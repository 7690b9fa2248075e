import { createHash, timingSafeEqual } from 'node:crypto';
import { bodyText } from './body-text';
import { GetRequest } from './scheme';
import { parseObjectStrict } from './strict-json';
import { singleHeader } from './sender';

export { singleHeader };

/*
 * What the senders' handshakes (in ./senders/) share. A handshake is how a sender checks an endpoint
 * before it delivers to it. Each is answered synchronously, only after whatever the sender signs has
 * verified (or, for an unsigned GET, only when the verify token matches, or when echoing the challenge
 * is all the sender asks), and never queued.
 */

// A challenge we echo: the characters senders use (base64url, hex, digits), nothing that could turn
// an echo into markup or a header.
export const CHALLENGE = /^[A-Za-z0-9._~+/=-]{1,512}$/;
const MAX_HANDSHAKE_BODY = 4096;

/**
 * A small JSON body that mentions `marker`, parsed; anything else undefined (never throws). Read by
 * bodyText and parseObjectStrict, as its consumer would read it: a body with a BOM, bytes that are
 * not UTF-8 or a key twice is not a handshake.
 */
export function smallJson(body: string | Uint8Array, marker: string): Record<string, unknown> | undefined {
  if (body.length > MAX_HANDSHAKE_BODY) return undefined;
  const raw = bodyText(body);
  return raw === undefined || !raw.includes(marker) ? undefined : parseObjectStrict(raw);
}

/** One value of a query parameter; a repeated one is ambiguous and reads as undefined. */
export function single(query: GetRequest['query'], name: string): string | undefined {
  const values = query[name];
  return values && values.length === 1 ? values[0] : undefined;
}

/** Equal strings, compared in constant time over their SHA-256 (so lengths may differ). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
