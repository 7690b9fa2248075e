import { Command, Option } from 'commander';
import { SCHEME_TYPES, SchemeConfig, signDelivery } from '../../runtime';
import { UsageError } from './command';
import { HMAC_EXAMPLE, parseScheme, readBody, readSecret, readStdinBytes, unixSeconds } from './inputs';

/** What `sign` and `send` are given, as commander parses it. */
export interface SigningOptions {
  readonly scheme: string;
  readonly secret?: string;
  readonly secretEnv?: string;
  readonly body?: string;
  readonly bodyFile?: string;
  readonly url?: string;
  readonly id?: string;
  readonly timestamp?: number;
}

export const SECRET_WARNING =
  'Secrets: prefer --secret-env <VAR> or --secret - (read from stdin). --secret <key> puts the key in\n' +
  'argv, which every process on this machine can read (ps) and your shell keeps in its history: use it\n' +
  'for local test secrets only, never for a production key.';

export const SCHEME_HELP = `${wrap(`Scheme types: ${SCHEME_TYPES.join(', ')};`)}\nor a JSON scheme config, e.g.\n  '${HMAC_EXAMPLE}'`;

/** `text` broken at spaces into lines of at most `width` characters. */
function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}

/** The options `sign` and `send` share: what to sign, with which scheme and key. */
export function addSigningOptions(command: Command): Command {
  return command
    .requiredOption('--scheme <type>', "the sender's scheme type (see below), or a JSON scheme config")
    .addOption(new Option('--secret <key>', "the signing secret as the sender shows it; '-' reads it from stdin (argv: local test secrets only)").conflicts('secretEnv'))
    .option('--secret-env <VAR>', 'read the signing secret from this environment variable')
    .addOption(new Option('--body <text>', 'the body, as UTF-8 text').conflicts('bodyFile'))
    .option('--body-file <file>', "the body: this file's exact bytes ('-': stdin)")
    .option('--id <id>', 'the event or message id, where the scheme sends one (default: a random one)')
    .option('--timestamp <unix>', 'the signing time in unix seconds (default: now)', unixSeconds);
}

/** The headers a sender would send with this delivery, and its body. */
export async function signedDelivery(options: SigningOptions): Promise<{ headers: Record<string, string>; body: Buffer; bodyChanged: boolean; config: SchemeConfig }> {
  const { config, scheme } = parseScheme(options.scheme);
  if (options.secret === '-' && options.bodyFile === '-') throw new UsageError('stdin can carry the secret or the body, not both: give the other with --secret-env or --body-file <file>');
  const secret = await readSecret(options, scheme, async () => (await readStdinBytes()).toString('utf8'));
  const body = await readBody(options, readStdinBytes);
  if (scheme.signsUrl && !options.url) throw new UsageError(`${options.scheme} signs the URL the delivery is posted to: give it with --url <url>`);
  // Most senders sign the body as it is; a sender that signs inside the body (Mailgun) returns it signed.
  const signed = signDelivery({ scheme: config, secret, body, url: options.url, id: options.id, timestamp: options.timestamp });
  return { headers: signed.headers, body: Buffer.from(signed.body), bodyChanged: signed.body !== body, config };
}
