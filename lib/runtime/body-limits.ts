/**
 * How large a webhook body can be, and how it travels. Pure numbers, shared by the constructs (which
 * refuse a `maxBodySize` above LARGEST_BODY_BYTES and create the claim-check bucket above
 * INLINE_BODY_BYTES) and the verifier (which queues a body inline up to INLINE_BODY_BYTES and by
 * claim-check above).
 */

/**
 * Lambda's limit on a synchronous invocation's request payload (the event JSON API Gateway sends):
 * 6 MB, which Lambda counts as 6 MiB ("Request must be smaller than 6291456 bytes for the
 * InvokeFunction operation"). A REST API takes bodies up to 10 MB, so Lambda's limit is the one that binds.
 */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * A bound on everything in the proxy event besides the base64 body. API Gateway (REST) takes a
 * request line and headers of at most 10,240 bytes together, and each of those bytes appears in the
 * event at most three times (every header in `headers` and in `multiValueHeaders`, User-Agent a third
 * time in `requestContext.identity`; the query in `queryStringParameters` and its multi-value twin;
 * the path in `path` and `requestContext.path`): 30,720 bytes, each at most 6 bytes once JSON-escaped
 * (`\u00XX`), 184,320. Each header or parameter (at least 4 bytes of the request, so at most 2,560 of
 * them) adds at most 14 bytes of JSON around it in the two maps (`"n":"v",` and `"n":["v"],`): 35,840.
 * The rest (requestContext's ids, account, stage, domain, protocol, times; resource,
 * pathParameters, isBase64Encoded) is about 2 KB; 16 KiB is allowed. 236,544 in all, within the 256 KiB
 * chosen. The body itself is base64, whose characters JSON carries unescaped.
 */
export const EVENT_OVERHEAD_BYTES = 256 * 1024;

/**
 * The largest body a source may accept (`maxBodySize`): the most whose base64 form (4 bytes per 3,
 * rounded up) fits in Lambda's payload with EVENT_OVERHEAD_BYTES to spare.
 * 3 × floor((6,291,456 − 262,144) / 4) = 4,521,984 bytes (4,416 KiB, about 4.3 MiB). A body above
 * a source's maxBodySize is answered 413 by its verifier before any other work; one so large that the
 * event exceeds Lambda's limit (about 4.5 MiB and up) never reaches the verifier: Lambda refuses the
 * invocation and API Gateway answers 5xx.
 */
export const LARGEST_BODY_BYTES = 3 * Math.floor((LAMBDA_SYNC_PAYLOAD_BYTES - EVENT_OVERHEAD_BYTES) / 4);

/**
 * The largest body queued inline, in the message itself: 700 KiB, whose base64 form (955,734 bytes)
 * leaves room for the message attributes within SQS's 1 MiB (1,048,576 bytes, body and attributes
 * together). A larger body is written to the endpoint's claim-check bucket and the message carries
 * its location, size and SHA-256.
 */
export const INLINE_BODY_BYTES = 700 * 1024;

/**
 * A regular expression (WAF's regex syntax, and JavaScript's) matching exactly the decimal integers
 * greater than `limit`, leading zeros allowed: for WAF to answer 413 to a Content-Length no verifier
 * could ever be invoked with. Longer numbers are greater; of those as long as the limit, the greater
 * ones share its first i digits and have a greater digit next.
 */
export function greaterThanPattern(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`greaterThanPattern needs a whole number ≥ 0, not ${limit}`);
  const digits = String(limit);
  const branches = [`[1-9][0-9]{${digits.length},}`];
  for (let i = 0; i < digits.length; i++) {
    const next = Number(digits[i]) + 1;
    if (next > 9) continue;
    const rest = digits.length - i - 1;
    branches.push(`${digits.slice(0, i)}[${next}-9]${rest > 0 ? `[0-9]{${rest}}` : ''}`);
  }
  return `^0*(?:${branches.join('|')})$`;
}
