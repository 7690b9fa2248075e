import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricAlarmCommand, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient, UpdateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ENVIRONMENTS_CONTEXT_KEY, resolveEnvironment } from '../../../bin/config';
import { WebhookStack } from '../../../bin/stack';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

type Json = unknown;
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  DependsOn?: string | string[];
  Metadata?: Record<string, Json>;
}
export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, Json>;
  Parameters?: Json;
  Rules?: Json;
}

/**
 * The resource types moto 5.2.1's CloudFormation does not create (it skips them with a warning). A
 * reference to one from a resource it does create would resolve to nothing: the suite creates the
 * ones the tests use itself (secrets, alarms, rotation schedules) and puts their names and ARNs into
 * the template it hands moto in place of the references, as CloudFormation would have resolved them.
 * The others (WAF, API Gateway stage and validators, queue and topic policies, X-Ray, Logs queries,
 * Contributor Insights) are not created: the handlers run in-process, not behind API Gateway and WAF.
 */
const NOT_CREATED_BY_MOTO = new Set([
  'AWS::SecretsManager::Secret',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::CompositeAlarm',
  'AWS::CloudWatch::InsightRule',
  'AWS::Logs::QueryDefinition',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::ApiGateway::Account',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::RequestValidator',
  'AWS::ApiGateway::Model',
  'AWS::XRay::SamplingRule',
  'AWS::WAFv2::IPSet',
  'AWS::WAFv2::WebACL',
  'AWS::WAFv2::LoggingConfiguration',
  'AWS::WAFv2::WebACLAssociation',
  // Custom resources of the sender IP-list refresher: moto would invoke the function, which it runs in
  // Docker only (none here), and leave the stack in CREATE_IN_PROGRESS. The refresher runs against
  // moto's WAFv2 in test/handlers/ip-ranges.test.ts and test/cli/ip-lists.test.ts.
  'Custom::WebhookIpSet',
  'Custom::WebhookIpRangesRefresh',
]);

/**
 * A scheduled EventBridge rule (the IP-list refresher's): moto would create it, and its PutEvents then
 * fails (an HTML error page) on a rule with a schedule and no event pattern, which breaks the rotation
 * handler's hand-off event. The schedule is AWS's to run; the refresh is tested on its own.
 */
function runOnlyByAws(resource: Resource): boolean {
  return resource.Type === 'AWS::Events::Rule' && resource.Properties?.ScheduleExpression !== undefined;
}

/** The example app's stack for one environment of cdk.json, synthesized in this process (no credentials needed). */
export function synthesizeExample(environment: string): { stackName: string; template: Template } {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, env: environment }, builtinCloudFormationValidation: false });
  const { name, props } = resolveEnvironment(app.node.tryGetContext(ENVIRONMENTS_CONTEXT_KEY), environment);
  // As bin/example.ts builds it, without the nag packs (they check the template, they do not change it).
  const stack = new WebhookStack(app, `HardenedWebhook-${name}`, props, { description: `Hardened inbound webhook endpoint (${name})` });
  const template = app.synth().getStackByName(stack.stackName).template as Template;
  return { stackName: stack.stackName, template };
}

/** A function of the template as it runs: its environment as CloudFormation would have resolved it. */
export interface DeployedFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly environment: Record<string, string>;
  readonly logGroupName: string;
}

export interface DeployedSource {
  readonly name: string;
  readonly keySource: 'generated' | 'imported';
  readonly secretArn: string;
  readonly verifier: DeployedFunction;
  readonly rotation?: DeployedFunction;
}

export interface Deployment {
  readonly stackName: string;
  readonly template: Template;
  readonly endpointName: string;
  readonly sources: ReadonlyMap<string, DeployedSource>;
  /** Queue URLs on the endpoint the SDK calls (moto's CloudFormation records AWS's host). */
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** The alarms the suite created, by logical id. */
  readonly alarmNames: ReadonlyMap<string, string>;
  /** What the template's RotationSchedules do on create: rotate each generated secret once, now. */
  startRotationSchedules(): Promise<string[]>;
}

export interface Clients {
  readonly cloudformation: CloudFormationClient;
  readonly secrets: SecretsManagerClient;
  readonly cloudwatch: CloudWatchClient;
  readonly sqs: SQSClient;
}

/**
 * Creates in moto what the template defines: what moto's CloudFormation can create through a stack of
 * the template's own name (so `--stack` discovery reads a real DescribeStacks, ListStackResources and
 * GetTemplate), and the rest directly, with the template's names and attributes.
 */
