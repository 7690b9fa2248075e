import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The endpoint's customer-managed key, rotation on. Besides the account (CDK's default policy) it
 * lets exactly two services use it: CloudWatch Logs for this account's log groups, and this account's
 * CloudWatch alarms publishing to the encrypted alarm topic. EventBridge reaches the topic through a
 * role of this account (AlarmTopicPublisher), so it needs no statement here. Grants can only be made
 * for AWS resources.
 */
export function createEndpointKey(scope: Construct, id: string, description: string): kms.Key {
  const key = new kms.Key(scope, id, { enableKeyRotation: true, description });
  allowServicesToUseKey(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      // AWS Control Tower CT.KMS.PR.3 checks for exactly this statement: a grant (a way to hand the key's
      // use to another principal outside any policy) may be created only by or for an AWS service
      // (Secrets Manager, Lambda and DynamoDB create theirs with GrantIsForAWSResource true).
      sid: 'DenyGrantsExceptForAwsResources',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
  return key;
}

/** Names in the service statements: tokens for a key we own, literal text for an error message. */
interface KeyPolicyNames {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** CloudWatch Logs for this account's log groups, and this account's alarms publishing to the encrypted topic. */
function serviceStatements(n: KeyPolicyNames): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${n.region}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${n.partition}:logs:${n.region}:${n.account}:log-group:*` },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowThisAccountsAlarmsToPublishToEncryptedTopic',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      // Only on behalf of this account's alarms in this region (confused-deputy guard): another
      // account's alarm cannot have CloudWatch use this key, and so cannot page through this topic.
      conditions: {
        StringEquals: { 'aws:SourceAccount': n.account },
        ArnLike: { 'aws:SourceArn': `arn:${n.partition}:cloudwatch:${n.region}:${n.account}:alarm:*` },
      },
    }),
  ];
}

/**
 * Adds the service statements to the key's policy. Returns false when the key cannot take them (an
 * imported key: its policy is its owner's), so the caller can refuse it instead of going on silently.
 */
export function allowServicesToUseKey(key: kms.IKey): boolean {
  const stack = Stack.of(key);
  const results = serviceStatements(stack).map((statement) => key.addToResourcePolicy(statement));
  return results.every((r) => r.statementAdded);
}

/**
 * The statements an endpoint needs in the policy of a key it cannot edit, as JSON to paste into that
 * policy: the two service statements, and the account's IAM delegation (the default key policy's
 * statement) that the verifier, rotation function, consumers and CloudFormation rely on to use the key
 * through Secrets Manager, SQS, DynamoDB and SNS, and that covers what CDK's Secret construct adds for
 * Secrets Manager to a key it can edit.
 */
export function requiredKeyPolicyStatements(scope: Construct, key: kms.IKey): string[] {
  const stack = Stack.of(scope);
  const literal = (value: string, placeholder: string) => (Token.isUnresolved(value) ? placeholder : value);
  const keyPartition = Token.isUnresolved(key.keyArn) ? undefined : key.keyArn.split(':')[1];
  const n: KeyPolicyNames = {
    partition: keyPartition ?? '<partition>',
    region: literal(stack.region, '<region>'),
    account: literal(stack.account, '<account>'),
  };
  const delegation = new iam.PolicyStatement({
    sid: 'EnableIamPoliciesOfThisAccount',
    principals: [new iam.ArnPrincipal(`arn:${n.partition}:iam::${n.account}:root`)],
    actions: ['kms:*'],
    resources: ['*'],
  });
  return [...serviceStatements(n), delegation].map((s) => {
    const { Sid, Effect, Principal, Action, Resource, Condition } = stack.resolve(s.toStatementJson());
    return JSON.stringify({ Sid, Effect, Principal, Action, Resource, Condition });
  });
}

/**
 * Use of `key` only through one AWS service (`kms:ViaService`), from `scope`'s region: what a role
 * needs to read or write that service's encrypted data, and nothing else it could do with the key.
 */
export function keyUseVia(
  scope: Construct,
  key: kms.IKey,
  service: 'secretsmanager' | 'sqs' | 'dynamodb' | 'sns',
  actions: string[] = ['kms:Decrypt', 'kms:GenerateDataKey'],
  sid?: string,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions,
    resources: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(scope).region}.amazonaws.com` } },
  });
}
