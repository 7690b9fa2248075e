// The pure parts of `npm run release -- <version>` (scripts/release.mjs): version order, the CHANGELOG
// rewrite and the plan of steps. No file, process or clock access here, so test/docs/release.test.ts
// runs them directly.
'use strict';

const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?$/;

/** A semantic version without build metadata, or undefined. */
function parseVersion(text) {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  return { major: +m[1], minor: +m[2], patch: +m[3], pre: m[4] === undefined ? [] : m[4].split('.') };
}

/** Semantic Versioning 2.0.0 precedence: negative, zero or positive as a < b, a = b, a > b. */
function compareVersions(a, b) {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  if (!x || !y) throw new Error(`not a semantic version: "${x ? b : a}"`);
  for (const k of ['major', 'minor', 'patch']) if (x[k] !== y[k]) return x[k] - y[k];
  if (!x.pre.length || !y.pre.length) return y.pre.length - x.pre.length; // a pre-release comes before its release
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const [p, q] = [x.pre[i], y.pre[i]];
    if (p === q) continue;
    const [pn, qn] = [/^\d+$/.test(p), /^\d+$/.test(q)];
    if (pn && qn) return +p - +q;
    if (pn !== qn) return pn ? -1 : 1; // numeric identifiers come first
    return p < q ? -1 : 1;
  }
  return x.pre.length - y.pre.length;
}

