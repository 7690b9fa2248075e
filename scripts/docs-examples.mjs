#!/usr/bin/env node
// `npm run docs:examples`: every ```ts / ```typescript block of README.md and docs/*.md compiles, under
// TypeScript `strict`, against the BUILT package (dist/, resolved through package.json "exports" as a
// user's project resolves it). Exits 1 listing each failing block as `file:line:col - error TSnnnn: ...`.
//
// The work is jsii-rosetta's (the tool jsii libraries use for their examples): its markdown extractor
// finds the blocks and reads their fence parameters (`ts nofixture`, `ts fixture=NAME`), its fixtures
// (rosetta/*.ts-fixture, `/// here`) complete them, hoisting imports and `declare` lines, and its batch
// translator compiles them all in one program with its own fixed compiler options (strict, Node16
// resolution). Why not `jsii-rosetta extract --strict` itself: it reads only what the .jsii assembly
// holds (the README as of the last `jsii` run, doc-comment examples), never docs/*.md; and its strict
// mode also fails every block it cannot translate to Python, Java, C# and Go, which examples of the
// TypeScript-only entries (runtime, consumer, testing: a Lambda handler's arrow function) never can be.
// So this script drives the same parts through rosetta's library API, over the markdown as it is now,
// and fails on compiler errors only. What is ours: the pretend user project the blocks compile in, one
// fence parameter (`cdk-nag=2`), and mapping each compiler message to its line in the markdown file.
//
//   node scripts/docs-examples.mjs [FILE.md ...]   default: README.md and docs/*.md
//     --no-build        do not compile dist/ when lib/ is newer (scripts/compile-if-stale.mjs)
//     --report FILE     also write the failures as a markdown list to FILE
//     --tablet          also translate the assembly's README blocks to Python, Java, C# and Go into
//                       .jsii.tabl.json (as `jsii-rosetta extract` would; git-ignored), which jsii-pacmak uses
//                       for each language's README and without which `jsii-docgen -l python` (etc.) refuses
//
// Conventions for authors (fixtures, nofixture, cdk-nag=2, what is not compiled): CONTRIBUTING.md,
// "Examples that compile".
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = performance.now();

// ---- arguments
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const option = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined) usage(`${name} needs a value`);
  args.splice(i, 2);
  return value;
};
function usage(message) {
  console.error(`docs:examples: ${message}\nusage: node scripts/docs-examples.mjs [--no-build] [--report FILE] [--tablet] [FILE.md ...]`);
  process.exit(2);
}
const noBuild = flag('--no-build');
const wantTablet = flag('--tablet');
const reportFile = option('--report');
const unknown = args.find((a) => a.startsWith('-'));
if (unknown) usage(`unknown option ${unknown}`);
const files = (args.length > 0
  ? args.map((f) => resolve(f))
  : [join(root, 'README.md'), ...readdirSync(join(root, 'docs'), { recursive: true }).filter((f) => f.endsWith('.md')).sort().map((f) => join(root, 'docs', f))]);
for (const f of files) if (!existsSync(f)) usage(`no such file: ${f}`);

// ---- jsii-rosetta: its public API, plus its markdown extractor and fixture loader, which it does not export
process.env.JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION ??= '1';
const require = createRequire(import.meta.url);
const rosettaDir = dirname(require.resolve('jsii-rosetta/package.json'));
const rosetta = require('jsii-rosetta');
const internal = (path, name) => {
  const fn = require(join(rosettaDir, path))[name];
  if (typeof fn !== 'function') {
    console.error(`docs:examples: jsii-rosetta ${require(join(rosettaDir, 'package.json')).version} has no ${name} in ${path}; update scripts/docs-examples.mjs`);
    process.exit(2);
  }
  return fn;
};
const extractTypescriptSnippetsFromMarkdown = internal('lib/markdown/extract-snippets.js', 'extractTypescriptSnippetsFromMarkdown');
const fixturize = internal('lib/fixtures.js', 'fixturize');
require(join(rosettaDir, 'lib/logging.js')).configure({ level: -2 }); // errors only: no "could not resolve symbol id" for non-jsii entries
const ts = require(require.resolve('typescript', { paths: [rosettaDir] }));
const { SnippetParameters: P } = rosetta;

