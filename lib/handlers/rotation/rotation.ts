import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { activeKeyStrings, parseKeySet, rotateKeySet, SchemeConfig, schemeFor } from '../../runtime';

export interface RotationConfig {
  readonly scheme: SchemeConfig;
  /** How long the replaced key keeps verifying. 0 revokes it at once. */
  readonly graceMs: number;
}

export interface RotationDeps {
  readonly secrets: SecretsManagerClient;
  readonly now?: () => number;
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

export function rotationConfigFromEnv(env: NodeJS.ProcessEnv): RotationConfig {
  if (!env.WEBHOOK_SCHEME) throw new Error('Environment variable WEBHOOK_SCHEME is not set');
  const graceSeconds = Number(env.WEBHOOK_GRACE_SECONDS ?? '86400');
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) throw new Error('WEBHOOK_GRACE_SECONDS must be a non-negative number');
  return { scheme: JSON.parse(env.WEBHOOK_SCHEME) as SchemeConfig, graceMs: graceSeconds * 1000 };
}

/**
 * Secrets Manager's four-step rotation for a webhook key set. Each step is idempotent (Secrets Manager
 * retries them) and none but finishSecret touches AWSCURRENT, so a failed rotation leaves the live key
 * set exactly as it was.
 */
export function createRotationHandler(config: RotationConfig, deps: RotationDeps) {
  const scheme = schemeFor(config.scheme);
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => undefined);
  const sm = deps.secrets;

  async function createSecret(secretId: string, token: string): Promise<void> {
    const current = await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    try {
      await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }));
      log('pending version already exists', { step: 'createSecret' });
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    const next = rotateKeySet(parseKeySet(current.SecretString ?? ''), scheme.generateKey(), now(), config.graceMs);
    await sm.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: JSON.stringify(next),
        VersionStages: ['AWSPENDING'],
      }),
    );
    log('created pending key set', { step: 'createSecret', previousKeys: next.previous?.length ?? 0 });
  }

  async function testSecret(secretId: string, token: string): Promise<void> {
    const pending = await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }));
    const doc = parseKeySet(pending.SecretString ?? '');
    // Every key that will be live must decode, or the verifier would reject every delivery after finishSecret.
    for (const { key } of activeKeyStrings(doc, now())) scheme.decodeKey(key);
    log('pending key set is valid', { step: 'testSecret' });
  }

  async function finishSecret(secretId: string, token: string, stages: Record<string, string[]>): Promise<void> {
    const currentVersion = Object.entries(stages).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
    if (currentVersion === token) return;
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token,
        RemoveFromVersionId: currentVersion,
      }),
    );
    log('promoted pending key set to AWSCURRENT', { step: 'finishSecret' });
  }

  return async (event: SecretsManagerRotationEvent): Promise<void> => {
    const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
    const described = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
    if (described.RotationEnabled === false) throw new Error('Rotation is not enabled for this secret');
    const stages = described.VersionIdsToStages ?? {};
    const tokenStages = stages[token];
    if (!tokenStages) throw new Error(`Version ${token} has no stage for rotation of this secret`);
    if (tokenStages.includes('AWSCURRENT')) {
      log('version is already AWSCURRENT', { step });
      return;
    }
    if (!tokenStages.includes('AWSPENDING')) throw new Error(`Version ${token} is not AWSPENDING for rotation of this secret`);

    switch (step) {
      case 'createSecret':
        return createSecret(secretId, token);
      case 'setSecret':
        // The key is handed to the sender out of band (see README); nothing to push here.
        log('no sender hook configured', { step });
        return;
      case 'testSecret':
        return testSecret(secretId, token);
      case 'finishSecret':
        return finishSecret(secretId, token, stages);
      default:
        throw new Error(`Unknown rotation step: ${String(step)}`);
    }
  };
}
