import type { SchemeConfig } from '../../runtime';
import { suggestion } from '../../runtime/suggest';

/**
 * Finding a deployed endpoint from its stack name alone. The template says what is what: each source's
 * verifier is a Lambda function whose environment names its endpoint, source, secret, queue and key
 * source (lib/webhook-source.ts); a generated-key source has a rotation function with the same
 * endpoint and source and no queue. ListStackResources turns logical ids into names and ARNs. Nothing
 * here depends on construct ids, `aws:cdk:path` metadata (which `cdk synth --no-path-metadata` drops)
 * or the example app's outputs.
 */

/** A resource as ListStackResources reports it. */
export interface StackResource {
  readonly logicalId: string;
  readonly physicalId?: string;
  readonly type: string;
}

/** What the CLI needs from CloudFormation about one stack. */
export interface StackDescription {
  readonly stackName: string;
  readonly stackId: string;
  readonly region: string;
  readonly accountId: string;
  readonly urlSuffix: string;
  readonly template: Template;
  readonly resources: readonly StackResource[];
  readonly outputs: Readonly<Record<string, string>>;
  /** The values its parameters were deployed with (a nested stack receives the queue URL, ... this way). */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Its nested stacks (AWS::CloudFormation::Stack resources), where an endpoint keeps its source groups. */
  readonly nested?: readonly StackDescription[];
}

export interface Template {
  readonly Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  readonly Parameters?: Record<string, unknown>;
}

/** One source of an endpoint, resolved to names and ARNs where the stack knows them. */
export interface DiscoveredSource {
  readonly endpoint: string;
  readonly name: string;
  /** The scheme type (stripe, standard-webhooks, ...) or `unknown`. */
  readonly schemeType: string;
  readonly scheme?: SchemeConfig;
  /** `published`: the sender publishes its keys (SNS, PayPal, Google); the source has no secret. */
  readonly keySource: 'generated' | 'imported' | 'published';
  /** The secret's ARN, or its name when the stack does not list the secret. */
  readonly secretId?: string;
  /**
   * Where the verifier keeps a sender's unsigned key handshake (Notion's verification token) until it
   * is put as the key: ARN or name, as secretId.
   */
  readonly captureSecretId?: string;
  readonly verifierLogicalId: string;
  readonly verifierFunctionName?: string;
  readonly verifierLogGroupName?: string;
  readonly rotationFunctionName?: string;
  readonly rotationLogGroupName?: string;
  /** How long a replaced key keeps verifying: the rotation function's, or the verifier's for imported keys. */
  readonly graceSeconds?: number;
  /** How long a verifier keeps keys in memory: a revoke takes effect within it. */
  readonly cacheSeconds?: number;
  readonly queueUrl?: string;
  readonly url?: string;
  /** Template values that did not resolve (an imported queue, ...), by environment variable. */
  readonly unresolved: readonly string[];
}

/**
 * A WAF IP set kept by the endpoint's refresher for a source that follows its sender's published list
 * (a `Custom::WebhookIpSet` resource, lib/sender-ip-ranges.ts): named `<endpoint>_<source>-v4|v6`, its
 * physical id the set's ARN.
 */
export interface DiscoveredIpSet {
  readonly source: string;
  readonly sender: string;
  readonly version: 'IPV4' | 'IPV6';
  readonly name: string;
  /** WAF's id of the set, from its ARN; undefined when the stack does not list it (not created yet). */
  readonly id?: string;
  readonly arn?: string;
}

export interface DiscoveredEndpoint {
  readonly name: string;
  readonly sources: readonly DiscoveredSource[];
  /** The managed IP sets of its sources with `senderIpRanges`, by source then version (none: none). */
  readonly ipSets?: readonly DiscoveredIpSet[];
  /** The queue the verifiers send to (the first source's, they share it). */
  readonly queueUrl?: string;
  /** Alarm names the stack lists (AWS::CloudWatch::Alarm / CompositeAlarm), when the stack holds only this endpoint. */
  readonly alarmNames: readonly string[];
}

