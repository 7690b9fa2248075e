// The property names of the props interfaces a user fills with an object literal, so that a key a
// compiler did not check (JavaScript, jsii languages) is refused by name instead of ignored.
// test/known-props.test.ts keeps each list equal to its interface in the jsii assembly.
import { Duration, Size } from 'aws-cdk-lib';
import { Problems } from './validation';
import { unknownKeyProblems } from '../runtime/suggest';

/** What a prop's value must be, for the props a wrong type would otherwise reach as a raw TypeError. */
export type PropKind = 'number' | 'string' | 'boolean' | 'string[]' | 'Duration' | 'Size' | 'SignatureScheme' | 'SenderIpRanges';

/** The kinds of HardenedWebhookEndpointProps' props (test/known-props.test.ts: equal to the jsii assembly's). */
export const ENDPOINT_PROP_KINDS: Readonly<Record<string, PropKind>> = {
  accountConcurrencyLimit: 'number', alarmEmail: 'string', allowAnySourceIp: 'boolean', allowedSourceCidrs: 'string[]', cloudWatchRole: 'boolean',
  deduplication: 'boolean', encryptionKeyPolicyManagedExternally: 'boolean', endpointName: 'string', environment: 'string', maxReceiveCount: 'number',
  processorBatchSize: 'number', processorIdempotency: 'boolean', processorTimeout: 'Duration', queueRetentionPeriod: 'Duration', rateLimit: 'number',
  rateLimitWindow: 'Duration', runbookUrl: 'string', securityPolicy: 'string', senderIpRangesMaxAge: 'Duration', senderIpRangesRefreshInterval: 'Duration',
  stageName: 'string', throttlingBurstLimit: 'number', throttlingRateLimit: 'number', tracingReservoir: 'number', tracingSampleRate: 'number',
  wafLogAllowedRequests: 'boolean',
};

/** The kinds of WebhookSourceOptions' props (test/known-props.test.ts: equal to the jsii assembly's). */
export const SOURCE_OPTION_KINDS: Readonly<Record<string, PropKind>> = {
  scheme: 'SignatureScheme', allowedSourceCidrs: 'string[]', allowUnlimitedReplays: 'boolean', allowUnsignedBodyFromAnyIp: 'boolean',
  dedupeWindow: 'Duration', gracePeriod: 'Duration', group: 'string', maxBodySize: 'Size', memorySize: 'number', reservedConcurrency: 'number',
  rotationInterval: 'Duration', rotationScheduleExpression: 'string', secretCacheTtl: 'Duration', senderIpRanges: 'SenderIpRanges',
  signatureFailureThreshold: 'number', timeout: 'Duration', timestampTolerance: 'Duration',
};

const EXAMPLE: Record<PropKind, string> = {
  number: 'a number', string: 'a string', boolean: 'true or false', 'string[]': 'an array of strings', Duration: 'a Duration, e.g. Duration.minutes(5)',
  Size: 'a Size, e.g. Size.kibibytes(256)', SignatureScheme: 'a SignatureScheme, e.g. SignatureScheme.github()', SenderIpRanges: 'SenderIpRanges.published()',
};

function isKind(value: unknown, kind: PropKind): boolean {
  switch (kind) {
    case 'number':
    case 'string':
    case 'boolean':
      return typeof value === kind;
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'Duration':
      return value instanceof Duration;
    case 'Size':
      return value instanceof Size;
    // Checked by shape: the classes import this file (their own option lists).
    case 'SignatureScheme':
      return value instanceof Object && '_config' in value;
    case 'SenderIpRanges':
      return value instanceof Object && '_optionProblems' in value && !('_config' in value);
  }
}

const describeValue = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${String(value)} (a ${typeof value})`);

/**
 * Refuses, at once and all together, props given a value of the wrong kind (from code no compiler
 * checked: JavaScript, jsii languages), which would otherwise fail later as a raw TypeError.
 */
export function throwOnWrongKinds(what: string, obj: unknown, kinds: Readonly<Record<string, PropKind>>): void {
  if (!(obj instanceof Object)) return;
  const problems = Object.entries(kinds)
    .filter(([key]) => (obj as Record<string, unknown>)[key] !== undefined)
    .filter(([key, kind]) => !isKind((obj as Record<string, unknown>)[key], kind))
    .map(([key, kind]) => `${key} is ${describeValue((obj as Record<string, unknown>)[key])}; give ${EXAMPLE[kind]}`);
  if (problems.length > 0) throw new Error(`Invalid ${what}:\n${problems.map((m) => `  - ${m}`).join('\n')}`);
}

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
  throwOnWrongKinds('HardenedWebhookEndpointProps', props, ENDPOINT_PROP_KINDS);
  for (const p of unknownKeyProblems('HardenedWebhookEndpointProps', props, ENDPOINT_PROPS)) problems.add(p);
}

/** Adds a problem per key of a source's options that WebhookSourceOptions lacks. */
export function checkSourceOptionKeys(problems: Problems, name: string, options: unknown): void {
  throwOnWrongKinds(`source "${name}"`, options, SOURCE_OPTION_KINDS);
  const extra = unknownKeyProblems(`source "${name}"`, options, SOURCE_OPTIONS);
  const keys = Object.keys(options ?? {}).filter((k) => !SOURCE_OPTIONS.includes(k));
  extra.forEach((p, i) => problems.add(Object.hasOwn(SOURCE_HINTS, keys[i]) ? `${p} (${SOURCE_HINTS[keys[i]]})` : p));
}
