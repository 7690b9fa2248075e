import type { SchemeConfig } from '../../runtime/scheme-config';
import { schemeFor } from '../../runtime/verify';
import { publishedKeys } from './published';
import { createFamilyVerifierHandler, VerifierConfig, VerifierDeps, VerifierHandler } from './verifier';

/**
 * The verifier's handler with every sender of the catalogue: for tests and the CLI's `serve`, which
 * are not bound by a Lambda bundle's size. A deployed function runs its family's bundle (./entry.ts).
 */
export function createVerifierHandler(config: VerifierConfig, deps: VerifierDeps): VerifierHandler {
  return createFamilyVerifierHandler((scheme) => schemeFor(scheme as SchemeConfig), config, { published: publishedKeys(), ...deps });
}
