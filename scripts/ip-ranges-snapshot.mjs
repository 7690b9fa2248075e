#!/usr/bin/env node
// `npm run ip-ranges:snapshot`: rewrites lib/runtime/ip-ranges/snapshot.ts, the copy of every
// published sender IP list (lib/runtime/ip-ranges/lists.ts) that ships with the package, so a first
// deploy needs no fetch.
//
//   npm run ip-ranges:snapshot                         fetch every list live (needs the internet)
//   npm run ip-ranges:snapshot -- --save test/fixtures/ip-ranges
//                                                      ... and keep what was fetched as the captured copies
//   npm run ip-ranges:snapshot -- --from test/fixtures/ip-ranges
//                                                      build from captured copies (no network)
//   options: --out <file> (default: the snapshot), --previous <file> (default: the snapshot)
//
// Live: each list's URL exactly as the catalogue writes it, https only, no redirects followed, at
// most 4 MiB, 5 s; asOf = the time of the fetch. --from <dir>: `<name>.json` or `<name>.txt` with
// its capture time in `<name>.asof` (ISO 8601, UTC), so a regeneration from the same captures is
// byte-for-byte the same file (test/runtime/ip-ranges.test.ts checks the shipped snapshot is). Senders
// sharing one list (Atlassian's: atlassian, bitbucket, jira) share one capture, named after the first
// of them in alphabetical order, and one fetch.
//
// A list that cannot be fetched, read or parsed, or that holds no address for a sender, keeps that
// sender's previous snapshot entry; the script then exits 1 naming it (the file is still written).
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SNAPSHOT = join(root, 'lib', 'runtime', 'ip-ranges', 'snapshot.ts');
const MAX_BYTES = 4 * 1024 * 1024;
const TIMEOUT_MS = 5000;
const ASOF = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

function options(argv) {
  const known = { '--from': 'from', '--out': 'out', '--previous': 'previous', '--save': 'save' };
  const out = { out: SNAPSHOT, previous: SNAPSHOT };
  for (let i = 0; i < argv.length; i += 2) {
    const name = known[argv[i]];
    if (!name || argv[i + 1] === undefined) throw new Error(`usage: ip-ranges-snapshot [--from <dir>] [--save <dir>] [--out <file>] [--previous <file>] (got ${argv[i]})`);
    out[name] = resolve(argv[i + 1]);
  }
  if (out.from && out.save) throw new Error('--save keeps what is fetched live; it makes no sense with --from');
  return out;
}

