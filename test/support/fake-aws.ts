import { createHash, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * An in-process server that speaks the AWS JSON protocol (the one SDK v3 uses for SQS and Secrets
 * Manager), so handler tests run the real SDK clients end to end through AWS_ENDPOINT_URL_*. It keeps
 * SQS messages (with the MD5s the SDK checks) and Secrets Manager's version-stage semantics, and can
 * be told to fail the next calls of an operation.
 */
export class FakeAws {
  public readonly queue: SentMessage[] = [];
  public readonly calls: string[] = [];
  public readonly secrets = new Map<string, FakeSecret>();
  public readonly events: { Source: string; DetailType: string; Detail: string; EventBusName?: string; Resources?: string[] }[] = [];
  public readonly invocations: { functionName: string; payload: unknown }[] = [];
  /** What a Lambda Invoke answers; set a FunctionError to make the invoked function fail. */
  public invokeResult: { FunctionError?: string; Payload?: unknown } = { Payload: { ok: true } };
  /** The clock the fake stamps secret versions with (CreatedDate). */
  public now: () => number = Date.now;
  /** The version id the last RotateSecret labelled AWSPENDING. */
  public lastRotationToken?: string;
  private readonly faults = new Map<string, { remaining: number; type: string; status: number }>();
  private server?: Server;
  /** Where it listens, once started. */
  public url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Forgets messages, calls and pending faults (secrets stay). */
  reset(): void {
    this.queue.length = 0;
    this.calls.length = 0;
    this.events.length = 0;
    this.invocations.length = 0;
    this.invokeResult = { Payload: { ok: true } };
    this.faults.clear();
  }

  /** The next `count` calls of `operation` (e.g. "SendMessage") fail with this AWS error. */
  fail(operation: string, count: number, type = 'InternalFailure', status = 500): void {
    this.faults.set(operation, { remaining: count, type, status });
  }

  callCount(operation: string): number {
    return this.calls.filter((c) => c === operation).length;
  }

  /** What RotateSecret does before it invokes the function: a version with no value, labelled AWSPENDING. */
  beginRotation(arn: string, token: string): void {
    const secret = this.secrets.get(arn)!;
    for (const v of secret.versions.values()) v.stages.delete('AWSPENDING');
    secret.versions.set(token, { stages: new Set(['AWSPENDING']) });
  }

  /** Creates a secret whose AWSCURRENT version holds `value`. */
  putSecret(name: string, value: string): string {
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
    const versionId = randomUUID();
    this.secrets.set(arn, { arn, name, rotationEnabled: true, versions: new Map([[versionId, { value, stages: new Set(['AWSCURRENT']), createdAt: this.now() }]]) });
    return arn;
  }

  /** The version id holding a stage, and its value. */
  stage(arn: string, stage: string): { versionId: string; value?: string } | undefined {
    for (const [versionId, v] of this.secrets.get(arn)?.versions ?? []) if (v.stages.has(stage)) return { versionId, value: v.value };
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    // Lambda speaks REST-JSON: the operation is in the path, not a target header.
    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const operation = invoke ? 'Invoke' : target.slice(target.indexOf('.') + 1);
    this.calls.push(operation);
    const version = String(req.headers['content-type']).includes('1.1') ? '1.1' : '1.0';
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(body));
    };
    const fault = this.faults.get(operation);
    if (fault && fault.remaining > 0) {
      fault.remaining--;
      return send(fault.status, { __type: fault.type, message: `injected ${fault.type}` });
    }
    if (invoke) {
      this.invocations.push({ functionName: decodeURIComponent(invoke[1]), payload: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
      if (this.invokeResult.FunctionError) headers['x-amz-function-error'] = this.invokeResult.FunctionError;
      res.writeHead(200, headers);
      res.end(JSON.stringify(this.invokeResult.Payload ?? null));
      return;
    }
    try {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const handler = (this as unknown as Record<string, (i: any) => unknown>)[`op${operation}`];
      if (!handler) return send(400, { __type: 'UnknownOperationException', message: operation });
      send(200, handler.call(this, input));
    } catch (error) {
      const e = error as AwsError;
      send(e.status ?? 500, { __type: e.type ?? 'InternalFailure', message: e.message });
    }
  }

  // --- SQS ---
  protected opSendMessage(input: { QueueUrl: string; MessageBody: string; MessageAttributes?: Record<string, Attr> }) {
    const messageId = randomUUID();
    this.queue.push({ queueUrl: input.QueueUrl, body: input.MessageBody, attributes: input.MessageAttributes ?? {}, messageId });
    return {
      MessageId: messageId,
      MD5OfMessageBody: md5(Buffer.from(input.MessageBody, 'utf8')),
      MD5OfMessageAttributes: input.MessageAttributes ? md5OfAttributes(input.MessageAttributes) : undefined,
    };
  }

  // --- EventBridge ---
  protected opPutEvents(input: { Entries: { Source: string; DetailType: string; Detail: string; EventBusName?: string; Resources?: string[] }[] }) {
    this.events.push(...input.Entries);
    return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: randomUUID() })) };
  }

  // --- Secrets Manager ---
  private secret(id: string): FakeSecret {
    for (const s of this.secrets.values()) if (s.arn === id || s.name === id) return s;
    throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.", 400);
  }

  protected opGetSecretValue(input: { SecretId: string; VersionId?: string; VersionStage?: string }) {
    const secret = this.secret(input.SecretId);
    let found: [string, FakeVersion] | undefined;
    if (input.VersionId) {
      const v = secret.versions.get(input.VersionId);
      if (v && (!input.VersionStage || v.stages.has(input.VersionStage))) found = [input.VersionId, v];
    } else {
      const stage = input.VersionStage ?? 'AWSCURRENT';
      found = [...secret.versions].find(([, v]) => v.stages.has(stage));
    }
    if (!found || found[1].value === undefined) throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value.", 400);
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: found[0],
      SecretString: found[1].value,
      VersionStages: [...found[1].stages],
      CreatedDate: (found[1].createdAt ?? this.now()) / 1000,
    };
  }

  protected opDescribeSecret(input: { SecretId: string }) {
    const secret = this.secret(input.SecretId);
    const stages: Record<string, string[]> = {};
    for (const [id, v] of secret.versions) if (v.stages.size > 0) stages[id] = [...v.stages];
    const tags = Object.entries(secret.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const created = Math.min(...[...secret.versions.values()].map((v) => v.createdAt ?? Number.POSITIVE_INFINITY));
    return {
      ARN: secret.arn,
      Name: secret.name,
      RotationEnabled: secret.rotationEnabled,
      VersionIdsToStages: stages,
      Tags: tags,
      ...(Number.isFinite(created) ? { CreatedDate: created / 1000 } : {}),
    };
  }

  /** Every version, one page (the CLI pages through NextToken). */
  protected opListSecretVersionIds(input: { SecretId: string }) {
    const secret = this.secret(input.SecretId);
    const versions = [...secret.versions].map(([id, v]) => ({ VersionId: id, VersionStages: [...v.stages], ...(v.createdAt === undefined ? {} : { CreatedDate: v.createdAt / 1000 }) }));
    return { ARN: secret.arn, Name: secret.name, Versions: versions };
  }

  protected opTagResource(input: { SecretId: string; Tags: { Key: string; Value: string }[] }) {
    const secret = this.secret(input.SecretId);
    secret.tags = { ...secret.tags, ...Object.fromEntries(input.Tags.map((t) => [t.Key, t.Value])) };
    return {};
  }

  protected opUntagResource(input: { SecretId: string; TagKeys: string[] }) {
    const secret = this.secret(input.SecretId);
    for (const key of input.TagKeys) delete secret.tags?.[key];
    return {};
  }

  /** Starts a rotation the way Secrets Manager does, without invoking anything: tests run the steps. */
  protected opRotateSecret(input: { SecretId: string }) {
    const secret = this.secret(input.SecretId);
    if ([...secret.versions.values()].some((v) => v.stages.has('AWSPENDING') && !v.stages.has('AWSCURRENT'))) {
      throw awsError('InvalidRequestException', 'A previous rotation isn\'t complete. That rotation will be reattempted.', 400);
    }
    const token = randomUUID();
    this.beginRotation(secret.arn, token);
    this.lastRotationToken = token;
    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  }

  protected opPutSecretValue(input: { SecretId: string; ClientRequestToken?: string; SecretString: string; VersionStages?: string[] }) {
    const token = input.ClientRequestToken ?? randomUUID();
    const secret = this.secret(input.SecretId);
    const existing = secret.versions.get(token);
    if (existing && existing.value === undefined) {
      existing.value = input.SecretString;
      existing.createdAt = this.now();
      for (const stage of input.VersionStages ?? []) {
        for (const v of secret.versions.values()) v.stages.delete(stage);
        existing.stages.add(stage);
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...existing.stages] };
    }
    if (existing) {
      if (existing.value !== input.SecretString) throw awsError('ResourceExistsException', 'A version with this token already exists with different contents.', 400);
      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...existing.stages] };
    }
    const stages = input.VersionStages ?? ['AWSCURRENT'];
    // Secrets Manager's own rule: a new AWSCURRENT demotes the old one to AWSPREVIOUS.
    if (stages.includes('AWSCURRENT')) {
      for (const v of secret.versions.values()) v.stages.delete('AWSPREVIOUS');
      for (const v of secret.versions.values()) if (v.stages.has('AWSCURRENT')) v.stages.add('AWSPREVIOUS');
    }
    for (const stage of stages) for (const v of secret.versions.values()) v.stages.delete(stage);
    secret.versions.set(token, { value: input.SecretString, stages: new Set(stages), createdAt: this.now() });
    return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: stages };
  }

  protected opUpdateSecretVersionStage(input: { SecretId: string; VersionStage: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) {
    const secret = this.secret(input.SecretId);
    const holder = [...secret.versions].find(([, v]) => v.stages.has(input.VersionStage))?.[0];
    if (holder && input.MoveToVersionId && holder !== input.RemoveFromVersionId && holder !== input.MoveToVersionId) {
      throw awsError('InvalidParameterException', `The staging label ${input.VersionStage} is currently attached to version ${holder}; specify it in RemoveFromVersionId.`, 400);
    }
    if (input.RemoveFromVersionId) secret.versions.get(input.RemoveFromVersionId)?.stages.delete(input.VersionStage);
    if (input.MoveToVersionId) {
      const target = secret.versions.get(input.MoveToVersionId);
      if (!target) throw awsError('ResourceNotFoundException', 'No such version.', 400);
      target.stages.add(input.VersionStage);
      // Secrets Manager's own rule: the version that loses AWSCURRENT becomes AWSPREVIOUS.
      if (input.VersionStage === 'AWSCURRENT' && input.RemoveFromVersionId) {
        for (const v of secret.versions.values()) v.stages.delete('AWSPREVIOUS');
        secret.versions.get(input.RemoveFromVersionId)?.stages.add('AWSPREVIOUS');
      }
    }
    return { ARN: secret.arn, Name: secret.name };
  }
}

