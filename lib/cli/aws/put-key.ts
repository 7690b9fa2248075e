import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { CapturedHandshake, captureRequestToken, InvalidKeySetError, KeySetDocument, parseCapturedHandshake, parseImportedSecret, schemeFor, WebhookConfigurationError } from '../../runtime';
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
  /**
   * Put the handshake the verifier captured (Notion's verification token) instead of reading a key,
   * once the operator has seen when and from where it came: `confirmCapture` must be the request id
   * of that capture, which the first run without it shows.
   */
  readonly fromCapture?: boolean;
  readonly confirmCapture?: string;
  /**
   * Instead of putting a key: let the verifier capture one more handshake, after a capture that was
   * not the sender's. Only while the source still awaits its first key.
   */
  readonly reopenCapture?: boolean;
  readonly progress: (line: string) => void;
}

export interface PutKeyResult {
  readonly source: string;
  readonly secretArn: string;
  /**
   * `unchanged` when the key given is already the current one with the same revoke choice; `reopened`
   * when the source awaits its key anew (--reopen-capture).
   */
  readonly status: 'put' | 'unchanged' | 'reopened';
  readonly versionId?: string;
  readonly revokedPrevious: boolean;
  /** The key this put replaced verifies until then (without --revoke-previous). */
  readonly previousKeyValidUntil?: string;
  /** With --revoke-previous: every verifier rejects the replaced key by then (their key cache). */
  readonly previousKeyRejectedBy?: string;
  /** The verify token the current version carried (Meta's) was kept beside the new key. */
  readonly keptVerifyToken?: boolean;
  /** With --from-capture: the capture put as the key (never its token). */
  readonly capture?: Omit<CapturedHandshake, 'token'>;
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
  if (options.reopenCapture) return reopenCapture(context, source, secretId);
  const captured = options.fromCapture ? await readCapture(context, source, secretId, options) : undefined;
  const given = keyDocument(captured ? captured.token : await options.readKey(), source, options.revokePrevious);

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
    ...(captured ? { capture: withoutToken(captured) } : {}),
  };
}

/**
 * The handshake the verifier captured, shown (when, from where, which request) before it is put: the
 * first run stops there and names the request id to confirm; only a run confirming that very capture
 * goes on. The token goes from one secret to the other and is never printed.
 */
async function readCapture(context: AwsContext, source: DiscoveredSource, secretId: string, options: PutKeyOptions): Promise<CapturedHandshake> {
  if (!source.captureSecretId) {
    throw new UsageError(`${source.name} keeps no captured handshake (only a sender that hands its key over unsigned, such as Notion, with imported keys, has one); put the key from stdin instead`);
  }
  const awaiting = await context.secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
  const awaitingVersion = parseImportedSecret(awaiting.SecretString ?? '').awaitingKey ? awaiting.VersionId : undefined;
  // The capture for the version awaiting now is the capture secret's version named after it: its
  // AWSCURRENT can be a later capture for an earlier version, by a verifier that had not yet read a
  // reopen. That one (or nothing) is read only to say why there is nothing to put.
  const captured =
    (awaitingVersion === undefined ? undefined : await capturedIn(context, source, { VersionId: captureRequestToken(awaitingVersion) })) ??
    (await capturedIn(context, source, { VersionStage: 'AWSCURRENT' }));
  if (!captured) {
    throw new UsageError(`nothing captured yet for ${source.name}: create (or resend) the subscription at the sender so it posts its verification request to ${source.url ?? 'the source\'s URL'}, then run this again`);
  }
  // Only a capture made for the version that awaits its key now: not one from before a reopen or a put.
  if (awaitingVersion === undefined || captured.keyVersion !== awaitingVersion) {
    throw new UsageError(`the handshake kept for ${source.name} was captured for an earlier version of its signing secret (before a key was put, or before --reopen-capture), and nothing has been captured since; put nothing from it`);
  }
  const shown = `captured ${formatInstant(Date.parse(captured.capturedAt))} from ${captured.sourceIp ?? 'an unknown address'} (request ${captured.requestId})`;
  if (options.confirmCapture !== captured.requestId) {
    throw new UsageError(
      `${source.name}: ${shown}. Check that this is the sender's (its address, and the time you created the subscription), then run again with --confirm-capture ${captured.requestId}` +
        (options.confirmCapture === undefined ? '' : ` (the request id given, ${options.confirmCapture}, is not this capture's)`),
    );
  }
  options.progress(`${source.name}: putting the handshake ${shown} as the key`);
  return captured;
}

/** The capture kept in one version of the capture secret; undefined when it holds none, or there is no such version. */
async function capturedIn(context: AwsContext, source: DiscoveredSource, version: { VersionId: string } | { VersionStage: string }): Promise<CapturedHandshake | undefined> {
  try {
    const value = await context.secrets.send(new GetSecretValueCommand({ SecretId: source.captureSecretId, ...version }));
    return parseCapturedHandshake(value.SecretString ?? '');
  } catch (error) {
    if (error instanceof ResourceNotFoundException && 'VersionId' in version) return undefined;
    if (error instanceof InvalidKeySetError) throw new UsageError(`the capture secret of ${source.name} (${source.captureSecretId}) holds no usable capture: ${error.message}`);
    throw error;
  }
}

/**
 * A new version of the signing secret that still awaits its key (a fresh random placeholder, as the
 * stack creates it): the verifier derives the one capture it may make from the awaiting version, so a
 * new version allows one new capture, and the one kept before is no longer what put-key --from-capture
 * offers once the new one arrives.
 */
async function reopenCapture(context: AwsContext, source: DiscoveredSource, secretId: string): Promise<PutKeyResult> {
  if (!source.captureSecretId) throw new UsageError(`${source.name} captures no handshake, so there is nothing to reopen`);
  const value = await context.secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
  if (!parseImportedSecret(value.SecretString ?? '').awaitingKey) {
    throw new UsageError(`${source.name} already has its key: reopening the capture would replace it with a placeholder; roll the key at the sender and put it with put-key instead`);
  }
  const document: KeySetDocument = { current: randomBytes(33).toString('base64url'), previous: [], awaitingKey: true };
  const put = await context.secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(document) }));
  return { source: source.name, secretArn: put.ARN ?? secretId, status: 'reopened', versionId: put.VersionId, revokedPrevious: false };
}

function withoutToken(captured: CapturedHandshake): Omit<CapturedHandshake, 'token'> {
  const { token: _token, ...rest } = captured;
  return rest;
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
  if (result.status === 'reopened') {
    return `${result.source} awaits its key anew (version ${result.versionId}): within the verifiers' key cache (5 min by default) the next handshake the sender posts is captured; then put-key --from-capture\n`;
  }
  const lines = [`put a new key for ${result.source} (version ${result.versionId}); it verifies at once`];
  if (result.capture) lines.push(`the key is the handshake captured ${formatInstant(Date.parse(result.capture.capturedAt))} from ${result.capture.sourceIp ?? 'an unknown address'} (request ${result.capture.requestId}); the verifier captures nothing more`);
  if (result.revokedPrevious) lines.push(`the replaced key is revoked: every verifier rejects it by ${formatInstant(Date.parse(result.previousKeyRejectedBy!))} (their key cache)`);
  else if (result.previousKeyValidUntil) lines.push(`the replaced key keeps verifying until ${formatInstant(Date.parse(result.previousKeyValidUntil))} (the grace period), while the sender switches`);
  if (result.keptVerifyToken) lines.push('kept the verify token of the previous version beside the new key');
  return `${lines.join('\n')}\n`;
}
