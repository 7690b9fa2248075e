import { CfnElement, CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { HardenedWebhookEndpoint } from '../lib';
import { isProductionEnvironment } from '../lib/constructs/production';
import { ExampleEndpointProps } from './config';
import { ExampleProcessor } from './example-processor';
import { acknowledge } from '../lib/constructs/nag-acknowledgements';

/** The example app's stack: one endpoint, with its URLs and secret ARNs as outputs. */
export class WebhookStack extends Stack {
  public readonly endpoint: HardenedWebhookEndpoint;

  /** The example processor, with exampleProcessor in cdk.json. */
  public readonly processor?: ExampleProcessor;

  constructor(scope: Construct, id: string, { exampleProcessor, ...endpointProps }: ExampleEndpointProps, props?: StackProps) {
    super(scope, id, props);
    if (exampleProcessor) {
      const production = isProductionEnvironment(endpointProps.environment ?? 'prod');
      const removalPolicy = endpointProps.removalPolicy ?? (production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
      this.processor = new ExampleProcessor(this, 'Processor', { removalPolicy });
      endpointProps = { ...endpointProps, processor: this.processor.function, processorIdempotency: true };
    }
    this.endpoint = new HardenedWebhookEndpoint(this, 'Webhooks', endpointProps);
    // The endpoint's own key (its logical id unchanged by the processor) encrypts the processor's logs too.
    this.processor?.encryptLogsWith(this.endpoint.encryptionKey);
    // The endpoint sets WEBHOOK_BODY_BUCKET on the processor (parseWebhookRecord's `bucket`) with its body bucket.
    const bodyBucket = this.endpoint.bodyBucket;
    if (this.processor && bodyBucket) {
      acknowledge(this.processor, {
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(bodyBucket.node.defaultChild as CfnElement)}.Arn>/*]`,
        reason: 'The processor reads every claim-checked body of the endpoint (s3:GetObject only): their keys are random, known only from the messages it receives.',
      });
    }
    for (const source of this.endpoint.sources) {
      new CfnOutput(this, `Url-${source.sourceName}`, { value: this.endpoint.urlForSource(source.sourceName), description: `POST ${source.sourceName} webhooks here` });
      // A sender that publishes its keys (SNS, PayPal, Google) leaves its source without a secret.
      if (source.secret) {
        new CfnOutput(this, `SecretArn-${source.sourceName}`, {
          value: source.secret.secretArn,
          description:
            source.keySource === 'imported'
              ? `Signing key of ${source.sourceName}: put the sender's key here with npx cdk-hardened-webhook put-key`
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
