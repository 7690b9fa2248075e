import { SenderRow } from '../sender';

/** How many Connect HMAC keys an account may hold, so how many numbered signature headers are read. */
export const DOCUSIGN_MAX_KEYS = 100;

/**
 * DocuSign Connect with HMAC: one `X-DocuSign-Signature-<n>` header per active Connect HMAC key
 * (-1, -2, ... while the account rolls its keys), each the base64 HMAC-SHA256 of the raw body (JSON,
 * or XML for legacy configurations, line endings included) under that key's secret as DocuSign shows
 * it (its UTF-8 bytes, as DocuSign's own examples key it). Any one matching is enough. No timestamp
 * or id is signed: the dedupe record is the replay control. The algorithm header
 * (`x-authorization-digest: HMACSHA256`) is not read: another algorithm would simply not verify.
 * https://developers.docusign.com/platform/webhooks/connect/validate/
 * https://developers.docusign.com/platform/webhooks/connect/hmac/
 */
export const DOCUSIGN_ROW: SenderRow = {
  docs: 'https://developers.docusign.com/platform/webhooks/connect/validate/',
  algorithm: 'sha256',
  encoding: 'base64',
  signature: { kind: 'headers', headers: Array.from({ length: DOCUSIGN_MAX_KEYS }, (_, i) => `x-docusign-signature-${i + 1}`) },
  signed: ['body'],
  maxSignatures: DOCUSIGN_MAX_KEYS,
  signatureText: `\`X-DocuSign-Signature-1\` … \`-${DOCUSIGN_MAX_KEYS}\` (one per active Connect key)`,
  contentTypes: ['application/json', 'text/xml', 'application/xml'],
  issuesKey: true,
};
