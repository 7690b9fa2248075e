import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { keyUseVia } from './encryption-key';
import { acknowledge, nagResourceName } from './nag-acknowledgements';
import { WebhookSource } from './webhook-source';

/** Who may assume each access role. A role is created only for the principals you name. */
export interface AccessRolesOptions {
  /** Read metrics, alarms, logs and the dashboard. */
  readonly viewers?: iam.IPrincipal[];
  /** Also redrive the dead-letter queue and start a key rotation (including an emergency revoke). */
  readonly operators?: iam.IPrincipal[];
  /**
   * Also read and change the signing secrets (import a key) and the WAF allowlist IP sets. Editing an
   * IP set takes effect at once for narrowing; the API's resource policy repeats each route's
   * deployed CIDRs, so widening also needs a deploy of allowedSourceCidrs.
   */
  readonly admins?: iam.IPrincipal[];
  /**
   * Require MFA to assume the roles (for principals that are people; role-chaining callers such as
   * SSO sessions or automation carry no MFA context and would be refused).
   * @default false
   */
  readonly requireMfa?: boolean;
}

export interface WebhookAccessRolesProps extends AccessRolesOptions {
  readonly endpointName: string;
  readonly encryptionKey: kms.IKey;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue?: sqs.IQueue;
  readonly logGroups: logs.ILogGroup[];
  readonly dashboard: cloudwatch.Dashboard;
  /** The endpoint-wide allowlist's IP sets. */
  readonly ipSetArns: string[];
}

type Level = 'viewer' | 'operator' | 'admin';
const LEVELS: Level[] = ['viewer', 'operator', 'admin'];

/**
 * viewer ⊂ operator ⊂ admin, each a role assumable only by the principals named, each with one
 * customer-managed policy per level written out statement by statement. Sources add their secrets,
 * rotation functions and log groups as they are added.
 */
export class WebhookAccessRoles extends Construct {
  public readonly viewerRole?: iam.Role;
  // `operator` is a reserved word in C#: the roles are named for what they are in every binding.
  public readonly operatorRole?: iam.Role;
  public readonly adminRole?: iam.Role;
  private readonly policies: Record<Level, iam.ManagedPolicy>;

