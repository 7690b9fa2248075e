import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The README is what a library user reads first, in the order they need it; the repository's two
// set-up commands stay in it, marked for working on the library, and CI runs the same test command.

const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);

const section = (heading: string): string => {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
};

test('the sections come in the order a user needs them', () => {
  const order = [
    'What it is',
    'Install',
    'Quick start in an existing stack',
    'Choosing senders',
    'What your processor receives',
    'Operating it',
    'Security model in brief',
    'Limits and cost in brief',
    'Further reading',
    'Working on the library',
  ];
  const positions = order.map((heading) => headings.indexOf(heading));
  expect(positions).not.toContain(-1);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
});

test('the table of contents lists every section, in order', () => {
  const contents = section('Contents');
  const listed = [...contents.matchAll(/^- \[(.+?)\]\(#(.+?)\)$/gm)].map((m) => m[1]);
  expect(listed).toEqual(headings.filter((h) => h !== 'Contents'));
});

test('the two set-up commands stay in the README, marked for working on the library', () => {
  const commands = /```sh\n([\s\S]*?)```/.exec(section('Working on the library'))?.[1]
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/\s+#.*$/, ''));
  expect(commands).toEqual(['npm install && npx cdk synth', 'npm test']);
});

test('CI runs the README\'s test command, after a clean install', () => {
  const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8').split('\n').map((line) => line.trim());
  expect(ci).toContain('npm test');
  expect(ci.indexOf('npm ci --no-audit --no-fund')).toBeLessThan(ci.indexOf('npm test'));
});

test('installing is said for now (a packed tarball) and for once the package is published', () => {
  const install = section('Install');
  expect(install).toMatch(/npm pack/);
  expect(install).toMatch(/npm install \S+\.tgz/);
  expect(install).toMatch(/npm install cdk-hardened-webhook\n/);
});

test('the README stays a README: short, its reference in docs/', () => {
  expect(readme.split('\n').length).toBeLessThan(450);
  for (const page of ['senders', 'props', 'processor', 'runbook', 'secure-defaults', 'nag', 'limits', 'cost', 'speed']) {
    expect(readme).toContain(`](docs/${page}.md)`);
  }
  expect(readme).toContain('](CONTRIBUTING.md)');
  expect(readme).toContain('](API.md)');
});

test('the CLI puts keys with put-key, never put-secret-value', () => {
  for (const file of ['README.md', 'docs/signing-keys.md', 'docs/install.md', 'docs/nag.md', 'docs/cli.md']) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(text).not.toMatch(/put-secret-value/);
  }
});

test('"Try it locally" sets every secret variable before a command uses it', () => {
  const local = section('Try it locally');
  const used = new Set([...local.matchAll(/env:([A-Z_]+)|--secret-env ([A-Z_]+)/g)].map((m) => m[1] ?? m[2]));
  for (const name of used) {
    const set = local.indexOf(`export ${name}=`);
    const first = Math.min(...[`env:${name}`, `--secret-env ${name}`].map((use) => local.indexOf(use)).filter((i) => i >= 0));
    expect(set).toBeGreaterThanOrEqual(0);
    expect(set).toBeLessThan(first);
  }
});
