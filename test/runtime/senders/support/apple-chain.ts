import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { DAY, TEST_NOW } from '../../../support/clock';
import { CA_CONFIG, generalizedTime } from './local-ca';

/*
 * A local stand-in for Apple's App Store signing chain, made with the openssl CLI (as local-ca.ts,
 * every date explicit and relative to TEST_NOW): a root (EC P-384, as Apple Root CA - G3), an
 * intermediate CA carrying Apple's WWDR OID 1.2.840.113635.100.6.2.1 and leaves (EC P-256)
 * carrying the receipt-signing OID 1.2.840.113635.100.6.11.1, each extension valued as Apple's
 * (`04 02 05 00`: an OCTET STRING holding NULL), each OID left out or a validity changed on request.
 */

export interface AppleLeafOptions {
  /** Carry the leaf OID. @default true */
  readonly oid?: boolean;
  /** @default a day before TEST_NOW */
  readonly notBefore?: Date;
  /** @default 30 days after TEST_NOW */
  readonly notAfter?: Date;
  /** @default 'ec' (P-256) */
  readonly key?: 'ec' | 'rsa';
}

export interface AppleLeaf {
  readonly certificate: string;
  readonly privateKey: string;
}

export interface AppleCaOptions {
  /** Carry the intermediate OID. @default true */
  readonly intermediateOid?: boolean;
  /** The intermediate is a CA. @default true */
  readonly intermediateCa?: boolean;
  /** @default 10 years after TEST_NOW */
  readonly intermediateNotAfter?: Date;
}

export interface AppleCa {
  /** The root, PEM: the trust anchor a test gives the scheme. */
  readonly root: string;
  readonly intermediate: string;
  issue(options?: AppleLeafOptions): AppleLeaf;
  /** The secret the scheme's `signDelivery` takes, for `leaf` under this chain (or the `x5c` given). */
  secret(leaf: AppleLeaf, x5c?: readonly string[]): string;
  dispose(): void;
}

/** A PEM certificate as an `x5c` entry: base64 DER. */
export function x5cOf(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

export function createAppleCa(options: AppleCaOptions = {}): AppleCa {
  const dir = mkdtempSync(join(tmpdir(), 'apple-ca-'));
  const at = (sub: string) => {
    const path = join(dir, sub);
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'ca.cnf'), CA_CONFIG);
    writeFileSync(join(path, 'index.txt'), '');
    writeFileSync(join(path, 'serial'), '01\n');
    return (args: string[]) => execFileSync('openssl', args, { cwd: path, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const rootSsl = at('root');
  const interSsl = at('intermediate');
  const file = (sub: string, name: string) => join(dir, sub, name);
  const sign = (ssl: (args: string[]) => void, ca: 'self' | [string, string], csr: string, out: string, ext: string, from: Date, to: Date) =>
    ssl([
      'ca', '-batch', ...(ca === 'self' ? ['-selfsign', '-keyfile', 'ca.key'] : ['-cert', ca[0], '-keyfile', ca[1]]), '-config', 'ca.cnf', '-in', csr, '-out', out, '-notext',
      '-startdate', generalizedTime(from), '-enddate', generalizedTime(to), '-extfile', ext,
    ]);

  writeFileSync(file('root', 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
  rootSsl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'ca.key', '-out', 'ca.csr', '-subj', '/CN=Local Apple Root CA - G3/O=Local Test']);
  sign(rootSsl, 'self', 'ca.csr', 'ca.pem', 'ca.ext', new Date(TEST_NOW - 365 * DAY), new Date(TEST_NOW + 3650 * DAY));

  const interExt = ['keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'];
  interExt.unshift(options.intermediateCa === false ? 'basicConstraints=critical,CA:FALSE' : 'basicConstraints=critical,CA:TRUE,pathlen:0');
  if (options.intermediateOid !== false) interExt.push('1.2.840.113635.100.6.2.1=ASN1:NULL');
  writeFileSync(file('intermediate', 'ca.ext'), `${interExt.join('\n')}\n`);
  interSsl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'ca.key', '-out', 'ca.csr', '-subj', '/CN=Local Worldwide Developer Relations CA/O=Local Test']);
  sign(rootSsl, [file('root', 'ca.pem'), file('root', 'ca.key')], file('intermediate', 'ca.csr'), file('intermediate', 'ca.pem'), file('intermediate', 'ca.ext'), new Date(TEST_NOW - 300 * DAY), options.intermediateNotAfter ?? new Date(TEST_NOW + 3000 * DAY));

  const root = readFileSync(file('root', 'ca.pem'), 'utf8');
  const intermediate = readFileSync(file('intermediate', 'ca.pem'), 'utf8');
  let count = 0;
  return {
    root,
    intermediate,
    issue(leaf = {}) {
      const n = ++count;
      const newKey = leaf.key === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
      interSsl(['req', ...newKey, '-nodes', '-keyout', `leaf${n}.key`, '-out', `leaf${n}.csr`, '-subj', '/CN=Local App Store Receipt Signing/O=Local Test']);
      const ext = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'authorityKeyIdentifier=keyid'];
      if (leaf.oid !== false) ext.push('1.2.840.113635.100.6.11.1=ASN1:NULL');
      writeFileSync(file('intermediate', `leaf${n}.ext`), `${ext.join('\n')}\n`);
      sign(interSsl, ['ca.pem', 'ca.key'], `leaf${n}.csr`, `leaf${n}.pem`, `leaf${n}.ext`, leaf.notBefore ?? new Date(TEST_NOW - DAY), leaf.notAfter ?? new Date(TEST_NOW + 30 * DAY));
      return { certificate: readFileSync(file('intermediate', `leaf${n}.pem`), 'utf8'), privateKey: readFileSync(file('intermediate', `leaf${n}.key`), 'utf8') };
    },
    secret(leaf, x5c) {
      return JSON.stringify({ privateKey: leaf.privateKey, x5c: x5c ?? [x5cOf(leaf.certificate), x5cOf(intermediate), x5cOf(root)] });
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
