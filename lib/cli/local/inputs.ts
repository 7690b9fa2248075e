import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { Scheme, SCHEME_TYPES, SchemeConfig, schemeFor, WebhookConfigurationError } from '../../runtime';
import { meant } from '../../runtime/suggest';
import { UsageError } from './command';

export const HMAC_EXAMPLE = '{"type":"hmac","algorithm":"sha256","signatureHeader":"X-Signature","encoding":"hex","signedContent":"body"}';

/** A scheme type of the runtime's registry, or a JSON scheme config (`hmac`, Svix header names). */
export function parseScheme(text: string, label = '--scheme'): { config: SchemeConfig; scheme: Scheme } {
  let config: SchemeConfig;
  if (text.trim().startsWith('{')) {
    try {
      config = JSON.parse(text) as SchemeConfig;
    } catch {
      throw new UsageError(`${label}: ${JSON.stringify(text)} is not valid JSON; give a type (${SCHEME_TYPES.join(', ')}) or a JSON scheme config such as '${HMAC_EXAMPLE}'`);
    }
  } else {
    if (!SCHEME_TYPES.includes(text)) throw new UsageError(`${label}: unknown scheme type ${JSON.stringify(text)}${meant(text, SCHEME_TYPES)}; give one of ${SCHEME_TYPES.join(', ')}`);
    if (text === 'hmac') throw new UsageError(`${label}: hmac needs its configuration; give it as JSON, e.g. '${HMAC_EXAMPLE}'`);
    config = { type: text } as SchemeConfig;
  }
  try {
    return { config, scheme: schemeFor(config) };
  } catch (error) {
    if (error instanceof WebhookConfigurationError) throw new UsageError(`${label}: ${error.message}`);
    // A config missing a field the scheme reads (hmac's signatureHeader, ...) fails inside it.
    throw new UsageError(`${label}: ${JSON.stringify(text)} is not a complete scheme config; for hmac give algorithm, signatureHeader, encoding and signedContent, e.g. '${HMAC_EXAMPLE}'`);
  }
}

export interface SecretOptions {
  readonly secret?: string;
  readonly secretEnv?: string;
}

/**
 * The signing secret (or, for a sender that signs with a private key, that private key) from
 * `--secret <key>`, `--secret -` (stdin, one trailing newline dropped) or `--secret-env <VAR>`. Checked against the scheme so a malformed one is a usage error here rather than
 * a 401 later; no message ever contains it.
 */
export async function readSecret(options: SecretOptions, scheme: Scheme, readStdin: () => Promise<string>): Promise<string> {
  let secret: string | undefined;
  if (options.secretEnv !== undefined) {
    secret = process.env[options.secretEnv];
    if (!secret) throw new UsageError(`--secret-env: the environment variable ${options.secretEnv} is not set or empty; export it, or give --secret -  to read the secret from stdin`);
  } else if (options.secret === '-') {
    secret = (await readStdin()).replace(/\r?\n$/, '');
    if (!secret) throw new UsageError('--secret -: stdin was empty; pipe the secret in, e.g. `printf %s "$SECRET" | cdk-hardened-webhook sign --secret - ...`');
  } else if (options.secret !== undefined) {
    secret = options.secret;
  } else if (scheme.keyless !== undefined && scheme.trustAnchor === undefined) {
    // A sender that signs nothing (Salesforce) needs no secret to make a delivery.
    return '';
  } else {
    throw new UsageError('give the signing secret: --secret-env <VAR>, --secret - (stdin), or --secret <key> for a local test secret');
  }
  // A sender that signs with a private key (Discord, SNS, Apple, ...) is verified with another key
  // (or none of ours): its private key is checked by signing with it.
  if (scheme.generateKeyPair || scheme.published || scheme.keyless !== undefined) return secret;
  try {
    scheme.decodeKey(secret);
  } catch (error) {
    if (error instanceof WebhookConfigurationError) throw new UsageError(`the secret does not fit the scheme: ${error.message}`);
    throw error;
  }
  return secret;
}

export interface BodyOptions {
  readonly body?: string;
  readonly bodyFile?: string;
}

