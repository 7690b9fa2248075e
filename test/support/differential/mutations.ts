import fc from 'fast-check';
import { Delivery } from './kits';

/*
 * What anyone holding a genuine delivery can change before resending it, as fast-check arbitraries:
 * the body's bytes (prefixes, suffixes, a BOM, invalid UTF-8), its spelling (percent-encoding, `+`
 * and `%20`, parameter order, repeated and empty pairs, a moved `=`, JSON whitespace, duplicate and
 * reordered keys, `\u` escapes), and the headers (name case, duplicates, folding, arrays, values of
 * headers the signature may not cover, headers added or removed). Each mutation names itself, so a
 * counterexample reads as what was done.
 */

export interface Mutation {
  /** The family of the change: what the findings file and the known-open table refer to. */
  readonly kind: string;
  apply(delivery: Delivery): Delivery;
  toString(): string;
}

function mutation(kind: string, detail: string, apply: (d: Delivery) => Delivery): Mutation {
  return { kind, apply, toString: () => `${kind}(${detail})` };
}

const withBody = (d: Delivery, body: Buffer): Delivery => ({ ...d, body });
const text = (d: Delivery) => d.body.toString('utf8');
const show = (bytes: Buffer) => JSON.stringify(bytes.toString('latin1'));

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The body split on `&`, changed, joined: form respellings. */
const pairs = (d: Delivery, change: (list: string[]) => string[]) => withBody(d, Buffer.from(change(text(d).split('&')).join('&')));

/** A UTF-8 byte order mark before the body. */
export const bom = mutation('bom', 'EF BB BF', (d) => withBody(d, Buffer.concat([BOM, d.body])));

/** The `at`-th percent-encoded UTF-8 character (`%C3%A9`) sent as its raw bytes: UTF-8, or the Latin-1 byte. */
export function percentToRaw(at: number, latin1: boolean): Mutation {
  return mutation('percent-to-raw', `${at}, ${latin1 ? 'latin1' : 'utf8'}`, (d) => {
    const source = text(d);
    const found = [...source.matchAll(/(?:%[CDcd][0-9A-Fa-f]%[89ABab][0-9A-Fa-f])/g)];
    if (found.length === 0) return d;
    const { index, 0: code } = found[at % found.length];
    const char = Buffer.from(code.replace(/%/g, ''), 'hex').toString('utf8');
    const raw = Buffer.from(char, latin1 && char.charCodeAt(0) <= 0xff ? 'latin1' : 'utf8');
    return withBody(d, Buffer.concat([Buffer.from(source.slice(0, index)), raw, Buffer.from(source.slice(index! + code.length))]));
  });
}

/** The `at`-th `&`-separated pair sent twice: next to itself, or at the end. */
export function repeatPair(at: number, adjacent: boolean): Mutation {
  return mutation('repeat-pair', `${at}${adjacent ? ', adjacent' : ', at the end'}`, (d) =>
    pairs(d, (list) => {
      const i = at % list.length;
      return adjacent ? [...list.slice(0, i + 1), list[i], ...list.slice(i + 1)] : [...list, list[i]];
    }),
  );
}

/** `pair` (empty, a lone `=`, a name or value alone) inserted as the `at`-th pair. */
export function emptyPair(at: number, pair: string): Mutation {
  return mutation('empty-pair', `${at}, ${JSON.stringify(pair)}`, (d) =>
    pairs(d, (list) => {
      const i = at % (list.length + 1);
      return [...list.slice(0, i), pair, ...list.slice(i)];
    }),
  );
}

/** The `=` of the `at`-th pair moved `by` characters (`From=x` → `Fro=mx`). */
export function moveEquals(at: number, by: number): Mutation {
  return mutation('move-equals', `${at}, ${by}`, (d) =>
    pairs(d, (list) => {
      const i = at % list.length;
      const p = list[i];
      const eq = p.indexOf('=');
      if (eq < 0 || by === 0) return list;
      const bare = p.slice(0, eq) + p.slice(eq + 1);
      const to = Math.max(0, Math.min(bare.length, eq + by));
      return [...list.slice(0, i), bare.slice(0, to) + '=' + bare.slice(to), ...list.slice(i + 1)];
    }),
  );
}

