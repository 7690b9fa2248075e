import { CfnResource } from 'aws-cdk-lib';
import type { NagPack, NagPackProps } from 'cdk-nag';
import { Construct, IConstruct } from 'constructs';

/** A cdk-nag module, of either major: what `require('cdk-nag')` gives. */
export interface CdkNagModule {
  readonly NagPack: abstract new (...args: any[]) => object;
}

/** A pack class built on `N`'s NagPack: constructed and typed as that module's own packs are. */
export type NagPackClassOf<N extends CdkNagModule> = new (...args: ConstructorParameters<N['NagPack']>) => InstanceType<N['NagPack']>;

/**
 * The base of the pack: the NagPack of the installed cdk-nag, constructed with either major's
 * arguments. The types are the installed cdk-nag's: in a project on cdk-nag 2 they are cdk-nag 2's,
 * so the pack takes that major's props and is that major's NagPack (an aspect); on cdk-nag 3, a
 * validation plugin with `validateScope`.
 */
export type WebhookNagPackBase = abstract new (scopeOrProps?: IConstruct | NagPackProps, props?: NagPackProps) => NagPack;

/** Which major a cdk-nag module is: 3 has `NagPack.validateScope` (validation plugins), 2 has `NagSuppressions` (aspects). */
export function majorOf(nag: unknown): 2 | 3 {
  const module = nag as { NagPack?: unknown; NagSuppressions?: unknown } | undefined;
  if (typeof module?.NagPack !== 'function') {
    throw new Error('cdk-hardened-webhook/nag: the module given is not cdk-nag (it has no NagPack); pass require("cdk-nag"), major 2 or 3');
  }
  if (typeof (module.NagPack.prototype as Record<string, unknown> | undefined)?.validateScope === 'function') return 3;
  if (typeof module.NagSuppressions === 'function') return 2;
  throw new Error('cdk-hardened-webhook/nag: this cdk-nag is neither major 3 (NagPack.validateScope) nor major 2 (NagSuppressions); install cdk-nag 3.x or 2.x');
}

/**
 * The cdk-nag the project has installed: `cdk-nag` as resolved from the working directory (the app or
 * test run), else from wherever this package is installed (cdk-hardened-webhook/testing's nagReport
 * looks the same way).
 */
export function installedCdkNag(): CdkNagModule {
  for (const paths of [[process.cwd()], undefined]) {
    let resolved: string;
    try {
      resolved = require.resolve('cdk-nag', paths ? { paths } : undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') continue;
      throw error;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(resolved);
  }
  throw new Error('cdk-hardened-webhook/nag builds its pack on cdk-nag, which this project does not have: npm install --save-dev cdk-nag (3.x; 2.x works too)');
}

/** The NagPack of `nag` (either major) as the base of a pack that is registered the way that major's packs are. */
export function webhookNagPackOn(nag: CdkNagModule): WebhookNagPackBase {
  const major = majorOf(nag);
  const Base = nag.NagPack as unknown as new (...args: unknown[]) => { readPackName: string };
  abstract class WebhookNagPack extends Base {
    constructor(scopeOrProps?: IConstruct | NagPackProps, props?: NagPackProps) {
      const scope = Construct.isConstruct(scopeOrProps) ? scopeOrProps : undefined;
      const options = scope ? props : ((scopeOrProps as NagPackProps | undefined) ?? props);
      super(...(major === 3 ? [scope, options] : [options]));
    }

    /** cdk-nag 2 runs packs as aspects; cdk-nag 3's validation framework walks the tree itself (checkResource). */
    public visit(node: IConstruct): void {
      if (major === 3) {
        throw new Error(
          `${this.readPackName} checks build on cdk-nag 3, whose packs are validation plugins: Validations.of(app).addPlugins(new WebhookChecks(app)) (Aspects.of(app).add() is how cdk-nag 2 runs them)`,
        );
      }
      if (CfnResource.isCfnResource(node)) this.checkResource(node);
    }

    protected abstract checkResource(node: CfnResource): void;
  }
  if (major === 2) {
    // cdk-nag 2 packs are no validation plugins; say how to run them rather than fail on a missing method.
    Object.defineProperty(WebhookNagPack.prototype, 'validate', {
      value(this: WebhookNagPack): never {
        throw new Error(`${this.readPackName} checks build on cdk-nag 2, whose packs are aspects: Aspects.of(app).add(new WebhookChecks()) (Validations plugins are how cdk-nag 3 runs them)`);
      },
    });
  }
  return WebhookNagPack as unknown as WebhookNagPackBase;
}