/** A stack that holds no endpoint of this library: the message says how to find the right one. */
export class NotAnEndpointStackError extends Error {
  constructor(stackName: string) {
    super(
      `stack ${stackName} holds no cdk-hardened-webhook endpoint (no verifier function with WEBHOOK_ENDPOINT and WEBHOOK_SOURCE in its template); ` +
        'give the stack that contains the HardenedWebhookEndpoint (cdk list shows your app\'s stacks; a nested stack is not searched)',
    );
    this.name = 'NotAnEndpointStackError';
  }
}

type Env = Record<string, unknown>;

/** Every endpoint in the stack and its nested stacks, its sources sorted by name. Throws NotAnEndpointStackError when there is none. */
export function discoverEndpoints(root: StackDescription): DiscoveredEndpoint[] {
  const stacks = allStacks(root);
  const functions = stacks.flatMap((stack) => {
    const resolver = new Resolver(stack);
    return Object.entries(stack.template.Resources ?? {})
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([logicalId, r]) => ({ stack, resolver, logicalId, properties: r.Properties ?? {}, env: environmentOf(r.Properties) }))
      .filter((f) => typeof f.env.WEBHOOK_ENDPOINT === 'string' && typeof f.env.WEBHOOK_SOURCE === 'string');
  });
  const verifiers = functions.filter((f) => f.env.WEBHOOK_QUEUE_URL !== undefined);
  if (verifiers.length === 0) throw new NotAnEndpointStackError(root.stackName);
  const rotations = functions.filter((f) => f.env.WEBHOOK_QUEUE_URL === undefined && f.env.WEBHOOK_SECRET_ARN !== undefined);
  const alarmNames = stacks
    .flatMap((stack) => stack.resources)
    .filter((r) => r.type === 'AWS::CloudWatch::Alarm' || r.type === 'AWS::CloudWatch::CompositeAlarm')
    .flatMap((r) => (r.physicalId ? [r.physicalId] : []));
  // The API, its stage and custom domain stay in the endpoint's own stack; the example app's outputs are the root's.
  const rootResolver = new Resolver(root);

  const byEndpoint = new Map<string, DiscoveredSource[]>();
  for (const verifier of verifiers) {
    const { resolver } = verifier;
    const endpoint = verifier.env.WEBHOOK_ENDPOINT as string;
    const name = verifier.env.WEBHOOK_SOURCE as string;
    const rotation = rotations.find((r) => r.env.WEBHOOK_ENDPOINT === endpoint && r.env.WEBHOOK_SOURCE === name);
    const unresolved: string[] = [];
    const value = (env: Env, variable: string): string | undefined => {
      if (env[variable] === undefined) return undefined;
      const resolved = resolver.resolve(env[variable]);
      if (resolved === undefined) unresolved.push(variable);
      return resolved;
    };
    const scheme = parseScheme(verifier.env.WEBHOOK_SCHEME);
    const raw = verifier.env.WEBHOOK_KEY_SOURCE;
    const keySource = raw === 'imported' || raw === 'published' ? raw : 'generated';
    const grace = rotation ? rotation.env.WEBHOOK_GRACE_SECONDS : verifier.env.WEBHOOK_GRACE_SECONDS;
    const verifierFunctionName = resolver.physical(verifier.logicalId);
    const rotationFunctionName = rotation ? rotation.resolver.physical(rotation.logicalId) : undefined;
    const source: DiscoveredSource = {
      endpoint,
      name,
      schemeType: schemeLabel(scheme),
      scheme,
      keySource,
      secretId: resolver.resolve(verifier.env.WEBHOOK_SECRET_ARN) ?? resolver.secretName(verifier.env.WEBHOOK_SECRET_ARN),
      captureSecretId: resolver.resolve(verifier.env.WEBHOOK_CAPTURE_SECRET_ARN) ?? resolver.secretName(verifier.env.WEBHOOK_CAPTURE_SECRET_ARN),
      verifierLogicalId: verifier.logicalId,
      verifierFunctionName,
      verifierLogGroupName: logGroupOf(verifier.properties, verifierFunctionName, resolver),
      rotationFunctionName,
      rotationLogGroupName: rotation ? logGroupOf(rotation.properties, rotationFunctionName, rotation.resolver) : undefined,
      graceSeconds: numberOf(grace) ?? (keySource === 'imported' ? 86400 : undefined),
      cacheSeconds: numberOf(verifier.env.WEBHOOK_SECRET_CACHE_SECONDS) ?? 300,
      queueUrl: value(verifier.env, 'WEBHOOK_QUEUE_URL'),
      url: (verifier.env.WEBHOOK_PUBLIC_URL === undefined ? undefined : resolver.resolve(verifier.env.WEBHOOK_PUBLIC_URL)) ?? sourceUrl(root, rootResolver, name),
      unresolved,
    };
    if (!source.secretId && keySource !== 'published') unresolved.push('WEBHOOK_SECRET_ARN');
    if (!source.captureSecretId && verifier.env.WEBHOOK_CAPTURE_SECRET_ARN !== undefined) unresolved.push('WEBHOOK_CAPTURE_SECRET_ARN');
    byEndpoint.set(endpoint, [...(byEndpoint.get(endpoint) ?? []), source]);
  }
  const ipSets = stacks.flatMap(managedIpSets);
  return [...byEndpoint.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, sources]) => {
      const sorted = [...sources].sort((a, b) => a.name.localeCompare(b.name));
      // A set belongs to the endpoint and source its name spells (`<endpoint>_<source>-v4|v6`: neither name holds `_`).
      const own = sorted.flatMap((s) =>
        ipSets.filter((set) => set.name === `${name}_${s.name}-${set.version === 'IPV4' ? 'v4' : 'v6'}`).map((set) => ({ ...set, source: s.name })),
      );
      // With several endpoints in one stack, its alarms are not all one endpoint's: their descriptions tell them apart.
      return { name, sources: sorted, queueUrl: sorted.find((s) => s.queueUrl)?.queueUrl, alarmNames: byEndpoint.size === 1 ? alarmNames : [], ipSets: own };
    });
}

