/** What a synthesized template lets each source's verifier do, read from its IAM policies. */

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

export interface Statement {
  readonly Effect: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface VerifierPermissions {
  readonly source: string;
  /** Logical ids of the secrets its environment names: the signing secret and the capture secret. */
  readonly signingSecret?: string;
  readonly captureSecret?: string;
  readonly statements: Statement[];
}

/**
 * Every verifier function (its environment names a queue) in `resources`, with every statement of
 * every policy attached to its role (separate policies, managed policies, and the role's inline ones).
 */
export function verifierPermissions(resources: Resources): VerifierPermissions[] {
  const refOf = (value: unknown) => (value && typeof value === 'object' && 'Ref' in value ? String((value as { Ref: unknown }).Ref) : undefined);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.WEBHOOK_QUEUE_URL !== undefined)
    .map((fn) => {
      const env = fn.Properties!.Environment.Variables as Record<string, unknown>;
      const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const attached = (r: { Properties?: Record<string, any> }) => ((r.Properties?.Roles ?? []) as unknown[]).some((role) => refOf(role) === roleId);
      const documents = [
        ...Object.values(resources).filter((r) => (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') && attached(r)).map((r) => r.Properties!.PolicyDocument),
        ...((resources[roleId].Properties?.Policies ?? []) as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument),
      ] as { Statement: Statement[] }[];
      return {
        source: String(env.WEBHOOK_SOURCE),
        signingSecret: refOf(env.WEBHOOK_SECRET_ARN),
        captureSecret: refOf(env.WEBHOOK_CAPTURE_SECRET_ARN),
        statements: documents.flatMap((d) => d.Statement),
      };
    });
}

/** Secrets Manager actions that read without changing anything; every other one (or a wildcard) can write. */
const READ_ONLY = new Set(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds', 'secretsmanager:GetResourcePolicy', 'secretsmanager:BatchGetSecretValue', 'secretsmanager:ListSecrets', 'secretsmanager:GetRandomPassword']);

/** The statement's actions that can change a secret: any Secrets Manager action not read-only, `*`, or any NotAction (which allows everything else). */
export function secretWrites(statement: Statement): string[] {
  if (statement.Effect !== 'Allow') return [];
  if (statement.NotAction !== undefined) return [`NotAction:${JSON.stringify(statement.NotAction)}`];
  return [statement.Action ?? []].flat().filter((action) => {
    const lower = action.toLowerCase();
    if (lower === '*' || lower.startsWith('secretsmanager:*')) return true;
    if (!lower.startsWith('secretsmanager:')) return false;
    return action.includes('*') || !READ_ONLY.has(action);
  });
}
