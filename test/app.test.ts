import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ENVIRONMENTS_CONTEXT_KEY, resolveEnvironment } from '../bin/config';
import { WebhookStack } from '../bin/stack';
import { normalizedTemplate } from '../lib/constructs/testing';

const { [ENVIRONMENTS_CONTEXT_KEY]: environments, ...featureFlags } = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')).context;

/** An app with cdk.json's feature flags, as `cdk synth` builds it (CloudFormation validation off for speed). */
function exampleApp(): App {
  return new App({ builtinCloudFormationValidation: false, context: featureFlags });
}

describe('example app', () => {
  test.each(['dev', 'staging', 'prod'])('%s environment matches its snapshot', (name) => {
    const { props } = resolveEnvironment(environments, name);
    const stack = new WebhookStack(exampleApp(), `HardenedWebhook-${name}`, props);
    // What a user's snapshot test does (cdk-hardened-webhook/testing), with the example processor's
    // bundle normalised too: it is built from lib/consumer, so it changes with the library.
    expect(normalizedTemplate(stack, { assets: 'all' })).toMatchSnapshot();
  });

  test('environments are separate: own secrets, keys, allowlists and names', () => {
    const names = ['dev', 'staging', 'prod'].map((name) => {
      const { props } = resolveEnvironment(environments, name);
      const stack = new WebhookStack(exampleApp(), `HardenedWebhook-${name}`, props);
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::KMS::Key', 1);
      return Object.values(t.findResources('AWS::SecretsManager::Secret')).map((s: any) => s.Properties.Name as string);
    });
    const all = names.flat();
    expect(new Set(all).size).toBe(all.length);
  });

  test('defaults to dev; -c env=prod selects prod', () => {
    expect(resolveEnvironment(environments, undefined).name).toBe('dev');
    expect(resolveEnvironment(environments, 'prod').props.alarmEmail).toBe('oncall@example.com');
  });

  test('fails for an unknown environment, naming the known ones', () => {
    expect(() => resolveEnvironment(environments, 'qa')).toThrow(/Unknown environment "qa"; pass -c env=<one of dev, staging, prod>/);
    // bin/app.ts prints a ConfigError's message alone, without a stack trace
    expect(() => resolveEnvironment(environments, 'qa')).toThrow(ConfigError);
  });

  test('fails for unknown keys and schemes, naming them and the known ones', () => {
    const bad = { dev: { alarmMail: 'x', sources: { a: { scheme: 'stripe-ish', tolerance: 5 } } } };
    expect(() => resolveEnvironment(bad, 'dev')).toThrow(/unknown key "alarmMail"[\s\S]*unknown key "tolerance"[\s\S]*scheme "stripe-ish"; use one of svix, [\s\S]*standard-webhooks, [\s\S]*stripe/);
  });

  test('prod and staging pin their endpoint names, the ones their paths derived before names were required', () => {
    // GIVEN the example config WHEN prod and staging are resolved
    // THEN each names its endpoint explicitly, so renaming a stack cannot replace its secrets
    expect(resolveEnvironment(environments, 'prod').props.endpointName).toBe('HardenedWebhookprod-Webhooks-BA575BAA');
    expect(resolveEnvironment(environments, 'staging').props.endpointName).toBe('HardenedWebhookstaging-Webhooks-6D8F798B');
  });

  test('fails if the prod config has no endpointName, naming the one to pin', () => {
    // GIVEN a prod config without endpointName
    const { props } = resolveEnvironment({ prod: { alarmEmail: 'a@example.com', allowAnySourceIp: true, sources: { billing: { scheme: 'standard-webhooks' } } } }, 'prod');
    // WHEN the stack is built THEN the construct refuses it and names the derived name
    expect(() => new WebhookStack(exampleApp(), 'HardenedWebhook-prod', props)).toThrow(
      /endpointName is not set; .*Set endpointName: "HardenedWebhookprod-Webhooks-BA575BAA" to keep today's names/,
    );
  });

  test('invalid values fail at synth through the construct, e.g. prod without an allowlist', () => {
    const prodWithout = { prod: { endpointName: 'hooks', alarmEmail: 'a@example.com', sources: { billing: { scheme: 'standard-webhooks' } } } };
    const { props } = resolveEnvironment(prodWithout, 'prod');
    // Sources given as props are checked with every other prop, when the stack is built.
    expect(() => Template.fromStack(new WebhookStack(exampleApp(), 'X', props))).toThrow(/accept any IP; set allowedSourceCidrs/);
  });
});
