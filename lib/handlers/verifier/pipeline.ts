import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
// Imported module by module, never through the runtime's index: each verifier bundle carries the
// scheme code of one family of senders only (its entry passes that family's SchemeFactory), and the
// optional stages that family needs.
import { INLINE_BODY_BYTES } from '../../runtime/body-limits';
import { SchemeFactory } from '../../runtime/schemes/factory';
import { Telemetry } from '../shared/telemetry';
import { VerifierConfig } from './config';
import { DedupeClaims } from './dedupe';
import { acknowledge } from './stages/acknowledge';
import { isAnswered, OptionalStages, Verifier, VerifierDeps } from './stages/context';
import { claim } from './stages/dedupe';
import { enqueue } from './stages/enqueue';
import { activeKeys, keyCache } from './stages/keys';
import { receive } from './stages/receive';
import { checkContent, checkMethod, checkSize } from './stages/request';
import { settle } from './stages/settle';
import { verify } from './stages/verify';

export type VerifierHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The verifier's handler for one source, with the optional stages its bundle carries (`./entry.ts`
 * gives a family's; ./verifier.ts every one). Each request goes through the stages in ./stages/ in
 * order, until one gives its answer.
 */
export function verifierPipeline(schemes: SchemeFactory, config: VerifierConfig, deps: VerifierDeps, stages: OptionalStages): VerifierHandler {
  const scheme = schemes(config.scheme);
  if (!scheme) throw new Error(`This verifier bundle does not carry scheme type ${JSON.stringify(config.scheme?.type)}: the construct picks the bundle by scheme type`);
  const now = deps.now ?? Date.now;
  // A published-key scheme also needs the bundle's published-keys stage (deps.published.keys).
  if ((scheme.published || scheme.settle) && !(deps.published && (!scheme.published || deps.published.keys))) throw new Error(`Scheme type ${JSON.stringify(config.scheme.type)} fetches published keys, and this bundle cannot`);
  // A stage the scheme needs and this bundle lacks (./entries gives each family the ones its senders need).
  const { handshake } = scheme;
  const missing =
    handshake?.get && !stages.getHandshake
      ? 'GET handshake'
      : (handshake?.unsigned || handshake?.capture) && !stages.unsignedHandshakes
        ? 'unsigned handshake'
        : scheme.signsUrl && !stages.signedUrl
          ? 'signed URL'
          : scheme.settle && !stages.settleWithCall
            ? 'settle-with-call'
            : undefined;
  if (missing) throw new Error(`Scheme type ${JSON.stringify(config.scheme.type)} needs the ${missing} stage, and this bundle does not carry it`);
  // A sender verified without a key (Apple's pinned root, Salesforce's org id) has no secret, and nothing is fetched.
  const usesSecret = scheme.keyless === undefined && (!scheme.published || scheme.published.needsCredential);
  if (usesSecret && !config.secretId) throw new Error('Environment variable WEBHOOK_SECRET_ARN is not set');
  // Never rebuilt from the request: see stages/signed-url.ts.
  if (scheme.signsUrl && !config.publicUrl) throw new Error(`Environment variable WEBHOOK_PUBLIC_URL is not set: scheme type ${JSON.stringify(config.scheme.type)} signs the URL the sender posts to`);
  const telemetry = new Telemetry(config.endpoint, config.source, deps.write);
  if (config.dedupe && !deps.dynamodb) throw new Error('A dedupe table is configured but no DynamoDB client was given');
  const base: Omit<Verifier, 'cache'> = {
    ...stages,
    config,
    deps,
    scheme,
    now,
    usesSecret,
    // Without a bucket nothing above the inline limit could be queued: refused at once rather than
    // answered 503 (retried) for ever.
    maxBodyBytes: config.bodyBucket ? config.maxBodyBytes : Math.min(config.maxBodyBytes, INLINE_BODY_BYTES),
    published: scheme.published ? deps.published!.cache(scheme.published, { fetch: deps.published!.fetch, now }) : undefined,
    dedupe: config.dedupe && deps.dynamodb ? new DedupeClaims(deps.dynamodb, config.dedupe) : undefined,
  };
  // The cache's reads refresh the handshake state the verifier carries (keys.ts), so it is built on it.
  const v: Verifier = Object.assign(base, { cache: keyCache(base) });

  return async (event) => {
    const d = receive(event, telemetry, now);
    // Request checks: the method (GET and HEAD are a sender's endpoint checks) and the size.
    const checked = checkMethod(v, d) ?? checkSize(v, d);
    if (checked) return checked;
    const keys = await activeKeys(v, d, d.size);
    if (isAnswered(keys)) return keys;
    // Unsigned handshakes come before the media type and empty-body checks: each checks what it answers.
    const handshakeAnswer = await v.unsignedHandshakes?.(v, d);
    if (handshakeAnswer) return handshakeAnswer;
    const signed = checkContent(v, d);
    if (isAnswered(signed)) return signed;
    const verified = await verify(v, d, signed, keys);
    if (isAnswered(verified)) return verified;
    // Answered without queueing (a signed handshake, a call back), or a duplicate: nothing is queued.
    const unqueued = (await settle(v, d, verified)) ?? (await claim(v, d, verified));
    if (unqueued) return unqueued;
    // The 200 only once the message is on the queue.
    const queued = await enqueue(v, d, verified);
    return isAnswered(queued) ? queued : acknowledge(v, d, verified, queued.messageId);
  };
}
