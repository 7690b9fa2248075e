import type { SchemeConfig } from '../../lib/runtime';

/**
 * A valid configuration for every scheme type that needs more than its type (any valid values stand
 * for a sender's): what the differential kits, the README's sender table, the body-binding test and
 * the bench build those types with. A type not listed is built from `{ type }` alone.
 */
export const EXAMPLE_CONFIGS: Readonly<Record<string, SchemeConfig>> = {
  hmac: { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Signature', encoding: 'hex', signedContent: 'body' },
  sns: { type: 'sns', topicArns: ['arn:aws:sns:us-east-1:123456789012:orders'] },
  paypal: { type: 'paypal', webhookId: '1JE4291016473214C' },
  plaid: { type: 'plaid', clientId: '5f1a2b3c4d5e6f7a8b9c0d1e' },
  pubsub: { type: 'pubsub', audience: 'https://hooks.example.com/webhooks/pubsub', serviceAccountEmail: 'push@my-project.iam.gserviceaccount.com' },
  'apple-app-store': { type: 'apple-app-store', bundleId: 'com.example.app', appAppleId: 1234567890 },
  salesforce: { type: 'salesforce', organizationId: '00D5e000000KQ2eEAG' },
};

/** The configuration a scheme type is built with in tests and docs. */
export function exampleConfig(type: string): SchemeConfig {
  return EXAMPLE_CONFIGS[type] ?? ({ type } as SchemeConfig);
}
