import type { APIGatewayProxyEvent } from 'aws-lambda';

/** An API Gateway REST proxy event as the verifier receives it. */
export function apiEvent(options: {
  body: string | null;
  headers: Record<string, string | string[]>;
  isBase64Encoded?: boolean;
  requestId?: string;
  httpMethod?: string;
  query?: Record<string, string[]>;
  sourceIp?: string;
}): APIGatewayProxyEvent {
  const multiValueHeaders: Record<string, string[]> = {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers)) {
    const values = Array.isArray(value) ? value : [value];
    multiValueHeaders[name] = values;
    headers[name] = values[values.length - 1];
  }
  return {
    body: options.body,
    headers,
    multiValueHeaders,
    httpMethod: options.httpMethod ?? 'POST',
    isBase64Encoded: options.isBase64Encoded ?? false,
    path: '/webhooks/billing',
    pathParameters: null,
    queryStringParameters: options.query ? Object.fromEntries(Object.entries(options.query).map(([k, v]) => [k, v[v.length - 1]])) : null,
    multiValueQueryStringParameters: options.query ?? null,
    stageVariables: null,
    resource: '/webhooks/billing',
    requestContext: {
      requestId: options.requestId ?? 'req-123',
      identity: { sourceIp: options.sourceIp ?? '203.0.113.7' },
    } as APIGatewayProxyEvent['requestContext'],
  };
}
