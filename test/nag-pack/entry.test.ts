import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

// `cdk-hardened-webhook/nag` as a user's app gets it: its own entry in package.json "exports" (and
// typesVersions), built on whichever cdk-nag the project has, typed by that major's declarations, and
// never loaded by the main entry, which does not depend on cdk-nag at all.
const root = join(__dirname, '..', '..');
const nagDir = join(root, 'lib', 'constructs', 'nag');

const withoutComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
const sources = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).filter((p) => p.endsWith('.ts')).map((p) => join(dir, p));
const imports = (file: string) => [...withoutComments(readFileSync(file, 'utf8')).matchAll(/^(import type|import|export)[^'"]*from\s*['"]([^'"]+)['"]|(require)(?:\.resolve)?\(\s*['"]([^'"]+)['"]/gm)].map((m) => ({ how: m[1] ?? m[3], spec: m[2] ?? m[4] }));

test('lib/constructs/nag loads only aws-cdk-lib, constructs and its own files; cdk-nag only by require in one place, elsewhere its types', () => {
  const found = sources(nagDir).flatMap((file) =>
    imports(file)
      .filter(({ spec }) => !(spec.startsWith('.') && join(file, '..', spec).startsWith(nagDir)))
      .filter(({ spec }) => !/^aws-cdk-lib(\/|$)|^constructs$/.test(spec))
      .map(({ how, spec }) => `${relative(root, file)}: ${how} ${spec}`),
  );
  expect([...new Set(found)].sort()).toEqual([
    'lib/constructs/nag/cdk-nag.ts: import type cdk-nag',
    'lib/constructs/nag/cdk-nag.ts: require cdk-nag',
    'lib/constructs/nag/rule.ts: import type cdk-nag',
    'lib/constructs/nag/webhook-checks.ts: import type cdk-nag',
  ]);
});

test('the library reaches into lib/constructs/nag only for the sender-issued tag, a constant that imports nothing', () => {
  const inNag = (file: string, spec: string) => spec.startsWith('.') && join(file, '..', spec).startsWith(nagDir + sep);
  const found = sources(join(root, 'lib'))
    .filter((file) => !file.startsWith(nagDir + sep))
    .flatMap((file) => imports(file).filter(({ spec }) => inNag(file, spec)).map(({ spec }) => `${relative(root, file)}: ${spec}`));
  expect(found).toEqual(['lib/constructs/signing-secret.ts: ./nag/sender-issued']);
  expect(imports(join(nagDir, 'sender-issued.ts'))).toEqual([]);
});

/** Runs a script in a fresh Node in the repository, where the package resolves itself through "exports". */
const node = (script: string) => JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }));

test('the package exports the pack as cdk-hardened-webhook/nag, built on the installed cdk-nag (3 here)', () => {
  const out = node(`
    const { WebhookChecks, rules, SENDER_ISSUED_TAG } = require('cdk-hardened-webhook/nag');
    const { NagPack } = require('cdk-nag');
    console.log(JSON.stringify({ resolved: require.resolve('cdk-hardened-webhook/nag'), isNagPack: new WebhookChecks() instanceof NagPack, rules: Object.keys(rules).length, tag: SENDER_ISSUED_TAG }));`);
  expect(out).toEqual({ resolved: join(root, 'dist', 'lib', 'constructs', 'nag', 'index.js'), isNagPack: true, rules: 11, tag: { key: 'webhook:key-source', value: 'sender-issued' } });
});

test('loading the main entry loads no cdk-nag', () => {
  const out = node(`
    require('cdk-hardened-webhook');
    console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules[\\\\/]cdk-nag/.test(k))));`);
  expect(out).toEqual([]);
});

test('without cdk-nag, the entry says what to install', () => {
  const out = node(`
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === 'cdk-nag') throw Object.assign(new Error("Cannot find module 'cdk-nag'"), { code: 'MODULE_NOT_FOUND' });
      return resolve.call(this, request, ...rest);
    };
    try { require('cdk-hardened-webhook/nag'); console.log('null'); } catch (error) { console.log(JSON.stringify(error.message)); }`);
  expect(out).toBe('cdk-hardened-webhook/nag builds its pack on cdk-nag, which this project does not have: npm install --save-dev cdk-nag (3.x; 2.x works too)');
});

