// The property names of the props interfaces a user fills with an object literal, so that a key a
// compiler did not check (JavaScript, jsii languages) is refused by name instead of ignored.
// test/known-props.test.ts keeps each list equal to its interface in the jsii assembly.
import { Problems } from './validation';
import { unknownKeyProblems } from '../runtime/suggest';

/** HardenedWebhookEndpointProps. */
export const ENDPOINT_PROPS: readonly string[] = [
  'accessLogClass', 'accessRoles', 'accountConcurrencyLimit', 'alarmEmail', 'alarmThresholds', 'alarmTopic', 'allowAnySourceIp',
  'allowedSourceCidrs', 'cloudWatchRole', 'customDomain', 'deadLetterQueue', 'deduplication', 'encryptionKey',
  'encryptionKeyPolicyManagedExternally', 'endpointName', 'environment', 'eventBus', 'logRetention', 'maxReceiveCount', 'processor',
  'processorBatchSize', 'processorIdempotency', 'processorTimeout', 'queue', 'queueEncryptionKey', 'queueRetentionPeriod', 'rateLimit',
  'rateLimitWindow', 'removalPolicy', 'runbookUrl', 'runtime', 'securityPolicy', 'senderIpRangesMaxAge', 'senderIpRangesRefreshInterval',
  'sources', 'stageName', 'throttlingBurstLimit', 'throttlingRateLimit', 'tracingReservoir', 'tracingSampleRate', 'wafLogAllowedRequests',
];

/** WebhookSourceOptions (addSource() and the values of HardenedWebhookEndpointProps.sources). */
export const SOURCE_OPTIONS: readonly string[] = [
  'scheme', 'allowedSourceCidrs', 'allowUnlimitedReplays', 'allowUnsignedBodyFromAnyIp', 'dedupeWindow', 'gracePeriod', 'group', 'keySource',
  'maxBodySize', 'memorySize', 'reservedConcurrency', 'rotationInterval', 'rotationScheduleExpression', 'secretCacheTtl', 'senderHook',
  'senderIpRanges', 'signatureFailureThreshold', 'timeout', 'timestampTolerance',
];

/** The option objects SignatureScheme's presets take, by the interface's name. */
export const SCHEME_OPTIONS = {
  SnsOptions: ['topicArns'],
  PubSubOptions: ['audience', 'serviceAccountEmail'],
  PlaidOptions: ['clientId', 'environment'],
  PayPalOptions: ['webhookId', 'environment'],
  SalesforceOptions: ['organizationId'],
  AppleAppStoreOptions: ['bundleId', 'appAppleId', 'environment'],
  GenericHmacOptions: [
    'algorithm', 'encoding', 'signatureHeader', 'signedContent', 'contentTypes', 'eventIdHeader', 'eventTypeHeader', 'listSeparator', 'prefix',
    'separator', 'signatureKey', 'template', 'timestampFormat', 'timestampHeader', 'timestampKey', 'tolerance',
  ],
  OktaOptions: ['authorizationHeader'],
  HeaderTokenOptions: ['authorizationHeader'],
  StandardWebhooksOptions: ['headerPrefix'],
} as const satisfies Record<string, readonly string[]>;

/** SenderIpRangesOptions. */
export const SENDER_IP_RANGES_OPTIONS: readonly string[] = ['maxShrinkPercent'];

/** Keys users reach for that the interfaces spell otherwise, with where the thing lives. */
const SOURCE_HINTS: Record<string, string> = {
  secret: 'each source creates its own secret (read it as source.secret); a sender-issued key is put into it with keySource: KeySource.IMPORTED',
  signingSecret: 'each source creates its own secret (read it as source.secret); a sender-issued key is put into it with keySource: KeySource.IMPORTED',
};

/** Adds a problem per key of `props` that HardenedWebhookEndpointProps lacks. */
export function checkEndpointPropKeys(problems: Problems, props: unknown): void {
  for (const p of unknownKeyProblems('HardenedWebhookEndpointProps', props, ENDPOINT_PROPS)) problems.add(p);
}

/** Adds a problem per key of a source's options that WebhookSourceOptions lacks. */
export function checkSourceOptionKeys(problems: Problems, name: string, options: unknown): void {
  const extra = unknownKeyProblems(`source "${name}"`, options, SOURCE_OPTIONS);
  const keys = Object.keys(options ?? {}).filter((k) => !SOURCE_OPTIONS.includes(k));
  extra.forEach((p, i) => problems.add(Object.hasOwn(SOURCE_HINTS, keys[i]) ? `${p} (${SOURCE_HINTS[keys[i]]})` : p));
}
