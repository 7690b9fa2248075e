import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { ENVIRONMENTS_CONTEXT_KEY, resolveEnvironment } from './config';
import { WebhookStack } from './stack';

/**
 * The example app's one stack, for the environment named by the `env` context (default dev), with
 * every nag pack on. Shared by `cdk synth` (bin/app.ts) and `npm run lint:cfn`, which synthesizes
 * every environment in one process.
 */
export function addExampleStack(app: App): WebhookStack {
  const { name, config, props } = resolveEnvironment(app.node.tryGetContext(ENVIRONMENTS_CONTEXT_KEY), app.node.tryGetContext('env'));
  const stack = new WebhookStack(app, `HardenedWebhook-${name}`, props, {
    env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
    description: `Hardened inbound webhook endpoint (${name})`,
  });
  // Every pack runs on every synth: a finding that is not acknowledged next to its resource fails it.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new ServerlessChecks(app),
    new NIST80053R5Checks(app),
    new PCIDSS321Checks(app),
    new HIPAASecurityChecks(app),
  );
  return stack;
}
