/**
 * A JSON object whose top-level keys are each present once, or undefined (not JSON, not an object, a
 * key twice). `JSON.parse` keeps the last of two equal keys and other parsers the first: a verifier
 * and a consumer reading one body differently is how a signed value gets swapped, so a body that could
 * be read two ways is refused. Keys are compared after unescaping (`"\u004dessage"` is `"Message"`).
 */
export function parseObjectStrict(text: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const keys = topLevelKeys(text);
  if (keys === undefined || new Set(keys).size !== keys.length) return undefined;
  return parsed as Record<string, unknown>;
}

/** The top-level keys of a JSON object text already known to parse, unescaped, in order. */
function topLevelKeys(text: string): string[] | undefined {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(start, i + 1)) as string);
        expectKey = false;
      }
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1 && c === '{';
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}
