import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, Aspects, CfnOutput, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import * as nag2 from 'cdk-nag-2';
import { HardenedWebhookEndpoint, HardenedWebhookEndpointProps, SignatureScheme, WebhookSourceOptions } from '../lib';
import { deploymentLimitProblems, MAX_RESOURCES, MAX_TEMPLATE_BYTES } from '../lib/constructs/deployment-limits';
import { newStack } from './support/stacks';

const PROD: HardenedWebhookEndpointProps = { environment: 'prod', endpointName: 'hundred', allowedSourceCidrs: ['203.0.113.0/24'], alarmEmail: 'oncall@example.com' };

/** Senders of every kind of key handling: generated keys (rotation function) and sender-issued ones, a GET handshake. */
const SCHEMES = [() => SignatureScheme.standardWebhooks(), () => SignatureScheme.github(), () => SignatureScheme.stripe(), () => SignatureScheme.sender('meta')];

function endpointWith(count: number, props: Partial<HardenedWebhookEndpointProps> = {}, source: (i: number) => Partial<WebhookSourceOptions> = () => ({})) {
  const stack = newStack();
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { ...PROD, ...props });
  for (let i = 0; i < count; i++) endpoint.addSource(`source-${i}`, { scheme: SCHEMES[i % SCHEMES.length](), ...source(i) });
  return { stack, endpoint, synth: () => (stack.node.root as App).synth() };
}

/** The synthesized templates of an assembly directory: the stack's and its nested stacks', with their file sizes. */
function templates(dir: string) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => ({ file: f, bytes: statSync(join(dir, f)).size, template: JSON.parse(readFileSync(join(dir, f), 'utf8')) }));
}

const count = (template: { Resources?: object; Outputs?: object; Parameters?: object }, key: 'Resources' | 'Outputs' | 'Parameters') => Object.keys(template[key] ?? {}).length;
const ofType = (all: ReturnType<typeof templates>, type: string) => all.flatMap((t) => Object.entries<any>(t.template.Resources).filter(([, r]) => r.Type === type));

describe('one endpoint with 100 sources (4 groups of 25), deployed in one stack with 4 nested stacks', () => {
  // Built and synthesized once, with cdk-nag 2's packs as aspects; cdk-nag 3 reads the same tree.
  const { stack, endpoint, synth } = endpointWith(100, { accountConcurrencyLimit: 2000 }, (i) => ({ group: `g${Math.floor(i / 25)}` }));
  for (const pack of [nag2.AwsSolutionsChecks, nag2.ServerlessChecks, nag2.NIST80053R5Checks, nag2.PCIDSS321Checks, nag2.HIPAASecurityChecks]) {
    Aspects.of(stack).add(new pack({ reports: false }));
  }
  const assembly = synth();
  const all = templates(assembly.directory);

  test('every stack is within CloudFormation\'s limits: 500 resources, 200 outputs, 200 parameters, 1 MB', () => {
    expect(all).toHaveLength(5);
    for (const { file, bytes, template } of all) {
      expect({ file, resources: count(template, 'Resources') }).toEqual({ file, resources: expect.any(Number) });
      expect(count(template, 'Resources')).toBeLessThanOrEqual(MAX_RESOURCES);
      expect(count(template, 'Outputs')).toBeLessThanOrEqual(200);
      expect(count(template, 'Parameters')).toBeLessThanOrEqual(200);
      expect(bytes).toBeLessThanOrEqual(MAX_TEMPLATE_BYTES);
    }
  });

  test('one web ACL, one API with one stage, and a route and a verifier of its own for each of the 100 sources', () => {
    expect(ofType(all, 'AWS::WAFv2::WebACL')).toHaveLength(1);
    expect(ofType(all, 'AWS::ApiGateway::RestApi')).toHaveLength(1);
    expect(ofType(all, 'AWS::ApiGateway::Stage')).toHaveLength(1);
    expect(ofType(all, 'AWS::ApiGateway::Resource')).toHaveLength(101);
    expect(ofType(all, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties.HttpMethod === 'POST')).toHaveLength(100);
    // Per-source isolation: its own verifier, role and secret.
    expect(ofType(all, 'AWS::SecretsManager::Secret')).toHaveLength(100);
    expect(ofType(all, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Environment.Variables.WEBHOOK_QUEUE_URL)).toHaveLength(100);
    expect(endpoint.sources).toHaveLength(100);
  });

  test('the API is deployed after every group\'s methods, and a group\'s method change makes a new deployment', () => {
    const root = all.find((t) => !t.file.includes('.nested.'))!.template;
    const [[, deployment]] = Object.entries<any>(root.Resources).filter(([, r]) => r.Type === 'AWS::ApiGateway::Deployment');
    const nested = Object.entries<any>(root.Resources).filter(([, r]) => r.Type === 'AWS::CloudFormation::Stack').map(([id]) => id);
    expect(nested).toHaveLength(4);
    expect(deployment.DependsOn).toEqual(expect.arrayContaining(nested));

    const deploymentId = (changed: boolean) => {
      const { stack: s } = endpointWith(2, {}, (i) => ({ group: 'g', ...(changed && i === 1 ? { scheme: SignatureScheme.svix() } : {}) }));
      return Object.keys((s.node.root as App).synth().getStackByName(s.stackName).template.Resources).find((id) => id.startsWith('WebhooksApiDeployment') && !id.includes('Stage'));
    };
    expect(deploymentId(true)).not.toEqual(deploymentId(false));
  });

  test.each<[string, () => NagPack]>([
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['Serverless', () => new ServerlessChecks()],
    ['NIST80053R5', () => new NIST80053R5Checks()],
    ['PCIDSS321', () => new PCIDSS321Checks()],
    ['HIPAASecurity', () => new HIPAASecurityChecks()],
  ])('cdk-nag 3 %s: no unacknowledged finding', (_name, pack) => {
    expect(pack().validateScope(stack).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))).toEqual([]);
  });

  test('cdk-nag 2, all five packs: no unacknowledged finding', () => {
    const findings = assembly
      .getStackArtifact(stack.artifactId)
      .messages.filter((m) => m.level === 'error' || m.level === 'warning')
      .map((m) => String(m.entry.data))
      .filter((text) => /^(CdkNagValidationFailure|AwsSolutions|Serverless|NIST|PCI|HIPAA)/.test(text));
    expect(findings).toEqual([]);
  });
});

