import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { atTestNow, isoAt, TEST_NOW, TEST_NOW_S, testClock } from './support/clock';

// The unit suite gives the same answers on any calendar day only if no test reads the system clock
// behind the back of test/support/clock.ts. This finds, in every unit-test file, the reads that do:
// Date.now(), new Date() and Date() without an argument, jose's setIssuedAt() without one (it reads
// the system clock), and Date.UTC(...) (a second fixed "now" beside TEST_NOW). Comments and strings
// are not code: the files are parsed, not grepped.

const ROOT = join(__dirname, '..');
const TEST = join(ROOT, 'test');

/** Files that may read the system clock, each with its reason. */
const ALLOWED: Record<string, string> = {
  'test/support/clock.ts': 'the one clock: wallNow() and atTestNow() are where the system clock is read or replaced',
  'test/clock.test.ts': 'tests atTestNow itself: every read is inside a pinned call, or checks that the real Date is back',
};
/** Directories not checked, each with its reason. */
const NOT_CHECKED: Record<string, string> = {
  'test/e2e': 'real processes (moto_server, the bundled handlers) that read the system clock themselves; signed at that clock, compared with no calendar date',
  'test/__snapshots__': 'synthesized templates, no code',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return relative(ROOT, path) in NOT_CHECKED ? [] : sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Each read of the system clock in `text`, as `line: code`. */
function clockReads(fileName: string, text: string): string[] {
  // Parsing is the slow part: a file that cannot hold a read is not parsed.
  if (!/\bDate\b|setIssuedAt/.test(text)) return [];
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const isDate = (node: ts.Node) => ts.isIdentifier(node) && node.text === 'Date';
  const member = (node: ts.Expression, name: string) => ts.isPropertyAccessExpression(node) && node.name.text === name;
  const visit = (node: ts.Node): void => {
    const read =
      (ts.isNewExpression(node) && isDate(node.expression) && (node.arguments?.length ?? 0) === 0) ||
      (ts.isCallExpression(node) && isDate(node.expression)) ||
      (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && isDate(node.expression.expression) && ['now', 'UTC'].includes(node.expression.name.text)) ||
      (ts.isCallExpression(node) && member(node.expression, 'setIssuedAt') && node.arguments.length === 0);
    if (read) found.push(`${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText()}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the unit suite reads time only from test/support/clock.ts', () => {
  test('no unit-test file reads the system clock or makes a second "now"', () => {
    const reads = Object.fromEntries(
      sourceFiles(TEST)
        .map((path) => [relative(ROOT, path), clockReads(path, readFileSync(path, 'utf8'))] as const)
        .filter(([path, found]) => found.length > 0 && !(path in ALLOWED)),
    );
    expect(reads).toEqual({});
  });

  test('the check finds each kind of read, and not the same words in comments, strings or with an argument', () => {
    const code = [
      'const a = Date.now();',
      'const b = new Date();',
      'const c = Date();',
      'const d = Date.UTC(2026, 0, 1);',
      'const e = new SignJWT({}).setIssuedAt().sign(key);',
      '// Date.now() in a comment',
      "const f = 'new Date()';",
      'const g = new Date(TEST_NOW);',
      'const h = new SignJWT({}).setIssuedAt(TEST_NOW_S);',
      'const i = Date.parse(text);',
    ].join('\n');
    expect(clockReads('probe.ts', code)).toEqual(['1: Date.now()', '2: new Date()', '3: Date()', '4: Date.UTC(2026, 0, 1)', '5: new SignJWT({}).setIssuedAt()']);
  });
});

describe('test/support/clock.ts', () => {
  test('TEST_NOW is one fixed instant, in ms and whole seconds', () => {
    expect(isoAt()).toBe('2026-11-28T12:00:00.000Z');
    expect(TEST_NOW_S * 1000).toBe(TEST_NOW);
  });

  test('a test clock moves only when told', () => {
    const clock = testClock();
    expect(clock.now()).toBe(TEST_NOW);
    expect(clock.advance(1500)).toBe(TEST_NOW + 1500);
    expect(clock.now()).toBe(TEST_NOW + 1500);
    expect(clock.set(0)).toBe(0);
  });

  test('atTestNow pins Date.now() and new Date() for the call only, and restores the real Date after a throw or a settled promise', async () => {
    const RealDate = Date;
    expect(atTestNow(() => [Date.now(), new Date().getTime(), new Date(5).getTime(), new Date(2020, 0, 2).getFullYear()])).toEqual([TEST_NOW, TEST_NOW, 5, 2020]);
    expect(Date).toBe(RealDate);
    expect(() =>
      atTestNow(() => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(Date).toBe(RealDate);
    const pending = atTestNow(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return Date.now();
    });
    expect(Date).not.toBe(RealDate);
    await expect(pending).resolves.toBe(TEST_NOW);
    expect(Date).toBe(RealDate);
    await expect(atTestNow(() => Promise.reject(new Error('later')))).rejects.toThrow('later');
    expect(Date).toBe(RealDate);
    expect(new Date() instanceof RealDate).toBe(true);
  });
});
