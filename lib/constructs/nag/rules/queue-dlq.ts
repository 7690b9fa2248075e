import { CfnResource } from 'aws-cdk-lib';
import { cfnView } from '../cfn';
import { isDeadLetterQueue } from '../dead-letters';
import { Compliance, webhookRule } from '../rule';

/**
 * SQS queues have a dead-letter queue (a RedrivePolicy with a deadLetterTargetArn), unless they are
 * one: a queue that another queue's redrive policy, a function's DLQ or an on-failure destination
 * in the same stack names.
 */
export const QueueDLQ = webhookRule('QueueDLQ', (node: CfnResource) => {
  if (node.cfnResourceType !== 'AWS::SQS::Queue') return Compliance.NOT_APPLICABLE;
  const redrive = cfnView(node).properties.RedrivePolicy;
  const target = redrive && typeof redrive === 'object' ? (redrive as Record<string, unknown>).deadLetterTargetArn : undefined;
  if (target !== undefined) return Compliance.COMPLIANT;
  return isDeadLetterQueue(node) ? Compliance.COMPLIANT : Compliance.NON_COMPLIANT;
});
