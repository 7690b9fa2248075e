import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as nag3 from 'cdk-nag';
import * as nag2 from 'cdk-nag-2';
import { Aspects, Stack } from 'aws-cdk-lib';
import { nagReport, NagReport } from '../../lib/constructs/testing';
import { LibraryOwnership } from '../../lib/constructs/testing/ownership';
import { customisedEndpoint, defaultEndpoint } from '../support/stacks';

const MAJORS: [string, object, 2 | 3][] = [
  ['cdk-nag 3', nag3, 3],
  ['cdk-nag 2', nag2, 2],
];

/** "<ruleId> at <path>" lines, for messages that say what was found where. */
const lines = (findings: NagReport['yours']) => findings.map((f) => `${f.ruleId} at ${f.path}`);

describe.each(MAJORS)('nagReport with %s', (_name, cdkNag, major) => {
  // GIVEN a stack with the endpoint, a queue of the user's without encryption or a DLQ, and a function
  // of theirs without reserved concurrency, DLQ or VPC (the compliance packs' findings)
  const { stack } = defaultEndpoint();
  new sqs.Queue(stack, 'Unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED });
  new lambda.Function(stack, 'Worker', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
  let report: NagReport;
  beforeAll(() => {
    report = nagReport(stack.node.root, { cdkNag });
  });

  test('reports the major it ran', () => {
    expect(report.major).toBe(major);
  });

  test('the user\'s unencrypted queue is in yours, with rule id, level, path and message', () => {
    expect(lines(report.yours)).toEqual(expect.arrayContaining(['AwsSolutions-SQS3 at Test/Unencrypted/Resource', 'AwsSolutions-SQS4 at Test/Unencrypted/Resource']));
    expect(report.yours.every((f) => /^Test\/(Unencrypted|Worker)\//.test(f.path))).toBe(true);
    const sqs3 = report.yours.find((f) => f.ruleId === 'AwsSolutions-SQS3')!;
    expect(sqs3).toEqual({ pack: 'AwsSolutions', ruleId: 'AwsSolutions-SQS3', level: 'error', path: 'Test/Unencrypted/Resource', message: expect.stringMatching(/dead-letter queue|DLQ/i) });
    // every pack ran: the compliance packs flag the function
    expect(lines(report.yours)).toEqual(expect.arrayContaining(['NIST.800.53.R5-LambdaConcurrency at Test/Worker/Resource', 'HIPAA.Security-LambdaConcurrency at Test/Worker/Resource', 'PCI.DSS.321-LambdaInsideVPC at Test/Worker/Resource']));
    expect(new Set(report.yours.map((f) => f.pack))).toEqual(new Set(['AwsSolutions', 'Serverless', 'NIST80053R5', 'PCIDSS321', 'HIPAASecurity']));
  });

  test('the library\'s endpoint contributes nothing', () => {
    expect(lines(report.library)).toEqual([]);
  });

  test('a finding on a resource inside the endpoint is the library\'s', () => {
    // GIVEN a bare queue added inside the endpoint (as a library bug would)
    const { stack: other, endpoint } = defaultEndpoint();
    new sqs.Queue(endpoint, 'Bare');
    const { yours, library } = nagReport(other, { cdkNag, packs: ['AwsSolutions'] });
    expect(lines(library)).toEqual(['AwsSolutions-SQS3 at Test/Webhooks/Bare/Resource', 'AwsSolutions-SQS4 at Test/Webhooks/Bare/Resource']);
    expect(yours).toEqual([]);
  });

  test('a processor\'s event source mapping is the library\'s, the processor\'s own findings the user\'s', () => {
    const { stack: other } = customisedEndpoint();
    const { yours, library } = nagReport(other, { cdkNag });
    expect(lines(library)).toEqual([]);
    expect(yours.length).toBeGreaterThan(0);
    expect(yours.every((f) => f.path.startsWith('Test/Processor/') && !f.path.includes('SqsEventSource'))).toBe(true);
  });

  test('leaves no annotation or aspect in the app', () => {
    const { stack: other } = defaultEndpoint();
    new sqs.Queue(other, 'Unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(nagReport(other, { cdkNag }).yours.length).toBeGreaterThan(0);
    Annotations.fromStack(other).hasNoError('*', Match.anyValue());
    Annotations.fromStack(other).hasNoWarning('*', Match.anyValue());
    expect(Aspects.of(other.node.root).all).toEqual([]);
    expect(Aspects.of(other).all).toEqual([]);
  });
});

describe('nagReport', () => {
  test('without cdkNag, runs the cdk-nag the project resolves (here 3)', () => {
    const { stack } = defaultEndpoint();
    expect(nagReport(stack).major).toBe(3);
  });

  test('rejects a module that is not cdk-nag, and an unknown pack', () => {
    const { stack } = defaultEndpoint();
    expect(() => nagReport(stack, { cdkNag: {} })).toThrow(/neither cdk-nag 3 .* nor cdk-nag 2/);
    expect(() => nagReport(stack, { cdkNag: nag3, packs: ['AwsSolution' as 'AwsSolutions'] })).toThrow(/unknown pack "AwsSolution"; use one of AwsSolutions, Serverless/);
  });
});

describe('LibraryOwnership', () => {
  test('the endpoint and all under it are the library\'s, and the event source mapping it adds under the user\'s processor', () => {
    const { stack, endpoint } = customisedEndpoint();
    const ownership = new LibraryOwnership(stack.node.root);
    const processor = stack.node.findChild('Processor') as lambda.Function;
    const mapping = processor.node.findAll().find((c) => c instanceof lambda.CfnEventSourceMapping)!;
    expect(mapping).toBeDefined();
    expect(ownership.isLibrary(mapping)).toBe(true);
    expect(ownership.isLibrary(processor.node.defaultChild!)).toBe(false);
    expect(ownership.isLibrary(processor.role!.node.defaultChild!)).toBe(false);
    expect(endpoint.node.findAll().every((c) => ownership.isLibrary(c))).toBe(true);
    expect(ownership.isLibrary(stack)).toBe(false);
  });

  test('a mapping of the user\'s own on another queue is theirs', () => {
    const { stack } = customisedEndpoint();
    const own = new sqs.Queue(stack, 'Own', { enforceSSL: true });
    const fn = stack.node.findChild('Processor') as lambda.Function;
    const mapping = fn.addEventSourceMapping('Own', { eventSourceArn: own.queueArn });
    expect(new LibraryOwnership(Stack.of(fn).node.root).isLibrary(mapping.node.defaultChild!)).toBe(false);
  });
});
