import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { activeKeyStrings, KeySetDocument, parseImportedSecret, parseKeySet } from '../../../runtime/key-set';
import type { ActiveKey } from '../../../runtime/types';
import { KeyCache, KeyString } from '../../shared/key-cache';
import type { VerifierConfig } from '../config';
import { Answered, Delivery, errorFields, Verifier } from './context';

/*
 * The keys stage: the keys in the source's secret, from a cache that reads Secrets Manager at most
 * once per TTL and rides out its outages on keys not yet stale.
 */

/**
 * The keys that verify now, from the cache; when none can be had, 503 (the sender retries), never a
 * 401 that would call a genuine delivery forged. `size` goes on that line for a POST (a GET's has none).
 */
export async function activeKeys(v: Verifier, d: Delivery, size?: number): Promise<Answered | readonly ActiveKey[]> {
  try {
    return await v.cache.get();
  } catch (error) {
    return d.finish(503, 'SecretUnavailable', { reason: 'secret_unavailable', size, ...errorFields(error) });
  }
}

/**
 * The source's key cache. Each read also refreshes what the secret carries beside the keys: the
 * verify token (GET handshakes) and whether the secret still awaits its first key (captures).
 */
export function keyCache(v: Omit<Verifier, 'cache'>): KeyCache {
  const { config, deps, scheme, now, usesSecret } = v;
  return new KeyCache({
    load: async () => {
      if (!usesSecret) return [];
      const { keys, doc, versionId } = await loadKeys(deps.secrets, config.secretId ?? '', config, now());
      v.verifyToken = doc.verifyToken;
      v.awaitingVersion = doc.awaitingKey === true ? versionId : undefined;
      return keys;
    },
    decode: (secret) => scheme.decodeKey(secret),
    ttlMs: config.cacheTtlMs,
    missRefreshIntervalMs: config.missRefreshIntervalMs,
    maxStaleMs: config.maxStaleMs,
    retryAfterFailureMs: config.missRefreshIntervalMs,
    now,
  });
}

/** The keys that verify now, read from Secrets Manager (AWSCURRENT, and AWSPREVIOUS for imported keys). */
export async function loadKeys(
  secrets: Pick<SecretsManagerClient, 'send'>,
  secretId: string,
  config: Pick<VerifierConfig, 'keySource' | 'graceMs'>,
  nowMs: number,
): Promise<{ keys: KeyString[]; doc: KeySetDocument; versionId?: string }> {
  const current = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!current.SecretString) throw new Error('The signing secret has no string value');
  const versionId = current.VersionId;
  if (config.keySource !== 'imported') {
    const doc = parseKeySet(current.SecretString);
    return { keys: activeKeyStrings(doc, nowMs), doc, versionId };
  }
  const doc = parseImportedSecret(current.SecretString);
  const keys = activeKeyStrings(doc, nowMs);
  const notAfterMs = (current.CreatedDate?.getTime() ?? nowMs) + (config.graceMs ?? 0);
  if (doc.revokePrevious || notAfterMs <= nowMs) return { keys, doc, versionId };
  try {
    const previous = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' }));
    if (previous.SecretString) keys.push({ key: parseImportedSecret(previous.SecretString).current, notAfterMs });
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  return { keys, doc, versionId };
}
