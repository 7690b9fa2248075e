import { bodyText } from '../body-text';
import { formDecode } from '../twilio';

/**
 * A form body whose fields are exactly some of `names`, each at most once, as a consumer's
 * `URLSearchParams` reads it; or `malformed_body` when it has another reading: bytes that are not
 * UTF-8, a raw `;` (a field separator to older parsers), an empty pair or name, a pair without `=`,
 * an escape that is not UTF-8, a name not in `names` (`name[]`, ` name` and other spellings a loose
 * parser reads as one of them included) or a name twice.
 */
export function strictForm(body: string | Uint8Array, names: readonly string[]): Map<string, string> | 'malformed_body' {
  const text = bodyText(body);
  if (text === undefined || text === '' || text.includes(';')) return 'malformed_body';
  const fields = new Map<string, string>();
  for (const pair of text.split('&')) {
    const at = pair.indexOf('=');
    if (at <= 0) return 'malformed_body';
    const name = formDecode(pair.slice(0, at));
    const value = formDecode(pair.slice(at + 1));
    if (name === undefined || value === undefined || !names.includes(name) || fields.has(name)) return 'malformed_body';
    fields.set(name, value);
  }
  return fields;
}