const affixes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...[BOM, ' ', '\n', '\r\n', '\t', '\0', '&', '=', '&=', ',', '}', '0'].map((b) => (Buffer.isBuffer(b) ? b : Buffer.from(b)))),
  fc.uint8Array({ minLength: 1, maxLength: 3 }).map((b) => Buffer.from(b)),
);

const bytes: fc.Arbitrary<Mutation> = fc.oneof(
  affixes.map((b) => mutation('prepend', show(b), (d) => withBody(d, Buffer.concat([b, d.body])))),
  affixes.map((b) => mutation('append', show(b), (d) => withBody(d, Buffer.concat([d.body, b])))),
  fc.constant(bom),
  fc.tuple(fc.nat(), affixes).map(([at, b]) =>
    mutation('insert', `${at}, ${show(b)}`, (d) => {
      const i = at % (d.body.length + 1);
      return withBody(d, Buffer.concat([d.body.subarray(0, i), b, d.body.subarray(i)]));
    }),
  ),
  fc.nat().map((at) =>
    mutation('delete-byte', String(at), (d) => {
      const i = at % Math.max(d.body.length, 1);
      return withBody(d, Buffer.concat([d.body.subarray(0, i), d.body.subarray(i + 1)]));
    }),
  ),
  // A character as the sender encoded it (UTF-8) replaced by the byte Latin-1 would use; else a lone 0xFF.
  fc.nat().map((at) =>
    mutation('invalid-utf8', String(at), (d) => {
      const source = text(d);
      const wide = [...source].map((c, i) => ({ c, i })).filter(({ c }) => c.codePointAt(0)! > 0x7f && c.codePointAt(0)! <= 0xff);
      if (wide.length === 0) {
        const i = at % (d.body.length + 1);
        return withBody(d, Buffer.concat([d.body.subarray(0, i), Buffer.from([0xff]), d.body.subarray(i)]));
      }
      const { c, i } = wide[at % wide.length];
      const chars = [...source];
      return withBody(d, Buffer.concat([Buffer.from(chars.slice(0, i).join('')), Buffer.from(c, 'latin1'), Buffer.from(chars.slice(i + 1).join(''))]));
    }),
  ),
);

/**
 * A second spelling of `name` that a consumer matching names loosely reads as `name`: its first
 * letter's case flipped (Go, Json.NET, ASP.NET), a Unicode fold (the Kelvin sign for `k`, `ſ` for `s`,
 * `ı` for `i`), `name[]` (PHP, qs, Rack) or ` name` (PHP). A name with none of those letters gets its
 * case flipped for `fold`.
 */
export type TwinSpelling = 'case' | 'fold' | 'brackets' | 'leading-space';
export const TWIN_SPELLINGS: readonly TwinSpelling[] = ['case', 'fold', 'brackets', 'leading-space'];

export function twinOf(name: string, how: TwinSpelling): string {
  if (how === 'brackets') return `${name}[]`;
  if (how === 'leading-space') return ` ${name}`;
  if (how === 'fold') {
    // One fold only: Go folds `K` and `ſ` but not `ı`, which only upper-casing readers match.
    for (const [from, to] of [[/k/i, '\u212A'], [/s/i, '\u017F'], [/i/, '\u0131']] as const) if (from.test(name)) return name.replace(from, to);
  }
  const head = name.charAt(0);
  return (head === head.toUpperCase() ? head.toLowerCase() : head.toUpperCase()) + name.slice(1);
}

/** Every object in a parsed JSON value, depth first. */
function objectsIn(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (value !== null && typeof value === 'object') {
    if (!Array.isArray(value)) out.push(value as Record<string, unknown>);
    for (const v of Object.values(value)) objectsIn(v, out);
  }
  return out;
}

/**
 * Beside every key of every object, its twin (twinOf) carrying another value (a string gets an `x`
 * before it; anything else is repeated). JSON.parse keeps both, as different keys.
 */
