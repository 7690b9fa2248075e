import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SignatureScheme } from '../lib';
import { defaultEndpoint, newStack } from './support/stacks';

type Statement = { Action: string | string[]; Resource: unknown; Sid?: string };

/** Every action a role can perform, from the managed policies attached to it. */
function actionsOf(t: Template, roleIdPart: string): Set<string> {
  const roles = t.findResources('AWS::IAM::Role');
  const [, role] = Object.entries(roles).find(([id]) => id.includes(roleIdPart))!;
  const policyIds = (role as any).Properties.ManagedPolicyArns.map((ref: { Ref: string }) => ref.Ref);
  const policies = t.findResources('AWS::IAM::ManagedPolicy');
  const actions = new Set<string>();
  for (const id of policyIds) for (const s of (policies[id] as any).Properties.PolicyDocument.Statement as Statement[]) for (const a of [s.Action].flat()) actions.add(a);
  return actions;
}

describe('access roles', () => {
  const stack = newStack();
  const { endpoint, template } = defaultEndpoint(
    {
      accessRoles: {
        viewers: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/Auditors')],
        operators: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/OnCall')],
        admins: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/WebhookAdmins')],
        requireMfa: true,
      },
    },
    stack,
  );
  endpoint.addSource('github', { scheme: SignatureScheme.github(), allowedSourceCidrs: ['192.30.252.0/22'] });
  const t = template();
  const viewer = actionsOf(t, 'ViewerRole');
  const operator = actionsOf(t, 'OperatorRole');
  const admin = actionsOf(t, 'AdminRole');

  test('each role is assumable only by the principals named, with MFA when asked', () => {
    for (const [part, arn] of [['ViewerRole', 'Auditors'], ['OperatorRole', 'OnCall'], ['AdminRole', 'WebhookAdmins']]) {
      const role = Object.entries(t.findResources('AWS::IAM::Role')).find(([id]) => id.includes(part))![1] as any;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::123456789012:role/${arn}` }, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
      ]);
    }
  });

  test('viewer reads metrics, alarms, logs and the dashboard, and cannot redrive or read the secret', () => {
    for (const a of ['cloudwatch:GetMetricData', 'cloudwatch:GetDashboard', 'logs:StartQuery', 'logs:FilterLogEvents']) expect(viewer).toContain(a);
    for (const a of ['sqs:StartMessageMoveTask', 'sqs:ReceiveMessage', 'secretsmanager:GetSecretValue', 'secretsmanager:RotateSecret', 'wafv2:UpdateIPSet']) expect(viewer).not.toContain(a);
  });

  test('viewer can run the CLI\'s status and tail: the stack and its groups found by name, queue URLs, secret metadata (never a value)', () => {
    for (const a of ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources', 'cloudformation:GetTemplate', 'sqs:GetQueueUrl', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds']) {
      expect(viewer).toContain(a);
    }
    const policies = JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toContain(':cloudformation:us-east-1:123456789012:stack/Test/*');
    expect(policies).toContain(':secretsmanager:us-east-1:123456789012:secret:webhooks/test-hooks/*');
  });

  test('operator also redrives the DLQ and starts a rotation (or a revoke), and cannot read or change the secret', () => {
    for (const a of viewer) expect(operator).toContain(a);
    // RotateSecret needs lambda:InvokeFunction on the rotation function as well.
    for (const a of ['sqs:StartMessageMoveTask', 'sqs:SendMessage', 'secretsmanager:RotateSecret', 'lambda:InvokeFunction']) expect(operator).toContain(a);
    for (const a of ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'wafv2:UpdateIPSet']) expect(operator).not.toContain(a);
  });

  test('admin also changes the secret (import, revoke) and the allowlists', () => {
    for (const a of operator) expect(admin).toContain(a);
    for (const a of ['secretsmanager:PutSecretValue', 'secretsmanager:GetSecretValue', 'wafv2:UpdateIPSet', 'lambda:InvokeFunction']) expect(admin).toContain(a);
    const adminPolicy = Object.entries(t.findResources('AWS::IAM::ManagedPolicy')).find(([id]) => id.includes('AdminPolicy'))![1] as any;
    const editAllowlists = (adminPolicy.Properties.PolicyDocument.Statement as Statement[]).filter((s) => [s.Action].flat().includes('wafv2:UpdateIPSet'));
    // The endpoint's IP set and github's own.
    expect(editAllowlists.map((s) => s.Sid).sort()).toEqual(['EditAllowlistgithub', 'EditAllowlists']);
  });

  test('admin alone reads a Notion source\'s capture secret (put-key --from-capture); it writes nothing there', () => {
    const stack2 = newStack();
    const { endpoint: e2, template: t2 } = defaultEndpoint({ accessRoles: { operators: [new iam.AccountRootPrincipal()], admins: [new iam.AccountRootPrincipal()] } }, stack2);
    e2.addSource('docs', { scheme: SignatureScheme.notion() });
    const template2 = t2();
    const captureId = Object.entries(template2.findResources('AWS::SecretsManager::Secret')).find(([, r]) => (r as any).Properties.Name === 'webhooks/test-hooks/_captured/docs')![0];
    const onCapture = (part: string) =>
      Object.entries(template2.findResources('AWS::IAM::ManagedPolicy'))
        .filter(([id]) => id.includes(part))
        .flatMap(([, p]) => (p as any).Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => JSON.stringify(s.Resource).includes(captureId));
    expect(onCapture('AdminPolicy')).toEqual([expect.objectContaining({ Sid: 'ReadCapturedocs', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: captureId } })]);
    expect(onCapture('OperatorPolicy')).toEqual([]);
  });

  test('statement ids stay distinct for sources whose names differ only by a dash', () => {
    const stack2 = newStack();
    const { endpoint: e2, template: t2 } = defaultEndpoint({ accessRoles: { admins: [new iam.AccountRootPrincipal()] } }, stack2);
    e2.addSource('a-b', { scheme: SignatureScheme.github() });
    e2.addSource('ab', { scheme: SignatureScheme.github() });
    for (const policy of Object.values(t2().findResources('AWS::IAM::ManagedPolicy')) as any[]) {
      const sids = (policy.Properties.PolicyDocument.Statement as Statement[]).map((s) => s.Sid).filter(Boolean);
      expect(new Set(sids).size).toBe(sids.length);
    }
  });

  test('no roles unless asked', () => {
    const t2 = defaultEndpoint().template();
    expect(Object.keys(t2.findResources('AWS::IAM::Role')).filter((id) => /Viewer|Operator|Admin/.test(id))).toEqual([]);
  });
});
