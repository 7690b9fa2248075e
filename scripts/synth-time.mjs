#!/usr/bin/env node
// npm run synth-time [-- --runs <n>] [--out <dir>] [--validation]
//
// Synthesizes one endpoint with 1, 20 and 100 sources in this one process (100 sources in four groups
// of 25, the nested-stack layout; 1 and 20 in the endpoint's own stack), then one with a source of
// every scheme type the library knows (in groups of 25), and prints the time of each, median of
// --runs runs (default 3), as a ratio to 1 source. A warm-up synth first keeps module
// loading and JIT out of the figures. CloudFormation's built-in validation is off, as in the unit
// tests (--validation turns it on). --out keeps the last run's cloud assemblies in <dir>/<sources>,
// for `npm run cost -- <dir>/100`.
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const runs = Number(option('--runs', '3'));
const out = option('--out', undefined);
const validation = args.includes('--validation');
const SIZES = [1, 20, 100];
const GROUP_SIZE = 25;

const require = createRequire(import.meta.url);
require('ts-node').register({ transpileOnly: true, project: join(root, 'tsconfig.json') });
const { App, Stack } = require('aws-cdk-lib');
const { HardenedWebhookEndpoint, SignatureScheme } = require('../lib/index.ts');
const { addEveryType } = require('../test/support/every-type.ts');

const SCHEMES = [() => SignatureScheme.standardWebhooks(), () => SignatureScheme.github(), () => SignatureScheme.stripe(), () => SignatureScheme.sender('meta')];

// One source of every scheme type the library knows (test/support/every-type.ts), in groups of 25.
function synthEveryType() {
  const started = performance.now();
  const app = new App({ builtinCloudFormationValidation: validation, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'WebhooksEveryType', { env: { account: '123456789012', region: 'us-east-1' } });
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
    environment: 'prod',
    endpointName: 'synth-time-every-type',
    allowedSourceCidrs: ['203.0.113.0/24'],
    alarmEmail: 'oncall@example.com',
    accountConcurrencyLimit: 2000,
  });
  const types = addEveryType(stack, endpoint);
  const built = performance.now();
  app.synth();
  const done = performance.now();
  return { sources: types.length, build: built - started, synth: done - built, total: done - started };
}

function synth(sources, outdir) {
  const started = performance.now();
  const app = new App({ builtinCloudFormationValidation: validation, outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, `Webhooks${sources}`, { env: { account: '123456789012', region: 'us-east-1' } });
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
    environment: 'prod',
    endpointName: `synth-time-${sources}`,
    allowedSourceCidrs: ['203.0.113.0/24'],
    alarmEmail: 'oncall@example.com',
    accountConcurrencyLimit: 2000,
  });
  for (let i = 0; i < sources; i++) {
    endpoint.addSource(`source-${i}`, { scheme: SCHEMES[i % SCHEMES.length](), group: sources > 20 ? `g${Math.floor(i / GROUP_SIZE)}` : undefined });
  }
  const built = performance.now();
  app.synth();
  const done = performance.now();
  return { build: built - started, synth: done - built, total: done - started };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

synth(1);
const results = SIZES.map((sources) => {
  const times = [];
  for (let run = 0; run < runs; run++) {
    const outdir = out && run === runs - 1 ? join(out, String(sources)) : undefined;
    if (outdir) rmSync(outdir, { recursive: true, force: true });
    times.push(synth(sources, outdir));
  }
  return { sources, build: median(times.map((t) => t.build)), synth: median(times.map((t) => t.synth)), total: median(times.map((t) => t.total)) };
});

const base = results[0].total;
console.log(`Synth time, median of ${runs} run${runs === 1 ? '' : 's'} (Node ${process.version}, CloudFormation validation ${validation ? 'on' : 'off'}):`);
console.log('sources  build ms  synth ms  total ms  ratio to 1 source');
for (const r of results) {
  console.log(`${String(r.sources).padStart(7)}  ${r.build.toFixed(0).padStart(8)}  ${r.synth.toFixed(0).padStart(8)}  ${r.total.toFixed(0).padStart(8)}  ${(r.total / base).toFixed(1).padStart(17)}×`);
}
const [, twenty, hundred] = results;
console.log(`From 20 to 100 sources (5× the sources): ${(hundred.total / twenty.total).toFixed(2)}× the time; per added source ${((hundred.total - twenty.total) / 80).toFixed(0)} ms (20 → 100) against ${((twenty.total - base) / 19).toFixed(0)} ms (1 → 20).`);
const every = [];
for (let run = 0; run < runs; run++) every.push(synthEveryType());
const everyTotal = median(every.map((t) => t.total));
console.log(`Every scheme type, one source each (${every[0].sources} sources in groups of 25): ${everyTotal.toFixed(0)} ms, ${(everyTotal / base).toFixed(1)}× 1 source, ${(everyTotal / hundred.total).toFixed(2)}× 100 sources.`);
if (out) console.log(`Cloud assemblies of the last run: ${SIZES.map((s) => join(out, String(s))).join(', ')}`);
