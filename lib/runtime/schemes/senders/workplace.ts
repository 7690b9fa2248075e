import { createHmac } from 'node:crypto';
import { Handshake, ImmediateAnswer } from '../scheme';
import { CHALLENGE, smallJson } from '../handshakes';
import { SenderEntry } from '../sender';
import { DEFAULT_TOLERANCE_SECONDS } from '../tolerance';

// Workplace, support and CRM: rows of the sender catalogue (see ../catalogue.ts for how a row is read and tested).
/**
 * Zoom: a signed `endpoint.url_validation` event; the answer is the `plainToken` and its HMAC-SHA256
 * (hex) under the secret token.
 * https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint
 */
export const ZOOM_URL_VALIDATION: Handshake = {
  description: 'signed `endpoint.url_validation` POST → `{plainToken, encryptedToken}` (HMAC-SHA256 hex of plainToken)',
  post(body, _headers, key): ImmediateAnswer | undefined {
    const event = smallJson(body, 'endpoint.url_validation');
    if (event?.event !== 'endpoint.url_validation') return undefined;
    const plainToken = (event.payload as { plainToken?: unknown } | undefined)?.plainToken;
    if (typeof plainToken !== 'string' || !CHALLENGE.test(plainToken)) return undefined;
    return { body: JSON.stringify({ plainToken, encryptedToken: createHmac('sha256', key).update(plainToken).digest('hex') }) };
  },
};

export const WORKPLACE = {
  /** https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events */
  zoom: {
    docs: 'https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-zm-signature', prefix: 'v0=' },
    signed: [{ literal: 'v0:' }, 'timestamp', { literal: ':' }, 'body'],
    timestamp: { header: 'x-zm-request-timestamp', format: 'unix', toleranceSeconds: DEFAULT_TOLERANCE_SECONDS },
    contentTypes: ['application/json'],
    issuesKey: true,
    handshake: ZOOM_URL_VALIDATION,
  },
} satisfies Record<string, SenderEntry>;
