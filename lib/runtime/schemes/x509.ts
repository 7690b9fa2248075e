import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { KeyFetcher, PublishedKey } from '../published-keys';
import { WebhookConfigurationError } from '../types';

/*
 * What the senders that sign with a certificate published at a pinned URL share (SNS, PayPal). The
 * caller has already checked the URL against the sender's pinned host; the host's TLS certificate
 * (checked by Node's fetch against its CA store) vouches for the file served there.
 */

/**
 * Fetches the PEM certificate at `url` and returns its RSA public key, valid until its notAfter:
 * only when it is valid at `nowMs` and issued to one of `hosts`. Throws on anything else.
 */
export async function fetchSigningCertificate(url: string, fetch: KeyFetcher, nowMs: number, hosts: readonly string[], sender: string): Promise<ReadonlyMap<string, PublishedKey>> {
  const response = await fetch({ url });
  if (response.status !== 200) throw new Error(`the certificate URL answered ${response.status}`);
  // A served chain starts with the signer's certificate: that is the one parsed.
  const certificate = new X509Certificate(response.body);
  const notBefore = Date.parse(certificate.validFrom);
  const notAfter = Date.parse(certificate.validTo);
  if (!(notBefore <= nowMs && nowMs < notAfter)) throw new Error(`the ${sender} signing certificate is not valid now`);
  if (!hosts.some((host) => certificate.checkHost(host))) throw new Error(`the certificate is not issued to ${sender} (${hosts.join(' or ')})`);
  if (certificate.publicKey.asymmetricKeyType !== 'rsa') throw new Error(`the ${sender} certificate does not hold an RSA key`);
  return new Map([[url, { key: certificate.publicKey, notAfterMs: notAfter }]]);
}

/**
 * The secret a certificate sender's `sign` takes (tests and the CLI): JSON
 * `{"privateKey": "<PKCS#8 PEM>", "certUrl": "<where the certificate is served>"}`, the URL checked by `pinned`.
 */
export function certificateSigningSecret(secret: string, sender: string, pinned: (url: string) => boolean, urlHint: string): { privateKey: KeyObject; certUrl: string } {
  let parsed: { privateKey?: unknown; certUrl?: unknown };
  try {
    parsed = JSON.parse(secret) as typeof parsed;
  } catch {
    throw new WebhookConfigurationError(`to sign as ${sender}, give {"privateKey": "<PKCS#8 PEM>", "certUrl": "${urlHint}"}`);
  }
  if (typeof parsed.certUrl !== 'string' || !pinned(parsed.certUrl)) throw new WebhookConfigurationError(`certUrl must be ${urlHint}`);
  try {
    return { privateKey: createPrivateKey(String(parsed.privateKey)), certUrl: parsed.certUrl };
  } catch {
    throw new WebhookConfigurationError('privateKey must be an RSA private key in PEM');
  }
}
