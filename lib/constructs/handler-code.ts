import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The pre-bundled code of one of the library's handlers (built by `npm run bundle` into assets/):
 * `rotation`, or `verifier-<family>` (one verifier bundle per family of senders).
 * Found by walking up from this file, so it works from lib/ (tests) and dist/lib/ (published).
 */
export function handlerCode(name: string): lambda.Code {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'assets', name);
    if (existsSync(join(candidate, 'index.js'))) return lambda.Code.fromAsset(candidate);
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`The bundled ${name} handler is missing (assets/${name}/index.js); run "npm run build" in cdk-hardened-webhook`);
    }
    dir = parent;
  }
}
