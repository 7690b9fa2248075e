import { PlaidSchemeConfig, PubSubSchemeConfig } from '../../types';
import { CodeSender } from '../sender';
import { PlaidScheme } from './plaid';
import { PubSubScheme } from './pubsub';

/** Senders that sign a JWT with keys they publish (Plaid, Google Pub/Sub push). */
export const TOKENS = {
  plaid: { docs: 'https://plaid.com/docs/api/webhooks/webhook-verification/', ipRanges: 'https://plaid.com/docs/api/webhooks/', issuesKey: true, create: (config) => new PlaidScheme(config as PlaidSchemeConfig) },
  pubsub: { docs: 'https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions', issuesKey: true, create: (config) => new PubSubScheme(config as PubSubSchemeConfig) },
} satisfies Record<string, CodeSender>;
