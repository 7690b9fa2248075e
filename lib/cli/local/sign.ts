import { Command } from 'commander';
import { runs, subcommand, writeOut } from './command';
import { httpUrl } from './inputs';
import { addSigningOptions, SCHEME_HELP, SECRET_WARNING, signedDelivery, SigningOptions } from './signing-options';

/** `sign`: the headers a sender would send, as JSON, for curl or any HTTP client. */
export function registerSign(program: Command): void {
  const command = subcommand(program, 'sign')
    .description('Print the headers a sender would send with a body (content-type included), as JSON; for senders that sign inside the body (mailgun), {"headers", "body"}.');
  addSigningOptions(command)
    .option('--url <url>', 'the URL the delivery is posted to (schemes that sign it: twilio, square)', httpUrl)
    .addHelpText(
      'after',
      `\n${SECRET_WARNING}\n\n${SCHEME_HELP}\n\nExamples:\n` +
        "  $ cdk-hardened-webhook sign --scheme stripe --secret-env STRIPE_SECRET --body '{\"id\":\"evt_1\"}'\n" +
        '  $ printf %s "$KEY" | cdk-hardened-webhook sign --scheme github --secret - --body-file event.json\n',
    );
  runs(command, async (options: SigningOptions) => {
    const { headers, body, bodyChanged } = await signedDelivery(options);
    // A sender that signs inside the body (Mailgun): the headers alone are not the delivery, so the
    // signed body comes with them.
    const printed = bodyChanged ? { headers, body: body.toString('utf8') } : headers;
    writeOut(command, `${JSON.stringify(printed, null, 2)}\n`);
  });
}