test('both cdk-nag majors see into the groups\' nested stacks: a bare queue in a group is reported', () => {
  const { stack, endpoint, synth } = endpointWith(1, {}, () => ({ group: 'g' }));
  new sqs.Queue(endpoint.node.findChild('Group-g'), 'Bare');
  Aspects.of(stack).add(new nag2.AwsSolutionsChecks({ reports: false }));
  const messages = synth().getStackArtifact(stack.artifactId).messages.map((m) => `${m.id} ${String(m.entry.data).split(':')[0]}`);
  expect(messages).toEqual(expect.arrayContaining(['/Test/Webhooks/Group-g/Bare/Resource AwsSolutions-SQS3', '/Test/Webhooks/Group-g/Bare/Resource AwsSolutions-SQS4']));
  expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']);
});

describe('synth fails before a deployment limit is reached, naming the limit and the fix', () => {
  test('resources: sources without a group past what the endpoint\'s stack holds', () => {
    const { synth } = endpointWith(36);
    expect(synth).toThrow(/stack Test \(Test\) would hold \d+ resources, over CloudFormation's 500 per stack; its 36 sources without a group take up to \d+ each\. Give the sources you add from now on a group: addSource\(name, \{ \.\.\., group: "<group>" \}\)/);
  });

  test('resources: a group holding more sources than a nested stack holds', () => {
    const { synth } = endpointWith(36, {}, () => ({ group: 'big' }));
    expect(synth).toThrow(/group "big" \(nested stack Test\/Webhooks\/Group-big\) would hold \d+ resources, over CloudFormation's 500 per stack \(36 sources .*about \d+ fit\): put the sources added last in another group\. Moving a deployed source to another group replaces its secret/);
  });

  test('outputs and parameters: over 200 in a stack', () => {
    const { stack, synth } = endpointWith(1);
    for (let i = 0; i < 201; i++) new CfnOutput(stack, `Out${i}`, { value: String(i) });
    for (let i = 0; i < 201; i++) new CfnParameter(stack, `Param${i}`);
    // Besides these: the API's own output (its URL).
    expect(synth).toThrow(/would have 202 outputs, over CloudFormation's 200 per stack[\s\S]*would have 201 parameters, over CloudFormation's 200 per stack/);
  });

  test('template size: over 1 MB', () => {
    const { stack, synth } = endpointWith(1);
    new CfnResource(stack, 'Large', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x'.repeat(MAX_TEMPLATE_BYTES) } });
    expect(synth).toThrow(/would have a \d+-byte template, over CloudFormation's 1000000 bytes .*suppressTemplateIndentation/);
  });

  describe('WAF: 60 sources with their own IPv4 and IPv6 allowlists', () => {
    let message: string;
    beforeAll(() => {
      const { synth } = endpointWith(60, {}, (i) => ({ group: `g${i % 3}`, allowedSourceCidrs: [`198.51.${i}.0/24`, `2001:db8:${i.toString(16)}::/48`] }));
      try {
        synth();
      } catch (error) {
        message = String(error);
      }
    });
    test.each([
      ['capacity units', /the web ACL would need about \d+ capacity units \(WCU\), over WAF's 5000 per web ACL: each source with its own allowedSourceCidrs costs about 67/],
      ['reference statements', /the web ACL would hold \d+ reference statements \(IP sets and managed rule groups\), over WAF's 50 per web ACL/],
      ['IP sets', /the endpoint would create 121 WAF IP sets, over WAF's default quota of 100 per account and Region/],
    ])('%s', (_limit, expected) => expect(message).toMatch(expected));
  });

  test('reserved concurrency: more than the account can reserve with 100 left unreserved', () => {
    const { synth } = endpointWith(5, { accountConcurrencyLimit: 150 });
    // 5 verifiers × 10 + 3 rotation functions (standard webhooks, github, meta generate keys; stripe imports) × 2
    expect(synth).toThrow(/the endpoint's functions would reserve 56 concurrent executions .* a Lambda concurrency limit of 150 \(accountConcurrencyLimit\) can reserve at most 50: Lambda keeps 100 unreserved/);
  });

  test('API resource policy: over 8,192 characters', () => {
    const cidrs = Array.from({ length: 600 }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`);
    const { synth } = endpointWith(1, { allowedSourceCidrs: cidrs });
    expect(synth).toThrow(/the API's resource policy would be about \d+ characters, over API Gateway's default 8192/);
  });

  test('IAM: the access roles\' policies past 6,144 characters', () => {
    const { synth } = endpointWith(20, { accessRoles: { viewers: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/OnCall')] } });
    expect(synth).toThrow(/IAM managed policy Test\/Webhooks\/AccessRoles\/\w+Policy\/Resource would be about \d+ characters, over IAM's 6144: the access roles' policies name each source's secret/);
  });

  test.each<[string, { compositeChildren?: number; verifierLogGroups?: number; apiResources?: number }, RegExp]>([
    ['API resources past 300', { apiResources: 302 }, /the API would have 302 resources \(one per source\), over API Gateway's default 300 per API/],
    ['a composite alarm rule past 10,240 characters', { compositeChildren: 70 }, /groups 70 auth alarms into one composite alarm, whose rule would pass CloudWatch's 10240 characters/],
    ['a Contributor Insights rule body past 8,192 characters', { verifierLogGroups: 80 }, /has 80 verifier log groups, too many for its Contributor Insights rule, whose body CloudWatch caps at 8192 characters/],
    ['a saved query naming more than 50 log groups', { verifierLogGroups: 50 }, /its saved Logs Insights queries would name 51 log groups, over the 50 a query can read/],
  ])('%s (limits the others reach first, checked on their own)', (_name, input, expected) => {
    const stack = newStack();
    const { compositeChildren = 0, verifierLogGroups = 0, apiResources = 2 } = input;
    const problems = deploymentLimitProblems({
      endpoint: stack,
      stacks: [{ stack: Stack.of(stack), sources: [], compositeChildren, verifierLogGroups: Array.from({ length: verifierLogGroups }) as never[] }],
      wafCapacity: 1000,
      wafReferenceStatements: 5,
      ipSets: 1,
      apiResources,
      resourcePolicy: undefined,
      accountConcurrencyLimit: 1000,
    });
    expect(problems).toContainEqual(expect.stringMatching(expected));
  });
});
