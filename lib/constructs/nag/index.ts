// A cdk-nag pack for inbound webhook endpoints: `import { WebhookChecks } from 'cdk-hardened-webhook/nag'`
// (package.json "exports"). It builds on the cdk-nag the project has installed (2 or 3) and is
// registered as that major's packs are. Only this entry loads cdk-nag; the main entry never does.
export { WebhookChecks, webhookChecksOn, WEBHOOK_RULES } from './webhook-checks';
export type { CdkNagModule, NagPackClassOf, WebhookNagPackBase } from './cdk-nag';
export { Compliance } from './rule';
export type { WebhookRule } from './rule';
export { SENDER_ISSUED_TAG } from './sender-issued';
export { longestRotationGapDays } from './rotation-interval';
export * as rules from './rules';
