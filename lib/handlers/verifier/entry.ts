import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SchemeFactory } from '../../runtime/schemes/factory';
import { configFromEnv } from './config';
import { verifierPipeline, VerifierHandler } from './pipeline';
import type { OptionalStages, VerifierDeps } from './stages/context';

/** What a family's bundle carries beyond the shared stages: the published-key machinery, and the optional stages its senders need. */
export interface FamilyStages extends OptionalStages {
  readonly published?: VerifierDeps['published'];
}

/**
 * The Lambda entry of one verifier bundle (./entries/<family>.ts passes its family's factory and
 * the stages its senders need beyond the shared ones).
 * Clients and config are built once per container, outside the hot path. Short timeouts and few
 * attempts: a dependency that hangs must turn into a quick 5xx (the sender retries), not a request
 * held until the function times out.
 */
export function verifierEntry(schemes: SchemeFactory, { published, ...stages }: FamilyStages = {}): VerifierHandler {
  // requestTimeout bounds the whole request only with throwOnRequestTimeout (the SDK's older meaning,
  // an idle socket, is socketTimeout): both are set, so a stalled call always ends.
  const handler = { connectionTimeout: 1000, socketTimeout: 2500, throwOnRequestTimeout: true };
  const clientConfig = { maxAttempts: 2, requestHandler: { ...handler, requestTimeout: 2500 } };
  const config = configFromEnv(process.env);
  return verifierPipeline(schemes, config, {
    sqs: new SQSClient(clientConfig),
    secrets: new SecretsManagerClient(clientConfig),
    dynamodb: config.dedupe ? new DynamoDBClient(clientConfig) : undefined,
    // Only for a source that takes bodies above the inline limit (claim-check). A 4.3 MiB PutObject
    // takes well under a second from Lambda; 4 s each for two attempts still ends before the default
    // 10 s function timeout, so a stalled put becomes a 503 with the claim released.
    // Loaded only then: the S3 client is a module as large as the other three, and every other source
    // would pay for it on each cold start.
    s3: config.bodyBucket ? new (s3Module().S3Client)({ maxAttempts: 2, requestHandler: { ...handler, requestTimeout: 4000 } }) : undefined,
    published,
  }, stages);
}

/** The S3 client's module, required when a source claim-checks (the Lambda runtime carries it). */
export function s3Module(): typeof import('@aws-sdk/client-s3') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/client-s3');
}
