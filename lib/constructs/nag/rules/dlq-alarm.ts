import { CfnResource } from 'aws-cdk-lib';
import { cfnView, flatten, literal, references, resourcesInStack } from '../cfn';
import { isDeadLetterQueue } from '../dead-letters';
import { Compliance, webhookRule } from '../rule';

interface MetricLike {
  readonly Namespace?: unknown;
  readonly MetricName?: unknown;
  readonly Dimensions?: { Name?: unknown; Value?: unknown }[];
}

/** The SQS metrics an alarm watches: its own metric, or the metrics of its metric-math expression. */
function watchedMetrics(alarm: Record<string, any>): MetricLike[] {
  const metrics: MetricLike[] = [alarm];
  for (const query of Array.isArray(alarm.Metrics) ? alarm.Metrics : []) {
    if (query?.MetricStat?.Metric) metrics.push(query.MetricStat.Metric);
  }
  return metrics;
}

/** Whether an alarm, or a composite alarm it is part of, notifies someone. */
function notifies(alarm: CfnResource): boolean {
  const hasActions = (properties: Record<string, any>) =>
    properties.ActionsEnabled !== false && Array.isArray(properties.AlarmActions) && properties.AlarmActions.length > 0;
  const { logicalId, properties } = cfnView(alarm);
  if (hasActions(properties)) return true;
  return resourcesInStack(alarm, 'AWS::CloudWatch::CompositeAlarm').some((composite) => {
    const view = cfnView(composite).properties;
    return hasActions(view) && references(flatten(view.AlarmRule), logicalId);
  });
}

/**
 * Every dead-letter queue has an alarm that notifies someone: an AWS::CloudWatch::Alarm in the same
 * stack on the queue's `AWS/SQS` `ApproximateNumberOfMessagesVisible` (its QueueName dimension names
 * the queue), with alarm actions of its own or through a composite alarm that has them.
 */
export const DLQAlarm = webhookRule('DLQAlarm', (node: CfnResource) => {
  if (node.cfnResourceType !== 'AWS::SQS::Queue' || !isDeadLetterQueue(node)) return Compliance.NOT_APPLICABLE;
  const { logicalId, properties } = cfnView(node);
  const queueName = literal(properties.QueueName);
  const alarmed = resourcesInStack(node, 'AWS::CloudWatch::Alarm').some((alarm) => {
    const watchesDepth = watchedMetrics(cfnView(alarm).properties).some(
      (metric) =>
        metric.Namespace === 'AWS/SQS' &&
        metric.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        (metric.Dimensions ?? []).some((d) => d?.Name === 'QueueName' && (references(flatten(d.Value), logicalId) || (queueName !== undefined && flatten(d.Value) === queueName))),
    );
    return watchesDepth && notifies(alarm);
  });
  return alarmed ? Compliance.COMPLIANT : Compliance.NON_COMPLIANT;
});
