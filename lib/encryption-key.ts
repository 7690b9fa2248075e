import { Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The endpoint's customer-managed key, rotation on. Besides the account (CDK's default policy) it
 * lets exactly two services use it: CloudWatch Logs for this account's log groups, and CloudWatch
 * alarms publishing to the encrypted alarm topic.
 */
export function createEndpointKey(scope: Construct, id: string, description: string): kms.Key {
  const key = new kms.Key(scope, id, { enableKeyRotation: true, description });
  allowServicesToUseKey(key);
  grantsOnlyForAwsResources(key);
  return key;
}

const CREATE_GRANT = 'kms:CreateGrant';

/**
 * Every key policy statement that allows `kms:CreateGrant` by name also requires
 * `kms:GrantIsForAWSResource` (CT.KMS.PR.3): grants only through an AWS service, never one a principal
 * hands to anyone it likes. The statement that needs it is CDK's own: `secretsmanager.Secret` adds
 * CreateGrant with DescribeKey for Secrets Manager, so the policy is rewritten as it is rendered, and
 * CreateGrant moves into a statement of its own (DescribeKey carries no such key, and a Bool condition
 * on an absent key denies). The root `kms:*` statement that delegates to IAM is left as it is.
 */
function grantsOnlyForAwsResources(key: kms.Key): void {
  const cfnKey = key.node.defaultChild as kms.CfnKey;
  const policy = cfnKey.keyPolicy;
  // Uncached: a cached Lazy is resolved without a context, and the document must be resolved in one.
  cfnKey.keyPolicy = Lazy.uncachedAny({ produce: (context) => withGrantCondition(context.resolve(policy)) });
}

interface RenderedStatement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

function withGrantCondition(document: { Statement?: RenderedStatement[] }): unknown {
  if (!Array.isArray(document?.Statement)) return document;
  const statements = document.Statement.flatMap((statement): RenderedStatement[] => {
    const actions = [statement.Action ?? []].flat();
    if (statement.Effect !== 'Allow' || !actions.includes(CREATE_GRANT)) return [statement];
    const grant: RenderedStatement = {
      ...statement,
      Sid: statement.Sid === undefined ? undefined : `${statement.Sid}CreateGrant`,
      Action: CREATE_GRANT,
      Condition: { ...statement.Condition, Bool: { ...statement.Condition?.Bool, 'kms:GrantIsForAWSResource': 'true' } },
    };
    if (grant.Sid === undefined) delete grant.Sid;
    const others = actions.filter((a) => a !== CREATE_GRANT);
    if (others.length === 0) return [grant];
    return [{ ...statement, Action: others.length === 1 ? others[0] : others }, grant];
  });
  return { ...document, Statement: statements };
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
      // EventBridge publishes the rotation-failure notices to the same topic.
      sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopic',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      // No source condition: CloudWatch's calls for alarm notifications do not reliably carry one, and a
      // condition that fails would drop every alarm silently. Only this account can publish to the topic.
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
  service: 'secretsmanager' | 'sqs' | 'dynamodb',
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