// ---- dist/ as a user installs it
if (!noBuild) execFileSync(process.execPath, [join(root, 'scripts', 'compile-if-stale.mjs')], { cwd: root, stdio: 'inherit' });
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// The blocks compile as files of rosetta/project/test/ (so `../lib/orders-stack` is rosetta/project/lib/),
// a project of its own (rosetta/project/package.json) whose node_modules/cdk-hardened-webhook links to
// this repository: imports of the package and its entries go through its "exports" to dist/, exactly as
// in an app that installed it. Everything else (aws-cdk-lib, constructs, cdk-nag, @types) resolves from
// the repository's node_modules.
const project = join(root, 'rosetta', 'project');
function link(target, path) {
  const want = relative(dirname(path), target);
  const have = lstatSync(path, { throwIfNoEntry: false });
  if (have?.isSymbolicLink() && readlinkSync(path) === want) return;
  if (have) rmSync(path, { recursive: true, force: true });
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(want, path, 'dir');
}
link(root, join(project, 'node_modules', pkg.name));
mkdirSync(join(project, 'test'), { recursive: true });

// `cdk-nag=2`: a block compiled where `cdk-nag` is cdk-nag 2 (the repository has it as `cdk-nag-2`). The
// package's declarations name cdk-nag, and TypeScript resolves it from where they really are, so they are
// copied (declarations only) into a project whose node_modules/cdk-nag is cdk-nag 2.
const nag2Project = join(root, 'rosetta', '.cdk-nag-2');
function prepareNag2() {
  const copy = join(nag2Project, 'node_modules', pkg.name);
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy, { recursive: true });
  // Another version, or TypeScript, which compiles all blocks in one program, takes the copy for the
  // same package as the repository's (same name, path and version) and reads only one of them.
  writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...pkg, version: `${pkg.version}-cdk-nag-2` }, null, 2));
  cpSync(join(root, 'dist', 'lib'), join(copy, 'dist', 'lib'), { recursive: true, filter: (src) => !src.endsWith('.js') });
  link(join(root, 'node_modules', 'cdk-nag-2'), join(nag2Project, 'node_modules', 'cdk-nag'));
  link(join(project, 'lib'), join(nag2Project, 'lib'));
  mkdirSync(join(nag2Project, 'test'), { recursive: true });
  // A project of its own: inside the repository's package.json scope, TypeScript would resolve the
  // package's name to the repository itself (a package's self-reference) before node_modules.
  writeFileSync(join(nag2Project, 'package.json'), JSON.stringify({ name: 'cdk-hardened-webhook-examples-cdk-nag-2', private: true }, null, 2));
}

// ---- the blocks
const rel = (f) => relative(root, f) || f;
const blocks = []; // { file, fence, snippet, offset, error? }
for (const file of files) {
  const markdown = readFileSync(file, 'utf8');
  const mdLines = markdown.split('\n');
  // The README is the assembly's readme: the same location as `jsii-rosetta extract` gives it, so the
  // tablet's keys are the ones jsii-pacmak and jsii-docgen look up.
  const location = file === join(root, 'README.md') ? { api: 'moduleReadme', moduleFqn: pkg.name } : { api: 'file', fileName: rel(file) };
  for (const found of extractTypescriptSnippetsFromMarkdown(markdown, location, true)) {
    const fence = found.location.field.line; // 1-based line of the opening fence
    // rosetta drops a first line holding `///` (it reads parameters from it)
    const offset = /[/]{3}/.test(mdLines[fence] ?? '') ? 1 : 0;
    const indent = /^ */.exec(mdLines[fence - 1])[0].length; // a fence in a list: CommonMark strips as much from each line
    const nag2 = found.parameters?.['cdk-nag'] === '2';
    if (found.parameters?.['cdk-nag'] !== undefined && !nag2) {
      blocks.push({ file, fence, snippet: found, offset, indent, error: `cdk-nag=${found.parameters['cdk-nag']}: only cdk-nag=2 is known (the default is 3)` });
      continue;
    }
    const compilation = join(nag2 ? nag2Project : project, 'test');
    const parametrized = rosetta.updateParameters(found, { [P.$PROJECT_DIRECTORY]: root, [P.$COMPILATION_DIRECTORY]: compilation });
    try {
      blocks.push({ file, fence, offset, indent, nag2, snippet: fixturize(parametrized, false) });
    } catch (error) {
      blocks.push({ file, fence, offset, indent, snippet: parametrized, error: error.message.replace(root, '') });
    }
  }
}
if (blocks.some((b) => b.nag2)) prepareNag2();

