/**
 * Reviewer R4, issue 22 round 2 (medium). lib/handlers/ip-ranges/index.ts:10 gives both WAF clients
 * `{ connectionTimeout: 2000, requestTimeout: 5000 }`, no socketTimeout and no throwOnRequestTimeout: the
 * very configuration f8110ec fixed in the verifier (lib/handlers/verifier/entry.ts:15-18). With
 * @smithy/node-http-handler 4.x (installed here; the Lambda runtime's SDK is used since bundle.mjs keeps
 * @aws-sdk/* external) requestTimeout only logs a WARN, so a WAF call that stalls after connecting is never
 * ended. A stalled GetIPSet/UpdateIPSet/CreateIPSet then holds the function to its 5-minute timeout: the
 * Custom::WebhookIpSet or Custom::WebhookIpRangesRefresh request is never answered (no ServiceTimeout is
 * set on the CustomResource, so CloudFormation waits an hour), and DEPLOY_REFRESH_BUDGET_MS's "answers well
 * inside the function's 5 minutes" does not hold. Fix: the verifier's handler options here too
 * (socketTimeout: 5000, throwOnRequestTimeout: true), and a ServiceTimeout on both custom resources.
 */
import { createServer, Server, Socket, AddressInfo } from 'node:net';
import { GetIPSetCommand } from '@aws-sdk/client-wafv2';
import { wafClients } from '../../lib/handlers/ip-ranges';

let server: Server;
const sockets: Socket[] = [];
beforeAll(async () => {
  // Accepts the connection and reads the request, never answers: a stalled WAF endpoint.
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

test('the ip-ranges function\'s WAF client ends a call that stalls (so a CloudFormation request is answered)', async () => {
  const saved = { ...process.env };
  const { port } = server.address() as AddressInfo;
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_WAFV2: `http://127.0.0.1:${port}`,
  });
  // The SDK reads region, credentials and endpoint lazily: the environment stays until the call ended.
  const clients = wafClients();
  const { createWaf } = clients; // maxAttempts 1: one stalled attempt is the whole call
  createWaf.config.logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as never;
  const call = createWaf
    .send(new GetIPSetCommand({ Name: 'e_s-v4', Scope: 'REGIONAL', Id: '00000000-0000-0000-0000-000000000000' }))
    .then(() => 'answered', (error: Error) => `failed: ${error.name}`);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('still hanging after 9 s'), 9000);
  });
  const outcome = await Promise.race([call, hung]);
  clearTimeout(timer);
  process.env = saved;
  createWaf.destroy();
  clients.waf.destroy();
  expect(outcome).toMatch(/^failed: /);
}, 15_000);
