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
      // A sender that publishes its keys (SNS, PayPal, Google) leaves its source without a secret.
      if (source.secret) {
        new CfnOutput(this, `SecretArn-${source.sourceName}`, {
          value: source.secret.secretArn,
          description:
            source.keySource === 'imported'
              ? `Signing key of ${source.sourceName}: put the sender's key here with put-secret-value`
              : `Signing key set of ${source.sourceName}: give its "current" key to the sender`,
        });
      }
      if (source.rotationFunction) {
        new CfnOutput(this, `RevokeFunction-${source.sourceName}`, {
          value: source.rotationFunction.functionName,
          description: `Emergency revoke of ${source.sourceName}: aws lambda invoke --function-name <this> --cli-binary-format raw-in-base64-out --payload '{"action":"revoke"}' /dev/stdout`,
        });
      }
    }
  }
}
