import { DescribeSecretCommand, ListSecretVersionIdsCommand, SecretVersionsListEntry } from '@aws-sdk/client-secrets-manager';
import { captureRequestToken } from '../../runtime';
import { AwsCommandError, AwsContext, isAwsError } from './context';
import { DiscoveredSource } from './discovery';
import { UsageError } from '../local/command';

/** The rotation function's tag that marks a revoke in flight (lib/handlers/rotation/rotation.ts REVOKE_TAG). */
export const REVOKE_TAG = 'webhook:revoke-previous';

export interface SecretVersion {
  readonly id: string;
  readonly createdAt?: number;
}

/** A source's signing secret as its metadata shows it. Never its value. */
export interface KeyState {
  readonly arn: string;
  readonly current?: SecretVersion;
  readonly previous?: SecretVersion;
  /** A version labelled AWSPENDING but not AWSCURRENT: a rotation started and not finished. */
  readonly pending?: SecretVersion;
  readonly rotationEnabled: boolean;
  readonly schedule?: string;
  readonly lastRotatedAt?: number;
  readonly nextRotationAt?: number;
  /** The revoke mark is set: the running (or failed) rotation revokes every earlier key. */
  readonly revokePending: boolean;
  /** Imported keys: only the value the stack was deployed with, no sender's key put yet. */
  readonly awaitingFirstKey: boolean;
  /**
   * A source with a capture secret (Notion), while it awaits its first key: whether the verifier has
   * kept the sender's handshake, and when (from the capture secret's metadata, never its value).
   */
  readonly capture?: { readonly captured: boolean; readonly capturedAt?: number };
}

/** Reads DescribeSecret and ListSecretVersionIds: what any role allowed to describe the secret may see. */
export async function readKeyState(context: AwsContext, source: DiscoveredSource): Promise<KeyState> {
  const secretId = requireSecret(source);
  let described;
  try {
    described = await context.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      throw new AwsCommandError(`the signing secret of ${source.name} (${secretId}) does not exist; was it deleted outside CloudFormation? Redeploy the stack`);
    }
    throw error;
  }
  const versions: SecretVersionsListEntry[] = [];
  let nextToken: string | undefined;
  do {
    const page = await context.secrets.send(new ListSecretVersionIdsCommand({ SecretId: secretId, NextToken: nextToken }));
    versions.push(...(page.Versions ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  const stagesOf = new Map<string, string[]>(Object.entries(described.VersionIdsToStages ?? {}));
  for (const v of versions) if (v.VersionId && !stagesOf.has(v.VersionId)) stagesOf.set(v.VersionId, v.VersionStages ?? []);
  const created = new Map(versions.map((v) => [v.VersionId, v.CreatedDate ? new Date(v.CreatedDate).getTime() : undefined]));
  const withStage = (stage: string, not?: string): SecretVersion | undefined => {
    const entry = [...stagesOf.entries()].find(([, stages]) => stages.includes(stage) && (not === undefined || !stages.includes(not)));
    return entry ? { id: entry[0], createdAt: created.get(entry[0]) } : undefined;
  };
  const current = withStage('AWSCURRENT');
  const secretCreated = described.CreatedDate ? new Date(described.CreatedDate).getTime() : undefined;
  const rules = described.RotationRules;
  // The version CloudFormation created with the secret is the only one: nobody has put a key yet.
  const awaitingFirstKey =
    source.keySource === 'imported' && stagesOf.size === 1 && current?.createdAt !== undefined && secretCreated !== undefined && Math.abs(current.createdAt - secretCreated) < 120_000;
  return {
    arn: described.ARN ?? secretId,
    current,
    previous: withStage('AWSPREVIOUS'),
    pending: withStage('AWSPENDING', 'AWSCURRENT'),
    rotationEnabled: described.RotationEnabled === true,
    schedule: rules?.ScheduleExpression ?? (rules?.AutomaticallyAfterDays ? `every ${rules.AutomaticallyAfterDays} days` : undefined),
    lastRotatedAt: described.LastRotatedDate ? new Date(described.LastRotatedDate).getTime() : undefined,
    nextRotationAt: described.NextRotationDate ? new Date(described.NextRotationDate).getTime() : undefined,
    revokePending: (described.Tags ?? []).some((t) => t.Key === REVOKE_TAG),
    awaitingFirstKey,
    ...(awaitingFirstKey && current && source.captureSecretId ? { capture: await readCaptureState(context, source.captureSecretId, current.id) } : {}),
  };
}

/**
 * The verifier writes the capture for the awaiting version `keyVersion` under a version id it derives
 * from it (captureRequestToken): its presence in the capture secret's versions is the capture.
 */
async function readCaptureState(context: AwsContext, captureSecretId: string, keyVersion: string): Promise<{ captured: boolean; capturedAt?: number }> {
  const wanted = captureRequestToken(keyVersion);
  let nextToken: string | undefined;
  do {
    const page = await context.secrets.send(new ListSecretVersionIdsCommand({ SecretId: captureSecretId, NextToken: nextToken }));
    const found = page.Versions?.find((v) => v.VersionId === wanted);
    if (found) return { captured: true, ...(found.CreatedDate ? { capturedAt: new Date(found.CreatedDate).getTime() } : {}) };
    nextToken = page.NextToken;
  } while (nextToken);
  return { captured: false };
}

/** Imported keys: until when the key a put replaced still verifies (undefined: no previous key, or its window is over). */
export function previousKeyValidUntil(state: KeyState, graceSeconds: number | undefined, now: number): number | undefined {
  if (!state.previous || state.current?.createdAt === undefined || graceSeconds === undefined) return undefined;
  const until = state.current.createdAt + graceSeconds * 1000;
  return until > now ? until : undefined;
}

export function requireSecret(source: DiscoveredSource): string {
  if (source.keySource === 'published') {
    throw new UsageError(`${source.name}'s sender publishes its keys (the verifier fetches them; the sender rotates them): it has no secret to put, rotate or revoke`);
  }
  if (!source.secretId) {
    throw new AwsCommandError(`cannot find the signing secret of ${source.name}: its verifier's WEBHOOK_SECRET_ARN did not resolve from the template, and the function's configuration could not be read`);
  }
  return source.secretId;
}
