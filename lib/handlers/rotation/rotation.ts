import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { activeKeyStrings, parseKeySet, rotateKeySet, SchemeConfig, schemeFor } from '../../runtime';

/** Tag that makes the next rotation revoke every earlier key (grace 0). Removed when it completes. */
export const REVOKE_TAG = 'webhook:revoke-previous';
export const EVENT_SOURCE = 'cdk-hardened-webhook';
export const ROTATED_DETAIL_TYPE = 'Webhook signing key rotated';

export interface RotationConfig {
  readonly scheme: SchemeConfig;
  /** How long the replaced key keeps verifying. 0 revokes it at once. */
  readonly graceMs: number;
  readonly endpoint: string;
  readonly source: string;
  /** This function's own secret: the only one a revoke request may act on. */
  readonly secretArn: string;
  /** Where the hand-off event goes. @default the default bus */
  readonly eventBusName?: string;
  /** A function that pushes the new key to the sender's API during setSecret. */
  readonly senderHookArn?: string;
}

export interface RotationDeps {
  readonly secrets: SecretsManagerClient;
  readonly events: EventBridgeClient;
  readonly lambda?: LambdaClient;
  readonly now?: () => number;
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

/** A direct invocation by an operator: `{"action":"revoke"}` rotates now with zero grace. */
export interface RevokeRequest {
  readonly action: 'revoke';
}

export function rotationConfigFromEnv(env: NodeJS.ProcessEnv): RotationConfig {
  const required = (name: string) => {
    if (!env[name]) throw new Error(`Environment variable ${name} is not set`);
    return env[name]!;
  };
  const graceSeconds = Number(env.WEBHOOK_GRACE_SECONDS ?? '86400');
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) throw new Error('WEBHOOK_GRACE_SECONDS must be a non-negative number');
  return {
    scheme: JSON.parse(required('WEBHOOK_SCHEME')) as SchemeConfig,
    graceMs: graceSeconds * 1000,
    endpoint: required('WEBHOOK_ENDPOINT'),
    source: required('WEBHOOK_SOURCE'),
    secretArn: required('WEBHOOK_SECRET_ARN'),
    eventBusName: env.WEBHOOK_EVENT_BUS || undefined,
    senderHookArn: env.WEBHOOK_SENDER_HOOK_ARN || undefined,
  };
}

/**
 * Secrets Manager's four-step rotation for a webhook key set. Each step is idempotent (Secrets Manager
 * retries them, and may run one twice at once) and none but finishSecret touches AWSCURRENT, so a
 * failed rotation leaves the live key set exactly as it was. After promotion an event carrying the
 * secret's ARN and version id (never the key) tells automation or a person to update the sender.
 */
