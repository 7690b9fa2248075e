// The docs' generated sections (`npm run docs:senders`, `npm run docs:cli`): a function of the repo's
// TypeScript, bundled with esbuild and run, rewrites what stands between `<!-- <marker>:start -->`
// and `<!-- <marker>:end -->` in one page. With `check`, nothing is written and a stale section sets
// exit code 1.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * @param {{ source: string, exportName: string, page: string, marker: string, what: string, script: string, check?: boolean }} options
 *   `source` and `page` relative to the repository; `what` names the section in messages.
 */
export async function rewriteGeneratedSection({ source, exportName, page, marker, what, script, check = false }) {
  const dir = mkdtempSync(join(tmpdir(), `${marker}-`));
  try {
    const outfile = join(dir, 'section.cjs');
    await build({ entryPoints: [join(root, source)], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'warning' });
    const generated = createRequire(import.meta.url)(outfile)[exportName]();
    const path = join(root, page);
    const name = relative(root, path);
    const text = readFileSync(path, 'utf8');
    const markers = new RegExp(`<!-- ${marker}:start -->\\n[\\s\\S]*?<!-- ${marker}:end -->`);
    if (!markers.test(text)) throw new Error(`${name} has no <!-- ${marker}:start --> ... <!-- ${marker}:end --> markers`);
    const next = text.replace(markers, () => `<!-- ${marker}:start -->\n${generated}\n<!-- ${marker}:end -->`);
    if (next === text) console.log(`${name}: ${what} already current`);
    else if (check) {
      console.error(`${name}: ${what} not current; run ${script}`);
      process.exitCode = 1;
    } else {
      writeFileSync(path, next);
      console.log(`${name}: ${what} rewritten`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
