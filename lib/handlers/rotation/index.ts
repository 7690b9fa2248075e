import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createRotationHandler, rotationConfigFromEnv } from './rotation';

const logger = new Logger({ serviceName: 'webhook-secret-rotation' });

export const handler = createRotationHandler(rotationConfigFromEnv(process.env), {
  secrets: new SecretsManagerClient({}),
  log: (message, fields) => logger.info(message, fields),
});
