import { CfnResource, Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { LibraryOwnership } from './ownership';

/** The five packs, by the names their classes carry in both majors (`<name>Checks`). */
export const NAG_PACKS = ['AwsSolutions', 'Serverless', 'NIST80053R5', 'PCIDSS321', 'HIPAASecurity'] as const;
export type NagPackName = (typeof NAG_PACKS)[number];

export interface NagReportOptions {
  /**
   * The cdk-nag module to run, major 2 or 3 (told apart by its API: cdk-nag 3's packs are validation
   * plugins with `validateScope`, cdk-nag 2's are aspects with `visit`), e.g. `require('cdk-nag')`, or
   * an npm alias such as `require('cdk-nag-2')` where both majors are installed.
   * @default - `cdk-nag` as resolved from the working directory, else from this package
   */
  readonly cdkNag?: object;
  /** @default - all five: AwsSolutions, Serverless, NIST80053R5, PCIDSS321, HIPAASecurity */
  readonly packs?: NagPackName[];
  /** Messages with each rule's explanation, not only what it found. @default false */
  readonly verbose?: boolean;
}

export interface NagReportFinding {
  /** The pack, by its class name without `Checks`, e.g. `AwsSolutions`. */
  readonly pack: NagPackName;
  /** The id to acknowledge, with its detail when the rule gives one: `AwsSolutions-IAM5[Resource::*]`. */
  readonly ruleId: string;
  /** cdk-nag 3 reports its few info-level rules as warnings. */
  readonly level: 'error' | 'warning' | 'info';
  /** The construct path of the CfnResource, e.g. `MyStack/Orders/Resource`. */
  readonly path: string;
  /** What the rule found; a rule that threw says so ("Rule threw an error during validation ..."). */
  readonly message: string;
}

export interface NagReport {
  /** The cdk-nag major that ran. */
  readonly major: 2 | 3;
  /** Findings on resources you created: yours to fix or acknowledge. */
  readonly yours: NagReportFinding[];
  /** Findings on resources this library created; it acknowledges its own, so any here is worth an issue. */
  readonly library: NagReportFinding[];
}

/**
 * Runs cdk-nag's five packs over `scope` (an app, a stage or a stack) and returns the findings not
 * acknowledged (cdk-nag 3) or suppressed (cdk-nag 2), split into yours and the library's. A resource is
 * the library's when it was built by one of its constructs (an endpoint and everything under it,
 * nested stacks included), or is the event source mapping an endpoint adds under your `processor`.
 *
 * The app is synthesized first, as `Template.fromStack` does, so every aspect has run (the library
 * writes cdk-nag 2's suppressions in one); nothing is added to the app: no aspect, no plugin, no
 * annotation. Needs no test runner.
 */
export function nagReport(scope: IConstruct, options: NagReportOptions = {}): NagReport {
  const cdkNag = (options.cdkNag ?? loadCdkNag()) as Record<string, any>;
  const major = majorOf(cdkNag);
  const root = scope.node.root;
  if (Stage.isStage(root)) root.synth({ force: true });

  const packs = options.packs ?? [...NAG_PACKS];
  const unknown = packs.filter((p) => !NAG_PACKS.includes(p));
  if (unknown.length > 0) throw new Error(`nagReport: unknown pack ${unknown.map((p) => `"${p}"`).join(', ')}; use one of ${NAG_PACKS.join(', ')}`);
  const findings = major === 3 ? runMajor3(cdkNag, scope, packs, options.verbose ?? false) : runMajor2(cdkNag, scope, packs, options.verbose ?? false);

  const ownership = new LibraryOwnership(root);
  const byPath = new Map(root.node.findAll().map((c) => [c.node.path, c]));
  const isLibrary = (f: NagReportFinding) => {
    const construct = byPath.get(f.path);
    return construct !== undefined && ownership.isLibrary(construct);
  };
  const sorted = findings.sort((a, b) => a.path.localeCompare(b.path) || a.ruleId.localeCompare(b.ruleId) || a.pack.localeCompare(b.pack));
  return { major, yours: sorted.filter((f) => !isLibrary(f)), library: sorted.filter(isLibrary) };
}

/** cdk-nag 3: each pack's `validateScope`, which reads `Validations` acknowledgements. */
function runMajor3(cdkNag: Record<string, any>, scope: IConstruct, packs: NagPackName[], verbose: boolean): NagReportFinding[] {
  const findings: NagReportFinding[] = [];
  for (const pack of packs) {
    const report = new (packClass(cdkNag, pack))(undefined, { verbose }).validateScope(scope);
    for (const violation of report.violations ?? []) {
      for (const resource of violation.violatingResources ?? []) {
        findings.push({
          pack,
          ruleId: violation.ruleName,
          level: violation.severity === 'error' ? 'error' : 'warning',
          path: resource.constructPath,
          message: violation.description,
        });
      }
    }
  }
  return findings;
}

/**
 * cdk-nag 2: each pack's aspect visit, run here on every construct after the synth (so after every
 * other aspect), with a logger of our own as its only one: no annotations or report files.
 */
function runMajor2(cdkNag: Record<string, any>, scope: IConstruct, packs: NagPackName[], verbose: boolean): NagReportFinding[] {
  const findings: NagReportFinding[] = [];
  const LEVELS: Record<string, NagReportFinding['level']> = { Error: 'error', Warning: 'warning', Info: 'info' };
  let checked = 0;
  for (const pack of packs) {
    const message = (data: any) => (verbose ? `${data.ruleInfo} ${data.ruleExplanation}` : data.ruleInfo);
    const push = (data: any, ruleId: string, text: string) =>
      findings.push({ pack, ruleId, level: LEVELS[data.ruleLevel] ?? 'warning', path: (data.resource as CfnResource).node.path, message: text });
    const logger = {
      onCompliance: () => checked++,
      onNotApplicable: () => checked++,
      onSuppressed: () => checked++,
      onSuppressedError: () => checked++,
      onNonCompliance: (data: any) => {
        checked++;
        push(data, data.findingId ? `${data.ruleId}[${data.findingId}]` : data.ruleId, message(data));
      },
      onError: (data: any) => {
        checked++;
        push(data, data.ruleId, `Rule threw an error during validation: ${data.errorMessage}`);
      },
    };
    const instance = new (packClass(cdkNag, pack))({ verbose, reports: false, additionalLoggers: [logger] });
    // Its default AnnotationLogger would leave the findings as error annotations in the app, failing a
    // later `cdk synth` or Annotations assertion of the caller's.
    if (Array.isArray(instance.loggers)) instance.loggers = [logger];
    for (const construct of scope.node.findAll()) instance.visit(construct);
  }
  const resources = scope.node.findAll().filter((c) => CfnResource.isCfnResource(c)).length;
  if (resources > 0 && checked === 0) {
    throw new Error(
      'nagReport: cdk-nag 2 checked none of the resources: it loaded another copy of aws-cdk-lib than your app (its packs test `instanceof CfnResource`). Install cdk-nag beside your aws-cdk-lib (npm ls aws-cdk-lib), or pass { cdkNag: require("cdk-nag") } from your project',
    );
  }
  return findings;
}

function packClass(cdkNag: Record<string, any>, pack: NagPackName): any {
  const cls = cdkNag[`${pack}Checks`];
  if (typeof cls !== 'function') throw new Error(`nagReport: this cdk-nag has no ${pack}Checks pack`);
  return cls;
}

function majorOf(cdkNag: Record<string, any>): 2 | 3 {
  const proto = cdkNag?.AwsSolutionsChecks?.prototype;
  if (typeof proto?.validateScope === 'function') return 3;
  if (typeof proto?.visit === 'function') return 2;
  throw new Error('nagReport: cdkNag is neither cdk-nag 3 (packs with validateScope) nor cdk-nag 2 (packs with visit); pass require("cdk-nag")');
}

/** `cdk-nag` from the project being tested (the working directory), else from wherever this package is installed. */
function loadCdkNag(): object {
  for (const paths of [[process.cwd()], undefined]) {
    try {
      return require(require.resolve('cdk-nag', paths ? { paths } : undefined));
    } catch (error) {
      if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  throw new Error('nagReport needs cdk-nag, major 2 or 3: npm install --save-dev cdk-nag (or pass { cdkNag: require("<its name>") })');
}
