import { verifyWebhook } from '../../lib/runtime';
import { TEST_NOW, TEST_NOW_S } from '../support/clock';
import { runCli, Serving, startServe } from './support/cli';

// The generic HMAC template through the command line: `sign` and `serve` take it as a JSON scheme config.

const SECRET = 'template-local-secret-0123456789';
const BODY = '{"id":"evt_1","type":"invoice.paid"}';
const TEMPLATE = { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Sig', prefix: 'v1=', encoding: 'base64url', signedContent: 'template', template: '{method}:{url}:{timestamp}:{body}', timestampHeader: 'X-Ts' };

test('sign: a template config signs headers the verifier accepts for that URL', async () => {
  const url = 'https://hooks.example.com/webhooks/custom';
  const run = await runCli('sign', '--scheme', JSON.stringify(TEMPLATE), '--secret', SECRET, '--body', BODY, '--timestamp', String(TEST_NOW_S), '--url', url);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  const headers = JSON.parse(run.stdout) as Record<string, string>;
  expect(headers).toMatchObject({ 'X-Ts': String(TEST_NOW_S) });
  expect(verifyWebhook({ headers, body: BODY, url }, { scheme: TEMPLATE as never, secrets: [SECRET], now: TEST_NOW })).toMatchObject({ ok: true, bodyBinding: 'signed' });
});

test('sign: a bad template is a usage error naming each problem', async () => {
  const run = await runCli('sign', '--scheme', JSON.stringify({ ...TEMPLATE, template: '{timestamp}:{bodyy}', timestampHeader: undefined }), '--secret', SECRET, '--body', BODY);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/\{bodyy\} is not a placeholder/);
  expect(run.stderr).toMatch(/has \{timestamp\} but timestampHeader\/timestampKey is not set/);
});

describe('serve', () => {
  let serve: Serving;
  beforeAll(async () => {
    serve = await startServe('--source', `custom=${JSON.stringify(TEMPLATE)}:${SECRET}`);
  });
  afterAll(() => serve.stop());

  test('send signs for the served route and the template source accepts it', async () => {
    const sent = await runCli('send', '--url', `${serve.url}/webhooks/custom`, '--scheme', JSON.stringify(TEMPLATE), '--secret', SECRET, '--body', BODY);
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    expect(serve.stdoutLines().at(-1)).toMatchObject({ body: BODY, attributes: { source: 'custom' } });
  });
});
