import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';

// semver ships without types here (it comes with aws-cdk-lib and jest): only `satisfies` is used.
const { satisfies } = require('semver') as { satisfies(version: string, range: string): boolean };

// PayPal's scheme signs a CRC32 of the body, read with node:zlib's crc32: added in Node 20.15.0 and
// 22.2.0, never in 21. `engines` must admit no Node without it (npm warns on install, and PayPal
// sources would refuse to start).
const read = (file: string) => JSON.parse(readFileSync(join(__dirname, '..', file), 'utf8'));
const range: string = read('package.json').engines.node;

test.each(['20.14.0', '20.0.0', '21.7.3', '22.0.0', '22.1.0'])('engines refuses Node %s (no zlib.crc32)', (version) => {
  expect(satisfies(version, range)).toBe(false);
});

test.each(['20.15.0', '20.19.5', '22.2.0', '22.12.0', '24.0.0', '26.1.0'])('engines admits Node %s (zlib.crc32)', (version) => {
  expect(satisfies(version, range)).toBe(true);
});

test('the lockfile says the same, and the Node running the tests is admitted and has zlib.crc32', () => {
  expect(read('package-lock.json').packages[''].engines.node).toBe(range);
  expect(satisfies(process.versions.node, range)).toBe(true);
  expect(typeof (zlib as { crc32?: unknown }).crc32).toBe('function');
});
