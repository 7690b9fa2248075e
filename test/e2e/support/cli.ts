import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';

/** The published command line: the bundle package.json's `bin` names. */
export const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli', 'index.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// A home without ~/.aws, so nothing from the machine's own AWS configuration leaks into a run.
const HOME = mkdtempSync(join(tmpdir(), 'cdk-hardened-webhook-e2e-home-'));

/**
 * Runs the bundled CLI as a user would, in its own process: AWS settings only from `env` (credentials
 * for moto, the region, AWS_ENDPOINT_URL), `input` on stdin (a pipe, never a terminal).
 */
export function runCli(args: readonly string[], env: Record<string, string | undefined>, input = ''): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: Object.fromEntries(Object.entries({ PATH: process.env.PATH, HOME, ...env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(input);
  });
}

let requests = 0;

/**
 * The event API Gateway's proxy integration hands the verifier for a POST to /webhooks/<source> on the
 * construct's REST API (binary media types `*\/*`: the body base64-encoded, exactly as sent).
 */
export function delivery(source: string, headers: Record<string, string>, body: string, sourceIp = '203.0.113.7'): APIGatewayProxyEvent {
  requests += 1;
  const requestId = `e2e-${requests}-${Date.now()}`;
  const all = { 'Content-Type': 'application/json', ...headers };
  return {
    resource: `/webhooks/${source}`,
    path: `/webhooks/${source}`,
    httpMethod: 'POST',
    headers: all,
    multiValueHeaders: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: Buffer.from(body, 'utf8').toString('base64'),
    isBase64Encoded: true,
    requestContext: { requestId, path: `/v1/webhooks/${source}`, identity: { sourceIp } } as APIGatewayProxyEvent['requestContext'],
  };
}