// ---- compile: one program for all blocks (rosetta's BatchSnippetTranslator), diagnostics only
const compilable = blocks.filter((b) => !b.error);
const failures = []; // { file, line, column, message, fence }
for (const b of blocks.filter((x) => x.error)) failures.push({ file: b.file, fence: b.fence, line: b.fence, column: 1, message: b.error });
if (compilable.length > 0) {
  const batch = new rosetta.BatchSnippetTranslator(compilable.map((b) => b.snippet), { includeCompilerDiagnostics: true, compilationDirectory: join(project, 'test') });
  let i = 0;
  const seen = new Set();
  for (const [, translator] of batch) {
    const block = compilable[i++];
    for (const d of translator.diagnostics) {
      if (d.category !== ts.DiagnosticCategory.Error) continue;
      const where = locate(block, d);
      const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      const key = `${where.file}:${where.line}:${where.column}:${message}`;
      if (seen.has(key)) continue; // a global or a shared file's diagnostic, reported once
      seen.add(key);
      failures.push({ ...where, fence: block.fence, blockFile: block.file, message });
    }
  }
}

// Where a compiler message points in the markdown file. With a fixture, rosetta moved the block's
// top-level imports and `declare` statements above the fixture and put the rest at `/// here`; both
// pieces are the statements' full texts, in order, so offsets map back through the same split.
function locate(block, d) {
  const { snippet } = block;
  if (!d.file || d.start === undefined) return { file: block.file, line: block.fence, column: 1, note: 'whole block' };
  const text = d.file.text;
  const own = d.file.fileName.endsWith(`${snippetFileName(snippet)}.ts`);
  if (!own) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return { file: resolve(d.file.fileName), line: line + 1, column: character + 1, note: `from the block at ${rel(block.file)}:${block.fence}` };
  }
  const visible = snippet.visibleSource;
  let offset = d.start;
  if (snippet.completeSource !== undefined && snippet.completeSource !== visible) {
    const mapped = mapThroughFixture(visible, text, d.start);
    if (mapped === undefined) {
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return { file: block.file, line: block.fence, column: 1, note: `in the fixture (${snippet.parameters?.fixture ?? 'default'}), line ${line + 1}: ${text.split('\n')[line].trim()}` };
    }
    offset = mapped;
  } else if (offset > visible.length) {
    return { file: block.file, line: block.fence, column: 1, note: 'end of block' };
  }
  const before = visible.slice(0, offset).split('\n');
  return { file: block.file, line: block.fence + 1 + block.offset + before.length - 1, column: block.indent + before[before.length - 1].length + 1 };
}
function snippetFileName(snippet) {
  return rosetta.formatLocation(snippet.location).replace(/\/|\\/g, '.'); // as rosetta names the file
}
function mapThroughFixture(visible, complete, position) {
  const source = ts.createSourceFile('index.ts', visible, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const hoisted = [];
  const rest = [];
  for (const s of source.statements) {
    const isHoisted = s.kind === ts.SyntaxKind.ImportDeclaration || s.kind === ts.SyntaxKind.ImportEqualsDeclaration
      || (s.kind === ts.SyntaxKind.VariableStatement && s.getChildAt(0)?.getChildAt(0)?.kind === ts.SyntaxKind.DeclareKeyword);
    (isHoisted ? hoisted : rest).push({ start: s.getFullStart(), text: s.getFullText(source) });
  }
  const pieces = [];
  const importsText = hoisted.map((p) => p.text).join('');
  if (importsText) {
    const at = complete.indexOf(`/// !show\n${importsText}\n/// !hide`);
    if (at >= 0) pieces.push({ at: at + '/// !show\n'.length, parts: hoisted });
  }
  const statementsText = rest.map((p) => p.text).join('');
  const marker = '// Code snippet begins after !show marker below\n/// !show\n';
  const at = complete.indexOf(`${marker}${statementsText}`);
  if (at >= 0) pieces.push({ at: at + marker.length, parts: rest });
  for (const { at: begin, parts } of pieces) {
    let cursor = begin;
    for (const part of parts) {
      if (position >= cursor && position < cursor + part.text.length) return part.start + (position - cursor);
      cursor += part.text.length;
    }
  }
  return undefined;
}

// ---- the tablet (optional): rosetta's translator over the README's blocks, written where `extract` writes it
// The README's blocks as the assembly holds them (`jsii` copies README.md into .jsii when it compiles):
// those are what jsii-pacmak and jsii-docgen look up, by location and text.
let tabletNote = '';
if (wantTablet) {
  const assembly = JSON.parse(readFileSync(join(root, '.jsii'), 'utf8'));
  const markdown = assembly.readme?.markdown ?? '';
  if (markdown.trim() !== readFileSync(join(root, 'README.md'), 'utf8').trim()) {
    console.error('docs:examples: the README in .jsii is older than README.md: `npm run compile`, then --tablet again, for a tablet that matches it');
  }
  const location = { api: 'moduleReadme', moduleFqn: pkg.name };
  const snippets = extractTypescriptSnippetsFromMarkdown(markdown, location, true).map((found) => {
    const compilation = join(found.parameters?.['cdk-nag'] === '2' ? nag2Project : project, 'test');
    return fixturize(rosetta.updateParameters(found, { [P.$PROJECT_DIRECTORY]: root, [P.$COMPILATION_DIRECTORY]: compilation }), true);
  });
  if (snippets.some((x) => x.parameters?.['cdk-nag'] === '2')) prepareNag2();
  const translator = new rosetta.RosettaTranslator({ assemblies: [assembly] });
  const result = await translator.translateAll(snippets, { compilationDirectory: join(project, 'test'), batchSize: 1000 });
  const tablet = new rosetta.LanguageTablet();
  tablet.addTranslations(...result.translatedSnippets);
  await tablet.save(join(root, '.jsii.tabl.json'));
  tabletNote = `; the assembly's ${result.translatedSnippets.length} README blocks translated into .jsii.tabl.json`;
}

// ---- report
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const failedBlocks = new Set(failures.map((f) => `${f.blockFile ?? f.file}:${f.fence}`));
const byFile = files.map((f) => [rel(f), blocks.filter((b) => b.file === f).length]).filter(([, n]) => n > 0).map(([f, n]) => `${f} ${n}`).join(', ');
for (const f of failures) {
  const note = f.note ? ` (${f.note})` : '';
  console.error(`${rel(f.file)}:${f.line}:${f.column} - error ${f.message}${note}`);
}
const n = (count, noun) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const summary = `docs:examples: ${n(blocks.length, 'TypeScript block')} in ${n(files.length, 'file')} (${byFile || 'none'}) compiled under strict against dist/ in ${seconds} s: `
  + (failures.length === 0 ? 'all compile' : `${failedBlocks.size} failed (${n(failures.length, 'error')})`) + tabletNote;
console.log(summary);
if (reportFile) {
  const lines = [
    '# TypeScript blocks of README.md and docs/*.md that do not compile',
    '',
    `Written by \`node scripts/docs-examples.mjs --report ...\` (${summary.replace(/^docs:examples: /, '')}).`,
    'Conventions: /work/notes/rosetta-contract.md. Line numbers are the markdown file\'s.',
    '',
    ...(failures.length === 0 ? ['None: every block compiles.'] : []),
    ...failures.map((f) => `- \`${rel(f.file)}:${f.line}:${f.column}\` (block at line ${f.fence}): ${f.message.replace(/\n/g, ' ')}${f.note ? ` (${f.note})` : ''}`),
    '',
  ];
  writeFileSync(reportFile, lines.join('\n'));
}
process.exit(failures.length === 0 ? 0 : 1);