  constructor(scope: Construct, id: string, props: WebhookAccessRolesProps) {
    super(scope, id);
    this.policies = {
      viewer: new iam.ManagedPolicy(this, 'ViewerPolicy', { description: `Read-only view of webhook endpoint ${props.endpointName}` }),
      operator: new iam.ManagedPolicy(this, 'OperatorPolicy', { description: `Operations on webhook endpoint ${props.endpointName}: DLQ redrive, key rotation` }),
      admin: new iam.ManagedPolicy(this, 'AdminPolicy', { description: `Configuration of webhook endpoint ${props.endpointName}: signing secrets, allowlists` }),
    };
    const principals: Record<Level, iam.IPrincipal[] | undefined> = { viewer: props.viewers, operator: props.operators, admin: props.admins };
    const roles: Partial<Record<Level, iam.Role>> = {};
    LEVELS.forEach((level, rank) => {
      const who = principals[level];
      if (!who || who.length === 0) return;
      const assumedBy = new iam.CompositePrincipal(...who);
      roles[level] = new iam.Role(this, `${level[0].toUpperCase()}${level.slice(1)}Role`, {
        description: `${level} of webhook endpoint ${props.endpointName}`,
        assumedBy: props.requireMfa ? new iam.PrincipalWithConditions(assumedBy, { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }) : assumedBy,
        // Each level also has every lower level's policy.
        managedPolicies: LEVELS.slice(0, rank + 1).map((l) => this.policies[l]),
      });
    });
    this.viewerRole = roles.viewer;
    this.operatorRole = roles.operator;
    this.adminRole = roles.admin;

    const stack = Stack.of(this);
    // The stack's id (its name and a unique suffix) and its groups' nested stacks (named after it);
    // the endpoint's secrets are all named webhooks/<endpointName>/<source>.
    const discovery = [`${stack.stackName}/*`, `${stack.stackName}-*/*`].map((resourceName) => stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName }));
    const secrets = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `webhooks/${props.endpointName}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.policies.viewer.addStatements(
      // Metric reads, alarm listing and query polling have no resource-level permissions.
      new iam.PolicyStatement({
        sid: 'ReadMetricsAndAlarms',
        actions: ['cloudwatch:GetMetricData', 'cloudwatch:GetMetricStatistics', 'cloudwatch:ListMetrics', 'cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory', 'logs:GetQueryResults', 'logs:StopQuery', 'logs:DescribeQueryDefinitions', 'logs:DescribeLogGroups'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({ sid: 'ReadDashboard', actions: ['cloudwatch:GetDashboard'], resources: [props.dashboard.dashboardArn] }),
      new iam.PolicyStatement({
        sid: 'ReadQueueDepth',
        actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [props.queue.queueArn, ...(props.deadLetterQueue ? [props.deadLetterQueue.queueArn] : [])],
      }),
      // What the CLI reads to find the endpoint from the stack's name (its own and its groups' nested
      // stacks), and the signing secrets' metadata: versions, stages, last rotation; never a value.
      new iam.PolicyStatement({ sid: 'DiscoverEndpoint', actions: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources', 'cloudformation:GetTemplate'], resources: discovery }),
      new iam.PolicyStatement({ sid: 'ReadSecretMetadata', actions: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'], resources: [secrets] }),
    );
    this.allowLogReads(props.logGroups);

    if (props.deadLetterQueue) {
      this.policies.operator.addStatements(
        new iam.PolicyStatement({
          sid: 'RedriveDeadLetterQueue',
          actions: ['sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks', 'sqs:CancelMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          resources: [props.deadLetterQueue.queueArn],
        }),
        new iam.PolicyStatement({ sid: 'RedriveIntoQueue', actions: ['sqs:SendMessage'], resources: [props.queue.queueArn] }),
        keyUseVia(this, props.encryptionKey, 'sqs', undefined, 'RedriveDecrypt'),
      );
    }
    if (props.ipSetArns.length > 0) {
      this.policies.admin.addStatements(new iam.PolicyStatement({ sid: 'EditAllowlists', actions: ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'], resources: props.ipSetArns }));
    }
    this.policies.admin.addStatements(
      keyUseVia(this, props.encryptionKey, 'secretsmanager', undefined, 'SecretsThroughSecretsManager'),
    );
    acknowledge(
      this.policies.viewer,
      ...[...discovery, secrets].map((arn) => ({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, arn)}]`,
        reason: 'The CLI reads the endpoint\'s own stack and its groups\' nested stacks (named after it, with a suffix CloudFormation chooses) and the metadata (never the value) of the endpoint\'s own secrets, all named webhooks/<endpointName>/<source>.',
      })),
    );
    for (const policy of Object.values(this.policies)) {
      acknowledge(policy, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Only CloudWatch metric reads, alarm listing and Logs Insights query polling, which support no resource-level permissions; every other statement names the endpoint\'s own resources.',
      });
    }
  }

  /**
   * Adds a source's secret, rotation function, log groups and own IP sets to the levels that need
   * them: its static sets (`ipSetArns`) the admin edits; the sets of its sender's published list
   * (`publishedIpSetArns`, kept by the refresher) the viewer reads, for `status`.
   */
  public addSource(source: WebhookSource, logGroups: logs.ILogGroup[], ipSetArns: string[], publishedIpSetArns: string[] = []): void {
    this.allowLogReads(logGroups);
    if (ipSetArns.length > 0) {
      this.policies.admin.addStatements(new iam.PolicyStatement({ sid: `EditAllowlist${sidPart(source.sourceName)}`, actions: ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'], resources: ipSetArns }));
    }
    if (publishedIpSetArns.length > 0) {
      this.policies.viewer.addStatements(new iam.PolicyStatement({ sid: `ReadPublishedList${sidPart(source.sourceName)}`, actions: ['wafv2:GetIPSet'], resources: publishedIpSetArns }));
    }
    if (source.rotationFunction && source.secret) {
      // RotateSecret needs lambda:InvokeFunction on the rotation function too, which is also what an
      // emergency revoke is: an operator can rotate, including with zero grace.
      this.policies.operator.addStatements(
        new iam.PolicyStatement({ sid: `StartRotation${sidPart(source.sourceName)}`, actions: ['secretsmanager:RotateSecret', 'secretsmanager:DescribeSecret'], resources: [source.secret.secretArn] }),
        new iam.PolicyStatement({ sid: `InvokeRotation${sidPart(source.sourceName)}`, actions: ['lambda:InvokeFunction'], resources: [source.rotationFunction.functionArn] }),
      );
    }
    if (!source.secret) return;
    this.policies.admin.addStatements(
      new iam.PolicyStatement({
        sid: `ManageSecret${sidPart(source.sourceName)}`,
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [source.secret.secretArn],
      }),
    );
    if (source.captureSecret) {
      // put-key --from-capture shows what the verifier captured (when, from where) before putting it.
      this.policies.admin.addStatements(
        new iam.PolicyStatement({ sid: `ReadCapture${sidPart(source.sourceName)}`, actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [source.captureSecret.secretArn] }),
      );
    }
  }

  private allowLogReads(logGroups: logs.ILogGroup[]): void {
    if (logGroups.length === 0) return;
    this.policies.viewer.addStatements(
      new iam.PolicyStatement({
        actions: ['logs:StartQuery', 'logs:FilterLogEvents', 'logs:GetLogEvents', 'logs:DescribeLogStreams'],
        resources: logGroups.map((g) => g.logGroupArn),
      }),
    );
  }
}

/** A source name inside a statement id: "-" spelled out, so "a-b" and "ab" stay distinct. */
function sidPart(name: string): string {
  return name.replace(/-/g, 'Dash');
}
