import { Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import * as nag2 from 'cdk-nag-2';
import { Construct, IConstruct } from 'constructs';
import { acknowledge } from '../lib/constructs/nag-acknowledgements';
import { SenderIpRanges, SignatureScheme } from '../lib';
import { customisedEndpoint, defaultEndpoint, everyTypeEndpoint, newStack } from './support/stacks';

/** The default endpoint with access roles and two sources following their senders' published IP lists (one also with static CIDRs). */
function senderIpRangesEndpoint() {
  const built = defaultEndpoint({
    accessRoles: {
      viewers: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/Auditors')],
      admins: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/WebhookAdmins')],
    },
  });
  built.endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
  built.endpoint.addSource('payments', { scheme: SignatureScheme.stripe(), senderIpRanges: SenderIpRanges.published({ maxShrinkPercent: 25 }), allowedSourceCidrs: ['198.51.100.0/24'] });
  return built;
}

const PACKS: [string, () => NagPack][] = [
  ['AwsSolutions', () => new AwsSolutionsChecks()],
  ['Serverless', () => new ServerlessChecks()],
  ['NIST80053R5', () => new NIST80053R5Checks()],
  ['PCIDSS321', () => new PCIDSS321Checks()],
  ['HIPAASecurity', () => new HIPAASecurityChecks()],
];

/** The event source mappings the endpoint added under the user's processor (the customised endpoint has one). */
function processorMappings(stack: Stack): IConstruct[] {
  return stack.node.findChild('Processor').node.findAll().filter((c) => c instanceof lambda.EventSourceMapping);
}

/** Unacknowledged findings as "rule at path" lines, so a failure says exactly what to fix. */
function findings(scope: IConstruct, pack: NagPack): string[] {
  return pack.validateScope(scope).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

describe('cdk-nag', () => {
  const defaults = defaultEndpoint();
  const customised = customisedEndpoint();
  // One source of every scheme type the library knows, in nested-stack groups (their resources are
  // under the endpoint's stack in the construct tree, so each pack sees them).
  const everyType = everyTypeEndpoint();
  const published = senderIpRangesEndpoint();

  test.each(PACKS)('%s: the default endpoint has no unacknowledged finding', (_name, pack) => {
    expect(findings(defaults.stack, pack())).toEqual([]);
  });

  // The processor is the user's function: its own findings are theirs, so the scope is the endpoint
  // and the event source mapping the endpoint adds under the processor.
  test.each(PACKS)('%s: a fully customised endpoint with a processor has no unacknowledged finding', (_name, pack) => {
    const mappings = processorMappings(customised.stack);
    expect(mappings).toHaveLength(1);
    expect([customised.endpoint, ...mappings].flatMap((scope) => findings(scope, pack()))).toEqual([]);
  });

  test.each(PACKS)('%s: an endpoint with a source of every scheme type has no unacknowledged finding', (_name, pack) => {
    expect(everyType.sources.length).toBeGreaterThan(90);
    expect(findings(everyType.stack, pack())).toEqual([]);
  });

  test.each(PACKS)('%s: an endpoint with sources following published sender IP lists has no unacknowledged finding', (_name, pack) => {
    expect(findings(published.stack, pack())).toEqual([]);
  });

  test('the checks do find things: a bare queue inside the endpoint is reported', () => {
    const { endpoint } = defaultEndpoint();
    new sqs.Queue(endpoint, 'Bare');
    expect(findings(endpoint, new AwsSolutionsChecks())).toEqual(['AwsSolutions-SQS3 at Test/Webhooks/Bare/Resource', 'AwsSolutions-SQS4 at Test/Webhooks/Bare/Resource']);
  });
});

/**
 * cdk-nag 2 (Aspects, suppressions read from each resource's `cdk_nag` metadata) as consumers still
 * run it: all five packs on one stack, one synth per endpoint, findings split by their rule prefix.
 */
describe('cdk-nag 2', () => {
  const PACKS_2: [string, string][] = [
    ['AwsSolutions', 'AwsSolutions-'],
    ['Serverless', 'Serverless-'],
    ['NIST80053R5', 'NIST.800.53.R5-'],
    ['PCIDSS321', 'PCI.DSS.321-'],
    ['HIPAASecurity', 'HIPAA.Security-'],
  ];

  /** Errors and warnings as "rule at path" lines, e.g. "AwsSolutions-IAM5[Resource::*] at /Test/...". */
  function findings2(stack: Stack, ours: (path: string) => boolean): string[] {
    for (const pack of [nag2.AwsSolutionsChecks, nag2.ServerlessChecks, nag2.NIST80053R5Checks, nag2.PCIDSS321Checks, nag2.HIPAASecurityChecks]) {
      Aspects.of(stack).add(new pack({ reports: false }));
    }
    // A nested stack's findings (a source group's) are reported with its parent's.
    const annotations = Annotations.fromStack(stack);
    const all = Match.stringLikeRegexp('.*');
    return [...annotations.findError('*', all), ...annotations.findWarning('*', all)]
      .filter((m) => ours(m.id))
      .map((m) => `${String(m.entry.data).slice(0, String(m.entry.data).indexOf(': '))} at ${m.id}`);
  }

  /** A finding belongs to a pack by its rule id, also when the rule threw (CdkNagValidationFailure[<rule>]). */
  const ofPack = (prefix: string) => (finding: string) => finding.replace(/^CdkNagValidationFailure\[/, '').startsWith(prefix);

  let defaults: string[];
  let customised: string[];
  let everyType: string[];
  let published: string[];
  beforeAll(() => {
    defaults = findings2(defaultEndpoint().stack, () => true);
    published = findings2(senderIpRangesEndpoint().stack, () => true);
    everyType = findings2(everyTypeEndpoint().stack, () => true);
    // The processor is the user's function: its own findings are theirs; the event source mapping the
    // endpoint adds under it is ours.
    const { stack } = customisedEndpoint();
    const oursUnder = ['/Test/Webhooks/', ...processorMappings(stack).map((m) => `/${m.node.path}/`)];
    customised = findings2(stack, (path) => oursUnder.some((prefix) => path.startsWith(prefix)));
  });

  test.each(PACKS_2)('%s: the default endpoint has no unacknowledged finding', (_name, prefix) => {
    expect(defaults.filter(ofPack(prefix))).toEqual([]);
  });

  test.each(PACKS_2)('%s: a fully customised endpoint with a processor has no unacknowledged finding', (_name, prefix) => {
    expect(customised.filter(ofPack(prefix))).toEqual([]);
  });

  test.each(PACKS_2)('%s: an endpoint with a source of every scheme type has no unacknowledged finding', (_name, prefix) => {
    expect(everyType.filter(ofPack(prefix))).toEqual([]);
  });

  test.each(PACKS_2)('%s: an endpoint with sources following published sender IP lists has no unacknowledged finding', (_name, prefix) => {
    expect(published.filter(ofPack(prefix))).toEqual([]);
  });

  test('the checks do find things: a bare queue inside the endpoint, or inside a source group, is reported', () => {
    const grouped = everyTypeEndpoint();
    new sqs.Queue(grouped.stack.node.findAll().find((c) => c.node.id === 'Group-g1')!, 'Bare');
    expect(findings2(grouped.stack, (path) => path.includes('/Bare/')).filter(ofPack('AwsSolutions-'))).toEqual([
      'AwsSolutions-SQS3 at /Test/Webhooks/Group-g1/Bare/Resource',
      'AwsSolutions-SQS4 at /Test/Webhooks/Group-g1/Bare/Resource',
    ]);
    const { stack, endpoint } = defaultEndpoint();
    new sqs.Queue(endpoint, 'Bare');
    expect(findings2(stack, (path) => path.startsWith('/Test/Webhooks/Bare/')).filter(ofPack('AwsSolutions-'))).toEqual([
      'AwsSolutions-SQS3 at /Test/Webhooks/Bare/Resource',
      'AwsSolutions-SQS4 at /Test/Webhooks/Bare/Resource',
    ]);
  });
});

describe('acknowledge', () => {
  const IAM5 = { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'A finding with detail is suppressed by its applies_to.' };
  const SQS3 = { id: 'AwsSolutions-SQS3', reason: 'A reason with characters beyond Latin-1: ≤ 5 receives → the DLQ.' };
  const SQS4 = { id: 'AwsSolutions-SQS4', reason: 'Set by the consumer with NagSuppressions before the construct acknowledged.' };
  const suppressions = (template: Template, type: string) => Object.values(template.findResources(type)).map((r) => r.Metadata?.cdk_nag);

  test('writes on every resource under the scope exactly what cdk-nag 2 NagSuppressions writes', () => {
    // GIVEN one queue suppressed by cdk-nag 2 itself, one acknowledged by us
    const stack = newStack();
    const theirs = new sqs.Queue(stack, 'Theirs', { enforceSSL: true });
    const ours = new sqs.Queue(stack, 'Ours', { enforceSSL: true });
    nag2.NagSuppressions.addResourceSuppressions(theirs, [{ id: 'AwsSolutions-IAM5', reason: IAM5.reason, appliesTo: ['Resource::*'] }, SQS3], true);
    // WHEN
    acknowledge(ours, IAM5, SQS3);
    // THEN the queue and its policy carry the same metadata as cdk-nag 2's own
    const template = Template.fromStack(stack);
    const [theirQueue, ourQueue] = suppressions(template, 'AWS::SQS::Queue');
    expect(ourQueue).toEqual(theirQueue);
    expect(ourQueue.rules_to_suppress).toEqual([
      { reason: IAM5.reason, id: 'AwsSolutions-IAM5', applies_to: ['Resource::*'] },
      { reason: Buffer.from(SQS3.reason).toString('base64'), id: 'AwsSolutions-SQS3', is_reason_encoded: true },
    ]);
    expect(suppressions(template, 'AWS::SQS::QueuePolicy')).toEqual([theirQueue, theirQueue]);
  });

  test('covers resources added under the scope later, merges with suppressions present, never duplicates', () => {
    // GIVEN a scope acknowledged before its queue exists, twice, and a consumer's own suppression
    const stack = newStack();
    const scope = new Construct(stack, 'Scope');
    acknowledge(scope, SQS3);
    acknowledge(scope, SQS3);
    const queue = new sqs.Queue(scope, 'Later');
    nag2.NagSuppressions.addResourceSuppressions(queue, [SQS4, SQS3]);
    // WHEN synthesized twice (aspects run on each synth)
    Template.fromStack(stack);
    const template = Template.fromStack(stack);
    // THEN each suppression is there once
    expect(suppressions(template, 'AWS::SQS::Queue')[0].rules_to_suppress.map((r: { id: string }) => r.id)).toEqual(['AwsSolutions-SQS4', 'AwsSolutions-SQS3']);
  });
});
