// What a processor of the endpoint's queue reads: `import { parseWebhookRecord } from
// 'cdk-hardened-webhook/consumer'` (package.json "exports"). No aws-cdk-lib and no AWS SDK at load:
// @aws-sdk/client-s3 is imported only for a claim-checked body, and only when no client is given
// (test/consumer/entry-point.test.ts keeps it so).
export {
  BodyEncoding,
  ClaimCheck,
  MAX_CLAIM_CHECKED_BYTES,
  parseWebhookRecord,
  ParseWebhookRecordOptions,
  S3ClientLike,
  SqsMessageAttributeLike,
  SqsRecordLike,
  WEBHOOK_RECORD_ATTRIBUTES,
  WebhookRecord,
  WebhookRecordError,
} from './record';
export { BodyBinding } from '../runtime/types';
