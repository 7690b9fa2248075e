import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY, TEST_NOW } from '../../../support/clock';

/*
 * A certificate authority of the tests' own, made with the openssl CLI (OpenSSL 3.0): leaf
 * certificates as a sender's would be (subject CN, DNS names, digitalSignature), each with the
 * validity a test asks for, expired or not yet valid included. Every date is explicit and relative
 * to the tests' clock (test/support/clock.ts), the authority's own included: `openssl ca` takes
 * start and end dates, while `openssl req -x509` and `openssl x509 -req` in 3.0 take only a number
 * of days from the system clock, which would tie the fixtures to the day the suite runs.
 */

export interface LeafOptions {
  /** Subject common name; none when undefined. */
  readonly cn?: string;
  /** subjectAltName DNS names. @default none */
  readonly dns?: readonly string[];
  /** @default a day before TEST_NOW */
  readonly notBefore?: Date;
  /** @default 30 days after TEST_NOW */
  readonly notAfter?: Date;
  /** @default 'rsa' (2048 bits) */
  readonly key?: 'rsa' | 'ec';
}

export interface Leaf {
  /** The certificate, PEM. */
  readonly certificate: string;
  /** Its private key, PKCS#8 PEM. */
  readonly privateKey: string;
}

export interface LocalCa {
  /** The authority's own certificate, PEM, valid from a year before TEST_NOW to ten years after. */
  readonly certificate: string;
  issue(options: LeafOptions): Leaf;
  /** Removes the authority's files. */
  dispose(): void;
}

/** An `openssl ca` configuration for a throw-away authority in its own folder (shared with ./apple-chain.ts). */
export const CA_CONFIG = `[ ca ]
default_ca = local
[ local ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = optional
organizationName = optional
`;

/** ASN.1 GeneralizedTime, as `openssl ca -startdate/-enddate` take it. */
export function generalizedTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, '')}Z`;
}

export function createLocalCa(): LocalCa {
  const dir = mkdtempSync(join(tmpdir(), 'local-ca-'));
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(file('ca.cnf'), CA_CONFIG);
  writeFileSync(file('index.txt'), '');
  writeFileSync(file('serial'), '01\n');
  writeFileSync(file('ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.csr', '-subj', '/CN=Local Test CA']);
  openssl([
    'ca', '-batch', '-selfsign', '-config', 'ca.cnf', '-keyfile', 'ca.key', '-in', 'ca.csr', '-out', 'ca.pem', '-notext',
    '-startdate', generalizedTime(new Date(TEST_NOW - 365 * DAY)), '-enddate', generalizedTime(new Date(TEST_NOW + 3650 * DAY)), '-extfile', 'ca.ext',
  ]);
  let count = 0;
  return {
    certificate: readFileSync(file('ca.pem'), 'utf8'),
    issue(options) {
      const n = ++count;
      const newKey = options.key === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
      openssl(['req', ...newKey, '-nodes', '-keyout', `leaf${n}.key`, '-out', `leaf${n}.csr`, '-subj', options.cn === undefined ? '/' : `/CN=${options.cn}`]);
      const extensions = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature'];
      if (options.dns?.length) extensions.push(`subjectAltName=${options.dns.map((name) => `DNS:${name}`).join(',')}`);
      writeFileSync(file(`leaf${n}.ext`), `${extensions.join('\n')}\n`);
      const notBefore = options.notBefore ?? new Date(TEST_NOW - DAY);
      const notAfter = options.notAfter ?? new Date(TEST_NOW + 30 * DAY);
      openssl([
        'ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `leaf${n}.csr`, '-out', `leaf${n}.pem`, '-notext',
        '-startdate', generalizedTime(notBefore), '-enddate', generalizedTime(notAfter), '-extfile', `leaf${n}.ext`,
      ]);
      return { certificate: readFileSync(file(`leaf${n}.pem`), 'utf8'), privateKey: readFileSync(file(`leaf${n}.key`), 'utf8') };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
