import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

// The house as a newcomer sees it: lib/ holds the entry point and four layers, each importing only the
// layers below it (runtime ← handlers ← constructs, and the CLI beside the constructs), with no import
// circle anywhere (`import type` counts: a circle of types is still a circle a reader has to untangle).
const root = join(__dirname, '..');
const lib = join(root, 'lib');
const LAYERS = ['runtime', 'handlers', 'constructs', 'cli'] as const;
type Layer = (typeof LAYERS)[number];

/**
 * What each layer may import from the others (its own files always). The constructs' testing helpers
 * read the entry point (lib/index.ts, which exports only constructs) to tell the library's resources
 * from the user's.
 */
const MAY_IMPORT: Record<Layer, readonly (Layer | 'entry')[]> = {
  runtime: [],
  handlers: ['runtime'],
  constructs: ['runtime', 'handlers', 'entry'],
  cli: ['runtime', 'handlers'],
};

const sources = (dir: string): string[] =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))
    .map((p) => join(dir, p));

const withoutComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** Every module specifier a file names: static imports and re-exports, `import()`, `require()`. */
export function specifiers(code: string): string[] {
  return [...withoutComments(code).matchAll(/(?:^|[\s;])(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? m[4],
  );
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((c) => existsSync(c) && statSync(c).isFile());
}

/** The relative-import graph of lib/: file → the lib/ files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(lib)) {
    const deps = specifiers(readFileSync(file, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => resolveRelative(file, s))
      .filter((d): d is string => d !== undefined);
    graph.set(file, [...new Set(deps)]);
  }
  return graph;
}

/** The graph's strongly connected components of more than one file (or a file importing itself): its circles. */
export function circles(graph: Map<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const layerOf = (file: string): Layer | 'entry' => {
  const top = relative(lib, file).split(sep)[0];
  return (LAYERS as readonly string[]).includes(top) ? (top as Layer) : 'entry';
};

test('lib/ holds the exports-only entry point and the four layers, nothing else', () => {
  expect(readdirSync(lib).sort()).toEqual(['cli', 'constructs', 'handlers', 'index.ts', 'runtime']);
  const entry = withoutComments(readFileSync(join(lib, 'index.ts'), 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  expect(entry.filter((line) => !/^export\b.*\bfrom\s+'\.\/(constructs|runtime)\//.test(line))).toEqual([]);
});

test('no import circle anywhere in lib/', () => {
  expect(circles(importGraph()).map((c) => c.map((f) => relative(root, f)))).toEqual([]);
});

test('each layer imports only the layers below it', () => {
  const graph = importGraph();
  const crossings = [...graph].flatMap(([file, deps]) => {
    const from = layerOf(file);
    if (from === 'entry') return [];
    return deps.filter((d) => d.startsWith(lib + sep) && layerOf(d) !== from && !(MAY_IMPORT[from] as readonly string[]).includes(layerOf(d))).map((d) => `${relative(root, file)} → ${relative(root, d)}`);
  });
  expect(crossings).toEqual([]);
});

test('the runtime, the handlers and the CLI never load aws-cdk-lib or constructs; the runtime core loads no AWS SDK', () => {
  const offending = (['runtime', 'handlers', 'cli'] as const).flatMap((layer) =>
    sources(join(lib, layer)).flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter((s) => /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/.test(s) || (layer === 'runtime' && !file.includes(`${sep}consumer${sep}`) && /^@aws-sdk\//.test(s)))
        .map((s) => `${relative(root, file)}: ${s}`),
    ),
  );
  expect(offending).toEqual([]);
});

test('fails if a circle is present (the check itself can fail)', () => {
  const graph = new Map<string, string[]>([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  expect(circles(graph)).toEqual([['a', 'b', 'c']]);
  expect(specifiers("import type { X } from './x';\nexport { Y } from \"../y\";\nconst z = require('./z');\n// import { no } from './comment';")).toEqual(['./x', '../y', './z']);
});
