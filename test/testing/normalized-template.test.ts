import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { format } from 'pretty-format';
import { HardenedWebhookEndpoint, SenderIpRanges, SignatureScheme } from '../../lib';
import { ASSET_HASH_PLACEHOLDER, LIBRARY_VERSION_PLACEHOLDER, normalizedTemplate, SHIPPED_DATA_PLACEHOLDER, webhookSnapshotSerializer } from '../../lib/constructs/testing';

const root = join(__dirname, '..', '..');
const libraryAssets = join(root, 'assets');
const version: string = require('../../package.json').version;

/**
 * Two releases of the library that differ only in their handler bundles: copies of assets/, the
 * second with one byte more at the end of each bundle's index.js.
 */
const work = mkdtempSync(join(tmpdir(), 'normalized-template-'));
const RELEASES = { a: join(work, 'release-a'), b: join(work, 'release-b') };
cpSync(libraryAssets, RELEASES.a, { recursive: true });
cpSync(libraryAssets, RELEASES.b, { recursive: true });
for (const name of readdirSync(RELEASES.b)) appendFileSync(join(RELEASES.b, name, 'index.js'), '\n');
/** The user's own Lambda code, in two versions. */
const USER_CODE = { v1: join(work, 'user-v1'), v2: join(work, 'user-v2') };
for (const [v, dir] of Object.entries(USER_CODE)) {
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.js'), `exports.handler = async () => ({ batchItemFailures: [], version: '${v}' });\n`);
}
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Builds `build()` with the library's handlers loaded from `release` (lib/handler-code.ts finds them under assets/). */
function withRelease<T>(release: string, build: () => T): T {
  const fromAsset = lambda.Code.fromAsset;
  const spy = jest.spyOn(lambda.Code, 'fromAsset').mockImplementation((path, options) => {
    const inLibrary = relative(libraryAssets, path);
    return fromAsset(inLibrary.startsWith('..') ? path : join(release, inLibrary), options);
  });
  try {
    return build();
  } finally {
    spy.mockRestore();
  }
}

interface UserConfig {
  readonly rateLimit?: number;
  readonly userCode?: string;
  readonly grouped?: boolean;
}

/** A user's stack: their queue and processor, and an endpoint with two sources (one in a nested-stack group if `grouped`). */
function userStack(release: string, config: UserConfig = {}): Stack {
  return withRelease(release, () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Orders', { env: { account: '123456789012', region: 'eu-west-1' } });
    const processor = new lambda.Function(stack, 'Processor', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(config.userCode ?? USER_CODE.v1),
      timeout: Duration.seconds(30),
    });
    new sqs.Queue(stack, 'Audit', { enforceSSL: true });
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
      environment: 'prod',
      endpointName: 'orders-hooks',
      allowedSourceCidrs: ['203.0.113.0/24'],
      alarmEmail: 'oncall@example.com',
      processor,
      rateLimit: config.rateLimit,
    });
    endpoint.addSource('stripe', { scheme: SignatureScheme.stripe() });
    endpoint.addSource('github', { scheme: SignatureScheme.github(), group: config.grouped ? 'g1' : undefined });
    return stack;
  });
}

const raw = (stack: Stack) => Template.fromStack(stack).toJSON();

