import { CfnResource } from 'aws-cdk-lib';
import { cfnView, literal, references, resourcesInStack, valuesUnder } from './cfn';

/** Resources that can name a dead-letter queue, and where: a redrive policy, a DLQ config, an on-failure destination. */
const DEAD_LETTER_SOURCES = [
  'AWS::SQS::Queue',
  'AWS::SNS::Subscription',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Events::Rule',
  'AWS::Scheduler::Schedule',
  'AWS::Pipes::Pipe',
];
const DEAD_LETTER_KEY = /^(deadLetterTargetArn|DeadLetterConfig|OnFailure)$/i;

/** Whether a flattened ARN or URL names the queue `logicalId` (by reference) or `queueName` (literally). */
export function namesQueue(flat: string, logicalId: string, queueName: string | undefined): boolean {
  return references(flat, logicalId) || (queueName !== undefined && new RegExp(`[:/]${queueName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`).test(flat));
}

/** Whether some resource in the queue's stack uses it as a dead-letter queue. */
export function isDeadLetterQueue(queue: CfnResource): boolean {
  const { logicalId, properties } = cfnView(queue);
  const queueName = literal(properties.QueueName);
  return resourcesInStack(queue, ...DEAD_LETTER_SOURCES)
    .filter((other) => other !== queue)
    .some((other) => valuesUnder(cfnView(other).properties, DEAD_LETTER_KEY).some((target) => namesQueue(target, logicalId, queueName)));
}
