import type { SignedUrlStage } from './context';

/**
 * An optional stage of the request checks (request.ts), carried by the bundles of URL-signing senders.
 *
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
export const signedUrl: SignedUrlStage = (configured, event, added = []) => {
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
};
