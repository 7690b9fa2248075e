import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ImmediateAnswer } from '../../../runtime/schemes/scheme';
import type { Telemetry } from '../../shared/telemetry';
import type { Answered, Delivery } from './context';

const STATUS_TEXT: Record<number, string> = {
  200: 'Received',
  400: 'Bad request',
  401: 'Unauthorized',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  500: 'Internal error',
  503: 'Service unavailable; retry later',
};

/**
 * The parse stage: the request as the other stages read it, and its `finish`, which writes the one
 * audit line (latency measured from here) and gives the answer.
 */
export function receive(event: APIGatewayProxyEvent, telemetry: Pick<Telemetry, 'record'>, now: () => number): Delivery {
  const started = now();
  const receivedAt = new Date(started).toISOString();
  const requestId = event.requestContext?.requestId ?? randomUUID();
  const sourceIp = event.requestContext?.identity?.sourceIp;
  // With binary media type */* on the API, every body arrives base64-encoded: the exact bytes the
  // sender signed, which is what is verified. (A text body, from a test or another integration, is
  // taken as its UTF-8 bytes.) API Gateway passes an empty body as null. Only a POST's body is read:
  // any other method is answered by the method check (request.ts) without it.
  const method = (event.httpMethod ?? 'POST').toUpperCase();
  const body: string | Buffer = !event.body || method !== 'POST' ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  return {
    event,
    requestId,
    receivedAt,
    sourceIp,
    method,
    headers: event.multiValueHeaders ?? event.headers ?? {},
    body,
    size: typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length,
    finish: (status, outcome, extra = {}, answer) => {
      telemetry.record({ requestId, outcome, status, sourceIp, latencyMs: now() - started, ...extra });
      return respond(status, requestId, answer ?? (extra.reason === 'duplicate' ? { duplicate: true } : undefined), extra.retryAfterSeconds);
    },
  };
}

/**
 * The answer API Gateway gives: the scheme's own (a handshake's, an acknowledgement) where there is
 * one, else `{received: true, requestId}` or `{error, requestId}` as JSON; never cached, never sniffed;
 * a 503 says when to retry.
 */
export function respond(status: number, requestId: string, answer?: ImmediateAnswer | object, retryAfterSeconds = 5): Answered {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (status === 503) headers['retry-after'] = String(retryAfterSeconds);
  if (isImmediateAnswer(answer)) {
    const own: Record<string, string> = { ...headers, 'content-type': answer.contentType ?? 'application/json' };
    // A handshake's own headers (Asana's X-Hook-Secret echo) never replace or double the verifier's,
    // whatever their case.
    const extra: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers ?? {})) if (!(name.toLowerCase() in own)) extra[name.toLowerCase()] = value;
    return { statusCode: status, headers: { ...extra, ...own }, body: answer.body };
  }
  const body = status === 200 ? { received: true, ...answer, requestId } : { error: STATUS_TEXT[status], requestId };
  return { statusCode: status, headers, body: JSON.stringify(body) };
}

function isImmediateAnswer(answer: unknown): answer is ImmediateAnswer {
  return answer instanceof Object && typeof (answer as ImmediateAnswer).body === 'string';
}
