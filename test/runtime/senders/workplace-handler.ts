import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createVerifierHandler } from '../../../lib/handlers/verifier/any-sender';
import { SchemeConfig } from '../../../lib/runtime';
import { apiEvent } from '../../support/events';
import { FakeAws } from '../../support/fake-aws';

/**
 * The verifier Lambda's handler for one imported-key source whose secret holds `doc`, over the fake
 * AWS; with `capture`, also the capture secret signing-secret.ts creates for Notion (holding `{}`).
 */
export function workplaceHandler(aws: FakeAws, type: string, doc: object, nowMs: number, capture = false) {
  aws.reset();
  const lines: string[] = [];
  const secretId = aws.putSecret(`webhooks/workplace/${type}/${Math.random()}`, JSON.stringify(doc));
  const captureSecretId = capture ? aws.putSecret(`webhooks/workplace/_captured/${type}/${Math.random()}`, '{}') : undefined;
  const handler = createVerifierHandler(
    {
      endpoint: 'workplace',
      source: 'src',
      scheme: { type } as SchemeConfig,
      secretId,
      captureSecretId,
      queueUrl: `${aws.url}/123456789012/webhooks`,
      maxBodyBytes: 4096,
      cacheTtlMs: 300_000,
      missRefreshIntervalMs: 30_000,
      maxStaleMs: 3_600_000,
      keySource: 'imported',
      publicUrl: 'https://hooks.example.com/prod/webhooks/src',
    },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => nowMs, write: (line) => lines.push(line) },
  );
  // As API Gateway hands a POST over with binary media type */*: base64 of the exact bytes.
  const post = (body: string, headers: Record<string, string>, from: { requestId?: string; sourceIp?: string } = {}): Promise<APIGatewayProxyResult> =>
    handler(apiEvent({ body: Buffer.from(body, 'utf8').toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'application/json', ...headers }, ...from }));
  const lastLog = () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
  return { secretId, captureSecretId, post, lastLog };
}
