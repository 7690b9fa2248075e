// What a processor of the endpoint's queue reads: `import { parseWebhookRecord } from
// 'cdk-hardened-webhook/consumer'` (package.json "exports"). No aws-cdk-lib and no AWS SDK at load:
// @aws-sdk/client-s3 is loaded only for a claim-checked body, and not at all when the client given
// has getObject (an `S3`); an `S3Client` needs its GetObjectCommand (test/consumer/entry-point.test.ts
// and test/review/review22-r3-sdk-load.test.ts keep it so).
export {
  BodyEncoding,
  ClaimCheck,
  ClaimCheckedBodyNotReadableError,
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
export { BodyBinding } from '../types';