export function createRotationHandler(config: RotationConfig, deps: RotationDeps) {
  const scheme = schemeFor(config.scheme);
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => undefined);
  const sm = deps.secrets;

  async function createSecret(secretId: string, token: string, revoke: boolean): Promise<void> {
    const current = await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    try {
      await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }));
      log('pending version already exists', { step: 'createSecret' });
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    const graceMs = revoke ? 0 : config.graceMs;
    const next = rotateKeySet(parseKeySet(current.SecretString ?? ''), scheme.generateKey(), now(), graceMs);
    try {
      await sm.send(
        new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: JSON.stringify(next), VersionStages: ['AWSPENDING'] }),
      );
    } catch (error) {
      // A concurrent run of this step stored its own new key under the same token first: keep that one.
      if (error instanceof ResourceExistsException) {
        log('a concurrent createSecret stored the pending version first', { step: 'createSecret' });
        return;
      }
      throw error;
    }
    log('created pending key set', { step: 'createSecret', previousKeys: next.previous?.length ?? 0, revoke });
  }

  async function setSecret(secretId: string, token: string): Promise<void> {
    if (!config.senderHookArn || !deps.lambda) {
      log('no sender hook configured; the hand-off event after finishSecret tells the operator', { step: 'setSecret' });
      return;
    }
    // The hook reads the pending key from Secrets Manager itself: the key never travels in this payload.
    const out = await deps.lambda.send(
      new InvokeCommand({
        FunctionName: config.senderHookArn,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify({ secretArn: secretId, versionId: token, versionStage: 'AWSPENDING', endpoint: config.endpoint, source: config.source })),
      }),
    );
    if (out.FunctionError) throw new Error(`The sender hook failed (${out.FunctionError}); AWSCURRENT is unchanged and the rotation will be retried`);
    log('sender hook accepted the pending key', { step: 'setSecret' });
  }

  async function testSecret(secretId: string, token: string, revoke: boolean): Promise<void> {
    const pending = await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }));
    const doc = parseKeySet(pending.SecretString ?? '');
    // A revoke must never promote a key set that still carries an old key.
    if (revoke && (doc.previous?.length ?? 0) > 0) throw new Error('A revoke is pending but this key set keeps earlier keys; refusing to promote it');
    // Every key that will be live must decode, or the verifier would reject every delivery after finishSecret.
    for (const { key } of activeKeyStrings(doc, now())) scheme.decodeKey(key);
    log('pending key set is valid', { step: 'testSecret' });
  }

  async function finishSecret(secretId: string, token: string, stages: Record<string, string[]>, revoke: boolean): Promise<void> {
    const currentVersion = Object.entries(stages).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
    if (currentVersion !== token) {
      await sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: currentVersion }));
      log('promoted pending key set to AWSCURRENT', { step: 'finishSecret' });
    }
    if (revoke) await sm.send(new UntagResourceCommand({ SecretId: secretId, TagKeys: [REVOKE_TAG] }));
    await handOff(secretId, token, revoke);
  }

  /** Tells whoever updates the sender that a new key is current. Idempotent per version id. */
  async function handOff(secretArn: string, versionId: string, revoked: boolean): Promise<void> {
    const out = await deps.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: EVENT_SOURCE,
            DetailType: ROTATED_DETAIL_TYPE,
            EventBusName: config.eventBusName,
            Resources: [secretArn],
            Detail: JSON.stringify({
              endpoint: config.endpoint,
              source: config.source,
              secretArn,
              versionId,
              revokedPrevious: revoked,
              previousKeysValidUntil: revoked ? new Date(now()).toISOString() : new Date(now() + config.graceMs).toISOString(),
            }),
          },
        ],
      }),
    );
    if (out.FailedEntryCount) throw new Error('EventBridge did not accept the hand-off event');
    log('hand-off event sent', { versionId });
  }

  async function revokeNow(): Promise<{ rotationStarted: true; secretArn: string }> {
    const secretId = config.secretArn;
    await sm.send(new TagResourceCommand({ SecretId: secretId, Tags: [{ Key: REVOKE_TAG, Value: new Date(now()).toISOString() }] }));
    try {
      // A rotation left pending (a failed step, or one in flight) would be resumed with its grace
      // window intact: drop it so the revoke starts from a clean key set.
      const described = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
      for (const [versionId, stages] of Object.entries(described.VersionIdsToStages ?? {})) {
        if (stages.includes('AWSPENDING') && !stages.includes('AWSCURRENT')) {
          await sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSPENDING', RemoveFromVersionId: versionId }));
        }
      }
      await sm.send(new RotateSecretCommand({ SecretId: secretId, RotateImmediately: true }));
    } catch (error) {
      // Never leave the mark behind: the next scheduled rotation would revoke without warning.
      await sm.send(new UntagResourceCommand({ SecretId: secretId, TagKeys: [REVOKE_TAG] })).catch(() => undefined);
      throw error;
    }
    log('emergency revoke: rotation started with zero grace', {});
    return { rotationStarted: true, secretArn: secretId };
  }

  return async (event: SecretsManagerRotationEvent | RevokeRequest): Promise<unknown> => {
    if ('action' in event) {
      if (event.action !== 'revoke') throw new Error('Unknown action; the only direct request is {"action":"revoke"}');
      return revokeNow();
    }
    const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
    const described = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
    if (described.RotationEnabled === false) throw new Error('Rotation is not enabled for this secret');
    const stages = described.VersionIdsToStages ?? {};
    const tokenStages = stages[token];
    if (!tokenStages) throw new Error(`Version ${token} has no stage for rotation of this secret`);
    const revoke = (described.Tags ?? []).some((t) => t.Key === REVOKE_TAG);
    if (tokenStages.includes('AWSCURRENT')) {
      // A retried finishSecret whose promotion already happened still owes the hand-off.
      if (step === 'finishSecret') return finishSecret(secretId, token, stages, revoke);
      log('version is already AWSCURRENT', { step });
      return undefined;
    }
    if (!tokenStages.includes('AWSPENDING')) throw new Error(`Version ${token} is not AWSPENDING for rotation of this secret`);

    switch (step) {
      case 'createSecret':
        return createSecret(secretId, token, revoke);
      case 'setSecret':
        return setSecret(secretId, token);
      case 'testSecret':
        return testSecret(secretId, token, revoke);
      case 'finishSecret':
        return finishSecret(secretId, token, stages, revoke);
      default:
        throw new Error(`Unknown rotation step: ${String(step)}`);
    }
  };
}
