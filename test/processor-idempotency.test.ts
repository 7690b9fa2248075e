import { Aspects, Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import * as nag2 from 'cdk-nag-2';
import { IConstruct } from 'constructs';
import { HardenedWebhookEndpoint, HardenedWebhookEndpointProps, SignatureScheme } from '../lib';
import { defaultEndpoint, newProcessor, newStack } from './support/stacks';

function withIdempotency(props: HardenedWebhookEndpointProps = {}) {
  const stack = newStack();
  const processor = newProcessor(stack, Duration.seconds(30));
  const built = defaultEndpoint({ processor, processorIdempotency: true, ...props }, stack);
  return { ...built, processor };
}

function policyStatements(template: Template): { Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement);
}

describe('processorIdempotency', () => {
  const { endpoint, template, stack } = withIdempotency();
  const t = template();
  const tableId = stack.getLogicalId(endpoint.idempotencyTable!.node.defaultChild as never);

  test('creates the table Powertools\' DynamoDB persistence layer expects: key "id", TTL "expiration", the endpoint\'s key, PITR', () => {
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [stack.getLogicalId(endpoint.encryptionKey.node.defaultChild as never), 'Arn'] } },
      DeletionProtectionEnabled: true,
    });
    // The endpoint's removal policy (production: kept).
    expect(t.toJSON().Resources[tableId]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('the processor may get, put, update and delete items in that table, and use the key through DynamoDB only', () => {
    const statements = policyStatements(t);
    const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(tableId));
    expect(onTable).toEqual([{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } }]);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' } },
      }),
    );
  });

  test('the processor finds the table\'s name in IDEMPOTENCY_TABLE_NAME, and the endpoint exposes the table', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ IDEMPOTENCY_TABLE_NAME: { Ref: tableId } }) },
    });
    expect(endpoint.idempotencyTable).toBeDefined();
  });

  test('a development endpoint\'s table goes with the stack, like its other data', () => {
    const dev = withIdempotency({ environment: 'dev', allowedSourceCidrs: undefined, allowAnySourceIp: true, alarmEmail: undefined });
    const resources = dev.template().findResources('AWS::DynamoDB::Table', { Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } });
    expect(Object.values(resources)).toEqual([expect.objectContaining({ DeletionPolicy: 'Delete' })]);
  });

  test('off by default: no table, no grant', () => {
    const stack2 = newStack();
    const { endpoint: plain, template: plainTemplate } = defaultEndpoint({ processor: newProcessor(stack2, Duration.seconds(30)) }, stack2);
    expect(plain.idempotencyTable).toBeUndefined();
    expect(plainTemplate().findResources('AWS::DynamoDB::Table', { Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } })).toEqual({});
  });

  test('refused without a processor, naming the fix', () => {
    expect(() => defaultEndpoint({ processorIdempotency: true })).toThrow(
      'processorIdempotency is set but there is no processor to grant the table to; pass processor, or remove processorIdempotency and give your own consumer a table for Powertools\' idempotency (partition key "id", TTL attribute "expiration", dynamodb:GetItem, PutItem, UpdateItem and DeleteItem)',
    );
  });

  test('an imported processor: warnings say what could not be granted or set, and how to do it', () => {
    const stack2 = newStack();
    const imported = lambda.Function.fromFunctionArn(stack2, 'Imported', 'arn:aws:lambda:us-east-1:123456789012:function:their-processor');
    new HardenedWebhookEndpoint(stack2, 'Webhooks', {
      environment: 'dev',
      allowAnySourceIp: true,
      processor: imported,
      processorTimeout: Duration.seconds(30),
      processorIdempotency: true,
      sources: { billing: { scheme: SignatureScheme.standardWebhooks() } },
    });
    const warnings = Annotations.fromStack(stack2).findWarning('*', Match.stringLikeRegexp('processorIdempotency'));
    expect(warnings.map((w) => String(w.entry.data))).toEqual([
      expect.stringMatching(/^processorIdempotency: the processor Test\/Imported has no role CDK can see or change \(an imported function, or an immutable imported role\), so it was not granted dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem on the idempotency table, nor kms:Decrypt and kms:GenerateDataKey on the endpoint's key through DynamoDB: add them to its role/),
      expect.stringMatching(/^processorIdempotency: the processor Test\/Imported is not a lambda.Function of this app, so IDEMPOTENCY_TABLE_NAME cannot be set on it: give it endpoint.idempotencyTable.tableName yourself/),
    ]);
  });
});

describe('processorIdempotency is nag clean', () => {
  const PACKS: [string, () => NagPack][] = [
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['Serverless', () => new ServerlessChecks()],
    ['NIST80053R5', () => new NIST80053R5Checks()],
    ['PCIDSS321', () => new PCIDSS321Checks()],
    ['HIPAASecurity', () => new HIPAASecurityChecks()],
  ];
  const findings = (scope: IConstruct, pack: NagPack) => pack.validateScope(scope).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));

  test.each(PACKS)('cdk-nag 3 %s: nothing unacknowledged in the endpoint', (_name, pack) => {
    const { endpoint } = withIdempotency();
    expect(findings(endpoint, pack())).toEqual([]);
  });

  test('cdk-nag 2, all five packs: nothing unacknowledged in the endpoint', () => {
    const { stack } = withIdempotency();
    for (const pack of [nag2.AwsSolutionsChecks, nag2.ServerlessChecks, nag2.NIST80053R5Checks, nag2.PCIDSS321Checks, nag2.HIPAASecurityChecks]) {
      Aspects.of(stack).add(new pack({ reports: false }));
    }
    const annotations = Annotations.fromStack(stack);
    const all = Match.stringLikeRegexp('.*');
    const ours = [...annotations.findError('*', all), ...annotations.findWarning('*', all)]
      .filter((m) => m.id.startsWith('/Test/Webhooks/'))
      .map((m) => `${String(m.entry.data).slice(0, 60)} at ${m.id}`);
    expect(ours).toEqual([]);
  });
});
