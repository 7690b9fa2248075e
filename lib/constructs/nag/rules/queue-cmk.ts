import { CfnResource } from 'aws-cdk-lib';
import { cfnView, flatten } from '../cfn';
import { Compliance, webhookRule } from '../rule';

/**
 * SQS queues are encrypted with a customer-managed KMS key: KmsMasterKeyId is set and is not the
 * AWS-managed `alias/aws/sqs` (SQS-managed SSE, `SqsManagedSseEnabled`, is not a customer key).
 */
export const QueueCMK = webhookRule('QueueCMK', (node: CfnResource) => {
  if (node.cfnResourceType !== 'AWS::SQS::Queue') return Compliance.NOT_APPLICABLE;
  const key = cfnView(node).properties.KmsMasterKeyId;
  if (key === undefined) return Compliance.NON_COMPLIANT;
  return /(^|:)alias\/aws\//.test(flatten(key)) ? Compliance.NON_COMPLIANT : Compliance.COMPLIANT;
});
