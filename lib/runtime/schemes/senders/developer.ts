import { RejectionReason } from '../../types';
import { Handshake, ImmediateAnswer } from '../scheme';
import { CHALLENGE, single } from '../handshakes';
import { SenderEntry, SenderRow } from '../sender';
import { LinearScheme } from './linear';

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

/**
 * Jira and Confluence webhooks registered with a secret (admin webhooks, REST-registered webhooks):
 * `X-Hub-Signature: sha256=<hex>` (WebSub's `method=signature`; sha256 is the only method), HMAC over
 * the raw body under the secret as typed or generated in Jira. `X-Atlassian-Webhook-Identifier` is
 * the same across retries (unsigned: forwarded, never the dedupe key); the event type is in the body
 * (`webhookEvent`). Webhooks registered by Connect or OAuth apps carry no secret and are not signed.
 * https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
 */
const ATLASSIAN: SenderRow = {
  docs: 'https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks',
  // Atlassian's outgoing ranges (Jira and Confluence webhooks among them).
  ipRanges: 'https://ip-ranges.atlassian.com/',
  algorithm: 'sha256',
  encoding: 'hex',
  signature: { kind: 'header', header: 'x-hub-signature', prefix: 'sha256=' },
  signed: ['body'],
  metadata: [
    { header: 'x-atlassian-webhook-identifier', name: 'eventId' },
    { header: 'x-atlassian-webhook-retry', name: 'attempt' },
    { header: 'x-atlassian-webhook-flow', name: 'flow' },
  ],
  contentTypes: ['application/json'],
  issuesKey: false,
};