export function jsonKeyTwins(how: TwinSpelling): Mutation {
  return mutation('json-key-twins', how, (d) => {
    const doc = parsedObject(d);
    if (!doc) return d;
    for (const object of objectsIn(doc)) {
      for (const [name, value] of Object.entries(object)) {
        const twin = twinOf(name, how);
        if (!(twin in object)) object[twin] = typeof value === 'string' ? `x${value}` : value;
      }
    }
    return withBody(d, Buffer.from(JSON.stringify(doc)));
  });
}

/** Every string of decimal digits in the body's JSON written as a number (`"1770920772"` → `1770920772`). */
export const jsonDigitsToNumbers = mutation('json-digits-to-numbers', 'all', (d) => {
  const doc = parsedObject(d);
  if (!doc) return d;
  for (const object of objectsIn(doc)) {
    for (const [name, value] of Object.entries(object)) if (typeof value === 'string' && /^[1-9]\d{0,14}$/.test(value)) object[name] = Number(value);
  }
  return withBody(d, Buffer.from(JSON.stringify(doc)));
});

/** After the form's pairs, a twin (twinOf) of every name, with the value `x`. */
export function formNameTwins(how: TwinSpelling): Mutation {
  return mutation('form-name-twins', how, (d) => {
    const names = [...new Set(new URLSearchParams(text(d)).keys())];
    if (names.length === 0) return d;
    const extra = names.map((name) => `${encodeURIComponent(twinOf(name, how))}=x`);
    return withBody(d, Buffer.from([text(d), ...extra].join('&')));
  });
}

const PERCENT = /%[0-9A-Fa-f]{2}/g;
const form: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.boolean()).map(([at, lower]) =>
    mutation('percent-encode', `${at}${lower ? ', lower hex' : ''}`, (d) => {
      const source = text(d);
      const plain = [...source.matchAll(/[A-Za-z0-9._~*-]/g)];
      if (plain.length === 0) return d;
      const { index } = plain[at % plain.length];
      const hex = source.charCodeAt(index!).toString(16).toUpperCase().padStart(2, '0');
      return withBody(d, Buffer.from(source.slice(0, index) + `%${lower ? hex.toLowerCase() : hex}` + source.slice(index! + 1)));
    }),
  ),
  fc.nat().map((at) =>
    mutation('percent-case', String(at), (d) => {
      const source = text(d);
      const found = [...source.matchAll(PERCENT)];
      if (found.length === 0) return d;
      const { index } = found[at % found.length];
      const code = source.slice(index!, index! + 3);
      const flipped = code === code.toUpperCase() ? code.toLowerCase() : code.toUpperCase();
      return withBody(d, Buffer.from(source.slice(0, index) + flipped + source.slice(index! + 3)));
    }),
  ),
  fc.nat().map((at) =>
    mutation('percent-decode', String(at), (d) => {
      const source = text(d);
      const found = [...source.matchAll(PERCENT)];
      if (found.length === 0) return d;
      const { index } = found[at % found.length];
      const decoded = String.fromCharCode(parseInt(source.slice(index! + 1, index! + 3), 16));
      return withBody(d, Buffer.from(source.slice(0, index) + decoded + source.slice(index! + 3)));
    }),
  ),
  // A percent-encoded UTF-8 character (`%C3%A9`) sent as its raw bytes, UTF-8 or the Latin-1 byte.
  fc.tuple(fc.nat(), fc.boolean()).map(([at, latin1]) => percentToRaw(at, latin1)),
  fc.constantFrom<[string, string]>(['+', '%20'], ['%20', '+'], ['+', ' '], ['%2B', '+'], ['%3D', '='], ['%26', '&']).map(([from, to]) =>
    mutation('respell', `${from} → ${to}`, (d) => withBody(d, Buffer.from(text(d).split(from).join(to)))),
  ),
  fc.array(fc.nat(), { minLength: 2, maxLength: 6 }).map((order) =>
    mutation('reorder-pairs', order.join(','), (d) =>
      pairs(d, (list) => list.map((p, i) => ({ p, k: order[i % order.length] * 31 + i })).sort((a, b) => a.k - b.k).map(({ p }) => p)),
    ),
  ),
  fc.tuple(fc.nat(), fc.boolean()).map(([at, adjacent]) => repeatPair(at, adjacent)),
  fc.tuple(fc.nat(), fc.constantFrom('', '=', '=x', 'x')).map(([at, pair]) => emptyPair(at, pair)),
  fc.tuple(fc.nat(), fc.integer({ min: -3, max: 3 })).map(([at, by]) => moveEquals(at, by)),
  fc.nat().map((at) =>
    mutation('drop-equals', String(at), (d) =>
      pairs(d, (list) => {
        const i = at % list.length;
        return [...list.slice(0, i), list[i].replace('=', ''), ...list.slice(i + 1)];
      }),
    ),
  ),
  fc.constantFrom(...TWIN_SPELLINGS).map((how) => formNameTwins(how)),
);

