import { Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { HardenedWebhookEndpoint, HmacAlgorithm, HmacSignedContent, SignatureEncoding, SignatureScheme } from '../../lib';
import { SCHEME_TYPES } from '../../lib/runtime';

/**
 * One source of every scheme type the library knows, on one production endpoint: what the nag tests,
 * the CloudFormation-limit test and `npm run synth-time` build. Types that need configuration get it
 * through their preset here; every other type through `SignatureScheme.sender(type)`, so a sender
 * added to the catalogue is in it by being in SCHEME_TYPES (and one that needs configuration and is
 * missing here fails loudly, naming its preset).
 */
export const CONFIGURED_PRESETS: Record<string, (stack: Stack, endpoint: HardenedWebhookEndpoint) => SignatureScheme> = {
  hmac: () => SignatureScheme.hmac({ algorithm: HmacAlgorithm.SHA256, signatureHeader: 'X-Signature', encoding: SignatureEncoding.HEX, signedContent: HmacSignedContent.BODY }),
  sns: (stack, endpoint) => SignatureScheme.sns({ topicArns: [new sns.Topic(stack, 'Topic', { enforceSSL: true, masterKey: endpoint.encryptionKey }).topicArn] }),
  paypal: () => SignatureScheme.paypal({ webhookId: '1JE4291016473214C' }),
  plaid: () => SignatureScheme.plaid({ clientId: '5f1a2b3c4d5e6f7a8b9c0d1e' }),
  salesforce: () => SignatureScheme.salesforce({ organizationId: '00D5e000000KQ2eEAG' }),
  pubsub: () => SignatureScheme.pubsub({ audience: 'https://hooks.example.com/webhooks/pubsub', serviceAccountEmail: 'push@my-project.iam.gserviceaccount.com' }),
  'apple-app-store': () => SignatureScheme.appleAppStore({ bundleId: 'com.example.app', appAppleId: 1234567890 }),
};

/** Sources per group: an endpoint's own stack takes about 25 (CloudFormation's 500 resources). */
export const GROUP_SIZE = 25;

/** Adds one source per scheme type to `endpoint`, in groups of GROUP_SIZE; returns the source names. */
export function addEveryType(stack: Stack, endpoint: HardenedWebhookEndpoint, configured: Record<string, (stack: Stack, endpoint: HardenedWebhookEndpoint) => SignatureScheme> = {}): string[] {
  const presets = { ...CONFIGURED_PRESETS, ...configured };
  SCHEME_TYPES.forEach((type, i) => {
    const scheme = presets[type]?.(stack, endpoint) ?? SignatureScheme.sender(type);
    endpoint.addSource(type, { scheme, group: `g${Math.floor(i / GROUP_SIZE)}` });
  });
  return [...SCHEME_TYPES];
}
