/**
 * Reviewer R2, issue 22 part 2: R2-3 (medium). lib/handlers/verifier/entry.ts:15/24 gives the claim-check
 * S3 client the shared `{ connectionTimeout: 1000, requestTimeout: 2500 }`, saying "requestTimeout ends
 * a request that stalls, not one still sending". With the SDK installed here (@smithy/node-http-handler
 * 4.14.x) requestTimeout is a whole-request timer that only logs a WARN unless throwOnRequestTimeout is
 * set (see @smithy/types NodeHttpHandlerOptions: "requestTimeout was for a long time incorrectly being
 * set as a socket idle timeout"), and no socketTimeout is set: a PutObject that stalls after the
 * connection is made is never ended by the client. The verifier then hangs to its Lambda timeout (API
 * Gateway 5xx, the claim held until its lock runs out) instead of the designed 503 + released claim;
 * and every 4 MB upload slower than 2.5 s logs a WARN. The design asked for "a longer requestTimeout for
 * large bodies". Fix: give the S3 client an idle `socketTimeout` (e.g. 2500) and a whole-request
 * `requestTimeout` with `throwOnRequestTimeout: true` sized for a 4.3 MiB upload within the verifier's
 * timeout (and the same socketTimeout on the other clients, whose stall protection is gone too).
 */
import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';

const captured: unknown[] = [];
jest.mock('@aws-sdk/client-s3', () => {
  const actual = jest.requireActual('@aws-sdk/client-s3');
  class RecordingS3Client extends actual.S3Client {
    constructor(config: unknown) {
      captured.push(config);
      super(config);
    }
  }
  return { ...actual, S3Client: RecordingS3Client };
});

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { verifierEntry } from '../../lib/handlers/verifier/entry';
import { coreScheme } from '../../lib/runtime/schemes/core';

let server: Server;
const sockets: Socket[] = [];
beforeAll(async () => {
  // Accepts the connection and reads everything, never answers: a stalled S3.
  server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('the verifier\'s S3 client ends a PutObject that stalls (so the delivery gets its 503 and the claim is released)', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, {
    WEBHOOK_ENDPOINT: 'e',
    WEBHOOK_SOURCE: 'github',
    WEBHOOK_SCHEME: '{"type":"github"}',
    WEBHOOK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
    WEBHOOK_MAX_BODY_BYTES: '4000000',
    WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s',
    WEBHOOK_BODY_BUCKET: 'bodies',
    AWS_REGION: 'us-east-1',
  });
  try {
    verifierEntry(coreScheme);
  } catch {
    // Only the S3 client's configuration is wanted here; it is built before the handler.
  } finally {
    process.env = saved;
  }
  expect(captured).toHaveLength(1);
  const config = captured[0] as { requestHandler: Record<string, unknown> };
  const { port } = server.address() as AddressInfo;
  const s3 = new S3Client({
    ...config,
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const put = s3.send(new PutObjectCommand({ Bucket: 'bodies', Key: 'github/x', Body: Buffer.alloc(1024), IfNoneMatch: '*' })).then(
    () => 'answered',
    (error: Error) => `failed: ${error.name}`,
  );
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('still hanging after 8 s'), 8000);
  });
  const outcome = await Promise.race([put, hung]);
  clearTimeout(timer);
  s3.destroy();
  expect(outcome).toMatch(/^failed: /);
}, 15_000);
