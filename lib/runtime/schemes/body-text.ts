/*
 * How every scheme that parses the body (form fields, JSON) reads it as text: one decoder, so that
 * no scheme reads a body one way while its consumer reads it another. Senders that post text post
 * UTF-8 (JSON is UTF-8 by RFC 8259; none in the catalogue documents another charset for a form), so
 * the body is read as strict UTF-8 and a body with no exact reading is refused, never repaired:
 * - bytes that are not UTF-8 are not replaced (U+FFFD) or read as Latin-1: either makes two byte
 *   strings one text (Twilio's raw 0xE9 would read as the `é` it signed as `%C3%A9`, while a consumer
 *   reads U+FFFD);
 * - a BOM is kept as U+FEFF, not stripped: `JSON.parse` refuses it and `URLSearchParams` keeps it in
 *   the first name, as a consumer's own parse does.
 */

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// In a `u` expression a surrogate pair is one code point: this matches only a lone surrogate.
export const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The body as the text a consumer reads from it, or undefined when it has no one exact reading:
 * bytes that are not UTF-8, or a string holding a lone surrogate (which UTF-8, and so every
 * signature over the string, encodes as U+FFFD). A BOM is kept.
 */
export function bodyText(body: string | Uint8Array): string | undefined {
  if (typeof body === 'string') return LONE_SURROGATE.test(body) ? undefined : body;
  try {
    return UTF8.decode(body);
  } catch {
    return undefined;
  }
}
