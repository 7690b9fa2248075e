import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { HardenedWebhookEndpoint, HardenedWebhookEndpointProps } from '../lib';

/** The example app's stack: one endpoint, with its URLs and secret ARNs as outputs. */
export class WebhookStack extends Stack {
  public readonly endpoint: HardenedWebhookEndpoint;

  constructor(scope: Construct, id: string, endpointProps: HardenedWebhookEndpointProps, props?: StackProps) {
    super(scope, id, props);
    this.endpoint = new HardenedWebhookEndpoint(this, 'Webhooks', endpointProps);
    for (const source of this.endpoint.sources) {
      new CfnOutput(this, `Url-${source.sourceName}`, { value: this.endpoint.urlForSource(source.sourceName), description: `POST ${source.sourceName} webhooks here` });
      new CfnOutput(this, `SecretArn-${source.sourceName}`, {
        value: source.secret.secretArn,
        description: `Signing key set of ${source.sourceName}: give its "current" key to the sender`,
      });
    }
  }
}
