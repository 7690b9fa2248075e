import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, ListStackResourcesCommand, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { UsageError } from '../local/command';
import { DiscoveredEndpoint, DiscoveredSource, discoverEndpoints, StackDescription, StackResource, Template } from './discovery';

/** Options every AWS command takes. */
export interface AwsOptions {
  readonly stack: string;
  readonly region?: string;
  readonly profile?: string;
  readonly json?: boolean;
}

/**
 * The SDK clients of one command run. Region, profile, credentials and endpoints come from the SDK's
 * own chain (AWS_REGION, AWS_PROFILE, ~/.aws/config, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>),
 * with --region and --profile on top.
 */
export class AwsContext {
  private readonly config: { region?: string; profile?: string };
  private readonly clients = new Map<string, unknown>();

  constructor(public readonly options: AwsOptions) {
    // The SDK bundled into this CLI warns on Node 20 about its own later releases, which this bundle never
    // gets: the warning would only be noise on every command. Set the variable to false to see it.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.config = {
      ...(options.region ? { region: options.region } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
    };
  }

  get cloudformation(): CloudFormationClient {
    return this.client('cloudformation', () => new CloudFormationClient(this.config));
  }
  get cloudwatch(): CloudWatchClient {
    return this.client('cloudwatch', () => new CloudWatchClient(this.config));
  }
  get logs(): CloudWatchLogsClient {
    return this.client('logs', () => new CloudWatchLogsClient(this.config));
  }
  get lambda(): LambdaClient {
    return this.client('lambda', () => new LambdaClient(this.config));
  }
  get secrets(): SecretsManagerClient {
    return this.client('secrets', () => new SecretsManagerClient(this.config));
  }
  get sqs(): SQSClient {
    return this.client('sqs', () => new SQSClient(this.config));
  }
  get waf(): WAFV2Client {
    return this.client('waf', () => new WAFV2Client(this.config));
  }

  /** The stack, its template and resources, and the endpoints in it. Explains an unknown stack or a stack without an endpoint. */
  async loadStack(): Promise<{ stack: StackDescription; endpoints: DiscoveredEndpoint[] }> {
    const stack = await describeStack(this.cloudformation, this.options.stack);
    const endpoints = discoverEndpoints(stack);
    return { stack, endpoints: await Promise.all(endpoints.map((e) => this.completeFromFunctions(e))) };
  }

  /**
   * A value the template cannot give (a queue imported from another stack, a secret the stack does not
   * list): read from the verifier function's configuration, where CloudFormation resolved it.
   */
  private async completeFromFunctions(endpoint: DiscoveredEndpoint): Promise<DiscoveredEndpoint> {
    const sources = await Promise.all(
      endpoint.sources.map(async (source): Promise<DiscoveredSource> => {
        if (source.unresolved.length === 0 || !source.verifierFunctionName) return source;
        let variables: Record<string, string> = {};
        try {
          const configuration = await this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: source.verifierFunctionName }));
          variables = configuration.Environment?.Variables ?? {};
        } catch {
          return source;
        }
        return {
          ...source,
          secretId: source.secretId ?? variables.WEBHOOK_SECRET_ARN,
          captureSecretId: source.captureSecretId ?? variables.WEBHOOK_CAPTURE_SECRET_ARN,
          queueUrl: source.queueUrl ?? variables.WEBHOOK_QUEUE_URL,
          url: source.url ?? variables.WEBHOOK_PUBLIC_URL,
          unresolved: source.unresolved.filter((name) => !variables[name]),
        };
      }),
    );
    return { ...endpoint, sources, queueUrl: endpoint.queueUrl ?? sources.find((s) => s.queueUrl)?.queueUrl };
  }

  private client<T>(name: string, create: () => T): T {
    if (!this.clients.has(name)) this.clients.set(name, create());
    return this.clients.get(name) as T;
  }
}