export interface SentMessage {
  readonly queueUrl: string;
  readonly body: string;
  readonly attributes: Record<string, Attr>;
  readonly messageId: string;
}

interface Attr {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

interface FakeVersion {
  /** Undefined for the version RotateSecret labels AWSPENDING before createSecret stores a value. */
  value?: string;
  stages: Set<string>;
  createdAt?: number;
}

export interface FakeSecret {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  tags?: Record<string, string>;
  versions: Map<string, FakeVersion>;
}

interface AwsError extends Error {
  type?: string;
  status?: number;
}

function awsError(type: string, message: string, status: number): AwsError {
  return Object.assign(new Error(message), { type, status });
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** SQS's documented MD5 of message attributes, which the SDK checks on every SendMessage. */
function md5OfAttributes(attributes: Record<string, Attr>): string {
  const parts: Buffer[] = [];
  const withLength = (data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    parts.push(length, data);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attr = attributes[name];
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(attr.DataType, 'utf8'));
    const binary = attr.DataType.startsWith('Binary');
    parts.push(Buffer.from([binary ? 2 : 1]));
    withLength(binary ? Buffer.from(attr.BinaryValue ?? '', 'base64') : Buffer.from(attr.StringValue ?? '', 'utf8'));
  }
  return md5(Buffer.concat(parts));
}

/** Points the SDK at the fake and gives it dummy credentials and a region. */
/**
 * One fake AWS for the calling test file: started before its tests, with the SDK's clients pointed
 * at it (`aws.url`), and stopped after them.
 */
export function useFakeAws(): FakeAws {
  const aws = new FakeAws();
  beforeAll(async () => useFakeAwsEnvironment(await aws.start()));
  afterAll(() => aws.stop());
  return aws;
}

function useFakeAwsEnvironment(url: string): void {
  process.env.AWS_ENDPOINT_URL_SQS = url;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = url;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = url;
  process.env.AWS_ENDPOINT_URL_LAMBDA = url;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-key-for-tests';
  process.env.AWS_MAX_ATTEMPTS = '2';
  delete process.env.AWS_PROFILE;
}
