import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorFields, VerifierHandler } from '../../handlers/verifier/verifier';
import { createVerifierHandler } from '../../handlers/verifier/any-sender';
import { gatewayEvent } from './gateway-event';
import { MemoryQueue, MemorySecrets, QueuedMessage } from './memory-aws';
import { MemoryDynamoDb } from './memory-dynamodb';
import { UsageError } from './command';
import { SourceSpec } from './inputs';

export interface LocalSource extends SourceSpec {
  /** The URL a URL-signing sender signs (Twilio, Square); default: the URL the request was made to. */
  readonly publicUrl?: string;
  /** Meta's verify token, kept beside the key as in the deployed secret. */
  readonly verifyToken?: string;
}

export interface LocalServerOptions {
  readonly port: number;
  readonly sources: readonly LocalSource[];
  /** One JSON line per queued message. */
  readonly onMessage: (message: QueuedMessage) => void;
  /** One JSON line per request that was not queued (rejected, duplicate, answered directly). */
  readonly onOther: (line: Record<string, unknown>) => void;
  readonly now?: () => number;
}

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

// The construct's defaults (lib/webhook-source.ts): 256 KiB bodies, keys cached 5 minutes, a claim
// lock of the verifier's timeout (10 s) plus 5 s, duplicates remembered 7 days.
const MAX_BODY_BYTES = 256 * 1024;
const DEDUPE = { tableName: 'local-dedupe', retentionSeconds: 7 * 86400, lockSeconds: 10 + 5 };
// API Gateway's payload limit: larger requests never reach the verifier.
const GATEWAY_MAX_BYTES = 10 * 1024 * 1024;
const GATEWAY_REJECTED = (requestId: string) => JSON.stringify({ error: 'Request rejected', requestId });

const open = new Set<LocalServer>();

/** Closes every server `startLocalServer` started in this process (tests; `serve` waits for it). */
export async function closeLocalServers(): Promise<void> {
  await Promise.all([...open].map((server) => server.close()));
}

/**
 * A local endpoint with a route `/webhooks/<name>` per source (POST, and GET for senders' endpoint
 * handshakes), each answered by the verifier Lambda's own handler (`createVerifierHandler`) over an
 * in-memory queue, secret and dedupe table, with the event API Gateway would give it. Listens on
 * 127.0.0.1 only.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const now = options.now ?? Date.now;
  const queue = new MemoryQueue((_queueUrl, message) => options.onMessage(message));
  const secrets = new MemorySecrets();
  const dynamodb = new MemoryDynamoDb();
  const routes = new Map<string, Route>();
  for (const source of options.sources) {
    const secretId = `local/${source.name}`;
    secrets.put(secretId, { current: source.secret, previous: [], ...(source.verifyToken ? { verifyToken: source.verifyToken } : {}) });
    routes.set(`/webhooks/${source.name}`, new Route(source, secretId, { queue, secrets, dynamodb, now, onOther: options.onOther }));
  }

  const server = createServer((request, response) => {
    handle(request, response, routes, now, options.onOther).catch((error: unknown) => {
      // Only a failure to answer at all lands here (the handler's own errors are answered as 502).
      options.onOther({ status: 500, reason: 'local_server_error', ...errorFields(error) });
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UsageError(`port ${options.port} on 127.0.0.1 is in use; give another --port (0 picks a free one)`) : error),
    );
    server.listen(options.port, '127.0.0.1', () => {
      server.removeAllListeners('error');
      server.on('error', (error) => options.onOther({ status: 500, reason: 'local_server_error', ...errorFields(error) }));
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const local: LocalServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    closed,
    close: async () => {
      open.delete(local);
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
  open.add(local);
  return local;
}

interface RouteDeps {
  readonly queue: MemoryQueue;
  readonly secrets: MemorySecrets;
  readonly dynamodb: MemoryDynamoDb;
  readonly now: () => number;
  readonly onOther: LocalServerOptions['onOther'];
}

/** One source's route: its verifier, one per public URL where the scheme signs the URL. */
class Route {
  private readonly handlers = new Map<string, VerifierHandler>();
  /** The header names each request in flight sent (by request id), for saying which one was missing. */
  private readonly sent = new Map<string, Map<string, number>>();

  constructor(
    readonly source: LocalSource,
    private readonly secretId: string,
    private readonly deps: RouteDeps,
  ) {}

  handler(requestUrl: string): VerifierHandler {
    // The verifier signs the public URL exactly, query included, and refuses a request whose query
    // differs: without --public-url, the URL the request was made to (its query included) is it.
    const publicUrl = this.source.scheme.signsUrl ? (this.source.publicUrl ?? requestUrl) : undefined;
    const key = publicUrl ?? '';
    let handler = this.handlers.get(key);
    if (!handler) {
      const { source, deps } = this;
      handler = createVerifierHandler(
        {
          endpoint: 'local',
          source: source.name,
          scheme: source.config,
          secretId: this.secretId,
          queueUrl: `local://queue/${source.name}`,
          maxBodyBytes: MAX_BODY_BYTES,
          cacheTtlMs: 300_000,
          missRefreshIntervalMs: 30_000,
          maxStaleMs: 3_600_000,
          publicUrl,
          keySource: 'generated',
          dedupe: DEDUPE,
        },
        {
          // The verifier calls only `send(command)` on its clients: these answer the commands it sends.
          sqs: deps.queue as unknown as SQSClient,
          secrets: deps.secrets as unknown as SecretsManagerClient,
          dynamodb: deps.dynamodb as unknown as DynamoDBClient,
          now: deps.now,
          write: (line) => this.audit(line),
        },
      );
      this.handlers.set(key, handler);
    }
    return handler;
  }

