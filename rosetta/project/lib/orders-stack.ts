// A user's stack, as the examples of README.md and docs/*.md import it from a test file
// (`import { OrdersStack } from '../lib/orders-stack'`): the blocks compile as if they were files in
// rosetta/project/test/. Not part of the package; compiled only by `npm run docs:examples`.
import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { HardenedWebhookEndpoint, SignatureScheme } from 'cdk-hardened-webhook';

export class OrdersStack extends Stack {
  public readonly endpoint: HardenedWebhookEndpoint;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.endpoint = new HardenedWebhookEndpoint(this, 'Webhooks', { environment: 'dev' });
    this.endpoint.addSource('payments', { scheme: SignatureScheme.stripe() });
  }
}