describe('normalizedTemplate', () => {
  test('is the same for two library releases whose bundles differ, while the raw templates differ', () => {
    // GIVEN the same user stack built with two releases of the library's handlers
    const a = userStack(RELEASES.a);
    const b = userStack(RELEASES.b);
    // THEN the raw templates differ in the bundles' S3 keys, and only there
    expect(raw(a)).not.toEqual(raw(b));
    expect(JSON.stringify(raw(a)).replace(/[0-9a-f]{64}/g, 'H')).toEqual(JSON.stringify(raw(b)).replace(/[0-9a-f]{64}/g, 'H'));
    // AND the normalized ones are equal, with the library's S3 keys replaced
    expect(normalizedTemplate(a)).toEqual(normalizedTemplate(b));
    const keys = Object.values<any>(normalizedTemplate(a).Resources).filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties.Code.S3Key);
    expect(keys).toContain(`${ASSET_HASH_PLACEHOLDER}.zip`);
  });

  test('keeps the user\'s own asset hashes: a change to their code changes it, unless assets is "all"', () => {
    // GIVEN the user's processor code in two versions, with the same library release
    const v1 = userStack(RELEASES.a, { userCode: USER_CODE.v1 });
    const v2 = userStack(RELEASES.a, { userCode: USER_CODE.v2 });
    // THEN the processor's S3 key is kept, so the snapshot follows the user's code
    expect(normalizedTemplate(v1)).not.toEqual(normalizedTemplate(v2));
    const processorKey = (t: Record<string, any>) => Object.entries<any>(t.Resources).find(([id, r]) => id.startsWith('Processor') && r.Type === 'AWS::Lambda::Function')![1].Properties.Code.S3Key;
    expect(processorKey(normalizedTemplate(v1))).toMatch(/^[0-9a-f]{64}\.zip$/);
    // AND with assets: 'all', neither the user's code nor the library's bundles move it
    expect(normalizedTemplate(v1, { assets: 'all' })).toEqual(normalizedTemplate(userStack(RELEASES.b, { userCode: USER_CODE.v2 }), { assets: 'all' }));
  });

  test('changes when the user\'s configuration does', () => {
    const base = normalizedTemplate(userStack(RELEASES.a));
    expect(normalizedTemplate(userStack(RELEASES.b, { rateLimit: 300 }))).not.toEqual(base);
    expect(normalizedTemplate(userStack(RELEASES.b, { grouped: true }))).not.toEqual(base);
  });

  test('keeps every logical id, hashed suffixes included (the API deployment\'s)', () => {
    const stack = userStack(RELEASES.b);
    expect(Object.keys(normalizedTemplate(stack).Resources)).toEqual(Object.keys(raw(stack).Resources));
    expect(Object.keys(raw(stack).Resources).filter((id) => /^WebhooksApiDeployment[0-9A-F]{8}[0-9a-f]{32}$/.test(id))).toHaveLength(1);
  });

  test('a nested stack group: its template URL is normalized and its own normalized template is included', () => {
    // GIVEN a source in a nested-stack group, built with both releases
    const a = normalizedTemplate(userStack(RELEASES.a, { grouped: true }));
    const b = normalizedTemplate(userStack(RELEASES.b, { grouped: true }));
    // THEN they are equal, and the group's template is there by its logical id
    expect(a).toEqual(b);
    const [groupId, group] = Object.entries<any>(a.Resources).find(([, r]) => r.Type === 'AWS::CloudFormation::Stack')!;
    expect(JSON.stringify(group.Properties.TemplateURL)).toContain(`${ASSET_HASH_PLACEHOLDER}.json`);
    const nested = a.NestedTemplates[groupId];
    expect(Object.values<any>(nested.Resources).some((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Code.S3Key === `${ASSET_HASH_PLACEHOLDER}.zip`)).toBe(true);
  });

  test('replaces the published IP lists the library ships (they change with each release), not the set\'s name', () => {
    const stack = withRelease(RELEASES.a, () => {
      const s = new Stack(new App({ builtinCloudFormationValidation: false }), 'Ips', { env: { account: '123456789012', region: 'eu-west-1' } });
      const endpoint = new HardenedWebhookEndpoint(s, 'Webhooks', { environment: 'dev', endpointName: 'ips', alarmEmail: 'oncall@example.com', allowAnySourceIp: true });
      endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
      return s;
    });
    const sets = Object.values<any>(normalizedTemplate(stack).Resources).filter((r) => r.Type === 'Custom::WebhookIpSet');
    expect(sets).toHaveLength(2);
    for (const set of sets) {
      expect(set.Properties).toMatchObject({ SnapshotAsOf: SHIPPED_DATA_PLACEHOLDER, Addresses: SHIPPED_DATA_PLACEHOLDER, Sender: 'github', Name: expect.stringMatching(/github-v[46]$/) });
    }
    const refreshes = Object.values<any>(normalizedTemplate(stack).Resources).filter((r) => r.Type === 'Custom::WebhookIpRangesRefresh');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0].Properties.SnapshotAsOf).toBe(SHIPPED_DATA_PLACEHOLDER);
  });

  test('replaces the library\'s version in its own resources only', () => {
    // GIVEN the version in a resource under the endpoint and in one of the user's
    const stack = userStack(RELEASES.a);
    const endpoint = stack.node.findChild('Webhooks');
    new CfnResource(endpoint, 'Stamped', { type: 'Custom::Stamp', properties: { UserAgent: `cdk-hardened-webhook/${version}`, Other: `1${version}` } });
    new CfnResource(stack, 'UserStamped', { type: 'Custom::Stamp', properties: { UserAgent: `my-app/${version}` } });
    // THEN only the library's is replaced, and only where it stands alone
    const resources = Object.values<any>(normalizedTemplate(stack).Resources).filter((r) => r.Type === 'Custom::Stamp').map((r) => r.Properties);
    expect(resources).toEqual(
      expect.arrayContaining([
        { UserAgent: `cdk-hardened-webhook/${LIBRARY_VERSION_PLACEHOLDER}`, Other: `1${version}` },
        { UserAgent: `my-app/${version}` },
      ]),
    );
  });
});

describe('webhookSnapshotSerializer', () => {
  test('prints a stack as its normalized template, the same for both releases', () => {
    // GIVEN the serializer as expect.addSnapshotSerializer would take it (pretty-format is jest's printer)
    const a = userStack(RELEASES.a);
    const b = userStack(RELEASES.b);
    const print = (value: unknown) => format(value, { plugins: [webhookSnapshotSerializer] });
    // THEN a stack prints as its normalized template, the same for both releases; other values as before
    expect(webhookSnapshotSerializer.test(a)).toBe(true);
    expect(webhookSnapshotSerializer.test(raw(a))).toBe(false);
    expect(print(a)).toEqual(format(normalizedTemplate(a)));
    expect(print(a)).toEqual(print(b));
    expect(print(a)).not.toEqual(print(userStack(RELEASES.a, { rateLimit: 300 })));
  });
});

test('normalizedTemplate leaves the synthesized template as it was for later Template.fromStack calls', () => {
  const stack = userStack(RELEASES.a, { grouped: true });
  const before = JSON.stringify(raw(stack));
  normalizedTemplate(stack);
  expect(JSON.stringify(raw(stack))).toEqual(before);
});
