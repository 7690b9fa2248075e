import { SchemeConfig } from '../types';
import { SchemeFactory } from './factory';
import { GenericHmacScheme } from './hmac';
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
} as const;

export type AliasSender = keyof typeof ALIASES;

/** The scheme families written as classes, and the aliases: the verifier's `core` bundle. */
export const CORE_TYPES: readonly string[] = ['standard-webhooks', 'stripe', 'github', 'slack', 'shopify', 'twilio', 'hmac', ...Object.keys(ALIASES)];

export const coreScheme: SchemeFactory = (config: SchemeConfig) => {
  const type = (config as { type?: unknown } | undefined)?.type;
  if (typeof type === 'string' && Object.prototype.hasOwnProperty.call(ALIASES, type)) return new StandardWebhooksScheme(ALIASES[type as AliasSender]);
  switch (type) {
    case 'standard-webhooks':
      return new StandardWebhooksScheme(config as Extract<SchemeConfig, { type: 'standard-webhooks' }>);
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
    case 'hmac':
      return new GenericHmacScheme(config as Extract<SchemeConfig, { type: 'hmac' }>);
    default:
      return undefined;
  }
};
