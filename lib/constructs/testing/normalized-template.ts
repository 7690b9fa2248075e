import { AssetStaging, CfnElement, CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LibraryOwnership } from './ownership';

/** What replaces an asset hash (the stem of an S3 key, `asset.<hash>` paths, nested template URLs). */
export const ASSET_HASH_PLACEHOLDER = 'ASSET-HASH';
/** What replaces this library's version wherever one of its resources carries it. */
export const LIBRARY_VERSION_PLACEHOLDER = 'LIBRARY-VERSION';
/** What replaces data the library ships and refreshes with each release (published sender IP lists). */
export const SHIPPED_DATA_PLACEHOLDER = 'SHIPPED-DATA';
/** What replaces the CDKMetadata resource's `Analytics` (construct types with their library versions). */
export const ANALYTICS_PLACEHOLDER = 'CDK-ANALYTICS';

/**
 * Properties of the library's own resources that hold data shipped with each release rather than
 * anything the user configured: the published sender IP lists as of the release (a managed IP set's
 * seed and its date; the dates the deploy-time refresh reports).
 */
const SHIPPED_DATA: Record<string, string[]> = {
  'Custom::WebhookIpSet': ['SnapshotAsOf', 'Addresses'],
  'Custom::WebhookIpRangesRefresh': ['SnapshotAsOf'],
};

export interface NormalizedTemplateOptions {
  /**
   * Whose asset hashes to replace: `'library'`, the bundles of this library's handlers (they change with
   * every release); or `'all'`, your own assets too (your Lambda code, container images), for a
   * snapshot that follows only the infrastructure and not any code.
   * @default 'library'
   */
  readonly assets?: 'library' | 'all';
}

/**
 * The stack's CloudFormation template (what `Template.fromStack(stack).toJSON()` returns), with what
 * changes with every release of this library, and nothing else, replaced by stable placeholders:
 *
 * - the hashes of the library's handler bundles (`Code.S3Key`, `aws:asset:*` metadata), ASSET-HASH:
 *   a new release rebuilds them even when no resource changes;
 * - nested stacks' template URLs (their hash follows the nested template, which includes bundle
 *   hashes), ASSET-HASH; each nested stack's own normalized template is added under `NestedTemplates`,
 *   keyed by its logical id, so a change inside one still shows;
 * - the library's version, wherever one of its resources carries it, LIBRARY-VERSION;
 * - data the library ships and refreshes each release (a managed IP set's published sender list and
 *   its date), SHIPPED-DATA;
 * - the `CDKMetadata` resource's `Analytics` (present when the CDK CLI turns version reporting on), which
 *   encodes each construct library's version, CDK-ANALYTICS.
 *
 * Kept as they are: every logical id, hashed suffixes included (they are the user's contract: a changed
 * one replaces a resource), construct paths in `aws:cdk:path` metadata (ids are the contract too), the
 * bootstrap version parameter and rule (they follow the user's aws-cdk-lib and synthesizer, not this
 * library), the user's own asset hashes (their code; see `assets`), and every property the library
 * sets: a release that changes what it deploys (a new alarm, a tighter policy) changes the snapshot,
 * as it should.
 */