/** Offsets of structural JSON characters (outside strings) in `source`. */
function structural(source: string): number[] {
  const out: number[] = [];
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if ('{}[],:'.includes(c)) out.push(i);
  }
  return out;
}

function parsedObject(d: Delivery): Record<string, unknown> | undefined {
  try {
    const doc = JSON.parse(text(d)) as unknown;
    return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const json: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(...TWIN_SPELLINGS).map(jsonKeyTwins),
  fc.constant(jsonDigitsToNumbers),
  fc.tuple(fc.nat(), fc.constantFrom(' ', '\n', '\t', '\r\n', '  '), fc.boolean()).map(([at, space, after]) =>
    mutation('json-whitespace', `${at}, ${JSON.stringify(space)}${after ? ', after' : ', before'}`, (d) => {
      const source = text(d);
      const spots = structural(source);
      if (spots.length === 0) return d;
      const i = spots[at % spots.length] + (after ? 1 : 0);
      return withBody(d, Buffer.from(source.slice(0, i) + space + source.slice(i)));
    }),
  ),
  fc.constantFrom(0, 2).map((indent) => mutation('json-reformat', String(indent), (d) => {
    const doc = parsedObject(d);
    return doc ? withBody(d, Buffer.from(JSON.stringify(doc, null, indent))) : d;
  })),
  fc.tuple(fc.nat(), fc.boolean(), fc.boolean()).map(([at, same, first]) =>
    mutation('json-duplicate-key', `${at}${same ? ', same value' : ', other value'}${first ? ', before' : ', after'}`, (d) => {
      const doc = parsedObject(d);
      const names = doc ? Object.keys(doc) : [];
      if (!doc || names.length === 0) return d;
      const name = names[at % names.length];
      const extra = `${JSON.stringify(name)}:${JSON.stringify(same ? doc[name] : 'x')}`;
      const inner = text(d).trim().slice(1, -1);
      return withBody(d, Buffer.from(first ? `{${extra},${inner}}` : `{${inner},${extra}}`));
    }),
  ),
  fc.nat().map((seed) =>
    mutation('json-reorder-keys', String(seed), (d) => {
      const doc = parsedObject(d);
      if (!doc) return d;
      const names = Object.keys(doc);
      const rotated = [...names.slice(seed % Math.max(names.length, 1)), ...names.slice(0, seed % Math.max(names.length, 1))];
      return withBody(d, Buffer.from(`{${rotated.map((n) => `${JSON.stringify(n)}:${JSON.stringify(doc[n])}`).join(',')}}`));
    }),
  ),
  fc.nat().map((at) =>
    mutation('json-escape', String(at), (d) => {
      const source = text(d);
      // A letter inside a string, written as its \u escape.
      const letters: number[] = [];
      let inString = false;
      for (let i = 0; i < source.length; i++) {
        const c = source[i];
        if (inString && c === '\\') i++;
        else if (c === '"') inString = !inString;
        else if (inString && /[A-Za-z]/.test(c)) letters.push(i);
      }
      if (letters.length === 0) return d;
      const i = letters[at % letters.length];
      return withBody(d, Buffer.from(`${source.slice(0, i)}\\u${source.charCodeAt(i).toString(16).padStart(4, '0')}${source.slice(i + 1)}`));
    }),
  ),
);

type Headers = Record<string, string | readonly string[]>;
const withHeaders = (d: Delivery, headers: Headers): Delivery => ({ ...d, headers });
const entries = (d: Delivery) => Object.entries(d.headers);
const pick = <T>(list: readonly T[], at: number): T | undefined => (list.length === 0 ? undefined : list[at % list.length]);
const first = (v: string | readonly string[]) => (typeof v === 'string' ? v : v[0] ?? '');

/** Header changes; `names` are header names worth adding (the scheme's own, and its senders' metadata). */
function headerMutations(names: readonly string[]): fc.Arbitrary<Mutation> {
  const value = fc.oneof(fc.constantFrom('x', '1', 'notification', 'webhook_callback_verification', 'application/json', 'application/x-www-form-urlencoded', 'text/plain', ''), fc.stringMatching(/^[ -~]{0,12}$/));
  return fc.oneof(
    fc.tuple(fc.nat(), fc.array(fc.boolean(), { minLength: 1, maxLength: 40 })).map(([at, upper]) =>
      mutation('header-case', `${at}, ${upper.map((u) => (u ? 'U' : 'l')).join('')}`, (d) => {
        const list = entries(d);
        const chosen = pick(list, at);
        if (!chosen) return d;
        const renamed = [...chosen[0]].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase())).join('');
        return withHeaders(d, Object.fromEntries(list.map(([k, v]) => (k === chosen[0] ? [renamed, v] : [k, v]))));
      }),
    ),
    fc.tuple(fc.nat(), fc.constantFrom('array', 'same-name-other-case', 'comma', 'comma-space', 'single-array')).map(([at, how]) =>
      mutation('header-repeat', `${at}, ${how}`, (d) => {
        const list = entries(d);
        const chosen = pick(list, at);
        if (!chosen) return d;
        const [k, v] = chosen;
        const one = first(v);
        const headers: Headers = { ...d.headers };
        if (how === 'array') headers[k] = [one, one];
        else if (how === 'single-array') headers[k] = [one];
        else if (how === 'comma') headers[k] = `${one},${one}`;
        else if (how === 'comma-space') headers[k] = `${one}, ${one}`;
        else headers[k === k.toUpperCase() ? k.toLowerCase() : k.toUpperCase()] = one;
        return withHeaders(d, headers);
      }),
    ),
    fc.tuple(fc.nat(), fc.constantFrom(' ', '\t', '  ')).map(([at, space]) =>
      mutation('header-whitespace', `${at}, ${JSON.stringify(space)}`, (d) => {
        const chosen = pick(entries(d), at);
        return chosen ? withHeaders(d, { ...d.headers, [chosen[0]]: `${space}${first(chosen[1])}${space}` }) : d;
      }),
    ),
    fc.nat().map((at) =>
      mutation('header-remove', String(at), (d) => {
        const chosen = pick(entries(d), at);
        return chosen ? removeHeader(chosen[0]).apply(d) : d;
      }),
    ),
    fc.tuple(fc.nat(), value).map(([at, v]) =>
      mutation('header-value', `${at}, ${JSON.stringify(v)}`, (d) => {
        const chosen = pick(entries(d), at);
        return chosen ? withHeaders(d, { ...d.headers, [chosen[0]]: v }) : d;
      }),
    ),
    fc.tuple(fc.constantFrom(...names, 'x-extra', 'content-type'), value).map(([name, v]) => setHeader(name, v)),
    fc.constantFrom('; charset=utf-8', '; charset=UTF-8', ';charset=latin1', ' ').map((suffix) =>
      mutation('content-type-params', JSON.stringify(suffix), (d) => {
        const k = Object.keys(d.headers).find((h) => h.toLowerCase() === 'content-type');
        return k ? withHeaders(d, { ...d.headers, [k]: `${first(d.headers[k]).split(';')[0]}${suffix}` }) : d;
      }),
    ),
  );
}