/** The body exactly as it will be signed and sent: `--body`'s UTF-8, or `--body-file`'s bytes (`-`: stdin). */
export async function readBody(options: BodyOptions, readStdin: () => Promise<Buffer>): Promise<Buffer> {
  if (options.body !== undefined) return Buffer.from(options.body, 'utf8');
  if (options.bodyFile === '-') return readStdin();
  if (options.bodyFile !== undefined) {
    try {
      return await readFile(options.bodyFile);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`--body-file: cannot read ${options.bodyFile}${code ? ` (${code})` : ''}; give a readable file, or the body with --body <text>`);
    }
  }
  throw new UsageError('give the body: --body <text> or --body-file <file>');
}

/** Everything on stdin. */
export async function readStdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** commander argParser: a unix time in whole seconds. */
export function unixSeconds(value: string): number {
  if (!/^\d{1,12}$/.test(value)) throw new InvalidArgumentError('give a unix time in whole seconds, e.g. 1767225600 (date +%s)');
  return Number(value);
}

/** commander argParser: a TCP port, 0 for any free one. */
export function port(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535) throw new InvalidArgumentError('give a port number from 0 to 65535 (0 picks a free one)');
  return n;
}

/** commander argParser: an absolute http(s) URL. */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('give an absolute URL, e.g. http://127.0.0.1:8080/webhooks/billing');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('give an http:// or https:// URL');
  return value;
}

/** commander argParser for repeatable options: collects every value. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

// As the construct requires of a source's name (lib/webhook-source.ts), so a local route is one a stack can have.
const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export interface SourceSpec {
  readonly name: string;
  readonly typeText: string;
  readonly config: SchemeConfig;
  readonly scheme: Scheme;
  readonly secret: string;
}

/**
 * `<name>=<type>:<secret>` or `<name>=<type>:env:<VAR>`; the type may be a JSON scheme config
 * (`billing={"type":"hmac",...}:<secret>`). The secret is everything after the type's colon.
 */
export function parseSource(spec: string): SourceSpec {
  const hint = 'give --source <name>=<type>:<secret> or <name>=<type>:env:<VAR>, e.g. billing=stripe:env:STRIPE_SECRET';
  const eq = spec.indexOf('=');
  if (eq < 0) throw new UsageError(`--source: no "=" after the source's name; ${hint}`);
  const name = spec.slice(0, eq);
  if (!SOURCE_NAME.test(name)) throw new UsageError(`--source: the name ${JSON.stringify(name)} must be 1-40 of a-z, 0-9 and -, starting with a letter or digit (as the construct requires); ${hint}`);
  const rest = spec.slice(eq + 1);
  const colon = rest.startsWith('{') ? jsonEnd(rest) : rest.indexOf(':');
  if (colon < 0 || rest[colon] !== ':') throw new UsageError(`--source ${name}: no ":" between the type and the secret; ${hint}`);
  const typeText = rest.slice(0, colon);
  const { config, scheme } = parseScheme(typeText, `--source ${name}`);
  let secret = rest.slice(colon + 1);
  if (secret.startsWith('env:')) {
    const variable = secret.slice(4);
    secret = process.env[variable] ?? '';
    if (!secret) throw new UsageError(`--source ${name}: the environment variable ${variable} is not set or empty; export it first`);
  }
  if (!secret) throw new UsageError(`--source ${name}: the secret is empty; ${hint}`);
  try {
    scheme.decodeKey(secret);
  } catch (error) {
    if (error instanceof WebhookConfigurationError) throw new UsageError(`--source ${name}: the secret does not fit the ${typeText.startsWith('{') ? 'scheme' : typeText} scheme: ${error.message}`);
    throw error;
  }
  return { name, typeText, config, scheme, secret };
}

/** The index just after the JSON object `text` starts with (where its `:` must be), or -1. */
function jsonEnd(text: string): number {
  for (let end = text.indexOf('}'); end >= 0; end = text.indexOf('}', end + 1)) {
    try {
      JSON.parse(text.slice(0, end + 1));
      return end + 1;
    } catch {
      // not the closing brace yet
    }
  }
  return -1;
}

/** `<name>=<value>` of a repeatable per-source option; the name must be one of the sources. */
export function parseNamed(option: string, spec: string, sources: readonly string[], what: string): [string, string] {
  const eq = spec.indexOf('=');
  const name = eq < 0 ? '' : spec.slice(0, eq);
  if (eq < 0 || !spec.slice(eq + 1)) throw new UsageError(`${option}: give <name>=<${what}>`);
  if (!sources.includes(name)) throw new UsageError(`${option}: ${JSON.stringify(name)} is not a source; give one of ${sources.join(', ')} (each --source <name>=...)`);
  return [name, spec.slice(eq + 1)];
}
