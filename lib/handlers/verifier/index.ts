import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { configFromEnv, createVerifierHandler } from './verifier';

// Clients and config are built once per container, outside the hot path. Short timeouts and few
// attempts: a dependency that hangs must turn into a quick 5xx (the sender retries), not a request
// held until the function times out.
const clientConfig = { maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2500 } };
const config = configFromEnv(process.env);

export const handler = createVerifierHandler(config, {
  sqs: new SQSClient(clientConfig),
  secrets: new SecretsManagerClient(clientConfig),
  dynamodb: config.dedupe ? new DynamoDBClient(clientConfig) : undefined,
});