export async function deployToMoto(motoUrl: string, clients: Clients, stackName: string, template: Template): Promise<Deployment> {
  await uploadLambdaCode(motoUrl, template);

  const resources = template.Resources;
  const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const direct = new Map<string, { ref: string; attributes: Record<string, string> }>();

  // Secrets first: the functions' environments name them. The key they are encrypted with is the
  // stack's, so it is set once the stack exists.
  for (const [logicalId, secret] of byType('AWS::SecretsManager::Secret')) {
    const p = secret.Properties ?? {};
    const created = await clients.secrets.send(
      new CreateSecretCommand({ Name: p.Name as string, Description: p.Description as string | undefined, SecretString: generatedSecretString(p.GenerateSecretString as GenerateSecretString) }),
    );
    direct.set(logicalId, { ref: created.ARN!, attributes: {} });
  }
  // Alarms get the names CloudFormation would give them, so the template's references can name them before they exist.
  const alarmNames = new Map<string, string>();
  for (const [logicalId, alarm] of [...byType('AWS::CloudWatch::Alarm'), ...byType('AWS::CloudWatch::CompositeAlarm')]) {
    const name = (alarm.Properties?.AlarmName as string | undefined) ?? `${stackName}-${logicalId}-E2E${logicalId.length}`;
    alarmNames.set(logicalId, name);
    direct.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}` } });
  }
  for (const [logicalId, stage] of byType('AWS::ApiGateway::Stage')) direct.set(logicalId, { ref: stage.Properties?.StageName as string, attributes: {} });
  for (const [logicalId, resource] of Object.entries(resources)) {
    if ((NOT_CREATED_BY_MOTO.has(resource.Type) || runOnlyByAws(resource)) && !direct.has(logicalId)) {
      const placeholder = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:e2e-not-created/${logicalId}`;
      direct.set(logicalId, { ref: placeholder, attributes: { Arn: placeholder, Id: `e2e-not-created-${logicalId}`, Name: logicalId } });
    }
  }

  await clients.cloudformation.send(
    new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify(forMoto(template, direct)), Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'] }),
  );
  const status = (await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0]?.StackStatus;
  if (status !== 'CREATE_COMPLETE') throw new Error(`moto's CloudFormation left ${stackName} in ${status}`);
  const physical = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await clients.cloudformation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: nextToken }));
    for (const r of page.StackResourceSummaries ?? []) if (r.LogicalResourceId && r.PhysicalResourceId) physical.set(r.LogicalResourceId, r.PhysicalResourceId);
    nextToken = page.NextToken;
  } while (nextToken);

  const queueUrls = new Map<string, string>();
  for (const [logicalId] of byType('AWS::SQS::Queue')) {
    const name = physical.get(logicalId)!.split('/').pop()!;
    queueUrls.set(logicalId, (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!);
  }
  const resolver = new TemplateResolver(resources, physical, direct, queueUrls);

  for (const [logicalId, secret] of byType('AWS::SecretsManager::Secret')) {
    await clients.secrets.send(new UpdateSecretCommand({ SecretId: direct.get(logicalId)!.ref, KmsKeyId: resolver.resolve(secret.Properties?.KmsKeyId) as string }));
  }
  for (const [logicalId, alarm] of byType('AWS::CloudWatch::Alarm')) {
    const props = resolver.resolve(alarm.Properties) as PutMetricAlarmCommandInput;
    await clients.cloudwatch.send(new PutMetricAlarmCommand({ ...props, AlarmName: alarmNames.get(logicalId) }));
  }
  for (const [logicalId, alarm] of byType('AWS::CloudWatch::CompositeAlarm')) {
    // moto has no PutCompositeAlarm: it takes a composite alarm as a PutMetricAlarm with an AlarmRule,
    // which the SDK's PutMetricAlarm input does not carry, so this one call is made by hand.
    const props = resolver.resolve(alarm.Properties) as Record<string, Json>;
    const response = await fetch(motoUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.PutMetricAlarm',
        authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/monitoring/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify({ AlarmName: alarmNames.get(logicalId), AlarmDescription: props.AlarmDescription, AlarmRule: props.AlarmRule, AlarmActions: props.AlarmActions }),
    });
    if (!response.ok) throw new Error(`moto PutMetricAlarm (composite ${logicalId}): ${response.status} ${await response.text()}`);
  }

  const functionOf = (logicalId: string): DeployedFunction => {
    const properties = resources[logicalId].Properties ?? {};
    const variables = ((properties.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {}) as Record<string, Json>;
    const environment = Object.fromEntries(
      Object.entries(variables)
        .filter(([name]) => name !== 'NODE_OPTIONS')
        .map(([name, value]) => [name, String(resolver.resolve(value))]),
    );
    const name = physical.get(logicalId)!;
    return {
      logicalId,
      name,
      arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      environment,
      logGroupName: String(resolver.resolve((properties.LoggingConfig as { LogGroup: Json }).LogGroup)),
    };
  };
  const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([id]) => functionOf(id));
  const sources = new Map<string, DeployedSource>();
  for (const verifier of functions.filter((f) => f.environment.WEBHOOK_QUEUE_URL)) {
    const name = verifier.environment.WEBHOOK_SOURCE;
    const rotation = functions.find((f) => !f.environment.WEBHOOK_QUEUE_URL && f.environment.WEBHOOK_SOURCE === name);
    sources.set(name, {
      name,
      keySource: verifier.environment.WEBHOOK_KEY_SOURCE === 'imported' ? 'imported' : 'generated',
      secretArn: verifier.environment.WEBHOOK_SECRET_ARN,
      verifier,
      rotation,
    });
  }
  const anyVerifier = [...sources.values()][0].verifier;
  const queueUrl = anyVerifier.environment.WEBHOOK_QUEUE_URL;
  const deadLetterQueueUrl = [...queueUrls.values()].find((url) => url !== queueUrl)!;

  return {
    stackName,
    template,
    endpointName: anyVerifier.environment.WEBHOOK_ENDPOINT,
    sources,
    queueUrl,
    deadLetterQueueUrl,
    alarmNames,
    startRotationSchedules: async () => {
      const rotated: string[] = [];
      for (const [, schedule] of byType('AWS::SecretsManager::RotationSchedule')) {
        const p = resolver.resolve(schedule.Properties) as { SecretId: string; RotationLambdaARN: string; RotationRules: { ScheduleExpression: string } };
        // moto reads only AutomaticallyAfterDays (it ignores ScheduleExpression and would leave rotation off): rate(N days) is that.
        const days = /^rate\((\d+) days?\)$/.exec(p.RotationRules.ScheduleExpression);
        if (!days) throw new Error(`the e2e suite turns only rate(<n> days) into moto's AutomaticallyAfterDays, not ${p.RotationRules.ScheduleExpression}`);
        await clients.secrets.send(
          new RotateSecretCommand({ SecretId: p.SecretId, RotationLambdaARN: p.RotationLambdaARN, RotationRules: { AutomaticallyAfterDays: Number(days[1]) }, RotateImmediately: true }),
        );
        rotated.push(p.SecretId);
      }
      return rotated;
    },
  };
}