test('webhookChecksOn builds the pack on a cdk-nag given, for a project holding both majors', () => {
  const out = node(`
    const { webhookChecksOn } = require('cdk-hardened-webhook/nag');
    const nag2 = require('cdk-nag-2');
    const WebhookChecks2 = webhookChecksOn(nag2);
    const pack = new WebhookChecks2({ reports: false });
    let refused;
    try { webhookChecksOn({}); } catch (error) { refused = error.message; }
    console.log(JSON.stringify({ isNag2Pack: pack instanceof nag2.NagPack, visits: typeof pack.visit, name: pack.readPackName, refused }));`);
  expect(out).toEqual({ isNag2Pack: true, visits: 'function', name: 'Webhook', refused: expect.stringMatching(/^cdk-hardened-webhook\/nag: the module given is not cdk-nag/) });
});

describe("a user's TypeScript sees the installed major's types", () => {
  // A throw-away project inside the package: `cdk-hardened-webhook/nag` resolves to the package itself
  // through "exports" (node16), or through "typesVersions" of a linked copy (node10, what `cdk init`
  // projects use), as an installed copy would.
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(root, '.nag-types-'));
    // For node10 resolution, which reads "typesVersions" of an installed package.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'cdk-hardened-webhook'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function typecheck(name: string, code: string, compilerOptions: Record<string, unknown>): string {
    writeFileSync(join(dir, `${name}.ts`), code);
    writeFileSync(join(dir, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, types: [], target: 'ES2022', ...compilerOptions }, files: [`${name}.ts`] }));
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, `tsconfig.${name}.json`)], { cwd: dir, encoding: 'utf8' });
      return 'ok';
    } catch (error) {
      return String((error as { stdout?: string }).stdout);
    }
  }

  test('cdk-nag 3: a validation plugin and a NagPack with validateScope; not an aspect', () => {
    const code = `
      import { App, Aspects, Validations } from 'aws-cdk-lib';
      import { NagPack } from 'cdk-nag';
      import { WebhookChecks } from 'cdk-hardened-webhook/nag';
      const app = new App();
      Validations.of(app).addPlugins(new WebhookChecks(app));
      const pack: NagPack = new WebhookChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true });
      pack.validateScope(app).violations.map((v) => v.ruleName);
      // @ts-expect-error cdk-nag 3 packs are no aspects
      Aspects.of(app).add(new WebhookChecks(app));
      // @ts-expect-error cdk-nag 2's props are not cdk-nag 3's
      new WebhookChecks({ reports: false });
    `;
    expect(typecheck('nag3', code, { module: 'node16', moduleResolution: 'node16' })).toBe('ok');
  });

  test('cdk-nag 2 (installed as cdk-nag): an aspect and a NagPack taking cdk-nag 2 props; not a validation plugin', () => {
    const code = `
      import { App, Aspects, Stack, Validations } from 'aws-cdk-lib';
      import { NagPack, NagSuppressions } from 'cdk-nag';
      import { WebhookChecks } from 'cdk-hardened-webhook/nag';
      const app = new App();
      Aspects.of(app).add(new WebhookChecks());
      const pack: NagPack = new WebhookChecks({ verbose: true, logIgnores: true, reports: false });
      NagSuppressions.addStackSuppressions(new Stack(app, 'S'), [{ id: 'Webhook-QueueDLQ', reason: 'Reviewed.' }]);
      // @ts-expect-error cdk-nag 2 packs are no validation plugins
      Validations.of(app).addPlugins(new WebhookChecks());
      void pack;
    `;
    const paths = { 'cdk-nag': [join(root, 'node_modules', 'cdk-nag-2')] };
    expect(typecheck('nag2', code, { module: 'commonjs', moduleResolution: 'node', baseUrl: dir, paths })).toBe('ok');
  });

  test('both majors installed: webhookChecksOn(cdk-nag 2 under an alias) is typed as a cdk-nag 2 pack', () => {
    const code = `
      import { App, Aspects } from 'aws-cdk-lib';
      import * as nag2 from 'cdk-nag-2';
      import { webhookChecksOn } from 'cdk-hardened-webhook/nag';
      const WebhookChecks2 = webhookChecksOn(nag2);
      const pack: nag2.NagPack = new WebhookChecks2({ reports: false });
      Aspects.of(new App()).add(pack);
      // @ts-expect-error cdk-nag 2 packs take no scope
      new WebhookChecks2(new App());
    `;
    expect(typecheck('both', code, { module: 'node16', moduleResolution: 'node16' })).toBe('ok');
  });
});