/** Removes a header, under whatever case it was sent. */
export function removeHeader(name: string): Mutation {
  return mutation('header-remove', name, (d) => withHeaders(d, Object.fromEntries(entries(d).filter(([k]) => k.toLowerCase() !== name.toLowerCase()))));
}

/** Sets a header (replacing it under whatever case it was sent), or adds it. */
export function setHeader(name: string, value: string): Mutation {
  return mutation('header-add', `${name}: ${JSON.stringify(value)}`, (d) => {
    const existing = Object.keys(d.headers).find((k) => k.toLowerCase() === name.toLowerCase());
    return withHeaders(d, { ...d.headers, [existing ?? name]: value });
  });
}

/** A change of the URL's query parameters (URL-signing senders). */
function query(kind: string, detail: string, change: (params: URLSearchParams) => void): Mutation {
  return mutation(kind, detail, (d) => {
    if (!d.url || !URL.canParse(d.url)) return d;
    const url = new URL(d.url);
    change(url.searchParams);
    return { ...d, url: url.toString() };
  });
}

/** A change of the URL's text (URL-signing senders). */
const urlText = (kind: string, detail: string, change: (url: string) => string) => mutation(kind, detail, (d) => (d.url ? { ...d, url: change(d.url) } : d));

/** The `at`-th `char` in the URL's path or query (cyclically) percent-encoded. */
export function urlPercentEncode(char: string, at: number): Mutation {
  return urlText('url-percent-encode', `${JSON.stringify(char)}, ${at}`, (url) => {
    // In the path or the query: the host is the Host header's, not the sender's to spell.
    const path = url.indexOf('/', url.indexOf('//') + 2);
    const spots = [...url].map((c, i) => (c === char && i > path ? i : -1)).filter((i) => i >= 0);
    if (spots.length === 0) return url;
    const i = spots[at % spots.length];
    return `${url.slice(0, i)}%${char.charCodeAt(0).toString(16).toUpperCase()}${url.slice(i + 1)}`;
  });
}

