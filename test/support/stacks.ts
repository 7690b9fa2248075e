import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Template } from 'aws-cdk-lib/assertions';
import { HardenedWebhookEndpoint, HardenedWebhookEndpointProps, SignatureScheme } from '../../lib';

/** A stack for unit tests: built-in CloudFormation validation off for speed (the example app keeps it). */
export function newStack(): Stack {
  const app = new App({ builtinCloudFormationValidation: false });
  return new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
}

/** The sketch: a prod endpoint with an allowlist, an alarm email and one Standard Webhooks source. */
export function defaultEndpoint(props: HardenedWebhookEndpointProps = {}, stack = newStack()) {
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
    environment: 'prod',
    allowedSourceCidrs: ['203.0.113.0/24'],
    alarmEmail: 'oncall@example.com',
    ...props,
  });
  const source = endpoint.addSource('billing', { scheme: SignatureScheme.standardWebhooks() });
  return { stack, endpoint, source, template: () => Template.fromStack(stack) };
}

/** A stand-in for the user's queue processor, reporting no batch item failures. */
export function newProcessor(stack: Stack, timeout: Duration): lambda.Function {
  return new lambda.Function(stack, 'Processor', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
    timeout,
  });
}
