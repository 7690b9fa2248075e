import { createHash } from 'node:crypto';
import { Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { keyUseVia } from './encryption-key';

export interface AlarmTopicPublisherProps {
  readonly endpointName: string;
  readonly topic: sns.ITopic;
  /** The topic's key, when the topic is encrypted with one this library knows. */
  readonly topicKey?: kms.IKey;
}

// EventBridge rule names: 1 to 64 of these characters.
const MAX_RULE_NAME = 64;

/**
 * How the endpoint's EventBridge rules (failed rotations, secret reads) page through the alarm topic:
 * a role that only EventBridge may assume, only for this account's rules named `<endpointName>-*`
 * (`aws:SourceAccount`, `aws:SourceArn`), allowed to publish to that one topic and to use its key only
 * through SNS. The topic's own policy and the key's policy then name no EventBridge principal at all:
 * EventBridge does not accept conditions in an SNS topic policy, and without them any account's rule
 * could have sent this endpoint's on-call a fake "rotation failed" page.
 */
export class AlarmTopicPublisher extends Construct {
  public readonly role: iam.Role;
  private readonly endpointName: string;
  private readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: AlarmTopicPublisherProps) {
    super(scope, id);
    this.endpointName = props.endpointName;
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: `EventBridge rules of webhook endpoint ${props.endpointName} publish to its alarm topic`,
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: `${props.endpointName}-*` }) },
      }),
    });
    const statements = [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.topic.topicArn] })];
    if (props.topicKey) statements.push(keyUseVia(this, props.topicKey, 'sns'));
    new iam.ManagedPolicy(this, 'Policy', { description: `Publish to the alarm topic of webhook endpoint ${props.endpointName}`, roles: [this.role], statements });
    this.topic = props.topic;
  }

  /**
   * A rule name under the endpoint's prefix (the role's trust policy admits only those): readable where
   * it fits EventBridge's 64 characters, else shortened with a hash that keeps it unique.
   */
  public ruleName(purpose: string, source: string): string {
    const name = `${this.endpointName}-${purpose}-${source}`;
    const hash = createHash('sha256').update(`${purpose}/${source}`).digest('hex').slice(0, 10);
    // With an unresolved endpoint name the length is unknown: the shortest unique form (48 + 11).
    if (Token.isUnresolved(this.endpointName)) return `${this.endpointName}-${hash}`;
    if (name.length <= MAX_RULE_NAME) return name;
    return `${name.slice(0, MAX_RULE_NAME - hash.length - 1)}-${hash}`;
  }

  /** The rule target: the topic, published to through the role, with `message` as the notification. */
  public target(message: events.RuleTargetInput): events.IRuleTarget {
    const { role, topic } = this;
    return { bind: () => ({ arn: topic.topicArn, role, input: message }) };
  }
}