  /** Runs the verifier on one request, remembering which headers it sent while it runs. */
  async invoke(requestUrl: string, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const requestId = event.requestContext.requestId;
    const counts = new Map<string, number>();
    for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
      counts.set(name.toLowerCase(), (counts.get(name.toLowerCase()) ?? 0) + (Array.isArray(values) ? values.length : 0));
    }
    this.sent.set(requestId, counts);
    try {
      return await this.handler(requestUrl)(event);
    } finally {
      this.sent.delete(requestId);
    }
  }

  /**
   * The verifier's audit line, reduced to what a developer reads: every request it did not queue.
   * Locally, and only here, a refusal for a header says which: the deployed verifier answers every
   * sender alike and never names one.
   */
  private audit(line: string): void {
    const record = JSON.parse(line) as Record<string, unknown>;
    if (record.reason === undefined) return;
    const { status, outcome, reason, requestId, error, errorCode } = record;
    this.deps.onOther({ source: this.source.name, status, outcome, reason, requestId, ...this.headerDetail(reason, requestId), ...(error ? { error } : {}), ...(errorCode ? { errorCode } : {}) });
  }

  private headerDetail(reason: unknown, requestId: unknown): { headers?: string[]; detail?: string } {
    const counts = typeof requestId === 'string' ? this.sent.get(requestId) : undefined;
    if (!counts) return {};
    const { scheme } = this.source;
    if (reason === 'missing_header') {
      const missing = scheme.requiredHeaders.filter((name) => !counts.get(name.toLowerCase()));
      if (missing.length > 0) return { headers: missing, detail: `${this.source.typeText} must send ${missing.join(', ')}; the request had no ${missing.length === 1 ? 'such header' : 'such headers'}` };
      const signatures = scheme.signatureHeaders.filter((name) => counts.get(name.toLowerCase()));
      if (signatures.length === 0) return { headers: scheme.signatureHeaders.slice(), detail: `${this.source.typeText} signs with ${scheme.signatureHeaders.join(' or ')}; the request had none` };
    }
    const known = [...new Set([...scheme.signatureHeaders, ...scheme.requiredHeaders])];
    if (reason === 'duplicate_header') {
      const repeated = known.filter((name) => (counts.get(name.toLowerCase()) ?? 0) > 1);
      if (repeated.length > 0) return { headers: repeated, detail: `${this.source.typeText} sends ${repeated.join(', ')} once; the request repeated ${repeated.length === 1 ? 'it' : 'them'}` };
    }
    if (reason === 'malformed_header') {
      const present = known.filter((name) => counts.get(name.toLowerCase()));
      if (present.length > 0) return { headers: present, detail: `${present.length === 1 ? present[0] : `one of ${present.join(', ')}`} is not in ${this.source.typeText}'s format` };
    }
    return {};
  }
}

async function handle(request: IncomingMessage, response: ServerResponse, routes: Map<string, Route>, now: () => number, onOther: LocalServerOptions['onOther']): Promise<void> {
  const requestId = randomUUID();
  const receivedAt = now();
  const target = request.url ?? '/';
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  const route = routes.get(path);
  const method = request.method ?? 'GET';
  // What API Gateway answers for a path or method the API does not have (its DEFAULT_4XX response).
  if (!route || (method !== 'POST' && method !== 'GET' && method !== 'HEAD')) {
    request.resume();
    onOther({ status: 403, reason: route ? 'method_not_allowed_by_api' : 'unknown_route', requestId, method, path, routes: [...routes.keys()] });
    return send(response, requestId, { statusCode: 403, headers: { 'content-type': 'application/json' }, body: GATEWAY_REJECTED(requestId) });
  }
  const body = await readBody(request);
  if (!body) {
    onOther({ source: route.source.name, status: 413, reason: 'over_api_gateway_payload_limit', requestId });
    return send(response, requestId, { statusCode: 413, headers: { 'content-type': 'application/json' }, body: GATEWAY_REJECTED(requestId) });
  }
  const event = gatewayEvent({ request, body, path, query, resource: path, requestId, receivedAt });
  const requestUrl = `http://${request.headers.host ?? '127.0.0.1'}${path}${query ? `?${query}` : ''}`;
  let result: APIGatewayProxyResult;
  try {
    result = await route.invoke(requestUrl, event);
  } catch (error) {
    // A Lambda that throws: API Gateway answers 502 with its DEFAULT_5XX response.
    onOther({ source: route.source.name, status: 502, reason: 'verifier_threw', requestId, ...errorFields(error), message: error instanceof Error ? error.message : String(error) });
    result = { statusCode: 502, headers: { 'content-type': 'application/json' }, body: GATEWAY_REJECTED(requestId) };
  }
  send(response, requestId, result);
}

/**
 * The whole body, or undefined when it is over API Gateway's limit. An oversized body is still read
 * to its end (and dropped), so the client gets its 413 rather than a reset connection.
 */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= GATEWAY_MAX_BYTES) chunks.push(chunk as Buffer);
  }
  return size <= GATEWAY_MAX_BYTES ? Buffer.concat(chunks) : undefined;
}

function send(response: ServerResponse, requestId: string, result: APIGatewayProxyResult): void {
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body, 'utf8');
  const headers: Record<string, string | string[]> = { 'x-amzn-requestid': requestId };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name.toLowerCase()] = values.map(String);
  headers['content-length'] = String(body.length);
  response.writeHead(result.statusCode, headers).end(body);
}
