import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { InvalidKeySetError, KeySetDocument, parseImportedSecret, schemeFor, WebhookConfigurationError } from '../../lib/runtime';
import { UsageError } from '../local/command';
import { AwsContext, explainAwsError } from './context';
import { DiscoveredSource } from './discovery';
import { requireSecret } from './keys';
import { formatInstant } from './time';

export interface PutKeyOptions {
  readonly stack: string;
  readonly revokePrevious: boolean;
  /** The key as the sender shows it, or a key set document; never from argv. */
  readonly readKey: () => Promise<string>;
  readonly progress: (line: string) => void;
}

export interface PutKeyResult {
  readonly source: string;
  readonly secretArn: string;
  /** `unchanged` when the key given is already the current one with the same revoke choice. */
  readonly status: 'put' | 'unchanged';
  readonly versionId?: string;
  readonly revokedPrevious: boolean;
  /** The key this put replaced verifies until then (without --revoke-previous). */
  readonly previousKeyValidUntil?: string;
  /** With --revoke-previous: every verifier rejects the replaced key by then (their key cache). */
  readonly previousKeyRejectedBy?: string;
  /** The verify token the current version carried (Meta's) was kept beside the new key. */
  readonly keptVerifyToken?: boolean;
}

/**
 * Puts a key issued by the sender as the source's new AWSCURRENT version, in the form the verifier
 * reads (lib/runtime/key-set.ts parseImportedSecret): `{"current": "<key>"}`, with `"revokePrevious":
 * true` to stop the replaced key at once. A verify token kept in the current version stays with the key.
 */
export async function putKey(context: AwsContext, source: DiscoveredSource, options: PutKeyOptions): Promise<PutKeyResult> {
  if (source.keySource === 'published') requireSecret(source);
  if (source.keySource !== 'imported') {
    throw new UsageError(
      `${source.name}'s keys are generated and rotated here, so there is no sender's key to put: use cdk-hardened-webhook rotate --stack ${options.stack} --source ${source.name} (or revoke)`,
    );
  }
  const secretId = requireSecret(source);
  const given = keyDocument(await options.readKey(), source, options.revokePrevious);

  let current: KeySetDocument | undefined;
  try {
    const value = await context.secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    current = value.SecretString ? parseImportedSecret(value.SecretString) : undefined;
  } catch (error) {
    if (!(error instanceof InvalidKeySetError)) options.progress(`could not read the current version (${explainAwsError(error).message}); putting the key without comparing`);
  }
  const keptVerifyToken = given.verifyToken === undefined && current?.verifyToken !== undefined;
  const document: KeySetDocument = keptVerifyToken ? { ...given, verifyToken: current!.verifyToken } : given;
  if (current && current.current === document.current && (current.revokePrevious ?? false) === (document.revokePrevious ?? false)) {
    // Putting it again would make the current key its own AWSPREVIOUS and end the grace of the key before it.
    return { source: source.name, secretArn: secretId, status: 'unchanged', revokedPrevious: options.revokePrevious };
  }
  const put = await context.secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(document) }));
  const now = Date.now();
  return {
    source: source.name,
    secretArn: put.ARN ?? secretId,
    status: 'put',
    versionId: put.VersionId,
    revokedPrevious: options.revokePrevious,
    ...(options.revokePrevious
      ? { previousKeyRejectedBy: new Date(now + (source.cacheSeconds ?? 300) * 1000).toISOString() }
      : source.graceSeconds
        ? { previousKeyValidUntil: new Date(now + source.graceSeconds * 1000).toISOString() }
        : {}),
    ...(keptVerifyToken ? { keptVerifyToken } : {}),
  };
}

/** The document to put, checked: parses as the verifier parses it, and the key fits the source's scheme. */
export function keyDocument(text: string, source: Pick<DiscoveredSource, 'name' | 'scheme' | 'schemeType'>, revokePrevious: boolean): KeySetDocument {
  let document: KeySetDocument;
  try {
    document = parseImportedSecret(text);
  } catch (error) {
    if (error instanceof InvalidKeySetError) throw new UsageError(`the key read from stdin is not usable: ${error.message}; give the key as the sender shows it (e.g. whsec_...), or a {"current": "..."} document`);
    throw error;
  }
  if (document.awaitingKey) throw new UsageError('the document given still says "awaitingKey": put the key itself, without that field');
  if (document.revokePrevious && !revokePrevious) throw new UsageError('the document given says "revokePrevious": pass --revoke-previous instead, so the command line shows the revoke');
  if (source.scheme) {
    try {
      schemeFor(source.scheme).decodeKey(document.current);
    } catch (error) {
      if (error instanceof WebhookConfigurationError) throw new UsageError(`the key does not fit ${source.name}'s ${source.schemeType} scheme: ${error.message}`);
      throw error;
    }
  }
  return revokePrevious ? { ...document, revokePrevious: true } : document;
}

export function formatPutKey(result: PutKeyResult): string {
  if (result.status === 'unchanged') return `${result.source}: that key is already the current one; nothing put\n`;
  const lines = [`put a new key for ${result.source} (version ${result.versionId}); it verifies at once`];
  if (result.revokedPrevious) lines.push(`the replaced key is revoked: every verifier rejects it by ${formatInstant(Date.parse(result.previousKeyRejectedBy!))} (their key cache)`);
  else if (result.previousKeyValidUntil) lines.push(`the replaced key keeps verifying until ${formatInstant(Date.parse(result.previousKeyValidUntil))} (the grace period), while the sender switches`);
  if (result.keptVerifyToken) lines.push('kept the verify token of the previous version beside the new key');
  return `${lines.join('\n')}\n`;
}
