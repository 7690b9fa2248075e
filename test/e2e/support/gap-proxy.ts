import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * What stands between the code under test (the bundled handlers, the bundled CLI) and moto_server:
 * every AWS call goes to this proxy (AWS_ENDPOINT_URL), which forwards it to moto unchanged except
 * where moto 5.2.1 does not do what AWS does. Each gap is named where it is worked around, here and
 * only here: the handlers and the CLI call AWS exactly as they do in production.
 *
 * 1. Secrets Manager GetSecretValue without VersionId/VersionStage (the verifier's read) returns moto's
 *    "default version", not AWSCURRENT as on AWS: RotateSecret moves it to the new AWSPENDING
 *    placeholder at once, before that has a value, and UpdateSecretVersionStage never moves it, so
 *    during a rotation, and forever after a failed one, a verifier would read an empty version. Such
 *    reads get VersionStage AWSCURRENT added, which is what AWS means by them.
 * 2. RotateSecret without RotationLambdaARN makes moto forget the secret's rotation function and
 *    promote an empty version to AWSCURRENT: the secret's own function is added to the request.
 * 3. RotateSecret runs the rotation function only in Docker (none here): after moto has labelled its
 *    AWSPENDING placeholder, the proxy plays Secrets Manager's part and invokes the function's four
 *    steps (createSecret, setSecret, testSecret, finishSecret) in this process, then takes AWSPENDING
 *    off the finished version. (moto would otherwise refuse the next rotation as "still in
 *    progress": it tests for AWSPENDING on the AWSCURRENT version, the opposite of AWS's rule.)
 * 4. Lambda Invoke runs the function only in Docker: functions registered with `register` run in
 *    this process, answered in Lambda's wire format (X-Amz-Function-Error on failure).
 * 5. SQS has no message move tasks (StartMessageMoveTask, ListMessageMoveTasks): emulated with
 *    ReceiveMessage/SendMessage/DeleteMessage on moto, attributes kept, handles only on running tasks.
 *
 * It also injects faults on purpose: `sqsOutage` drops every SendMessage connection, the way an
 * unreachable SQS endpoint fails; `dynamodbFault` fails the next DynamoDB calls of one operation with
 * a 500 (`fail`, before moto sees them) or lets moto apply them and drops the connection before the
 * answer (`lose`: the write happened, the SDK sees a network error and resends it).
 */
export class AwsGapProxy {
  public url = '';
  /** While true, SendMessage fails at the connection (ECONNRESET). */
  public sqsOutage = false;
  /** The next `count` DynamoDB calls of `operation` (e.g. "PutItem") fail or lose their answer. */
  public dynamodbFault?: { operation: string; mode: 'fail' | 'lose'; count: number };
  /** Rotations the proxy ran for Secrets Manager that failed, with the step and error. */
  public readonly rotationFailures: string[] = [];
  private readonly functions = new Map<string, (event: unknown) => Promise<unknown>>();
  private readonly work = new Set<Promise<unknown>>();
  private readonly tasks: MoveTask[] = [];
  private server?: Server;

  constructor(private readonly motoUrl: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'InternalFailure', message: `e2e proxy: ${error instanceof Error ? error.message : String(error)}` }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await this.settled();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Makes Lambda Invoke of this function (by name or ARN) run `handler` here. */
  register(functionName: string, functionArn: string, handler: (event: unknown) => Promise<unknown>): void {
    this.functions.set(functionName, handler);
    this.functions.set(functionArn, handler);
  }

  /** Resolves once every rotation and move task the proxy started has ended. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    if (req.method === 'POST' && invoke) return this.invoke(decodeURIComponent(invoke[1]), req, body, res);
    switch (target) {
      case 'secretsmanager.GetSecretValue': {
        const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        if (input.VersionId === undefined && input.VersionStage === undefined) input.VersionStage = 'AWSCURRENT';
        return this.forward(req, Buffer.from(JSON.stringify(input)), res);
      }
      case 'secretsmanager.RotateSecret':
        return this.rotateSecret(req, body, res);
      case 'AmazonSQS.SendMessage':
      case 'AmazonSQS.SendMessageBatch':
        if (this.sqsOutage) {
          req.socket.destroy();
          return;
        }
        return this.forward(req, body, res);
      case 'DynamoDB_20120810.PutItem':
      case 'DynamoDB_20120810.UpdateItem':
      case 'DynamoDB_20120810.DeleteItem':
        return this.dynamodb(target.split('.')[1], req, body, res);
      case 'AmazonSQS.StartMessageMoveTask':
        return this.startMoveTask(body, res);
      case 'AmazonSQS.ListMessageMoveTasks':
        return this.listMoveTasks(body, res);
      default:
        return this.forward(req, body, res);
    }
  }

  private async dynamodb(operation: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const fault = this.dynamodbFault;
    if (!fault || fault.operation !== operation || fault.count <= 0) {
      await this.forward(req, body, res);
      return;
    }
    fault.count--;
    if (fault.mode === 'fail') {
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'e2e proxy: injected failure' }));
      return;
    }
    // Applied by moto, answer lost: the answer is read from moto and thrown away.
    const discarded = new PassThroughResponse();
    await this.forward(req, body, discarded as unknown as ServerResponse);
    req.socket.destroy();
  }

  /** Sends the request on to moto as it came (Host included, so the URLs moto builds point here) and relays the answer. */
  private async forward(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<Upstream> {
    const answer = await new Promise<Upstream>((resolve, reject) => {
      const target = new URL(this.motoUrl);
      const headers = { ...req.headers, 'content-length': String(body.length) };
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    return answer;
  }

  /** moto's own answer to a JSON-protocol call, for the proxy's own use. */
  private async call<T>(service: 'secretsmanager' | 'AmazonSQS', operation: string, input: unknown): Promise<T> {
    const response = await fetch(this.motoUrl, {
      method: 'POST',
      headers: {
        'content-type': service === 'AmazonSQS' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
        'x-amz-target': `${service}.${operation}`,
        // moto reads the region and service from the credential scope.
        authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${process.env.AWS_REGION ?? 'us-east-1'}/${service === 'AmazonSQS' ? 'sqs' : 'secretsmanager'}/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(input),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`moto ${operation}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  // Gaps 2 and 3.
  private async rotateSecret(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const input = JSON.parse(body.toString('utf8')) as { SecretId: string; RotationLambdaARN?: string };
    const described = await this.call<{ ARN: string; RotationLambdaARN?: string }>('secretsmanager', 'DescribeSecret', { SecretId: input.SecretId });
    const functionArn = input.RotationLambdaARN ?? described.RotationLambdaARN;
    if (functionArn) input.RotationLambdaARN = functionArn;
    const answer = await this.forward(req, Buffer.from(JSON.stringify(input)), res);
    if (answer.status !== 200 || !functionArn) return;
    const { VersionId: token } = JSON.parse(answer.body.toString('utf8')) as { VersionId: string };
    const handler = this.functions.get(functionArn);
    if (!handler) {
      this.rotationFailures.push(`${described.ARN}: no handler registered for ${functionArn}`);
      return;
    }
    // Secrets Manager answers RotateSecret at once and runs the steps afterwards.
    this.track(
      (async () => {
        for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
          try {
            await handler({ Step: step, SecretId: described.ARN, ClientRequestToken: token });
          } catch (error) {
            this.rotationFailures.push(`${described.ARN} ${step}: ${error instanceof Error ? error.message : String(error)}`);
            return;
          }
        }
        await this.call('secretsmanager', 'UpdateSecretVersionStage', { SecretId: described.ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: token });
      })(),
    );
  }

  // Gap 4.
  private async invoke(functionName: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const handler = this.functions.get(functionName);
    if (!handler) {
      await this.forward(req, body, res);
      return;
    }
    const headers = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
    let event: unknown;
    try {
      event = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidRequestContentException' });
      res.end(JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }));
      return;
    }
    try {
      const result = await handler(event);
      res.writeHead(200, headers);
      res.end(result === undefined ? 'null' : JSON.stringify(result));
    } catch (error) {
      res.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' });
      res.end(JSON.stringify({ errorType: error instanceof Error ? error.name : 'Error', errorMessage: error instanceof Error ? error.message : String(error) }));
    }
  }

  // Gap 5.
  private async startMoveTask(body: Buffer, res: ServerResponse): Promise<void> {
    const input = JSON.parse(body.toString('utf8')) as { SourceArn: string; DestinationArn?: string };
    if (this.tasks.some((t) => t.SourceArn === input.SourceArn && t.Status === 'RUNNING')) {
      return sendJson(res, 400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: 'There is already a task running. Only one active task is allowed for a source queue arn at a given time.' });
    }
    if (!input.DestinationArn) return sendJson(res, 400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: 'The e2e emulation needs DestinationArn' });
    const sourceUrl = await this.queueUrl(input.SourceArn);
    const destinationUrl = await this.queueUrl(input.DestinationArn);
    const attributes = await this.call<{ Attributes: Record<string, string> }>('AmazonSQS', 'GetQueueAttributes', { QueueUrl: sourceUrl, AttributeNames: ['ApproximateNumberOfMessages'] });
    const task: MoveTask = {
      TaskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn: input.SourceArn })).toString('base64'),
      Status: 'RUNNING',
      SourceArn: input.SourceArn,
      DestinationArn: input.DestinationArn,
      ApproximateNumberOfMessagesMoved: 0,
      ApproximateNumberOfMessagesToMove: Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0),
      StartedTimestamp: Date.now(),
    };
    this.tasks.unshift(task);
    this.track(
      (async () => {
        try {
          for (;;) {
            const { Messages = [] } = await this.call<{ Messages?: SqsMessage[] }>('AmazonSQS', 'ReceiveMessage', {
              QueueUrl: sourceUrl,
              MaxNumberOfMessages: 10,
              MessageAttributeNames: ['All'],
              VisibilityTimeout: 30,
            });
            if (Messages.length === 0) break;
            for (const message of Messages) {
              await this.call('AmazonSQS', 'SendMessage', { QueueUrl: destinationUrl, MessageBody: message.Body, MessageAttributes: message.MessageAttributes });
              await this.call('AmazonSQS', 'DeleteMessage', { QueueUrl: sourceUrl, ReceiptHandle: message.ReceiptHandle });
              task.ApproximateNumberOfMessagesMoved += 1;
            }
          }
          task.Status = 'COMPLETED';
        } catch (error) {
          task.Status = 'FAILED';
          task.FailureReason = error instanceof Error ? error.message : String(error);
        }
      })(),
    );
    sendJson(res, 200, { TaskHandle: task.TaskHandle });
  }

  private listMoveTasks(body: Buffer, res: ServerResponse): void {
    const input = JSON.parse(body.toString('utf8')) as { SourceArn: string; MaxResults?: number };
    const results = this.tasks
      .filter((t) => t.SourceArn === input.SourceArn)
      .slice(0, input.MaxResults ?? 1)
      // As SQS does: a finished task no longer has a handle.
      .map(({ TaskHandle, ...rest }) => (rest.Status === 'RUNNING' ? { TaskHandle, ...rest } : rest));
    sendJson(res, 200, { Results: results });
  }

  private async queueUrl(arn: string): Promise<string> {
    const [, , , , account, name] = arn.split(':');
    const { QueueUrl } = await this.call<{ QueueUrl: string }>('AmazonSQS', 'GetQueueUrl', { QueueName: name, QueueOwnerAWSAccountId: account });
    return QueueUrl;
  }

  private track(work: Promise<unknown>): void {
    this.work.add(work);
    void work.finally(() => this.work.delete(work));
  }
}

interface Upstream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

interface MoveTask {
  TaskHandle: string;
  Status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  SourceArn: string;
  DestinationArn: string;
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove: number;
  StartedTimestamp: number;
  FailureReason?: string;
}

interface SqsMessage {
  Body: string;
  ReceiptHandle: string;
  MessageAttributes?: Record<string, unknown>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Stands in for the client's response when an answer is to be lost: takes what forward() writes, keeps nothing. */
class PassThroughResponse {
  writeHead(): this {
    return this;
  }
  end(): void {}
}
