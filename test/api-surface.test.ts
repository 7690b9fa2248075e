import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The public API as the jsii assembly records it (every type, its props, methods and enum members):
// what users in every language compile against. A change to it shows in this snapshot's diff, so a
// move of files (lib/constructs/, issue 23) or a rename is seen for what it is before it ships.
interface JsiiType {
  kind: string;
  properties?: { name: string; type: unknown; optional?: boolean; static?: boolean; immutable?: boolean }[];
  methods?: { name: string; static?: boolean; parameters?: { name: string; type: unknown; optional?: boolean }[]; returns?: { type: unknown } }[];
  members?: { name: string }[];
  initializer?: { parameters?: { name: string; type: unknown; optional?: boolean }[] };
  interfaces?: string[];
  base?: string;
}

const typeName = (t: unknown): string => {
  const ref = t as { fqn?: string; primitive?: string; collection?: { kind: string; elementtype: unknown }; union?: { types: unknown[] } };
  if (ref.fqn) return ref.fqn;
  if (ref.primitive) return ref.primitive;
  if (ref.collection) return `${ref.collection.kind}<${typeName(ref.collection.elementtype)}>`;
  if (ref.union) return ref.union.types.map(typeName).join(' | ');
  return JSON.stringify(t);
};
const param = (p: { name: string; type: unknown; optional?: boolean }) => `${p.name}${p.optional ? '?' : ''}: ${typeName(p.type)}`;

test('the public API (types, props, methods, enum members) is the one this snapshot records', () => {
  const assembly = JSON.parse(readFileSync(join(__dirname, '..', '.jsii'), 'utf8')) as { types: Record<string, JsiiType> };
  const surface = Object.fromEntries(
    Object.entries(assembly.types)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([fqn, t]) => [
        fqn,
        [
          `${t.kind}${t.base ? ` extends ${t.base}` : ''}${t.interfaces?.length ? ` implements ${[...t.interfaces].sort().join(', ')}` : ''}`,
          ...(t.initializer ? [`constructor(${(t.initializer.parameters ?? []).map(param).join(', ')})`] : []),
          ...(t.properties ?? []).map((p) => `${p.static ? 'static ' : ''}${p.immutable ? 'readonly ' : ''}${param(p)}`).sort(),
          ...(t.methods ?? []).map((m) => `${m.static ? 'static ' : ''}${m.name}(${(m.parameters ?? []).map(param).join(', ')}): ${m.returns ? typeName(m.returns.type) : 'void'}`).sort(),
          ...(t.members ?? []).map((m) => `member ${m.name}`),
        ],
      ]),
  );
  expect(surface).toMatchSnapshot();
});
