import { headerValue } from '../../../runtime/headers';
import type { Answered, Delivery, Signed, Verifier } from './context';

/*
 * The request checks: what is refused before a signature is looked at. The method and size
 * come first (before the keys are read); the media type, the body and the signed URL's query after
 * the unsigned handshakes (handshakes.ts), which each check exactly what they answer.
 */

/**
 * GET and HEAD are a sender's endpoint checks, answered only where the scheme has that handshake;
 * any other method but POST is refused (405). Undefined for a POST.
 */
export function checkMethod(v: Verifier, d: Delivery): Promise<Answered> | Answered | undefined {
  const { handshake } = v.scheme;
  const { method, finish } = d;
  if (method === 'GET' && handshake?.get) return v.getHandshake!(v, d);
  // A sender that checks the URL with HEAD before creating its webhook (Trello): 200, nothing else.
  if (method === 'HEAD' && handshake?.head) return finish(200, 'Accepted', { reason: 'answered_head' }, { body: '', contentType: 'text/plain' });
  if (method !== 'POST') return finish(405, 'Malformed', { reason: 'method_not_allowed' });
  return undefined;
}

/** A body above the source's cap: 413, before anything is read. Undefined when it fits. */
export function checkSize(v: Verifier, d: Delivery): Answered | undefined {
  return d.size > v.maxBodyBytes ? d.finish(413, 'Malformed', { reason: 'body_too_large', size: d.size }) : undefined;
}

/**
 * A media type the sender uses (415 otherwise), a body (400), and for a URL-signing scheme the query
 * the configured URL has (400, signed-url.ts): what is then verified.
 */
export function checkContent(v: Verifier, d: Delivery): Answered | Signed {
  const { scheme, config } = v;
  const { headers, body, size, method, finish } = d;
  const contentType = headerValue(headers, 'content-type');
  const mediaType = typeof contentType === 'string' ? contentType.split(';', 1)[0].trim().toLowerCase() : undefined;
  if (!mediaType || !scheme.contentTypes.includes(mediaType)) return finish(415, 'Malformed', { reason: 'unsupported_media_type' });
  if (size === 0) return finish(400, 'Malformed', { reason: 'empty_body' });
  const url = scheme.signsUrl ? v.signedUrl!(config.publicUrl!, d.event, scheme.addedQueryParameters) : undefined;
  if (url === null) return finish(400, 'Malformed', { reason: 'query_mismatch', size });
  return { request: { headers, body, url, method }, mediaType };
}
