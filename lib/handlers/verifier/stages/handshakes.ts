import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { headerValue } from '../../../runtime/headers';
import { CapturedHandshake, captureRequestToken } from '../../../runtime/key-set';
import { Answered, Delivery, errorFields, isAnswered, refuse, Verifier } from './context';
import { activeKeys } from './keys';

/*
 * The handshakes: a sender's checks of the endpoint, answered at once and never queued. Both are
 * optional stages (context.ts's OptionalStages), carried only by the bundles whose senders make them;
 * the HEAD check, one line, is in the request checks (request.ts).
 */

/** A sender's endpoint-verification GET (the scheme's `handshake.get`): answered when it checks out, else refused. */
export async function answerGet(v: Verifier, d: Delivery): Promise<Answered> {
  const keys = await activeKeys(v, d);
  if (isAnswered(keys)) return keys;
  const { scheme } = v;
  const answer = scheme.handshake!.get!({ headers: d.headers, query: d.event.multiValueQueryStringParameters ?? {}, verifyToken: v.verifyToken }, keys, v.now(), scheme);
  return typeof answer === 'string' ? refuse(d, answer) : d.finish(200, 'Accepted', { reason: 'answered_handshake' }, answer);
}

/**
 * Unsigned handshakes, only for a POST with none of the signature headers, and before the media
 * type and empty-body checks (Microsoft Graph's validation POST is an empty text/plain body with a
 * query; Asana's X-Hook-Secret POST is empty): each handshake checks exactly what it answers. A
 * ping to check the URL (WooCommerce) or a validation echo (Graph) is answered and forgotten; a
 * sender's handshake made before it has a key (Notion's verification token, Asana's hook secret),
 * only while the signing secret still awaits its first key, is answered and kept in the capture
 * secret, which verifies nothing until an operator puts it as the key (which ends the waiting).
 * The first capture stands: its ClientRequestToken is fixed by the awaiting version, so Secrets
 * Manager refuses every later one and creates no version for it. None is ever queued. Undefined for
 * a request that is no such handshake.
 */
export async function answerUnsigned(v: Verifier, d: Delivery): Promise<Answered | undefined> {
  const { scheme, config } = v;
  const { body, headers, size, finish } = d;
  const { unsigned, capture } = scheme.handshake ?? {};
  if (!(unsigned || capture) || scheme.signatureHeaders.some((name) => headerValue(headers, name) !== undefined)) return undefined;
  const ping = unsigned?.(body, headers, d.event.multiValueQueryStringParameters ?? {});
  if (ping) return finish(200, 'Accepted', { reason: 'answered_ping', size }, ping);
  const keyVersion = v.awaitingVersion;
  if (!capture || keyVersion === undefined || !config.captureSecretId) return undefined;
  const handshake = capture(body, headers);
  if (!handshake) return undefined;
  // Logged with the request's source IP (every audit line has it) and alarmed when repeated.
  const refused = () => finish(409, 'CaptureRefused', { reason: 'capture_refused', size });
  if (v.capturedVersion === keyVersion) return refused();
  const captured: CapturedHandshake = {
    token: handshake.captured,
    capturedAt: d.receivedAt,
    ...(d.sourceIp ? { sourceIp: d.sourceIp } : {}),
    requestId: d.requestId,
    keyVersion,
  };
  try {
    await v.deps.secrets.send(new PutSecretValueCommand({ SecretId: config.captureSecretId, ClientRequestToken: captureRequestToken(keyVersion), SecretString: JSON.stringify(captured) }));
  } catch (error) {
    if (errorFields(error).error !== 'ResourceExistsException') return finish(503, 'SecretUnavailable', { reason: 'handshake_store_failed', size, ...errorFields(error) });
    v.capturedVersion = keyVersion;
    return refused();
  }
  v.capturedVersion = keyVersion;
  return finish(200, 'Accepted', { reason: 'captured_handshake', size }, handshake.answer);
}
