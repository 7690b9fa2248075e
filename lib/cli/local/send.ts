import { Command } from 'commander';
import { FailureError, runs, subcommand, writeOut } from './command';
import { httpUrl } from './inputs';
import { addSigningOptions, SCHEME_HELP, SECRET_WARNING, signedDelivery, SigningOptions } from './signing-options';

const TIMEOUT_MS = 30_000;

/** `send`: sign and POST a delivery; exit 0 only on a 2xx answer. */
export function registerSend(program: Command): void {
  const command = subcommand(program, 'send')
    .description('Sign a body as the sender would and POST it; print the status and the response. Exit code 0 only on 2xx.');
  command.requiredOption('--url <url>', 'where to POST it (and the URL signed, for schemes that sign it)', httpUrl);
  addSigningOptions(command).addHelpText(
    'after',
    `\nExit codes: 0 the endpoint answered 2xx; 1 any other answer, or no answer; 2 a usage error.\n\n${SECRET_WARNING}\n\n${SCHEME_HELP}\n\nExample (against \`serve\`):\n` +
      "  $ cdk-hardened-webhook send --url http://127.0.0.1:8080/webhooks/billing --scheme stripe --secret-env STRIPE_SECRET --body '{\"id\":\"evt_1\"}'\n",
  );
  runs(command, async (options: SigningOptions & { url: string }) => {
    const { headers, body } = await signedDelivery(options);
    let response: Response;
    try {
      response = await fetch(options.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new FailureError(`no answer from ${options.url} (${cause}); is the endpoint running and the URL right?`);
    }
    const text = await response.text();
    writeOut(command, `${response.status} ${response.statusText}\n${text}${text.endsWith('\n') || !text ? '' : '\n'}`);
    if (response.status < 200 || response.status > 299) throw new FailureError(`${options.url} answered ${response.status}: not accepted`);
  });
}
