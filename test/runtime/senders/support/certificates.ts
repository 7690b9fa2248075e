import { DAY, TEST_NOW } from '../../../support/clock';
import { createLocalCa } from './local-ca';

/**
 * A certificate for `host` (subject CN and SAN) with its RSA private key, valid from a day before the
 * tests' clock (TEST_NOW) to `days` after it, issued by a throw-away local authority (openssl, with
 * explicit dates: never the day the suite runs).
 */
export function certificateFor(host: string, days = 1): { certificate: string; privateKey: string } {
  const ca = createLocalCa();
  try {
    return ca.issue({ cn: host, dns: [host], notBefore: new Date(TEST_NOW - DAY), notAfter: new Date(TEST_NOW + days * DAY) });
  } finally {
    ca.dispose();
  }
}
