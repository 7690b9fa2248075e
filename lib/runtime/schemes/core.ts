import { SchemeConfigData, StandardWebhooksSchemeConfig } from '../types';
import { SchemeFactory } from './factory';
import { GitHubScheme } from './github';
import { ShopifyScheme } from './shopify';
import { SlackScheme } from './slack';
import { StandardWebhooksScheme } from './standard-webhooks';
import { StripeScheme } from './stripe';
import { TwilioScheme } from './twilio';

/**
 * Senders that deliver through an existing wire format under their own name, so a user finds them by
 * name: OpenAI signs with Standard Webhooks (`webhook-*` headers); Clerk and Resend deliver through
 * Svix (`svix-*`).
 */
export const ALIASES = {
  /** https://platform.openai.com/docs/guides/webhooks#verifying-webhook-signatures */
  openai: { type: 'standard-webhooks', headerPrefix: 'webhook' },
  /** https://clerk.com/docs/webhooks/sync-data */
  clerk: { type: 'standard-webhooks', headerPrefix: 'svix' },
  /** https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests */
  resend: { type: 'standard-webhooks', headerPrefix: 'svix' },
  /**
   * GitLab's signing token (beside, and independent of, the older `X-Gitlab-Token`, which is `gitlab`):
   * HMAC-SHA256 over `{webhook-id}.{timestamp}.{body}`, `webhook-signature: v1,<base64>`, `webhook-id`
   * equal to the delivery's `Idempotency-Key` (so the same on retries). The token is `whsec_` + the
   * base64 of 32 bytes, typed into GitLab by its user: generated here, not imported.
   * https://gitlab.com/gitlab-org/gitlab/-/merge_requests/230944
   * https://gitlab.com/gitlab-org/gitlab/-/merge_requests/231325
   */
  'gitlab-signed': { type: 'standard-webhooks', headerPrefix: 'webhook' },
} as const;

export type AliasSender = keyof typeof ALIASES;

/** Aliases whose key the user types into the sender (we generate it) rather than the sender issuing it. */
export const ALIAS_KEYS_GENERATED: readonly string[] = ['gitlab-signed'];

/** The scheme families written as classes, and the aliases: the verifier's `core` bundle. */
export const CORE_TYPES: readonly string[] = ['standard-webhooks', 'stripe', 'github', 'slack', 'shopify', 'twilio', ...Object.keys(ALIASES)];

/**
 * The generic HMAC scheme (`hmac`): its own verifier bundle (`generic`), since its templates use the
 * catalogue's row engine, which would not fit in the core bundle.
 */
export const GENERIC_TYPES: readonly string[] = ['hmac'];

export const coreScheme: SchemeFactory = (config: SchemeConfigData) => {
  const type = (config as { type?: unknown } | undefined)?.type;
  if (typeof type === 'string' && Object.prototype.hasOwnProperty.call(ALIASES, type)) return new StandardWebhooksScheme(ALIASES[type as AliasSender]);
  switch (type) {
    case 'standard-webhooks':
      return new StandardWebhooksScheme(config as StandardWebhooksSchemeConfig);
    case 'stripe':
      return new StripeScheme();
    case 'github':
      return new GitHubScheme();
    case 'slack':
      return new SlackScheme();
    case 'shopify':
      return new ShopifyScheme();
    case 'twilio':
      return new TwilioScheme();
    default:
      return undefined;
  }
};