/**
 * Changes of the URL a URL-signing sender's request is posted to: its query parameters added,
 * changed, repeated, removed or reordered, characters percent-encoded (`?` as `%3F`), the host's
 * case, a default port, a fragment.
 */
export const urlMutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom('tenant', 'v', 'bodySHA256', 'x', 'tenant?x'), fc.constantFrom('acme', '2', '', '?', 'a b', '%3F')).map(([name, value]) =>
    query('query-add', `${name}=${value}`, (params) => params.append(name, value)),
  ),
  fc.tuple(fc.constantFrom('tenant', 'v', 'bodySHA256'), fc.constantFrom('acme', '2', 'acme?v=2', '')).map(([name, value]) =>
    query('query-value', `${name}=${value}`, (params) => params.set(name, value)),
  ),
  fc.constantFrom('tenant', 'v', 'bodySHA256').map((name) => query('query-remove', name, (params) => params.delete(name))),
  fc.constantFrom('tenant', 'v').map((name) => query('query-repeat', name, (params) => params.getAll(name).forEach((v) => params.append(name, v)))),
  fc.constant(query('query-reorder', 'reversed', (params) => {
    const list = [...params].reverse();
    [...params.keys()].forEach((k) => params.delete(k));
    list.forEach(([k, v]) => params.append(k, v));
  })),
  fc.tuple(fc.constantFrom('?', '=', '&', '/', 'a', 'e', '.'), fc.nat()).map(([char, at]) => urlPercentEncode(char, at)),
  fc.constantFrom<[string, (url: string) => string]>(
    ['host-case', (url) => url.replace('hooks.example.com', 'HOOKS.Example.com')],
    ['default-port', (url) => url.replace('.com/', '.com:443/')],
    ['fragment', (url) => `${url}#x`],
    ['empty-query', (url) => (url.includes('?') ? url.replace('?', '?&') : `${url}?`)],
    ['trailing-slash', (url) => url.replace('/src', '/src/')],
  ).map(([name, change]) => urlText('url-respell', name, change)),
);

/**
 * The last byte(s) of the URL moved to the front of the body, or the body's first ones onto the URL.
 * No URL-signing sender puts a separator between the two, so only a verifier that takes the URL from
 * its configuration, never from the request, refuses this (the handler does; a caller of the
 * runtime must pass the configured URL).
 */
