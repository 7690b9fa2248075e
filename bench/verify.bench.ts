// npm run bench: the library's prepared verifier (and its one-shot verifyWebhook) against raw
// node:crypto (createHmac + timingSafeEqual, the code senders' documentation shows) and the senders' own libraries,
// side by side in one process, each in adjacent slices with raw node:crypto (plus raw against itself,
// an A/A control that shows the run's noise), at 1, 16 and 256 KiB; then each verifier bundle's size
// (one per family of senders) and its whole-process load time against loading its SDK clients alone. Prints ratios only from
// measurements taken in this run. `npm run bench` bundles this file with esbuild and runs it as plain
// JavaScript: under ts-node the TypeScript compiler shares the heap, every full collection takes
// several times longer, and 1 KiB ratios swung ±15% from slice to slice.
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { VERIFIER_FAMILIES, verifyWebhook, WebhookVerifier } from '../lib/runtime';
import { exampleConfig } from '../test/support/example-configs';

// @octokit/webhooks-methods ships only ES modules; a real dynamic import (not one TypeScript
// rewrites to require) loads it from this CommonJS script.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<typeof import('@octokit/webhooks-methods')>;
let octokitVerify: (secret: string, payload: string, signature: string) => Promise<boolean>;

const CONTROL = 'raw node:crypto again (A/A)';
const PREPARED = 'WebhookVerifier (prepared)';
const ONE_SHOT = 'verifyWebhook (one-shot)';
// The prepared verifier's target against raw createHmac + timingSafeEqual.
const TARGET = 0.85;
// Beyond this, the A/A control says the run is too noisy to judge a ratio target by.
const NOISY = 0.05;

type Contender = { name: string; run: () => unknown | Promise<unknown> };

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 100);
// Long enough for V8 to finish optimizing every contender before anything is measured: on a small
// machine the optimizing compiler runs beside the benchmark, and a contender measured mid-tier-up
// looks slower than it is.
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 300);
const SIZES_KIB = [1, 16, 256];
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const STRIPE_SECRET = 'whsec_bench_secret_0123456789abcdef';
const GITHUB_SECRET = 'bench-github-secret-0123456789';
const stripe = new Stripe('sk_test_bench');

/** Valid JSON (the sender libraries parse it) of exactly `kib` KiB. */
function body(kib: number): string {
  const item = '{"id":"evt_0123456789","type":"invoice.paid","amount":4200}';
  const target = kib * 1024;
  const items: string[] = [];
  while (`{"data":[${items.join(',')}],"pad":""}`.length + item.length + 1 < target) items.push(item);
  const head = `{"data":[${items.join(',')}],"pad":"`;
  return head + 'x'.repeat(target - head.length - 2) + '"}';
}

type Loop = (run: Contender['run'], n: number) => unknown;

/**
 * One loop per contender, compiled separately, so each has its own monomorphic call site (a shared
 * loop would see every contender's closure and inline none of them, skewing the ratios).
 */
function loopFor(async: boolean): Loop {
  const body = async ? 'return (async () => { for (let i = 0; i < n; i++) await run(); })();' : 'let r; for (let i = 0; i < n; i++) r = run(); return r;';
  return new Function('run', 'n', body) as Loop;
}

/**
 * Each round measures every contender against the baseline in four adjacent slices, baseline,
 * contender, contender, baseline (ABBA): whatever one slice leaves to the next (collector work, above
 * all: every HMAC object is a native handle finalized later) is paid once by each side, and a drift
 * in the machine's speed cancels. A contender's ops/s is its operations over its time, summed over
 * every round, so the collector pauses a run causes count in full, wherever they land; its ratio is
 * that against the same sums over the baseline slices adjacent to its own.
 */
