import { TEST_NOW, TEST_NOW_S } from '../support/clock';
import { Kit, kits, PUBLIC_URL } from '../support/differential/kits';
import { createLocalCa } from '../runtime/senders/support/local-ca';
import { runCli, Serving, startServe } from './support/cli';

// The command line for every sender that has a secret (not those whose keys are fetched, nor those
// verified with no key at all): `sign` prints a delivery the verifier accepts, and one `serve` runs
// them all, each on its own route, answering each genuine delivery 200 and printing it as queued.

const ca = createLocalCa();
afterAll(() => ca.dispose());
const ALL = kits(ca);
const KITS = ALL.filter((kit) => !kit.fetch && kit.scheme.keyless === undefined && kit.scheme.trustAnchor === undefined);
const schemeArg = (kit: Kit) => (Object.keys(kit.config).length === 1 ? kit.type : JSON.stringify(kit.config));

describe('sign, for every sender', () => {
  // Senders that sign with a private key take it (and, where the verifier fetches the public one, where
  // it is served from) as their secret here; Apple's kit signs with a local chain its test scheme trusts.
  test.each(ALL.map((kit) => [kit.name, kit] as const))('%s: what it prints verifies', async (_name, kit) => {
    const { url, body: shaped } = kit.deliver(kit.example);
    // The payload as the sender sends it (a sender that signs inside the body is given the bare payload: sign adds its fields).
    const given = kit.scheme.signDelivery ? kit.example : shaped.toString('utf8');
    // Salesforce signs nothing: no secret is given.
    const secret = kit.signingSecret ? ['--secret', kit.signingSecret] : [];
    const run = await runCli('sign', '--scheme', schemeArg(kit), ...secret, '--body', given, '--timestamp', String(TEST_NOW_S), ...(url ? ['--url', url] : []));
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const printed = JSON.parse(run.stdout) as Record<string, string> | { headers: Record<string, string>; body: string };
    const inBody = typeof printed.headers === 'object';
    const headers = (inBody ? printed.headers : printed) as Record<string, string>;
    const body = Buffer.from(inBody ? (printed.body as string) : given);
    expect(await kit.verify({ headers, body, url, method: 'POST' })).toMatchObject({ ok: true });
  });
});

describe('serve, with a route for every sender with a secret', () => {
  let serve: Serving;
  const names = new Map(KITS.map((kit, i) => [kit, `s${i}`]));
  beforeAll(async () => {
    // The deliveries are signed at TEST_NOW: the verifier reads the clock through Date (timers stay real, for the sockets).
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(TEST_NOW);
    const args: string[] = [];
    for (const kit of KITS) {
      const name = names.get(kit)!;
      // What the source's secret holds (a public key, where the sender signs with a private one).
      process.env[`CLI_EVERY_${name}`] = (JSON.parse(kit.secretDocument!) as { current: string }).current;
      args.push('--source', `${name}=${schemeArg(kit)}:env:CLI_EVERY_${name}`);
      if (kit.scheme.signsUrl) args.push('--public-url', `${name}=${PUBLIC_URL}`);
    }
    serve = await startServe(...args);
  });
  afterAll(async () => {
    await serve.stop();
    jest.useRealTimers();
  });

  test.each(KITS.map((kit) => [kit.name, kit] as const))('%s: a genuine delivery is answered 200 and printed as queued', async (_name, kit) => {
    const name = names.get(kit)!;
    const delivery = kit.deliver(kit.example);
    const query = delivery.url?.includes('?') ? delivery.url.slice(delivery.url.indexOf('?')) : '';
    const headers = Object.fromEntries(Object.entries(delivery.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v as string)]));
    const before = serve.stdoutLines().length;
    const response = await fetch(`${serve.url}/webhooks/${name}${query}`, { method: 'POST', headers, body: delivery.body });
    expect({ status: response.status, body: (await response.text()).slice(0, 200) }).toMatchObject({ status: 200 });
    const printed = serve.stdoutLines().slice(before);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatchObject({ attributes: { source: name } });
  });
});