export function moveBoundary(n: number, intoBody: boolean): Mutation {
  return mutation('query-body-boundary', `${n}, ${intoBody ? 'query → body' : 'body → query'}`, (d) => {
    if (!d.url) return d;
    if (intoBody) return { ...d, url: d.url.slice(0, -n), body: Buffer.concat([Buffer.from(d.url.slice(-n)), d.body]) };
    return { ...d, url: d.url + d.body.subarray(0, n).toString('latin1'), body: d.body.subarray(n) };
  });
}

export const urlBodyBoundary: fc.Arbitrary<Mutation> = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([n, intoBody]) => moveBoundary(n, intoBody));

/**
 * Headers senders send beside their signatures, whose values a replayer may set: metadata and
 * message-type headers across the catalogue, added to every scheme's deliveries.
 */
const KNOWN_UNSIGNED = [
  'x-github-delivery', 'x-github-event', 'x-shopify-webhook-id', 'x-shopify-topic', 'i-twilio-idempotency-token', 'twitch-eventsub-message-type',
  'twitch-eventsub-subscription-type', 'x-slack-retry-num', 'x-amz-sns-message-type', 'x-amz-sns-message-id', 'x-event', 'x-delivery',
];

/**
 * One to three changes of a delivery, for a scheme that reads `headers` (lower case) and posts
 * `contentTypes` (each tried as the Content-Type), with `url` changes where the scheme signs the URL.
 */
export function mutations(headers: readonly string[], contentTypes: readonly string[], url?: fc.Arbitrary<Mutation>): fc.Arbitrary<Mutation[]> {
  const mediaTypes = fc.constantFrom(...contentTypes, 'text/plain').map((type) => setHeader('content-type', type));
  const kinds = [bytes, form, json, headerMutations([...new Set([...headers, ...KNOWN_UNSIGNED])]), mediaTypes, ...(url ? [url] : [])];
  return fc.array(fc.oneof(...kinds), { minLength: 1, maxLength: 3 });
}

/**
 * The changes reviewers found verifying (#20 §3-4: a BOM, a repeated or empty pair, a moved `=`, a
 * Latin-1 byte for a UTF-8 character, Twitch's unsigned message type), tried first in every run for
 * every scheme (fast-check's `examples`), so that a regression fails every run, not one in many.
 */
export const CLASSICS: readonly Mutation[][] = [
  [bom],
  [repeatPair(0, true)],
  [emptyPair(1, '=')],
  [emptyPair(0, '')],
  [moveEquals(0, 1)],
  [percentToRaw(0, true)],
  [setHeader('twitch-eventsub-message-type', 'notification')],
  [removeHeader('twitch-eventsub-message-type')],
  // A header no scheme reads: verifies for every scheme, so each run sees a changed delivery verify.
  [setHeader('x-differential-unread', '1')],
  // Keys and form names a loose consumer reads as the signed ones (Mailgun, SNS), and a signed
  // string of digits respelt as a JSON number.
  ...TWIN_SPELLINGS.map((how) => [jsonKeyTwins(how)]),
  ...TWIN_SPELLINGS.map((how) => [formNameTwins(how)]),
  [jsonDigitsToNumbers],
];

/** The same for senders that sign the URL: `?` as `%3F`, a path's `/` as `%2F`. */
export const URL_CLASSICS: readonly Mutation[][] = [[urlPercentEncode('?', 0)], [urlPercentEncode('/', 1)]];

/** And where the sender controls the query (through the handler): a byte moved across the query's end, both ways. */
export const BOUNDARY_CLASSICS: readonly Mutation[][] = [[moveBoundary(1, true)], [moveBoundary(1, false)]];

/** Applies `list` in order. */
export function applyAll(delivery: Delivery, list: readonly Mutation[]): Delivery {
  return list.reduce((d, m) => m.apply(d), delivery);
}

/** Whether two deliveries are the same request (nothing changed). */
export function sameDelivery(a: Delivery, b: Delivery): boolean {
  return a.body.equals(b.body) && a.url === b.url && JSON.stringify(a.headers) === JSON.stringify(b.headers);
}