export function normalizedTemplate(stack: Stack, options: NormalizedTemplateOptions = {}): Record<string, any> {
  // A copy: the synthesized template is cached with the app's assembly, which later Template.fromStack calls read.
  const template = JSON.parse(JSON.stringify(Template.fromStack(stack).toJSON())) as Record<string, any>;
  const ownership = new LibraryOwnership(stack.node.root);
  const everything = stack.node.root.node.findAll();
  const hashes = new Set(
    everything
      .filter((c): c is AssetStaging => c instanceof AssetStaging && (options.assets === 'all' || ownership.isLibrary(c)))
      .map((staging) => staging.assetHash),
  );

  const version = libraryVersion();
  const elements = new Map<string, CfnElement>();
  for (const c of everything) {
    if (CfnElement.isCfnElement(c) && c.stack === stack) elements.set(stack.resolve(c.logicalId), c);
  }
  const withoutVersion = (value: any): any => (version ? replaceStrings(value, (s) => s.replace(versionPattern(version), LIBRARY_VERSION_PLACEHOLDER)) : value);
  for (const [logicalId, original] of Object.entries<any>(template.Resources ?? {})) {
    const construct = elements.get(logicalId);
    const ours = construct !== undefined && ownership.isLibrary(construct);
    const resource = ours ? withoutVersion(original) : original;
    template.Resources[logicalId] = resource;
    for (const property of ours ? (SHIPPED_DATA[resource.Type] ?? []) : []) {
      if (resource.Properties && property in resource.Properties) resource.Properties[property] = SHIPPED_DATA_PLACEHOLDER;
    }
    if (resource.Type === 'AWS::CDK::Metadata' && resource.Properties?.Analytics !== undefined) resource.Properties.Analytics = ANALYTICS_PLACEHOLDER;
  }
  for (const [logicalId, output] of Object.entries<any>(template.Outputs ?? {})) {
    const construct = elements.get(logicalId);
    if (construct && ownership.isLibrary(construct)) template.Outputs[logicalId] = withoutVersion(output);
  }

  const nested: Record<string, unknown> = {};
  for (const child of everything) {
    if (!(child instanceof NestedStack) || child.nestedStackParent !== stack || !child.nestedStackResource) continue;
    const logicalId: string = stack.resolve((child.nestedStackResource as CfnResource).logicalId);
    const resource = template.Resources?.[logicalId];
    if (resource?.Properties?.TemplateURL !== undefined) {
      resource.Properties.TemplateURL = replaceStrings(resource.Properties.TemplateURL, (s) => s.replace(/[0-9a-f]{64}(?=\.json)/g, ASSET_HASH_PLACEHOLDER));
    }
    nested[logicalId] = normalizedTemplate(child, options);
  }

  const pattern = hashes.size > 0 ? new RegExp([...hashes].join('|'), 'g') : undefined;
  const normalized = pattern ? replaceStrings(template, (s) => s.replace(pattern, ASSET_HASH_PLACEHOLDER)) : template;
  return Object.keys(nested).length > 0 ? { ...normalized, NestedTemplates: nested } : normalized;
}

/** A jest snapshot serializer minus jest's types: the shape `expect.addSnapshotSerializer` takes. */
export interface StackSnapshotSerializer {
  test(value: unknown): boolean;
  serialize(value: any, config: any, indentation: string, depth: number, refs: any, printer: (value: unknown, config: any, indentation: string, depth: number, refs: any) => string): string;
}

/**
 * Serializes a `Stack` in a snapshot as its `normalizedTemplate`:
 * `expect.addSnapshotSerializer(webhookSnapshotSerializer)`, then `expect(stack).toMatchSnapshot()`.
 */
export const webhookSnapshotSerializer: StackSnapshotSerializer = {
  test: (value) => Stack.isStack(value),
  serialize: (value, config, indentation, depth, refs, printer) => printer(normalizedTemplate(value as Stack), config, indentation, depth, refs),
};

/** The same JSON with every string (keys too) passed through `replace`. */
function replaceStrings(value: any, replace: (s: string) => string): any {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, replace));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [replace(k), replaceStrings(v, replace)]));
  return value;
}

/** The version as a whole token: "0.1.0" in "cdk-hardened-webhook/0.1.0" or "v0.1.0", not in "10.1.0" or "0.1.0.5". */
function versionPattern(version: string): RegExp {
  return new RegExp(`(?<![0-9.])${version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9]|\\.[0-9])`, 'g');
}

/** This package's version, from its package.json (found upward from lib/testing or dist/lib/testing). */
const libraryVersion = (() => {
  let found: { version?: string } | undefined;
  return (): string | undefined => {
    if (!found) found = { version: findVersion() };
    return found.version;
  };
})();

function findVersion(): string | undefined {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.name === 'cdk-hardened-webhook') return pkg.version;
    }
    if (dirname(dir) === dir) return undefined;
  }
}
