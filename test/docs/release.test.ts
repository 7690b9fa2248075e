import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The pure parts of `npm run release -- <version>` (scripts/release-lib.cjs): which versions may be
// released, the CHANGELOG rewrite, the toolchain check and the plan. The build, test and pack steps it
// runs are the repository's own commands, not exercised here.

interface Step { what: string; command?: string[] }
const lib = require('../../scripts/release-lib.cjs') as {
  compareVersions(a: string, b: string): number;
  versionProblem(version: string, packageVersion: string, changelog: string): string | undefined;
  releaseChangelog(changelog: string, version: string, date: string, repoUrl: string): string;
  parseTargets(option?: string): string[];
  missingToolchains(targets: string[], has: (tool: string) => boolean): string[];
  releasePlan(o: { version: string; packageVersion: string; date: string; targets: string[] }): Step[];
  nextSteps(version: string, targets: string[]): string[];
};

const repo = 'https://github.com/cdk-hardened-webhook/cdk-hardened-webhook.git';
const unreleased = [
  '# Changelog',
  '',
  'Intro.',
  '',
  '## [Unreleased]',
  '',
  '### Added',
  '',
  '- A thing.',
  '',
  '[Unreleased]: https://github.com/cdk-hardened-webhook/cdk-hardened-webhook/commits/main',
  '',
].join('\n');

describe('versions', () => {
  test('are ordered as Semantic Versioning orders them, pre-releases before their release', () => {
    const sorted = ['1.0.0', '0.10.0', '1.0.0-rc.1', '0.2.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta.2', '1.0.0-beta.11', '0.9.9']
      .sort(lib.compareVersions);
    expect(sorted).toEqual(['0.2.0', '0.9.9', '0.10.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']);
  });

  test('the first release may be package.json\'s version while it is unreleased', () => {
    expect(lib.versionProblem('0.1.0', '0.1.0', unreleased)).toBeUndefined();
  });

  test('rejects a version not above the last release or below package.json\'s, and a non-version', () => {
    const released = lib.releaseChangelog(unreleased, '0.1.0', '2026-12-08', repo);
    expect(lib.versionProblem('0.1.0', '0.1.0', released)).toBe('0.1.0 is not greater than 0.1.0, the last version in CHANGELOG.md');
    expect(lib.versionProblem('0.0.9', '0.1.0', unreleased)).toBe('0.0.9 is not greater than package.json\'s version 0.1.0');
    expect(lib.versionProblem('v0.2.0', '0.1.0', released)).toMatch(/^"v0.2.0" is not a semantic version/);
    expect(lib.versionProblem('0.2.0', '0.1.0', released)).toBeUndefined();
  });
});

