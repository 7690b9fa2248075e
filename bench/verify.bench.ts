// npm run bench: the library's verify path against raw node:crypto and the senders' own libraries,
// side by side in one process, in rotated rounds, at 1, 16 and 256 KiB; then the verifier bundle's
// size and its whole-process load time against loading its SDK clients alone. Prints ratios only
// from measurements taken in this run.
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { ActiveKey, schemeFor, verifyWithKeys } from '../lib/runtime';

// @octokit/webhooks-methods ships only ES modules; a real dynamic import (not one TypeScript
// rewrites to require) loads it from this CommonJS script.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<typeof import('@octokit/webhooks-methods')>;
let octokitVerify: (secret: string, payload: string, signature: string) => Promise<boolean>;

type Contender = { name: string; run: () => unknown | Promise<unknown> };

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 60);
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
 * Per contender: its median ops/s over the rounds, and the median of its per-round ratio to the
 * baseline measured in the same round (adjacent in time, so a burst of machine noise hits both).
 */
async function measure(contenders: Contender[], baseline: string): Promise<Map<string, { opsPerSec: number; ratio: number }>> {
  const loops = new Map(contenders.map((c) => [c.name, loopFor(c.run() instanceof Promise)]));
  const perRound = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) await loops.get(c.name)!(c.run, 2000); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so no contender always runs first (or after the same neighbour).
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
    for (const c of order) {
      const loop = loops.get(c.name)!;
      let n = 0;
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < SLICE_MS) {
        await loop(c.run, 64);
        n += 64;
        elapsed = performance.now() - start;
      }
      perRound.get(c.name)!.push((n / elapsed) * 1000);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = perRound.get(baseline)!;
  return new Map(
    contenders.map((c) => {
      const rounds = perRound.get(c.name)!;
      return [c.name, { opsPerSec: median(rounds), ratio: median(rounds.map((ops, i) => ops / base[i])) }];
    }),
  );
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
  const sw = schemeFor({ type: 'standard-webhooks' });
  const swKeys: ActiveKey[] = [{ key: swKey, notAfterMs: Number.POSITIVE_INFINITY }];
  const swLib = new StandardWebhook(SW_SECRET);
  const svixLib = new SvixWebhook(SW_SECRET);

  // Stripe
  const stripeHeader = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET, timestamp: ts });
  const st = schemeFor({ type: 'stripe' });
  const stKeys: ActiveKey[] = [{ key: Buffer.from(STRIPE_SECRET), notAfterMs: Number.POSITIVE_INFINITY }];

  // GitHub
  const ghHeader = 'sha256=' + createHmac('sha256', GITHUB_SECRET).update(payload).digest('hex');
  const gh = schemeFor({ type: 'github' });
  const ghKeys: ActiveKey[] = [{ key: Buffer.from(GITHUB_SECRET), notAfterMs: Number.POSITIVE_INFINITY }];
  const ghHeaders = { 'x-hub-signature-256': ghHeader, 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };

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
        { name: 'cdk-hardened-webhook', run: () => verifyWithKeys(sw, { headers: swHeaders, body: payload }, swKeys, Date.now()) },
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
            const expected = createHmac('sha256', STRIPE_SECRET).update(`${t.slice(2)}.`).update(payload).digest();
            return Math.abs(Date.now() / 1000 - Number(t.slice(2))) <= 300 && timingSafeEqual(expected, Buffer.from(v1.slice(3), 'hex'));
          },
        },
        { name: 'cdk-hardened-webhook', run: () => verifyWithKeys(st, { headers: { 'stripe-signature': stripeHeader }, body: payload }, stKeys, Date.now()) },
        { name: 'stripe', run: () => stripe.webhooks.signature!.verifyHeader(payload, stripeHeader, STRIPE_SECRET) },
      ],
    },
    {
      title: 'GitHub',
      contenders: [
        {
          name: 'raw node:crypto',
          run: () => timingSafeEqual(createHmac('sha256', GITHUB_SECRET).update(payload).digest(), Buffer.from(ghHeader.slice(7), 'hex')),
        },
        { name: 'cdk-hardened-webhook', run: () => verifyWithKeys(gh, { headers: ghHeaders, body: payload }, ghKeys, Date.now()) },
        { name: '@octokit/webhooks-methods', run: () => octokitVerify(GITHUB_SECRET, payload, ghHeader) },
      ],
    },
  ];
}

function loadTimes(): { bundleBytes: number; bundleMs: number; sdkMs: number } {
  const root = join(__dirname, '..');
  const bundle = join(root, 'assets', 'verifier', 'index.js');
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    WEBHOOK_ENDPOINT: 'e',
    WEBHOOK_SOURCE: 's',
    WEBHOOK_SCHEME: '{"type":"standard-webhooks"}',
    WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
    WEBHOOK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
    WEBHOOK_MAX_BODY_BYTES: '262144',
    WEBHOOK_DEDUPE_TABLE: 't',
  };
  const sdkOnly = "require('@aws-sdk/client-sqs');require('@aws-sdk/client-secrets-manager');require('@aws-sdk/client-dynamodb')";
  const run = (code: string) => {
    const start = performance.now();
    execFileSync(process.execPath, ['-e', code], { cwd: root, env, stdio: 'ignore' });
    return performance.now() - start;
  };
  const bundleRuns: number[] = [];
  const sdkRuns: number[] = [];
  run(sdkOnly); // warm the file cache
  for (let i = 0; i < 25; i++) {
    // Alternate so both see the same machine state.
    sdkRuns.push(run(sdkOnly));
    bundleRuns.push(run(`require(${JSON.stringify(bundle)})`));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { bundleBytes: statSync(bundle).size, bundleMs: median(bundleRuns), sdkMs: median(sdkRuns) };
}

async function main(): Promise<void> {
  octokitVerify = (await importEsm('@octokit/webhooks-methods')).verify;
  console.log(`verify throughput (median ops/s over ${ROUNDS} rotated rounds × ${SLICE_MS} ms per contender; ratio = median of each round's ops/s ÷ raw node:crypto's in that round)`);
  const worst: number[] = [];
  for (const kib of SIZES_KIB) {
    for (const group of groups(kib).filter((g) => !process.env.BENCH_ONLY || g.title === process.env.BENCH_ONLY)) {
      for (const c of group.contenders) must(await c.run());
      const results = await measure(group.contenders, 'raw node:crypto');
      console.log(`\n${group.title}, ${kib} KiB`);
      for (const c of group.contenders) {
        const { opsPerSec, ratio } = results.get(c.name)!;
        if (c.name === 'cdk-hardened-webhook') worst.push(ratio);
        console.log(`  ${c.name.padEnd(28)} ${Math.round(opsPerSec).toString().padStart(9)} ops/s  ${ratio.toFixed(2)}×`);
      }
    }
  }
  const { bundleBytes, bundleMs, sdkMs } = loadTimes();
  const minRatio = Math.min(...worst);
  console.log(`\ncdk-hardened-webhook vs raw, lowest ratio over every scheme and size: ${minRatio.toFixed(2)}× (target ≥ 0.90×)`);
  console.log(`verifier bundle: ${(bundleBytes / 1024).toFixed(1)} KiB minified, @aws-sdk external (target ≤ 25 KB: ${bundleBytes <= 25_000 ? 'met' : 'NOT met'})`);
  console.log(
    `process load, median of 25: bundle ${bundleMs.toFixed(0)} ms vs its SDK clients alone ${sdkMs.toFixed(0)} ms = ${(bundleMs / sdkMs).toFixed(2)}× (target ≤ 1.15×)`,
  );
}

void main();