const IP_SET_ARN = /^arn:[a-z0-9-]+:wafv2:[a-z0-9-]+:\d{12}:regional\/ipset\/([\w-]{1,128})\/([\w-]{1,128})$/;

/** The stack's Custom::WebhookIpSet resources, their source still unknown (the endpoint decides). */
function managedIpSets(stack: StackDescription): Omit<DiscoveredIpSet, 'source'>[] {
  const resolver = new Resolver(stack);
  return Object.entries(stack.template.Resources ?? {})
    .filter(([, r]) => r.Type === 'Custom::WebhookIpSet')
    .flatMap(([logicalId, r]) => {
      const properties = r.Properties ?? {};
      const name = resolver.resolve(properties.Name);
      const version = properties.IpVersion;
      if (!name || (version !== 'IPV4' && version !== 'IPV6')) return [];
      const arn = resolver.physical(logicalId);
      const id = IP_SET_ARN.exec(arn ?? '')?.[2];
      return [{ sender: typeof properties.Sender === 'string' ? properties.Sender : 'unknown', version, name, ...(id ? { id, arn } : {}) }];
    });
}

function allStacks(stack: StackDescription): StackDescription[] {
  return [stack, ...(stack.nested ?? []).flatMap(allStacks)];
}

/** The source named `name` across the stack's endpoints; `endpoint` narrows when two endpoints share a source name. */
export function findSource(endpoints: readonly DiscoveredEndpoint[], stackName: string, name: string, endpoint?: string): DiscoveredSource {
  const candidates = endpoints.filter((e) => endpoint === undefined || e.name === endpoint).flatMap((e) => e.sources.filter((s) => s.name === name));
  if (candidates.length === 1) return candidates[0];
  const known = endpoints.flatMap((e) => e.sources.map((s) => (endpoints.length > 1 ? `${s.name} (endpoint ${e.name})` : s.name)));
  if (candidates.length === 0) {
    if (endpoint !== undefined && !endpoints.some((e) => e.name === endpoint)) {
      const names = endpoints.map((e) => e.name);
      throw new UnknownNameError(`stack ${stackName} has no endpoint named ${endpoint}${suggestion(endpoint, names, 'endpoints')}`);
    }
    const sourceNames = [...new Set(endpoints.flatMap((e) => e.sources.map((s) => s.name)))];
    throw new UnknownNameError(`stack ${stackName} has no source named ${name}${suggestion(name, sourceNames, 'sources', known)}`);
  }
  throw new UnknownNameError(`stack ${stackName} has a source named ${name} on several endpoints (${candidates.map((c) => c.endpoint).join(', ')}); add --endpoint <name>`);
}