async function measure(contenders: Contender[], baseline: string): Promise<Map<string, { opsPerSec: number; ratio: number }>> {
  const loops = new Map(contenders.map((c) => [c.name, loopFor(c.run() instanceof Promise)]));
  type Tally = { ops: number; ms: number };
  const slice = async (c: Contender, ms: number, into?: Tally[]): Promise<number> => {
    const loop = loops.get(c.name)!;
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      await loop(c.run, 64);
      n += 64;
      elapsed = performance.now() - start;
    }
    for (const t of into ?? []) {
      t.ops += n;
      t.ms += elapsed;
    }
    return (n / elapsed) * 1000;
  };
  const tally = (): Tally => ({ ops: 0, ms: 0 });
  const rate = (t: Tally) => (t.ops / t.ms) * 1000;
  for (const c of contenders) await slice(c, WARMUP_MS);
  const base = contenders.find((c) => c.name === baseline)!;
  const others = contenders.filter((c) => c !== base);
  const own = new Map(contenders.map((c) => [c.name, tally()]));
  const adjacent = new Map(others.map((c) => [c.name, tally()]));
  const rounds = new Map<string, number[]>(others.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < others.length; i++) {
      const c = others[(i + round) % others.length];
      const into = [own.get(base.name)!, adjacent.get(c.name)!];
      const b1 = await slice(base, SLICE_MS, into);
      const c1 = await slice(c, SLICE_MS, [own.get(c.name)!]);
      const c2 = await slice(c, SLICE_MS, [own.get(c.name)!]);
      const b2 = await slice(base, SLICE_MS, into);
      rounds.get(c.name)!.push(Math.sqrt((c1 / b1) * (c2 / b2)));
    }
  }
  const ratio = (name: string) => rate(own.get(name)!) / rate(adjacent.get(name)!);
  if (process.env.BENCH_VERBOSE) for (const [name, rs] of rounds) console.log(`    ${name}: per round ${rs.map((r) => r.toFixed(2)).join(' ')}`);
  return new Map(contenders.map((c) => [c.name, { opsPerSec: rate(own.get(c.name)!), ratio: c === base ? 1 : ratio(c.name) }]));
}

function must(ok: unknown): void {
  if (ok !== true && !(ok && typeof ok === 'object' && 'ok' in ok && (ok as { ok: boolean }).ok)) throw new Error('a contender failed to verify a valid delivery');
}

function groups(kib: number): { title: string; contenders: Contender[] }[] {
  const payload = body(kib);
  const nowMs = Date.now();
  const ts = Math.floor(nowMs / 1000);

  // Standard Webhooks
  const swKey = Buffer.from(SW_SECRET.slice(6), 'base64');
  const swSig = new StandardWebhook(SW_SECRET).sign('msg_1', new Date(nowMs), payload);
  const swHeaders = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': swSig, 'content-type': 'application/json' };
  const svixHeaders = { 'svix-id': 'msg_1', 'svix-timestamp': String(ts), 'svix-signature': swSig };
  const swVerifier = new WebhookVerifier({ scheme: { type: 'standard-webhooks' }, secrets: [SW_SECRET] });
  const swLib = new StandardWebhook(SW_SECRET);
  const svixLib = new SvixWebhook(SW_SECRET);

  // Stripe
  const stripeHeader = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET, timestamp: ts });
  // Raw gets the key bytes ready-made, as a prepared verifier has them (a string key costs a UTF-8 encode per call).
  const stKey = Buffer.from(STRIPE_SECRET);
  const stVerifier = new WebhookVerifier({ scheme: { type: 'stripe' }, secrets: [STRIPE_SECRET] });

  // GitHub
  const ghHeader = 'sha256=' + createHmac('sha256', GITHUB_SECRET).update(payload).digest('hex');
  const ghKey = Buffer.from(GITHUB_SECRET);
  const ghHeaders = { 'x-hub-signature-256': ghHeader, 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x-github-event': 'issues' };
  const ghVerifier = new WebhookVerifier({ scheme: { type: 'github' }, secrets: [GITHUB_SECRET] });

  return [
    {
      title: 'Standard Webhooks',
      contenders: [
        {
          name: 'raw node:crypto',
          run: () => {
            const sig = Buffer.from(swHeaders['webhook-signature'].slice(3), 'base64');
            const expected = createHmac('sha256', swKey).update(`${swHeaders['webhook-id']}.${swHeaders['webhook-timestamp']}.`).update(payload).digest();
            return Math.abs(Date.now() / 1000 - Number(swHeaders['webhook-timestamp'])) <= 300 && timingSafeEqual(expected, sig);
          },
        },
        { name: PREPARED, run: () => swVerifier.verify({ headers: swHeaders, body: payload }) },
        { name: ONE_SHOT, run: () => verifyWebhook({ headers: swHeaders, body: payload }, { scheme: { type: 'standard-webhooks' }, secrets: [SW_SECRET] }) },
        { name: 'standardwebhooks', run: () => swLib.verify(payload, swHeaders) && true },
        { name: 'svix', run: () => svixLib.verify(payload, svixHeaders) && true },
      ],
    },
    {
      title: 'Stripe',
      contenders: [
        {
          name: 'raw node:crypto',
          run: () => {
            const [t, v1] = stripeHeader.split(',');
            const expected = createHmac('sha256', stKey).update(`${t.slice(2)}.`).update(payload).digest();
            return Math.abs(Date.now() / 1000 - Number(t.slice(2))) <= 300 && timingSafeEqual(expected, Buffer.from(v1.slice(3), 'hex'));
          },
        },
        { name: PREPARED, run: () => stVerifier.verify({ headers: { 'stripe-signature': stripeHeader }, body: payload }) },
        { name: ONE_SHOT, run: () => verifyWebhook({ headers: { 'stripe-signature': stripeHeader }, body: payload }, { scheme: { type: 'stripe' }, secrets: [STRIPE_SECRET] }) },
        { name: 'stripe', run: () => stripe.webhooks.signature!.verifyHeader(payload, stripeHeader, STRIPE_SECRET) },
      ],
    },
    {
      title: 'GitHub',
      contenders: [
        {
          name: 'raw node:crypto',
          run: () => timingSafeEqual(createHmac('sha256', ghKey).update(payload).digest(), Buffer.from(ghHeader.slice(7), 'hex')),
        },
        { name: PREPARED, run: () => ghVerifier.verify({ headers: ghHeaders, body: payload }) },
        { name: ONE_SHOT, run: () => verifyWebhook({ headers: ghHeaders, body: payload }, { scheme: { type: 'github' }, secrets: [GITHUB_SECRET] }) },
        { name: '@octokit/webhooks-methods', run: () => octokitVerify(GITHUB_SECRET, payload, ghHeader) },
      ],
    },
  ];
}

