import type { SignedPart } from './sender';

// An HTTP field name (RFC 9110 token).
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_TEMPLATE = 1024;
const PLACEHOLDERS = '{body}, {timestamp}, {url}, {method} and {header:Name}';

/**
 * Reads a generic HMAC scheme's signed-string template (`v0:{timestamp}:{body}`) into the catalogue's
 * signed parts, in order: literal text, `{body}`, `{timestamp}`, `{url}`, `{method}`,
 * `{header:Name}`; `{{` and `}}` are literal braces. Every problem is added to `problems`, each naming
 * the value and the fix; the parts are meaningful only when none was added.
 */
export function parseTemplate(template: string, problems: string[]): SignedPart[] {
  const parts: SignedPart[] = [];
  const quoted = JSON.stringify(template);
  if (template.length === 0 || template.length > MAX_TEMPLATE) {
    problems.push(`template ${quoted} must be 1 to ${MAX_TEMPLATE} characters: spell out what the sender signs, e.g. "{timestamp}.{body}"`);
    return parts;
  }
  let literal = '';
  let bodies = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if ((c === '{' || c === '}') && template[i + 1] === c) {
      literal += c;
      i++;
    } else if (c === '}') {
      problems.push(`template ${quoted} has a lone "}" at ${i}: write a literal brace as "}}"`);
    } else if (c !== '{') {
      literal += c;
    } else {
      const end = template.indexOf('}', i);
      const next = template.indexOf('{', i + 1);
      if (end < 0 || (next >= 0 && next < end)) {
        problems.push(`template ${quoted} has an unclosed "{" at ${i}: use ${PLACEHOLDERS}, a literal brace as "{{"`);
        continue;
      }
      const name = template.slice(i + 1, end);
      i = end;
      let part: SignedPart | undefined;
      if (name === 'body' || name === 'timestamp' || name === 'url' || name === 'method') part = name;
      else if (name.startsWith('header:') && HEADER_NAME.test(name.slice(7))) part = { header: name.slice(7) };
      if (part === undefined) {
        problems.push(
          name.startsWith('header:')
            ? `template ${quoted}: {${name}} does not name an HTTP header, e.g. {header:X-Request-Id}`
            : `template ${quoted}: {${name}} is not a placeholder: use ${PLACEHOLDERS}`,
        );
        continue;
      }
      if (part === 'body' && ++bodies === 2) problems.push(`template ${quoted} has {body} more than once: a signature covers the body once`);
      if (literal) parts.push({ literal });
      literal = '';
      parts.push(part);
    }
  }
  if (literal) parts.push({ literal });
  return parts;
}
