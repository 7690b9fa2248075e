import { execFileSync } from 'node:child_process';

// @linear/sdk ships only ES modules (.mjs), which this repo's jest transform does not load: the oracle
// runs in a child Node process. The secret travels in the child's environment, never on its command
// line; the answers are one boolean per delivery (LinearWebhookClient.verify throws on any failure).
// The SDK checks the signed webhookTimestamp against Date.now() and takes no time of its own, and
// the child does not share the tests' clock (nor a faked system clock: its environment is clean), so
// the child's Date.now is pinned at the instant the test passes.
const SCRIPT = `
const pinned = Number(process.env.ORACLE_NOW);
if (!Number.isFinite(pinned)) throw new Error('ORACLE_NOW must be a time in ms');
Date.now = () => pinned;
const { LinearWebhookClient } = await import('@linear/sdk/webhooks');
const client = new LinearWebhookClient(process.env.ORACLE_SECRET);
const deliveries = JSON.parse(process.env.ORACLE_DELIVERIES);
const answers = deliveries.map(({ body, signature }) => {
  try { return client.verify(Buffer.from(body, 'utf8'), signature) === true; } catch { return false; }
});
process.stdout.write(JSON.stringify(answers));
`;

/** Whether Linear's own SDK accepts each delivery, its clock at `nowMs`. */
export function linearOracle(secret: string, deliveries: readonly { body: string; signature: string }[], nowMs: number): boolean[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    cwd: `${__dirname}/../../..`,
    env: { PATH: process.env.PATH ?? '', ORACLE_SECRET: secret, ORACLE_DELIVERIES: JSON.stringify(deliveries), ORACLE_NOW: String(nowMs) },
    encoding: 'utf8',
  });
  return JSON.parse(out) as boolean[];
}