// One source's scheme per verifier bundle (each family's first type; the template its own bundle):
// what the bundle's entry builds at load (test/support/example-configs.ts).
const FAMILY_SCHEMES: Record<string, object> = {
  ...Object.fromEntries(Object.entries(VERIFIER_FAMILIES).map(([family, types]) => [family, exampleConfig(types[0])])),
  'generic-template': { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Signature', encoding: 'hex', signedContent: 'template', template: '{timestamp}.{body}', timestampHeader: 'X-Timestamp' },
};

interface BundleLoad {
  readonly family: string;
  readonly bytes: number;
  readonly bundleMs: number;
  readonly sdkMs: number;
}

/**
 * Each verifier bundle's size, and its whole-process load against its SDK clients alone: the
 * median of `runs` rounds, each round loading every bundle once beside the SDK clients once
 * (round-robin, so a drift in machine speed touches every family alike), plus the SDK clients
 * against themselves (the A/A line, this run's noise).
 */
function loadTimes(runs = 21): { loads: BundleLoad[]; control: number } {
  const root = process.cwd(); // npm run bench runs at the package root
  const sdkOnly = "require('@aws-sdk/client-sqs');require('@aws-sdk/client-secrets-manager');require('@aws-sdk/client-dynamodb')";
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const envOf = (scheme: object) => ({
    ...process.env,
    AWS_REGION: 'us-east-1',
    WEBHOOK_ENDPOINT: 'e',
    WEBHOOK_SOURCE: 's',
    WEBHOOK_SCHEME: JSON.stringify(scheme),
    WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
    WEBHOOK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
    WEBHOOK_MAX_BODY_BYTES: '262144',
    WEBHOOK_DEDUPE_TABLE: 't',
    // URL-signing senders (Square in payments) refuse to start without the URL they verify against.
    WEBHOOK_PUBLIC_URL: 'https://hooks.example.com/prod/webhooks/s',
  });
  const run = (code: string, env: NodeJS.ProcessEnv) => {
    const start = performance.now();
    execFileSync(process.execPath, ['-e', code], { cwd: root, env, stdio: 'ignore' });
    return performance.now() - start;
  };
  const families = Object.entries(FAMILY_SCHEMES).map(([family, scheme]) => ({ family, bundle: join(root, 'assets', `verifier-${family}`, 'index.js'), env: envOf(scheme), bundleRuns: [] as number[], sdkRuns: [] as number[] }));
  const controlA: number[] = [];
  const controlB: number[] = [];
  run(sdkOnly, families[0].env); // warm the file cache
  for (let i = 0; i < runs; i++) {
    for (const f of families) {
      f.sdkRuns.push(run(sdkOnly, f.env));
      f.bundleRuns.push(run(`require(${JSON.stringify(f.bundle)})`, f.env));
    }
    controlA.push(run(sdkOnly, families[0].env));
    controlB.push(run(sdkOnly, families[0].env));
  }
  const loads = families.map((f) => ({ family: f.family, bytes: statSync(f.bundle).size, bundleMs: median(f.bundleRuns), sdkMs: median(f.sdkRuns) }));
  return { loads, control: median(controlB) / median(controlA) };
}

async function main(): Promise<void> {
  octokitVerify = (await importEsm('@octokit/webhooks-methods')).verify;
  console.log(
    `verify throughput (${WARMUP_MS} ms warm-up each, then ${ROUNDS} rounds of ${SLICE_MS} ms slices, each contender between two of raw node:crypto's (ABBA); ops/s and ratio from operations and time summed over all rounds)`,
  );
  const worst: number[] = [];
  const control: number[] = [];
  for (const kib of SIZES_KIB) {
    for (const group of groups(kib).filter((g) => !process.env.BENCH_ONLY || g.title === process.env.BENCH_ONLY)) {
      // The A/A control runs raw node:crypto's own code as if it were a contender: how far its ratio
      // strays from 1.00 is this run's measurement noise.
      const contenders = [...group.contenders, { name: CONTROL, run: group.contenders[0].run }];
      for (const c of contenders) must(await c.run());
      const results = await measure(contenders, 'raw node:crypto');
      console.log(`\n${group.title}, ${kib} KiB`);
      for (const c of contenders) {
        const { opsPerSec, ratio } = results.get(c.name)!;
        if (c.name === PREPARED) worst.push(ratio);
        if (c.name === CONTROL) control.push(ratio);
        console.log(`  ${c.name.padEnd(32)} ${Math.round(opsPerSec).toString().padStart(9)} ops/s  ${ratio.toFixed(2)}×`);
      }
    }
  }
  const { loads, control: loadControl } = loadTimes();
  const minRatio = Math.min(...worst);
  console.log(`\n${PREPARED} vs raw, lowest ratio over every scheme and size: ${minRatio.toFixed(2)}× (target ≥ ${TARGET.toFixed(2)}×: ${minRatio >= TARGET ? 'met' : 'NOT met'})`);
  const noise = Math.max(...control.map((r) => Math.abs(1 - r)));
  console.log(
    `measurement noise in this run: raw against itself (A/A) from ${Math.min(...control).toFixed(2)}× to ${Math.max(...control).toFixed(2)}×` +
      (noise > NOISY ? ` — more than ±${NOISY * 100}%, so ratios within that of a target do not settle it (another process, or collector work one contender left to the next)` : ''),
  );
  console.log('\nverifier bundles (one per family of senders), minified with @aws-sdk external; process load against its SDK clients alone, median of 21 round-robin rounds');
  console.log(`  ${'family'.padEnd(16)} ${'bytes'.padStart(6)}  ${'load ms'.padStart(7)}  ${'SDK ms'.padStart(6)}  ratio`);
  for (const l of loads) {
    console.log(`  ${l.family.padEnd(16)} ${String(l.bytes).padStart(6)}  ${l.bundleMs.toFixed(0).padStart(7)}  ${l.sdkMs.toFixed(0).padStart(6)}  ${(l.bundleMs / l.sdkMs).toFixed(2)}×`);
  }
  const largest = Math.max(...loads.map((l) => l.bytes));
  const slowest = Math.max(...loads.map((l) => l.bundleMs / l.sdkMs));
  console.log(`  SDK clients against themselves (A/A): ${loadControl.toFixed(2)}×`);
  console.log(`largest bundle ${largest} bytes (target ≤ 40 KB: ${largest <= 40_000 ? 'met' : 'NOT met'}); highest load ratio ${slowest.toFixed(2)}× (target ≤ 1.15×: ${slowest <= 1.15 ? 'met' : 'NOT met'})`);
}

void main();
