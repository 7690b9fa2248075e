/**
 * A JSON object in which no object, at any depth, names a key twice; else undefined (not JSON, not
 * an object, a key twice). `JSON.parse` keeps the last of two equal keys and other parsers the
 * first: a verifier and a consumer reading one body differently is how a signed value gets swapped,
 * so a body that could be read two ways is refused. Keys are compared after unescaping
 * (`"\u004dessage"` is `"Message"`). Give it the body as bodyText reads it (a BOM kept: not JSON).
 */
export function parseObjectStrict(text: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  return uniqueKeys(text) ? (parsed as Record<string, unknown>) : undefined;
}

/** Whether every object of a JSON text already known to parse names each key once, unescaped. */
export function uniqueKeys(text: string): boolean {
  // One set of keys per open object; undefined for an open array.
  const open: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      let escaped = false;
      for (i++; text[i] !== '"'; i++) {
        if (text[i] === '\\') {
          escaped = true;
          i++;
        }
      }
      if (expectKey) {
        const keys = open[open.length - 1] as Set<string>;
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        if (keys.has(key)) return false;
        keys.add(key);
        expectKey = false;
      }
    } else if (c === '{') {
      open.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      open.push(undefined);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      open.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = open[open.length - 1] !== undefined;
    }
  }
  return true;
}

/**
 * A check that a key is spelt exactly as one of `names`, or names none of them even to a consumer
 * that matches names loosely: Go's encoding/json (Unicode simple folding: `ſ` is `s`, the Kelvin
 * sign `k`), Json.NET, System.Text.Json and ASP.NET's form binding (upper-casing: `ı` is `I`) and Java
 * under a Turkish locale (`İ` is `i`); for `form` names also PHP (leading spaces dropped) and PHP, qs
 * and Rack (`name[]`, `name[x]` read as `name`). Such a consumer reads a second spelling beside the
 * one a scheme read (the last or the first one winning, or both), so a key it would take for one of
 * `names` is refused.
 */
export function spelledAsRead(names: readonly string[], form = false): (key: string) => boolean {
  const byFold = new Map(names.map((name) => [foldName(name, form), name]));
  return (key) => {
    const own = byFold.get(foldName(key, form));
    return own === undefined || own === key;
  };
}

function foldName(key: string, form: boolean): string {
  const bracket = form ? key.indexOf('[') : -1;
  const base = form ? (bracket > 0 ? key.slice(0, bracket) : key).replace(/^ +/, '') : key;
  return base.toUpperCase().toLowerCase().replace(/i\u0307/g, 'i');
}