interface GenerateSecretString {
  SecretStringTemplate: string;
  GenerateStringKey: string;
  PasswordLength: number;
}

/** What CloudFormation's GenerateSecretString makes: the template with a random alphanumeric password under the key. */
function generatedSecretString(spec: GenerateSecretString): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const password = Array.from({ length: spec.PasswordLength }, () => alphabet[randomInt(alphabet.length)]).join('');
  return JSON.stringify({ ...(JSON.parse(spec.SecretStringTemplate) as object), [spec.GenerateStringKey]: password });
}

/** The CDK asset bucket and the functions' code objects, which moto's Lambda reads when it creates a function (it never runs them). */
async function uploadLambdaCode(motoUrl: string, template: Template): Promise<void> {
  const objects = new Set(
    Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => (r.Properties?.Code as { S3Key: string }).S3Key),
  );
  const bucket = `cdk-hnb659fds-assets-${ACCOUNT}-${REGION}`;
  const put = async (path: string, body?: Buffer) => {
    const response = await fetch(`${motoUrl}/${path}`, { method: 'PUT', body });
    if (!response.ok) throw new Error(`moto S3 PUT ${path}: ${response.status} ${await response.text()}`);
  };
  await put(bucket);
  for (const key of objects) await put(`${bucket}/${key}`, Buffer.from(`code of ${key}: the e2e suite runs the bundled handlers in-process`));
}