describe('CHANGELOG', () => {
  test('the Unreleased entries move under the version and date, with links to the tag', () => {
    expect(lib.releaseChangelog(unreleased, '0.1.0', '2026-12-08', repo)).toBe([
      '# Changelog',
      '',
      'Intro.',
      '',
      '## [Unreleased]',
      '',
      '## [0.1.0] - 2026-12-08',
      '',
      '### Added',
      '',
      '- A thing.',
      '',
      '[Unreleased]: https://github.com/cdk-hardened-webhook/cdk-hardened-webhook/compare/v0.1.0...HEAD',
      '[0.1.0]: https://github.com/cdk-hardened-webhook/cdk-hardened-webhook/releases/tag/v0.1.0',
      '',
    ].join('\n'));
  });

  test('a second release keeps the first and links a comparison with it', () => {
    const first = lib.releaseChangelog(unreleased, '0.1.0', '2026-12-08', repo);
    const withEntry = first.replace('## [Unreleased]\n', '## [Unreleased]\n\n### Fixed\n\n- A bug.\n');
    const second = lib.releaseChangelog(withEntry, '0.2.0', '2027-01-05', repo);
    expect(second).toContain('## [Unreleased]\n\n## [0.2.0] - 2027-01-05\n\n### Fixed\n\n- A bug.\n\n## [0.1.0] - 2026-12-08\n\n### Added\n\n- A thing.\n');
    expect(second).toContain('[Unreleased]: https://github.com/cdk-hardened-webhook/cdk-hardened-webhook/compare/v0.2.0...HEAD\n'
      + '[0.2.0]: https://github.com/cdk-hardened-webhook/cdk-hardened-webhook/compare/v0.1.0...v0.2.0\n'
      + '[0.1.0]: https://github.com/cdk-hardened-webhook/cdk-hardened-webhook/releases/tag/v0.1.0');
  });

  test('rejects an empty Unreleased section, a missing one, a version already there and a bad date', () => {
    const first = lib.releaseChangelog(unreleased, '0.1.0', '2026-12-08', repo);
    expect(() => lib.releaseChangelog(first, '0.2.0', '2027-01-05', repo)).toThrow('"Unreleased" section has no entries');
    expect(() => lib.releaseChangelog('# Changelog\n', '0.1.0', '2026-12-08', repo)).toThrow('no "## [Unreleased]" section');
    expect(() => lib.releaseChangelog(first, '0.1.0', '2026-12-08', repo)).toThrow('already has a section for 0.1.0');
    expect(() => lib.releaseChangelog(unreleased, '0.1.0', '8.12.2026', repo)).toThrow('YYYY-MM-DD');
  });

  test('the repository\'s CHANGELOG.md is in the form the release rewrites', () => {
    const changelog = readFileSync(join(__dirname, '..', '..', 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    expect(changelog).toMatch(/^\[Unreleased\]: https:\/\/github\.com\//m);
  });
});

describe('targets and the plan', () => {
  test('every pacmak target by default; an unknown one is refused', () => {
    expect(lib.parseTargets()).toEqual(['js', 'python', 'java', 'dotnet', 'go']);
    expect(lib.parseTargets('js, python')).toEqual(['js', 'python']);
    expect(() => lib.parseTargets('js,rust')).toThrow('unknown pacmak target(s) rust (known: js, python, java, dotnet, go)');
  });

  test('a missing toolchain is named with what to install, and the targets this machine can build', () => {
    const has = (tool: string) => ['python3', 'java', 'mvn'].includes(tool);
    expect(lib.missingToolchains(lib.parseTargets(), has)).toEqual([
      'dotnet: dotnet not found; install the .NET SDK 8+',
      'go: go not found; install Go 1.21+',
      'or build only what this machine can: --targets js,python,java',
    ]);
    expect(lib.missingToolchains(['js', 'python'], has)).toEqual([]);
  });

  test('the plan bumps, builds, tests, packs and runs pacmak, in that order, and never publishes', () => {
    const plan = lib.releasePlan({ version: '0.2.0', packageVersion: '0.1.0', date: '2027-01-05', targets: ['js', 'python'] });
    expect(plan.filter((s) => s.command).map((s) => s.command!.join(' '))).toEqual([
      'npm version 0.2.0 --no-git-tag-version',
      'npm run build',
      'npm test',
      'npm pack --ignore-scripts --pack-destination dist-packages',
      'npx jsii-pacmak -o dist-packages --targets js,python',
    ]);
    expect(plan.map((s) => s.what).join('\n')).not.toMatch(/publish/);
    const first = lib.releasePlan({ version: '0.1.0', packageVersion: '0.1.0', date: '2026-12-08', targets: ['js'] });
    expect(first.some((s) => s.command?.[1] === 'version')).toBe(false);
    expect(lib.nextSteps('0.2.0', ['js', 'python'])).toEqual(expect.arrayContaining([
      'npm publish dist-packages/cdk-hardened-webhook-0.2.0.tgz   # npm login (2FA), or NPM_TOKEN in CI',
      'TWINE_USERNAME=__token__ TWINE_PASSWORD=<PyPI token> npx -p publib publib-pypi dist-packages/python',
    ]));
  });

  test('--dry-run prints the plan and changes nothing', () => {
    const root = join(__dirname, '..', '..');
    const before = ['CHANGELOG.md', 'package.json'].map((f) => readFileSync(join(root, f), 'utf8'));
    const next = JSON.parse(before[1]).version.replace(/^(\d+)\.(\d+)\..*$/, (_: string, major: string, minor: string) => `${major}.${+minor + 1}.0`);
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'release.mjs'), next, '--dry-run', '--date', '2026-12-08', '--targets', 'js'], { encoding: 'utf8' });
    expect(run.stdout).toContain(`release ${next} (dry run: nothing changes)`);
    expect(run.stdout).toContain(`CHANGELOG.md: move "Unreleased" under [${next}] - 2026-12-08`);
    expect(run.stdout).toContain('$ npx jsii-pacmak -o dist-packages --targets js');
    // Whether the checks pass depends on the work tree (dirty in development) and the CHANGELOG; either way it says so.
    if (run.status === 0) expect(run.stdout).toContain('checks: passed');
    else expect(run.stderr).toContain('release would refuse:');
    expect(['CHANGELOG.md', 'package.json'].map((f) => readFileSync(join(root, f), 'utf8'))).toEqual(before);
  });
});
