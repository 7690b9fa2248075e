import { execFileSync } from 'node:child_process';

// @linear/sdk ships only ES modules (.mjs), which this repo's jest transform does not load: the oracle
// runs in a child Node process. The secret travels in the child's environment, never on its command
// line; the answers are one boolean per delivery (LinearWebhookClient.verify throws on any failure).
const SCRIPT = `
import { LinearWebhookClient } from '@linear/sdk/webhooks';
const client = new LinearWebhookClient(process.env.ORACLE_SECRET);
const deliveries = JSON.parse(process.env.ORACLE_DELIVERIES);
const answers = deliveries.map(({ body, signature }) => {
  try { return client.verify(Buffer.from(body, 'utf8'), signature) === true; } catch { return false; }
});
process.stdout.write(JSON.stringify(answers));
`;

/** Whether Linear's own SDK accepts each delivery (at the current time, as the SDK checks it). */
export function linearOracle(secret: string, deliveries: readonly { body: string; signature: string }[]): boolean[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    cwd: `${__dirname}/../../..`,
    env: { PATH: process.env.PATH ?? '', ORACLE_SECRET: secret, ORACLE_DELIVERIES: JSON.stringify(deliveries) },
    encoding: 'utf8',
  });
  return JSON.parse(out) as boolean[];
}
