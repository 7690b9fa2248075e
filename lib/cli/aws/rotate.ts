import { InvokeCommand } from '@aws-sdk/client-lambda';
import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { UsageError } from '../local/command';
import { AwsCommandError, AwsContext } from './context';
import { DiscoveredSource } from './discovery';
import { KeyState, readKeyState, requireSecret } from './keys';
import { formatInstant, pollUntil } from './time';

export interface RotationOptions {
  readonly stack: string;
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly progress: (line: string) => void;
}

export interface RotationResult {
  readonly source: string;
  readonly action: 'rotate' | 'revoke';
  /** `completed` once the new key set is AWSCURRENT; `started` with --no-wait. */
  readonly status: 'completed' | 'started';
  readonly secretArn: string;
  /** The new AWSCURRENT version (give its `current` key to the sender). Known at once for a rotation, at the end for a revoke. */
  readonly versionId?: string;
  /** Rotate: the replaced key verifies until then. */
  readonly previousKeyValidUntil?: string;
  /** Revoke: every verifier has dropped the earlier keys by then (their key cache TTL). */
  readonly earlierKeysRejectedBy?: string;
}

/** Starts a rotation of a generated key now (Secrets Manager runs the source's rotation function), and waits for it. */
export async function rotate(context: AwsContext, source: DiscoveredSource, options: RotationOptions): Promise<RotationResult> {
  if (source.keySource === 'published') requireSecret(source);
  if (source.keySource === 'imported') {
    throw new UsageError(
      `${source.name}'s key is issued by the sender, so it is not rotated here: roll it at the sender, then put the new key: cdk-hardened-webhook put-key --stack ${options.stack} --source ${source.name} (the key on stdin)`,
    );
  }
  const secretId = requireSecret(source);
  const before = await readKeyState(context, source);
  if (before.pending) throw stillPending(source, before);
  const started = Date.now();
  const { VersionId: versionId } = await context.secrets.send(new RotateSecretCommand({ SecretId: secretId, RotateImmediately: true }));
  const result = { source: source.name, action: 'rotate' as const, secretArn: before.arn, versionId };
  if (!options.wait) return { ...result, status: 'started' };
  options.progress(`rotation of ${source.name} started (version ${versionId}); waiting for Secrets Manager to run the four steps`);
  const done = await pollUntil(async () => {
    const state = await readKeyState(context, source);
    return state.current?.id === versionId ? state : undefined;
  }, options.timeoutMs);
  if (!done) throw notFinished(source, 'rotation');
  const grace = source.graceSeconds;
  return {
    ...result,
    status: 'completed',
    ...(grace !== undefined ? { previousKeyValidUntil: new Date(started + grace * 1000).toISOString() } : {}),
  };
}

/**
 * The emergency revoke of a generated key: the rotation function rotates now with zero grace, so no
 * earlier key verifies once the verifiers' key caches expire. Keys issued by the sender are revoked by
 * putting the sender's new key with --revoke-previous instead.
 */
export async function revoke(context: AwsContext, source: DiscoveredSource, options: RotationOptions): Promise<RotationResult> {
  if (source.keySource === 'published') requireSecret(source);
  if (source.keySource === 'imported') {
    throw new UsageError(
      `${source.name}'s key is issued by the sender: roll it at the sender, then put the new key and revoke the old one at once: cdk-hardened-webhook put-key --stack ${options.stack} --source ${source.name} --revoke-previous (the key on stdin)`,
    );
  }
  if (!source.rotationFunctionName) throw new AwsCommandError(`cannot find the rotation function of ${source.name} in the stack; revoke it with aws lambda invoke on its RotationFunction and the payload {"action":"revoke"}`);
  const before = await readKeyState(context, source);
  const out = await context.lambda.send(new InvokeCommand({ FunctionName: source.rotationFunctionName, InvocationType: 'RequestResponse', Payload: Buffer.from('{"action":"revoke"}') }));
  if (out.FunctionError) {
    throw new AwsCommandError(
      `the rotation function refused the revoke (${errorMessageOf(out.Payload)}); read its log group ${source.rotationLogGroupName ?? `/aws/lambda/${source.rotationFunctionName}`}, fix, and run revoke again`,
    );
  }
  const result = { source: source.name, action: 'revoke' as const, secretArn: before.arn };
  if (!options.wait) return { ...result, status: 'started' };
  options.progress(`revoke of ${source.name} started: rotating with zero grace`);
  const done = await pollUntil(async () => {
    const state = await readKeyState(context, source);
    return state.current && state.current.id !== before.current?.id && !state.revokePending && !state.pending ? state : undefined;
  }, options.timeoutMs);
  if (!done) throw notFinished(source, 'revoke');
  return {
    ...result,
    status: 'completed',
    versionId: done.current?.id,
    earlierKeysRejectedBy: new Date(Date.now() + (source.cacheSeconds ?? 300) * 1000).toISOString(),
  };
}

function stillPending(source: DiscoveredSource, state: KeyState): AwsCommandError {
  const since = state.pending?.createdAt ? ` since ${formatInstant(state.pending.createdAt)}` : '';
  return new AwsCommandError(
    `a rotation of ${source.name} is already pending${since} (version ${state.pending?.id}): it is running, or failed and Secrets Manager retries it. ` +
      `Read the rotation function's log group ${source.rotationLogGroupName ?? '(see the stack)'}; status shows when it completes`,
  );
}

function notFinished(source: DiscoveredSource, what: string): AwsCommandError {
  return new AwsCommandError(
    `the ${what} of ${source.name} has not completed within the timeout; it may still be running. The current key is unchanged until it does. ` +
      `Read the rotation function's log group ${source.rotationLogGroupName ?? '(see the stack)'}, and run status to see where it stands`,
  );
}

/** Lambda's error payload `{"errorType","errorMessage"}`: the type and message only (the rotation function never puts a key in them). */
function errorMessageOf(payload: Uint8Array | undefined): string {
  if (!payload) return 'no error payload';
  try {
    const parsed = JSON.parse(Buffer.from(payload).toString('utf8')) as { errorType?: string; errorMessage?: string };
    return [parsed.errorType, parsed.errorMessage].filter(Boolean).join(': ') || 'unknown error';
  } catch {
    return 'unreadable error payload';
  }
}

export function formatRotation(result: RotationResult): string {
  const at = (iso?: string) => (iso ? formatInstant(Date.parse(iso)) : 'unknown');
  if (result.status === 'started') return `${result.action} of ${result.source} started${result.versionId ? ` (version ${result.versionId})` : ''}; run status to follow it\n`;
  if (result.action === 'rotate') {
    return (
      `rotated ${result.source}: version ${result.versionId} is current\n` +
      `give the sender the new key before ${at(result.previousKeyValidUntil)}, when the replaced one stops verifying:\n` +
      `  aws secretsmanager get-secret-value --secret-id ${result.secretArn} --version-id ${result.versionId} --query SecretString --output text | jq -r .current\n`
    );
  }
  return (
    `revoked ${result.source}'s earlier keys: version ${result.versionId} is current, with no earlier key\n` +
    `every verifier rejects the old keys by ${at(result.earlierKeysRejectedBy)} (their key cache); give the sender the new key now:\n` +
    `  aws secretsmanager get-secret-value --secret-id ${result.secretArn} --query SecretString --output text | jq -r .current\n`
  );
}
