import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { configFromEnv, createVerifierHandler } from './verifier';

// Clients and config are built once per container, outside the hot path.
export const handler = createVerifierHandler(configFromEnv(process.env), {
  sqs: new SQSClient({}),
  secrets: new SecretsManagerClient({}),
});