/** The endpoints `--endpoint`/`--source` select (all of them when neither is given). */
export function selectEndpoints(endpoints: readonly DiscoveredEndpoint[], stackName: string, options: { endpoint?: string; source?: string }): DiscoveredEndpoint[] {
  if (options.source !== undefined) {
    const source = findSource(endpoints, stackName, options.source, options.endpoint);
    return endpoints.filter((e) => e.name === source.endpoint).map((e) => ({ ...e, sources: e.sources.filter((s) => s.name === source.name) }));
  }
  if (options.endpoint === undefined) return [...endpoints];
  const selected = endpoints.filter((e) => e.name === options.endpoint);
  if (selected.length === 0) throw new UnknownNameError(`stack ${stackName} has no endpoint named ${options.endpoint}${suggestion(options.endpoint, endpoints.map((e) => e.name), 'endpoints')}`);
  return selected;
}

/** A --source or --endpoint that names nothing in the stack. */
export class UnknownNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownNameError';
  }
}

/** The queue's name from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function queueNameOf(queueUrl: string): string {
  const name = queueUrl.replace(/\/+$/, '').split('/').pop();
  if (!name) throw new Error(`${queueUrl} is not a queue URL`);
  return name;
}

function environmentOf(properties: Record<string, unknown> | undefined): Env {
  const environment = properties?.Environment as { Variables?: Env } | undefined;
  return environment?.Variables ?? {};
}

function parseScheme(value: unknown): SchemeConfig | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = JSON.parse(value) as SchemeConfig;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.type === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The scheme as the sender table (docs/senders.md) names it: Svix is Standard Webhooks under svix-* headers. */
function schemeLabel(scheme: SchemeConfig | undefined): string {
  if (!scheme) return 'unknown';
  if (scheme.type === 'standard-webhooks' && (scheme as { headerPrefix?: string }).headerPrefix === 'svix') return 'svix';
  return scheme.type;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** The function's log group: its LoggingConfig's, else Lambda's default /aws/lambda/<name>. */
function logGroupOf(properties: Record<string, unknown>, functionName: string | undefined, resolver: Resolver): string | undefined {
  const logging = properties.LoggingConfig as { LogGroup?: unknown } | undefined;
  if (logging?.LogGroup !== undefined) return resolver.resolve(logging.LogGroup);
  return functionName ? `/aws/lambda/${functionName}` : undefined;
}

/**
 * Where the sender posts: an output ending in /webhooks/<name> (the example app's Url<name>), the
 * custom domain, or the execute-api URL of the stack's REST API and stage. (A URL-signing scheme's
 * configured WEBHOOK_PUBLIC_URL comes first, above.)
 */
function sourceUrl(stack: StackDescription, resolver: Resolver, name: string): string | undefined {
  const suffix = `/webhooks/${name}`;
  const output = Object.values(stack.outputs).find((value) => value.endsWith(suffix));
  if (output) return output;
  const entries = Object.entries(stack.template.Resources ?? {});
  const domain = entries.find(([, r]) => r.Type === 'AWS::ApiGateway::DomainName');
  if (domain) {
    const domainName = resolver.resolve(domain[1].Properties?.DomainName);
    const mapping = entries.find(([, r]) => r.Type === 'AWS::ApiGateway::BasePathMapping');
    const basePath = mapping ? resolver.resolve(mapping[1].Properties?.BasePath) : undefined;
    if (domainName) return `https://${domainName}${basePath ? `/${basePath}` : ''}${suffix}`;
  }
  const api = entries.find(([, r]) => r.Type === 'AWS::ApiGateway::RestApi');
  const stage = entries.find(([, r]) => r.Type === 'AWS::ApiGateway::Stage');
  const apiId = api ? resolver.resolve({ Ref: api[0] }) : undefined;
  const stageName = stage ? resolver.resolve(stage[1].Properties?.StageName) : undefined;
  if (apiId && stageName) return `https://${apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}${suffix}`;
  return undefined;
}

/**
 * Resolves the template values this CLI reads, in one stack: literals, Ref (to a resource, a parameter
 * or a pseudo parameter), Fn::Join, and Fn::Sub without a variables map.
 */
class Resolver {
  private readonly ids: ReadonlyMap<string, string | undefined>;

  constructor(private readonly stack: StackDescription) {
    this.ids = new Map(stack.resources.map((r) => [r.logicalId, r.physicalId]));
  }

  /** A resource's name or ARN as ListStackResources gives it. */
  physical(logicalId: string): string | undefined {
    return this.ids.get(logicalId) || undefined;
  }

  resolve(value: unknown): string | undefined {
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'object' || value === null) return undefined;
    const node = value as Record<string, unknown>;
    if (typeof node.Ref === 'string') return this.ref(node.Ref);
    if (Array.isArray(node['Fn::Join'])) {
      const [separator, parts] = node['Fn::Join'] as [unknown, unknown];
      if (typeof separator !== 'string' || !Array.isArray(parts)) return undefined;
      const resolved = parts.map((p) => this.resolve(p));
      return resolved.every((p) => p !== undefined) ? resolved.join(separator) : undefined;
    }
    if (typeof node['Fn::Sub'] === 'string') {
      let unresolved = false;
      const text = (node['Fn::Sub'] as string).replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
        const resolved = name.includes('.') ? undefined : this.ref(name);
        if (resolved === undefined) unresolved = true;
        return resolved ?? '';
      });
      return unresolved ? undefined : text;
    }
    return undefined;
  }

  /** A secret the stack does not list (an emulator's CloudFormation skips secrets): its name, which Secrets Manager accepts as an id. */
  secretName(value: unknown): string | undefined {
    const ref = typeof value === 'object' && value !== null ? (value as { Ref?: unknown }).Ref : undefined;
    if (typeof ref !== 'string') return undefined;
    const resource = this.stack.template.Resources?.[ref];
    if (resource?.Type !== 'AWS::SecretsManager::Secret') return undefined;
    return this.resolve(resource.Properties?.Name);
  }

  private ref(name: string): string | undefined {
    switch (name) {
      case 'AWS::Region':
        return this.stack.region;
      case 'AWS::AccountId':
        return this.stack.accountId;
      case 'AWS::StackName':
        return this.stack.stackName;
      case 'AWS::StackId':
        return this.stack.stackId;
      case 'AWS::URLSuffix':
        return this.stack.urlSuffix;
      case 'AWS::Partition':
        return this.stack.stackId.split(':')[1] ?? 'aws';
      default:
        if (this.stack.template.Parameters?.[name] !== undefined) return this.stack.parameters?.[name];
        return this.physical(name);
    }
  }
}