/** The catalogue (lists.ts and cidrs.ts), compiled from the TypeScript source. */
async function catalogue() {
  const dir = mkdtempSync(join(tmpdir(), 'ip-ranges-'));
  try {
    const outfile = join(dir, 'ip-ranges.cjs');
    await build({ entryPoints: [join(root, 'lib', 'runtime', 'ip-ranges', 'index.ts')], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'warning' });
    return createRequire(import.meta.url)(outfile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GET exactly `url`: https only, 200 only (a redirect is an error, not followed), at most 4 MiB, 5 s. */
function fetchList(url) {
  return new Promise((resolvePromise, reject) => {
    if (!url.startsWith('https://')) return reject(new Error(`not an https URL: ${url}`));
    const outgoing = request(url, { method: 'GET', headers: { accept: 'application/json, text/plain;q=0.9', 'user-agent': 'cdk-hardened-webhook ip-ranges snapshot' }, signal: AbortSignal.timeout(TIMEOUT_MS) }, (response) => {
      const fail = (message) => {
        reject(new Error(message));
        response.destroy();
      };
      const status = response.statusCode ?? 0;
      if (status !== 200) return fail(`HTTP ${status}${response.headers.location ? ` (a redirect to ${response.headers.location}, not followed)` : ''}`);
      if (Number(response.headers['content-length']) > MAX_BYTES) return fail(`the list is larger than ${MAX_BYTES} bytes`);
      const chunks = [];
      let size = 0;
      response.on('data', (chunk) => {
        size += chunk.length;
        if (size > MAX_BYTES) return fail(`the list is larger than ${MAX_BYTES} bytes`);
        chunks.push(chunk);
      });
      response.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
      response.on('error', (error) => reject(error));
    });
    outgoing.on('error', (error) => reject(new Error(`the request failed: ${error.message}`)));
    outgoing.end();
  });
}

/** A captured copy and its capture time, from `dir`. */
function readCapture(dir, name) {
  const found = ['json', 'txt'].map((ext) => join(dir, `${name}.${ext}`)).filter((path) => existsSync(path));
  if (found.length !== 1) throw new Error(found.length ? `both ${name}.json and ${name}.txt in ${dir}` : `no captured copy ${name}.json or ${name}.txt in ${dir}`);
  const asofPath = join(dir, `${name}.asof`);
  if (!existsSync(asofPath)) throw new Error(`no ${name}.asof (the capture time) in ${dir}`);
  const asOf = readFileSync(asofPath, 'utf8').trim();
  if (!ASOF.test(asOf) || Number.isNaN(Date.parse(asOf))) throw new Error(`${name}.asof is not an ISO 8601 UTC time: ${JSON.stringify(asOf.slice(0, 40))}`);
  return { text: readFileSync(found[0], 'utf8'), asOf };
}

function readPrevious(path) {
  if (!existsSync(path)) return {};
  const match = /\/\* snapshot:start \*\/([\s\S]*)\/\* snapshot:end \*\//.exec(readFileSync(path, 'utf8'));
  return match ? JSON.parse(match[1]) : {};
}

function render(snapshot) {
  const sorted = Object.fromEntries(Object.keys(snapshot).sort().map((sender) => [sender, snapshot[sender]]));
  return `// GENERATED by \`npm run ip-ranges:snapshot\` (scripts/ip-ranges-snapshot.mjs): do not edit by hand.
// Each published list as last captured, so a first deploy needs no fetch.

export interface IpListSnapshot {
  /** When the list was captured (ISO 8601, UTC). */
  readonly asOf: string;
  /** The list's URL. */
  readonly url: string;
  /** The webhook senders' addresses, canonical (IPv4 and IPv6 together). */
  readonly addresses: string[];
}

export const IP_RANGES_SNAPSHOT: Readonly<Record<string, IpListSnapshot>> = /* snapshot:start */ ${JSON.stringify(sorted, null, 2)} /* snapshot:end */;
`;
}

async function main() {
  const opts = options(process.argv.slice(2));
  const { PUBLISHED_IP_LISTS, splitCidrs } = await catalogue();
  const previous = readPrevious(opts.previous);
  const byUrl = new Map();
  for (const sender of Object.keys(PUBLISHED_IP_LISTS).sort()) {
    const { url } = PUBLISHED_IP_LISTS[sender];
    byUrl.set(url, [...(byUrl.get(url) ?? []), sender]);
  }
  const next = {};
  const failures = [];
  const keep = (sender, why) => {
    failures.push(`${sender}: ${why}${previous[sender] ? ' (its previous snapshot entry is kept)' : ' (it has no previous snapshot entry: left out)'}`);
    if (previous[sender]) next[sender] = previous[sender];
  };
  for (const [url, senders] of byUrl) {
    const name = senders[0];
    let capture;
    try {
      if (opts.from) capture = readCapture(opts.from, name);
      else {
        const text = await fetchList(url);
        capture = { text, asOf: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
        if (opts.save) {
          mkdirSync(opts.save, { recursive: true });
          let ext = 'txt';
          try {
            JSON.parse(text);
            ext = 'json';
          } catch {
            // a text list
          }
          for (const other of ['json', 'txt']) rmSync(join(opts.save, `${name}.${other}`), { force: true });
          writeFileSync(join(opts.save, `${name}.${ext}`), text);
          writeFileSync(join(opts.save, `${name}.asof`), `${capture.asOf}\n`);
        }
      }
    } catch (error) {
      for (const sender of senders) keep(sender, `${url}: ${error.message}`);
      continue;
    }
    for (const sender of senders) {
      try {
        const { IPV4, IPV6 } = splitCidrs(PUBLISHED_IP_LISTS[sender].parse(capture.text));
        if (IPV4.length + IPV6.length === 0) throw new Error('the list holds no webhook address for this sender');
        next[sender] = { asOf: capture.asOf, url, addresses: [...IPV4, ...IPV6] };
      } catch (error) {
        keep(sender, error.message);
      }
    }
  }
  writeFileSync(opts.out, render(next));
  const count = Object.keys(next).length;
  console.log(`wrote ${opts.out}: ${count} sender${count === 1 ? '' : 's'}${opts.from ? ` from ${opts.from}` : ' fetched live'}`);
  if (failures.length) {
    console.error(`ip-ranges snapshot: ${failures.length} list${failures.length === 1 ? '' : 's'} not refreshed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(`ip-ranges snapshot failed: ${error.message}`);
  process.exitCode = 1;
});
