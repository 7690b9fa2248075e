import { RejectionReason } from '../../types';
import { Handshake, ImmediateAnswer } from '../scheme';
import { CHALLENGE, single } from '../handshakes';
import { SenderEntry } from '../sender';

// Developer tools and platforms: rows of the sender catalogue (see ../catalogue.ts for how a row is read and tested).
/**
 * Dropbox: `GET ?challenge=<value>` answered by echoing it as text/plain (Dropbox signs nothing on
 * this GET; echoing proves only that the URL is ours, which is all Dropbox asks).
 * https://www.dropbox.com/developers/reference/webhooks#documentation
 */
export const DROPBOX_CHALLENGE: Handshake = {
  description: 'GET `?challenge=` → the challenge echoed, text/plain (Dropbox signs nothing on it)',
  get({ query }): ImmediateAnswer | RejectionReason {
    const challenge = single(query, 'challenge');
    if (challenge === undefined || !CHALLENGE.test(challenge)) return 'malformed_header';
    return { body: challenge, contentType: 'text/plain' };
  },
};

export const DEVELOPER = {
  /** https://www.dropbox.com/developers/reference/webhooks#documentation */
  dropbox: {
    docs: 'https://www.dropbox.com/developers/reference/webhooks#documentation',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-dropbox-signature' },
    signed: ['body'],
    // The app secret: 15 characters.
    minKeyLength: 15,
    contentTypes: ['application/json'],
    issuesKey: true,
    handshake: DROPBOX_CHALLENGE,
  },
  /**
   * GitLab: a shared token in `X-Gitlab-Token`, compared in constant time. A token is weaker than a
   * signature: it does not bind the body, and anyone who sees one delivery can send anything.
   * https://docs.gitlab.com/user/project/integrations/webhooks/#custom-headers
   */
  gitlab: {
    docs: 'https://docs.gitlab.com/user/project/integrations/webhooks/#validate-payloads-by-using-a-secret-token',
    algorithm: 'token',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-gitlab-token' },
    signed: [],
    metadata: [
      { header: 'x-gitlab-event', name: 'eventType' },
      { header: 'x-gitlab-event-uuid', name: 'eventId' },
      { header: 'x-gitlab-webhook-uuid', name: 'webhookId' },
      { header: 'idempotency-key', name: 'idempotencyKey' },
    ],
    contentTypes: ['application/json'],
    issuesKey: false,
  },
} satisfies Record<string, SenderEntry>;
