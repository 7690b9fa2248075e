import { Stack } from 'aws-cdk-lib';
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

/** Adds the service statements to a key we own; a no-op for imported keys (their policy is the owner's). */
export function allowServicesToUseKey(key: kms.IKey): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
      },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowThisAccountsAlarmsToPublishToEncryptedTopic',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      // Only on behalf of this account's alarms in this region (confused-deputy guard): another
      // account's alarm cannot have CloudWatch use this key, and so cannot page through this topic.
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
      },
    }),
  );
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
