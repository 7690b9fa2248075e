import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface GatewayRequest {
  readonly request: IncomingMessage;
  readonly body: Buffer;
  /** The request's path, without its query string. */
  readonly path: string;
  /** The raw query string, without `?` (empty when there is none). */
  readonly query: string;
  /** The API resource the route is, e.g. `/webhooks/billing`. */
  readonly resource: string;
  readonly requestId: string;
  readonly receivedAt: number;
}

/**
 * The event API Gateway's Lambda proxy integration hands the verifier, for a REST API whose binary
 * media types are `*\/*` (as the construct's): every non-empty body base64-encoded with
 * `isBase64Encoded: true` (none: `null`, `false`), headers under the names the client sent, repeated
 * ones all in `multiValueHeaders` and the last in `headers`, query parameters URL-decoded the same two
 * ways (`null` when there are none), the request id and the client's address in `requestContext`.
 */
export function gatewayEvent({ request, body, path, query, resource, requestId, receivedAt }: GatewayRequest): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  // rawHeaders keeps the client's spelling and every repeat; `request.headers` would lower-case the
  // names and join repeats into one comma-separated value, hiding a duplicated signature header.
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const [name, value] = [request.rawHeaders[i], request.rawHeaders[i + 1]];
    (multiValueHeaders[name] ??= []).push(value);
    headers[name] = value;
  }
  const params = queryParameters(query);
  const host = request.headers.host ?? '127.0.0.1';
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const method = request.method ?? 'GET';
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: params && Object.fromEntries(Object.entries(params).map(([name, values]) => [name, values[values.length - 1]])),
    multiValueQueryStringParameters: params,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: undefined,
      domainName: host.replace(/:\d+$/, ''),
      domainPrefix: host.split('.')[0].replace(/:\d+$/, ''),
      extendedRequestId: requestId,
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent: request.headers['user-agent'] ?? null,
        userArn: null,
      },
      path,
      protocol: `HTTP/${request.httpVersion}`,
      requestId,
      requestTime: requestTime(receivedAt),
      requestTimeEpoch: receivedAt,
      resourceId: 'local',
      resourcePath: resource,
      stage: 'local',
    },
    body: body.length > 0 ? body.toString('base64') : null,
    isBase64Encoded: body.length > 0,
  };
}

/**
 * `a=1&b=x%20y&a=2&flag` → `{ a: ['1', '2'], b: ['x y'], flag: [''] }`; null when there is none.
 * Percent-escapes are decoded once (a malformed one is kept as sent); `+` stays `+`.
 */
export function queryParameters(query: string): Record<string, string[]> | null {
  const params: Record<string, string[]> = {};
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    (params[name] ??= []).push(eq < 0 ? '' : decode(pair.slice(eq + 1)));
  }
  return Object.keys(params).length > 0 ? params : null;
}

// As API Gateway decodes a query parameter: `+` is a space, then percent-escapes
// (https://github.com/aws/aws-cdk/issues/19827 shows `sort=-+createdAt` arriving as "- createdAt").
function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime`: `22/Nov/2026:12:00:00 +0000`. */
function requestTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}
