import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createRotationHandler, rotationConfigFromEnv } from './rotation';

const logger = new Logger({ serviceName: 'webhook-secret-rotation' });
const config = rotationConfigFromEnv(process.env);

export const handler = createRotationHandler(config, {
  secrets: new SecretsManagerClient({}),
  events: new EventBridgeClient({}),
  lambda: config.senderHookArn ? new LambdaClient({}) : undefined,
  log: (message, fields) => logger.info(message, fields),
});