/** The template moto's CloudFormation can take: references to what it does not create replaced by what the suite created. */
function forMoto(template: Template, direct: ReadonlyMap<string, { ref: string; attributes: Record<string, string> }>): Template {
  const substitute = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(substitute);
    if (typeof value !== 'object' || value === null) return value;
    const node = value as Record<string, Json>;
    if (typeof node.Ref === 'string' && direct.has(node.Ref)) return direct.get(node.Ref)!.ref;
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt) && direct.has(getAtt[0] as string)) {
      const attribute = direct.get(getAtt[0] as string)!.attributes[getAtt[1] as string];
      if (attribute === undefined) throw new Error(`the e2e suite has no value for ${getAtt.join('.')}`);
      return attribute;
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v)]));
  };
  const resources: Record<string, Resource> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (direct.has(logicalId)) {
      // Kept, for GetTemplate to show the whole template; moto skips it. Not a custom resource, which
      // moto would try to run (see NOT_CREATED_BY_MOTO).
      if (!resource.Type.startsWith('Custom::') && !runOnlyByAws(resource)) resources[logicalId] = resource;
      continue;
    }
    const dependsOn = resource.DependsOn === undefined ? undefined : [resource.DependsOn].flat().filter((d) => !direct.has(d));
    resources[logicalId] = { ...(substitute(resource) as Resource), ...(dependsOn ? { DependsOn: dependsOn } : {}) };
  }
  // The bootstrap version check reads an SSM parameter that only `cdk bootstrap` creates.
  const { Parameters: _parameters, Rules: _rules, ...rest } = template;
  return { ...rest, Resources: resources, Outputs: substitute(template.Outputs ?? {}) as Record<string, Json> };
}

/** Resolves template values against what exists in moto, for the resources the suite creates and the functions' environments. */
class TemplateResolver {
  constructor(
    private readonly resources: Record<string, Resource>,
    private readonly physical: ReadonlyMap<string, string>,
    private readonly direct: ReadonlyMap<string, { ref: string; attributes: Record<string, string> }>,
    private readonly queueUrls: ReadonlyMap<string, string>,
  ) {}

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (typeof value !== 'object' || value === null) return value;
    const node = value as Record<string, Json>;
    if (typeof node.Ref === 'string') return this.ref(node.Ref);
    if (Array.isArray(node['Fn::GetAtt'])) return this.attribute(...(node['Fn::GetAtt'] as [string, string]));
    if (Array.isArray(node['Fn::Join'])) {
      const [separator, parts] = node['Fn::Join'] as [string, Json[]];
      return parts.map((p) => String(this.resolve(p))).join(separator);
    }
    if (typeof node['Fn::Sub'] === 'string') {
      return (node['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        const [id, attribute] = name.split('.');
        return String(attribute ? this.attribute(id, attribute) : this.ref(id));
      });
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, this.resolve(v)]));
  }

  private ref(name: string): string {
    const pseudo: Record<string, string> = { 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
    if (pseudo[name]) return pseudo[name];
    if (this.direct.has(name)) return this.direct.get(name)!.ref;
    // moto's CloudFormation records AWS's host in a queue's URL; the SDK must use the endpoint's.
    if (this.queueUrls.has(name)) return this.queueUrls.get(name)!;
    const id = this.physical.get(name);
    if (id === undefined) throw new Error(`the e2e suite cannot resolve Ref ${name}`);
    return id;
  }

  private attribute(logicalId: string, attribute: string): string {
    const known = this.direct.get(logicalId)?.attributes[attribute];
    if (known) return known;
    const id = this.ref(logicalId);
    const type = this.resources[logicalId]?.Type;
    const queueName = id.split('/').pop()!;
    const arns: Record<string, Record<string, string>> = {
      'AWS::SQS::Queue': { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${queueName}`, QueueName: queueName, QueueUrl: id },
      'AWS::KMS::Key': { Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`, KeyId: id },
      'AWS::Lambda::Function': { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}` },
      'AWS::Logs::LogGroup': { Arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*` },
      'AWS::DynamoDB::Table': { Arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}` },
      'AWS::IAM::Role': { Arn: `arn:aws:iam::${ACCOUNT}:role/${id}` },
      'AWS::SNS::Topic': { TopicName: id.split(':').pop()!, TopicArn: id },
    };
    const value = arns[type ?? '']?.[attribute];
    if (value === undefined) throw new Error(`the e2e suite cannot resolve ${logicalId}.${attribute} (${type})`);
    return value;
  }
}