export const DEVELOPER = {
  /**
   * Airtable: `X-Airtable-Content-MAC: hmac-sha256=<hex>`, HMAC-SHA256 over the raw body under the
   * base64 decode of the webhook's `macSecretBase64` (the value the create-webhook call returns, given
   * as-is). A notification is a thin ping (`{base, webhook, timestamp}`); its `timestamp` sits inside
   * the body and Airtable documents no window for it (it retries failed notifications), so the dedupe
   * record is the replay control. No handshake.
   * https://airtable.com/developers/web/api/webhooks-overview#webhook-notification-delivery
   */
  airtable: {
    docs: 'https://airtable.com/developers/web/api/webhooks-overview#webhook-notification-delivery',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-airtable-content-mac', prefix: 'hmac-sha256=' },
    signed: ['body'],
    key: 'base64',
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /**
   * Jira and Confluence webhooks registered with a secret: see ATLASSIAN.
   * https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
   */
  atlassian: ATLASSIAN,
  /**
   * Jira admin webhooks (and REST-registered ones) with a secret, under the name users look for:
   * `X-Hub-Signature: sha256=<hex>` (no `-256` in the header's name, unlike GitHub's), HMAC-SHA256 over
   * the raw body under the webhook's secret; the same row as `atlassian`. Jira apps' dynamic webhooks
   * (Connect, OAuth 2.0) carry a JWT instead and are not this.
   * https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
   */
  jira: ATLASSIAN,
  /**
   * Bitbucket (Cloud, and Data Center with the same header): `X-Hub-Signature: sha256=<hex>`, HMAC
   * over the raw body under the webhook's secret. Cloud sends `X-Event-Key`, `X-Request-UUID`,
   * `X-Hook-UUID` and `X-Attempt-Number`; Data Center `X-Event-Key` and `X-Request-Id`. None is signed.
   * https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks
   * https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#HTTP-headers
   */
  bitbucket: {
    docs: 'https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/',
    ipRanges: 'https://ip-ranges.atlassian.com/',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-hub-signature', prefix: 'sha256=' },
    signed: ['body'],
    metadata: [
      { header: 'x-event-key', name: 'eventType' },
      { header: 'x-request-uuid', name: 'eventId' },
      { header: 'x-hook-uuid', name: 'hookId' },
      { header: 'x-attempt-number', name: 'attempt' },
      { header: 'x-request-id', name: 'requestId' },
    ],
    contentTypes: ['application/json'],
    issuesKey: false,
  },
  /**
   * CircleCI outbound webhooks: `circleci-signature: v1=<hex>[,<version>=<sig>...]`, a comma-separated
   * list of versioned signatures of which `v1` (the only one today) is HMAC-SHA256 over the raw body
   * under the webhook's secret token; other versions are ignored. `circleci-event-type` is unsigned;
   * the body's `id` names the event (CircleCI advises deduplicating on it).
   * https://circleci.com/docs/webhooks/#validate-webhooks
   */
  circleci: {
    docs: 'https://circleci.com/docs/webhooks/#validate-webhooks',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'list', header: 'circleci-signature', separator: ',', assign: '=', signatureKey: 'v1' },
    signed: ['body'],
    metadata: [{ header: 'circleci-event-type', name: 'eventType' }],
    contentTypes: ['application/json'],
    issuesKey: false,
  },
  /**
   * Dropbox: `X-Dropbox-Signature: <hex>`, HMAC-SHA256 over the raw body under the app secret. No
   * timestamp, id or metadata header; the body only lists accounts with changes. The GET challenge is
   * answered by DROPBOX_CHALLENGE (Dropbox also asks for `X-Content-Type-Options: nosniff` on that
   * answer, which an ImmediateAnswer cannot carry yet).
   * https://www.dropbox.com/developers/reference/webhooks#documentation
   */
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
   * signature: it binds neither the body nor a time, so whoever sees one delivery (a proxy, a log) can
   * send anything, for ever. Prefer a sender that signs. (GitLab's newer signing token, where enabled,
   * signs Standard Webhooks style: that is the type `gitlab-signed`.)
   * https://docs.gitlab.com/user/project/integrations/webhooks/#validate-payloads-by-using-a-secret-token
   */
  gitlab: {
    docs: 'https://docs.gitlab.com/user/project/integrations/webhooks/#validate-payloads-by-using-a-secret-token',
    // GitLab.com's (a self-managed GitLab sends from its own hosts).
    ipRanges: 'https://docs.gitlab.com/user/gitlab_com/#ip-range',
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
  /**
   * LaunchDarkly: `X-LD-Signature: <hex>`, HMAC-SHA256 over the raw body under the webhook's secret
   * (LaunchDarkly generates one, or takes one typed in). Nothing else is signed, no metadata header.
   * https://docs.launchdarkly.com/home/connecting/webhooks/#signing-webhooks
   */
  launchdarkly: {
    docs: 'https://docs.launchdarkly.com/home/connecting/webhooks/#signing-webhooks',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-ld-signature' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: false,
  },
  /** Linear signs its timestamp inside the body: code of its own (./linear.ts). */
  linear: {
    docs: 'https://linear.app/developers/webhooks#securing-webhooks',
    ipRanges: 'https://linear.app/developers/webhooks#securing-webhooks',
    issuesKey: true,
    create: () => new LinearScheme(),
  },
  /**
   * PagerDuty v3 webhooks: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`, one HMAC-SHA256 of the raw
   * body per signing secret while PagerDuty rotates the subscription's secret; any one matching is
   * enough. `X-Webhook-Id` (the same on every attempt, PagerDuty's dedupe advice) and
   * `X-Webhook-Subscription` are unsigned. No timestamp is signed.
   * https://github.com/PagerDuty/developer-docs/blob/main/docs/webhooks/04-Signatures.md (published on
   * developer.pagerduty.com as "Verifying Signatures"); headers: docs/webhooks/02-Behavior.md
   */
  pagerduty: {
    docs: 'https://github.com/PagerDuty/developer-docs/blob/main/docs/webhooks/04-Signatures.md',
    // The page names https://app.pagerduty.com/webhook_ips (US) and its EU twin, JSON lists.
    ipRanges: 'https://support.pagerduty.com/docs/safelist-ips',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'list', header: 'x-pagerduty-signature', separator: ',', assign: '=', signatureKey: 'v1' },
    signed: ['body'],
    metadata: [
      { header: 'x-webhook-id', name: 'eventId' },
      { header: 'x-webhook-subscription', name: 'subscriptionId' },
    ],
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /**
   * Sentry integration platform (public and internal integrations): `Sentry-Hook-Signature: <hex>`,
   * HMAC-SHA256 over the raw body under the integration's Client Secret. `Sentry-Hook-Timestamp` is
   * not covered by the signature, so it is forwarded as unsigned metadata and never used for replay;
   * `Sentry-Hook-Resource` (installation, issue, event_alert, ...) and `Request-ID` likewise.
   * https://docs.sentry.io/organization/integrations/integration-platform/webhooks/#verifying-the-signature
   */
  sentry: {
    docs: 'https://docs.sentry.io/organization/integrations/integration-platform/webhooks/#verifying-the-signature',
    ipRanges: 'https://docs.sentry.io/security-legal-pii/security/ip-ranges/',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'sentry-hook-signature' },
    signed: ['body'],
    metadata: [
      { header: 'sentry-hook-resource', name: 'eventType' },
      { header: 'request-id', name: 'eventId' },
      { header: 'sentry-hook-timestamp', name: 'timestamp' },
    ],
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /**
   * Vercel: `x-vercel-signature: <hex>`, HMAC-SHA1 over the raw body under the webhook's secret (shown
   * once when an account webhook is created) or, for an integration's webhooks, the integration's
   * Client Secret. No timestamp or id header is signed: the dedupe record is the replay control.
   * https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks
   */
  vercel: {
    docs: 'https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks',
    algorithm: 'sha1',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-vercel-signature' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: true,
  },
} satisfies Record<string, SenderEntry>;
