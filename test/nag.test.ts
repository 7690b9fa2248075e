import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { customisedEndpoint, defaultEndpoint } from './support/stacks';

const PACKS: [string, () => NagPack][] = [
  ['AwsSolutions', () => new AwsSolutionsChecks()],
  ['Serverless', () => new ServerlessChecks()],
  ['NIST80053R5', () => new NIST80053R5Checks()],
  ['PCIDSS321', () => new PCIDSS321Checks()],
  ['HIPAASecurity', () => new HIPAASecurityChecks()],
];

/** Unacknowledged findings as "rule at path" lines, so a failure says exactly what to fix. */
function findings(scope: IConstruct, pack: NagPack): string[] {
  return pack.validateScope(scope).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

describe('cdk-nag', () => {
  const defaults = defaultEndpoint();
  const customised = customisedEndpoint();

  test.each(PACKS)('%s: the default endpoint has no unacknowledged finding', (_name, pack) => {
    expect(findings(defaults.stack, pack())).toEqual([]);
  });

  // The processor is the user's function: its own findings are theirs, so the scope is the endpoint.
  test.each(PACKS)('%s: a fully customised endpoint has no unacknowledged finding', (_name, pack) => {
    expect(findings(customised.endpoint, pack())).toEqual([]);
  });

  test('the checks do find things: a bare queue inside the endpoint is reported', () => {
    const { endpoint } = defaultEndpoint();
    new sqs.Queue(endpoint, 'Bare');
    expect(findings(endpoint, new AwsSolutionsChecks())).toEqual(['AwsSolutions-SQS3 at Test/Webhooks/Bare/Resource', 'AwsSolutions-SQS4 at Test/Webhooks/Bare/Resource']);
  });
});