/** A stack, its template and resources, and (to `depth` levels) its nested stacks. */
async function describeStack(cloudformation: CloudFormationClient, stackName: string, depth = 3): Promise<StackDescription> {
  let described;
  try {
    described = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (error) {
    if (isAwsError(error, 'ValidationError') && /does not exist/i.test(messageOf(error))) {
      const region = await cloudformation.config.region().catch(() => 'the configured region');
      throw new UsageError(
        `no stack named ${stackName} in ${region}; give the CloudFormation stack name (cdk list, or aws cloudformation list-stacks) and the region it is in (AWS_REGION or --region)`,
      );
    }
    throw error;
  }
  const found = described.Stacks?.[0];
  if (!found?.StackId) throw new UsageError(`no stack named ${stackName}; give the CloudFormation stack name (cdk list shows your app's stacks)`);
  const resources: StackResourceSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await cloudformation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: nextToken }));
    resources.push(...(page.StackResourceSummaries ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  const templateBody = (await cloudformation.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }))).TemplateBody ?? '{}';
  let template: Template;
  try {
    template = JSON.parse(templateBody) as Template;
  } catch {
    throw new UsageError(`stack ${stackName}'s template is not JSON (a YAML template is not a CDK app's); give the stack of your CDK app that holds the HardenedWebhookEndpoint`);
  }
  const arn = found.StackId.split(':');
  const region = arn[3] || (await cloudformation.config.region());
  const nestedIds = depth > 0 ? resources.filter((r) => r.ResourceType === 'AWS::CloudFormation::Stack' && r.PhysicalResourceId).map((r) => r.PhysicalResourceId!) : [];
  return {
    stackName: found.StackName ?? stackName,
    stackId: found.StackId,
    region,
    accountId: arn[4] ?? '',
    urlSuffix: region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com',
    template,
    resources: resources.map(
      (r): StackResource => ({ logicalId: r.LogicalResourceId ?? '', physicalId: r.PhysicalResourceId || undefined, type: r.ResourceType ?? '' }),
    ),
    outputs: Object.fromEntries((found.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : []))),
    parameters: Object.fromEntries((found.Parameters ?? []).flatMap((p) => (p.ParameterKey ? [[p.ParameterKey, p.ResolvedValue ?? p.ParameterValue ?? '']] : []))),
    nested: await Promise.all(nestedIds.map((id) => describeStack(cloudformation, id, depth - 1))),
  };
}

/** An error an AWS command reports as it is (exit code 1): what failed and what to do. */
export class AwsCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsCommandError';
  }
}

export function isAwsError(error: unknown, ...names: string[]): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, Code, code } = error as { name?: unknown; Code?: unknown; code?: unknown };
  return names.some((n) => n === name || n === Code || n === code);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Turns what the SDK throws into a message that says what to do. Credentials, region, expired
 * sessions, access denied and unreachable endpoints are the ones an operator meets at 3 a.m.
 */
export function explainAwsError(error: unknown): Error {
  if (error instanceof UsageError || error instanceof AwsCommandError) return error;
  const message = messageOf(error);
  if (isAwsError(error, 'CredentialsProviderError') || /could not load credentials/i.test(message)) {
    return new AwsCommandError(
      'no AWS credentials found: set AWS_PROFILE to a profile (aws configure, or aws sso login --profile <name>), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile',
    );
  }
  if (/region is missing/i.test(message)) {
    return new AwsCommandError('no AWS region: set AWS_REGION, pass --region <region>, or set region in your AWS profile');
  }
  if (isAwsError(error, 'ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired') || /token .*expired|sso session .*expired/i.test(message)) {
    return new AwsCommandError(`your AWS session has expired (${message}); log in again (aws sso login) or refresh the credentials, then retry`);
  }
  if (isAwsError(error, 'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnrecognizedClientException', 'InvalidClientTokenId')) {
    return new AwsCommandError(`AWS refused the call: ${message}. Use credentials of a role allowed to do this (the endpoint's operator or admin access role), or ask for the permission named`);
  }
  if (isAwsError(error, 'ENOTFOUND', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'TimeoutError')) {
    return new AwsCommandError(`cannot reach AWS (${message}); check the network, and AWS_ENDPOINT_URL if you set one`);
  }
  return new AwsCommandError(message);
}
