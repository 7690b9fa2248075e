import { Command } from 'commander';
import { runs, subcommand, UsageError, writeErr, writeOut } from './command';
import { collect, parseNamed, parseSource, port } from './inputs';
import { SCHEME_HELP } from './signing-options';
import { LocalSource, startLocalServer } from './server';

interface ServeOptions {
  readonly port: number;
  readonly source: string[];
  readonly publicUrl?: string[];
  readonly verifyToken?: string[];
}

/** `serve`: the verifier Lambda's own code behind a local HTTP endpoint, with an in-memory queue. */
export function registerServe(program: Command): void {
  const command = subcommand(program, 'serve')
    .summary('Run the verifier Lambda\'s code locally: a route per source, an in-memory queue; messages on stdout.')
    .description(
      "Run the verifier Lambda's code on 127.0.0.1: a route POST /webhooks/<name> (and GET, for senders' endpoint handshakes) " +
        'per source, with an in-memory queue, secret and dedupe table. Each accepted message is one JSON line on stdout, as the ' +
        'queue carries it; everything else (rejections, duplicates, handshakes) one JSON line on stderr.',
    )
    .option('--port <n>', 'the port on 127.0.0.1 (0: any free one)', port, 8080)
    .requiredOption('--source <name>=<type>:<secret>', 'a source: its route name, scheme type and secret (or <type>:env:<VAR>); repeat for more', collect)
    .option('--public-url <name>=<url>', 'the URL a URL-signing sender (twilio, square) signs for this source, e.g. a tunnel\'s (default: the URL the request was made to)', collect)
    .option('--verify-token <name>=<token>', "Meta's verify token for this source's GET handshake (or env:<VAR>)", collect)
    .addHelpText(
      'after',
      '\nSecrets: <type>:env:<VAR> reads the secret from the environment; a secret written into --source is in argv (ps,\n' +
        'shell history): for local test secrets only, never a production key.\n\n' +
        `${SCHEME_HELP}\n\nExamples:\n` +
        '  $ cdk-hardened-webhook serve --port 8080 --source billing=stripe:env:STRIPE_SECRET --source repo=github:env:GITHUB_SECRET\n' +
        '  $ stripe listen --forward-to http://127.0.0.1:8080/webhooks/billing\n',
    );
  runs(command, async (options: ServeOptions) => {
    const specs = options.source.map(parseSource);
    const names = specs.map((s) => s.name);
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated) throw new UsageError(`--source: ${repeated} is given twice; give each source once, under its own name`);
    const publicUrls = new Map((options.publicUrl ?? []).map((spec) => parseNamed('--public-url', spec, names, 'url')));
    for (const [name, url] of publicUrls) checkPublicUrl(name, url, specs.find((s) => s.name === name)!.scheme.signsUrl);
    const verifyTokens = new Map((options.verifyToken ?? []).map((spec) => parseNamed('--verify-token', spec, names, 'token')).map(([name, token]) => [name, fromEnv(name, token)]));
    const sources: LocalSource[] = specs.map((spec) => ({ ...spec, publicUrl: publicUrls.get(spec.name), verifyToken: verifyTokens.get(spec.name) }));

    const server = await startLocalServer({
      port: options.port,
      sources,
      onMessage: (message) => writeOut(command, `${JSON.stringify(message)}\n`),
      onOther: (line) => writeErr(command, `${JSON.stringify(line)}\n`),
    });
    const lines = sources.map((source) => {
      const url = `${server.url}/webhooks/${source.name}`;
      const methods = ['POST', ...(source.scheme.handshake?.get ? ['GET'] : []), ...(source.scheme.handshake?.head ? ['HEAD'] : [])].join(', ');
      const signed = source.scheme.signsUrl ? `; signs ${source.publicUrl ?? 'the URL requested'}` : '';
      return `  ${methods.padEnd(9)} ${url}  (${source.typeText}${signed})`;
    });
    writeErr(command, `listening on ${server.url}, the verifier Lambda's code with an in-memory queue, secret and dedupe table:\n${lines.join('\n')}\nAccepted messages go to stdout, everything else to stderr, one JSON line each. Ctrl-C stops.\n`);
    await server.closed;
  });
}

function checkPublicUrl(name: string, url: string, signsUrl: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--public-url ${name}: ${JSON.stringify(url)} is not an absolute URL; give e.g. https://abc.ngrok.app/webhooks/${name}`);
  }
  if (parsed.hash) throw new UsageError(`--public-url ${name}: give the URL without a fragment; senders never send one`);
  if (!signsUrl) throw new UsageError(`--public-url ${name}: this source's scheme does not sign the URL, so it needs none; drop the option`);
}

/** A token given as `env:<VAR>` is read from the environment, as secrets are. */
function fromEnv(name: string, value: string): string {
  if (!value.startsWith('env:')) return value;
  const variable = value.slice(4);
  const resolved = process.env[variable];
  if (!resolved) throw new UsageError(`--verify-token ${name}: the environment variable ${variable} is not set or empty; export it first`);
  return resolved;
}