/** The versions the CHANGELOG has released (`## [1.2.3] - 2026-12-08`), newest first as written. */
function releasedVersions(changelog) {
  return [...changelog.matchAll(/^## \[([^\]]+)\](?: - .*)?$/gm)].map((m) => m[1]).filter((v) => v !== 'Unreleased');
}

/**
 * Why `version` cannot be released, or undefined. It must be a semantic version greater than every
 * version the CHANGELOG has released, and not below package.json's: equal to it only while that version
 * is unreleased (the first release, 0.1.0, is package.json's version already).
 */
function versionProblem(version, packageVersion, changelog) {
  if (!parseVersion(version)) return `"${version}" is not a semantic version (MAJOR.MINOR.PATCH, optionally -prerelease)`;
  const released = releasedVersions(changelog);
  const last = released.filter((v) => parseVersion(v)).sort(compareVersions).pop();
  if (last && compareVersions(version, last) <= 0) return `${version} is not greater than ${last}, the last version in CHANGELOG.md`;
  const order = compareVersions(version, packageVersion);
  if (order < 0 || (order === 0 && released.includes(packageVersion))) return `${version} is not greater than package.json's version ${packageVersion}`;
  return undefined;
}

/**
 * CHANGELOG.md with the "Unreleased" section's entries moved under `## [version] - date`, an empty
 * "Unreleased" left above it, and the link references at the foot updated (compare links on GitHub).
 * Throws when there is no "Unreleased" section, it has no entries, or the version is already there.
 */
function releaseChangelog(changelog, version, date, repoUrl) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`the date must be YYYY-MM-DD, not "${date}"`);
  if (releasedVersions(changelog).includes(version)) throw new Error(`CHANGELOG.md already has a section for ${version}`);
  const heading = /^## \[Unreleased\][^\n]*\n/m.exec(changelog);
  if (!heading) throw new Error('CHANGELOG.md has no "## [Unreleased]" section');
  const start = heading.index + heading[0].length;
  const rest = changelog.slice(start);
  const next = /^(## \[|\[[^\]]+\]: )/m.exec(rest); // the next version's heading, or the link references
  const end = next ? start + next.index : changelog.length;
  const body = changelog.slice(start, end).trim();
  if (!/^- /m.test(body)) throw new Error('CHANGELOG.md\'s "Unreleased" section has no entries: write what changed first');

  const previous = releasedVersions(changelog)[0];
  let text = `${changelog.slice(0, start)}\n## [${version}] - ${date}\n\n${body}\n\n${changelog.slice(end).replace(/^\n+/, '')}`;
  const base = repoUrl.replace(/^git\+/, '').replace(/\.git$/, '');
  const versionLink = previous ? `[${version}]: ${base}/compare/v${previous}...v${version}` : `[${version}]: ${base}/releases/tag/v${version}`;
  const unreleasedLink = `[Unreleased]: ${base}/compare/v${version}...HEAD`;
  if (/^\[Unreleased\]: .*$/m.test(text)) text = text.replace(/^\[Unreleased\]: .*$/m, `${unreleasedLink}\n${versionLink}`);
  else text = `${text.trimEnd()}\n\n${unreleasedLink}\n${versionLink}\n`;
  return text;
}

/** jsii-pacmak's targets and what each needs on the machine that builds it. */
const TARGETS = {
  js: { needs: [], install: '' },
  python: { needs: ['python3'], install: 'Python 3.9+ with venv and pip, and pip reaching an index that has setuptools, build and twine' },
  java: { needs: ['java', 'mvn'], install: 'a JDK 11+ and Maven 3.6+, and Maven reaching Maven Central' },
  dotnet: { needs: ['dotnet'], install: 'the .NET SDK 8+' },
  go: { needs: ['go'], install: 'Go 1.21+' },
};

/** The targets to build, checked: `--targets js,python` or every target. */
function parseTargets(option) {
  const targets = option ? option.split(',').map((t) => t.trim()).filter(Boolean) : Object.keys(TARGETS);
  const unknown = targets.filter((t) => !(t in TARGETS));
  if (unknown.length) throw new Error(`unknown pacmak target(s) ${unknown.join(', ')} (known: ${Object.keys(TARGETS).join(', ')})`);
  return targets;
}

/** For each target whose tools `has(tool)` denies, a line naming what to install; then the targets that can be built. */
function missingToolchains(targets, has) {
  const lines = [];
  const buildable = [];
  for (const t of targets) {
    const missing = TARGETS[t].needs.filter((tool) => !has(tool));
    if (missing.length) lines.push(`${t}: ${missing.join(' and ')} not found; install ${TARGETS[t].install}`);
    else buildable.push(t);
  }
  if (lines.length) lines.push(`or build only what this machine can: --targets ${buildable.join(',') || 'js'}`);
  return lines;
}

/**
 * The steps of a release, in order: `{ what, command? }` (a command is an argv array run in the
 * repository; a step without one is done by the script itself).
 */
function releasePlan({ version, packageVersion, date, targets }) {
  const steps = [
    { what: 'check: the git work tree is clean, the version is new, the toolchains of the chosen targets exist' },
    { what: `CHANGELOG.md: move "Unreleased" under [${version}] - ${date}` },
    version === packageVersion
      ? { what: `package.json is already ${version} (never released): version unchanged` }
      : { what: `package.json, package-lock.json: ${packageVersion} -> ${version}`, command: ['npm', 'version', version, '--no-git-tag-version'] },
    { what: 'build: bundles, jsii assembly, API.md', command: ['npm', 'run', 'build'] },
    { what: 'test: typecheck and the whole jest suite (the figures in the docs included)', command: ['npm', 'test'] },
    { what: 'pack the npm tarball into dist-packages/ (scripts off: prepack would rebuild what was just built and tested)', command: ['npm', 'pack', '--ignore-scripts', '--pack-destination', 'dist-packages'] },
    { what: `jsii-pacmak for ${targets.join(', ')} into dist-packages/ (npm scripts off: the build above is what it packs)`, command: ['npx', 'jsii-pacmak', '-o', 'dist-packages', '--targets', targets.join(',')] },
  ];
  return steps;
}

/** What the maintainer does after the script (publishing needs credentials this script never holds). */
function nextSteps(version, targets) {
  const lines = [
    `git add CHANGELOG.md package.json package-lock.json API.md && git commit -m "Release ${version}"`,
    `git tag -a v${version} -m "v${version}" && git push origin HEAD v${version}`,
    `npm publish dist-packages/cdk-hardened-webhook-${version}.tgz   # npm login (2FA), or NPM_TOKEN in CI`,
  ];
  if (targets.includes('python')) lines.push('TWINE_USERNAME=__token__ TWINE_PASSWORD=<PyPI token> npx -p publib publib-pypi dist-packages/python');
  if (targets.includes('java')) lines.push('MAVEN_SERVER_ID=central-ossrh MAVEN_USERNAME=<Central Portal token user> MAVEN_PASSWORD=<token> MAVEN_GPG_PRIVATE_KEY_FILE=private.pem MAVEN_GPG_PRIVATE_KEY_PASSPHRASE=<passphrase> npx -p publib publib-maven dist-packages/java');
  if (targets.includes('dotnet')) lines.push('NUGET_API_KEY=<NuGet key> npx -p publib publib-nuget dist-packages/dotnet');
  if (targets.includes('go')) lines.push(`GITHUB_TOKEN=<write access to cdk-hardened-webhook-go> VERSION=${version} npx -p publib publib-golang dist-packages/go`);
  lines.push(`attach dist-packages/cdk-hardened-webhook-${version}.tgz to the GitHub release v${version} (install before npm has it)`);
  return lines;
}

module.exports = { parseVersion, compareVersions, releasedVersions, versionProblem, releaseChangelog, TARGETS, parseTargets, missingToolchains, releasePlan, nextSteps };
