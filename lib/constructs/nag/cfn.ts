import { CfnResource, Stack } from 'aws-cdk-lib';

/**
 * A resource as CloudFormation receives it: type, logical id and properties with every token
 * resolved and every escape hatch (addPropertyOverride, addOverride) applied. The rules read this
 * view rather than an L1 class's fields, so they judge what is deployed, whoever built it (an L2, an
 * L1, `new CfnResource(...)`, CfnInclude).
 */
export interface CfnView {
  readonly type: string;
  readonly logicalId: string;
  readonly properties: Record<string, any>;
}

export function cfnView(node: CfnResource): CfnView {
  const stack = Stack.of(node);
  // _toCloudFormation() is what the stack's template is made of; the only public view with overrides.
  const rendered = stack.resolve((node as unknown as { _toCloudFormation(): unknown })._toCloudFormation()) as {
    Resources?: Record<string, { Type: string; Properties?: Record<string, any> }>;
  };
  const [logicalId, resource] = Object.entries(rendered.Resources ?? {})[0] ?? [stack.resolve(node.logicalId), { Type: node.cfnResourceType }];
  return { type: resource.Type, logicalId, properties: resource.Properties ?? {} };
}

/** The CloudFormation resources of `type` in the same stack as `node` (not in its nested stacks, whose logical ids are their own). */
export function resourcesInStack(node: CfnResource, ...types: string[]): CfnResource[] {
  const stack = Stack.of(node);
  return stack.node
    .findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && types.includes(c.cfnResourceType) && Stack.of(c) === stack);
}

/**
 * A CloudFormation value as one string: `Ref` as `<LogicalId>`, `Fn::GetAtt` as `<LogicalId.Attribute>`,
 * joins concatenated, `Fn::Sub` variables as `<Name>` (cdk-nag's notation, so findings read alike).
 */
export function flatten(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.replace(/\$\{([^}]*)\}/g, '<$1>');
  if (typeof value !== 'object') return String(value);
  const v = value as Record<string, any>;
  if (Array.isArray(v['Fn::Join'])) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
  if (v['Fn::Sub'] !== undefined) return flatten(Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'][0] : v['Fn::Sub']);
  if (Array.isArray(v['Fn::GetAtt'])) return `<${v['Fn::GetAtt'].map(flatten).join('.')}>`;
  if (typeof v['Fn::GetAtt'] === 'string') return `<${v['Fn::GetAtt']}>`;
  if (v.Ref !== undefined) return `<${flatten(v.Ref)}>`;
  if (v['Fn::ImportValue'] !== undefined) return flatten(v['Fn::ImportValue']);
  return JSON.stringify(value);
}

/** Whether a flattened value names the resource `logicalId` (by Ref or by any of its attributes). */
export function references(flat: string, logicalId: string): boolean {
  return flat.includes(`<${logicalId}>`) || flat.includes(`<${logicalId}.`);
}

/** Every value found under a key matching `key` anywhere in `value`, each leaf (a literal or an intrinsic) flattened. */
export function valuesUnder(value: unknown, key: RegExp): string[] {
  if (value === null || typeof value !== 'object') return [];
  const found: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (key.test(k)) found.push(...leaves(v));
    else found.push(...valuesUnder(v, key));
  }
  return found;
}

const isIntrinsic = (value: object) => Object.keys(value).length === 1 && /^(Ref|Fn::.+)$/.test(Object.keys(value)[0]);

function leaves(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || isIntrinsic(value)) return [flatten(value)];
  return Object.values(value).flatMap(leaves);
}

/** The value as a literal string, or undefined when it is not one (absent, a parameter, an attribute). */
export function literal(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
