import type { SchemeFactory } from '../../runtime/schemes/factory';
import type { VerifierConfig } from './config';
import { verifierPipeline, VerifierHandler } from './pipeline';
import type { VerifierDeps } from './stages/context';
import { answerGet, answerUnsigned } from './stages/handshakes';
import { settleWithCall } from './stages/settle-with-call';
import { signedUrl } from './stages/signed-url';

export { configFromEnv, VerifierConfig } from './config';
export { VerifierHandler } from './pipeline';
export { errorFields, VerifierDeps } from './stages/context';
export { addMetadata, sqsBody } from './stages/enqueue';

/**
 * The verifier's handler for one source, with every optional stage: `schemes` builds its scheme, from
 * one family (a test's) or every sender (`createVerifierHandler` in ./any-sender.ts, for tests and the
 * CLI). A deployed function runs its family's bundle (./entry.ts), which carries only the stages its
 * senders need.
 */
export function createFamilyVerifierHandler(schemes: SchemeFactory, config: VerifierConfig, deps: VerifierDeps): VerifierHandler {
  return verifierPipeline(schemes, config, deps, { getHandshake: answerGet, unsignedHandshakes: answerUnsigned, signedUrl, settleWithCall });
}
