import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createServer, IncomingMessage, request } from 'node:http';
import { AddressInfo } from 'node:net';
// dynalite has no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => import('node:http').Server;

/** An in-process DynamoDB (dynalite) with the dedupe table's key schema. */
export async function startDynalite(): Promise<{ url: string; stop: () => Promise<void>; createTable: (name: string) => Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    createTable: async (name) => {
      await new DynamoDBClient({ endpoint: url }).send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    },
  };
}

type ItemCommand = PutItemCommand | UpdateItemCommand | DeleteItemCommand;

/**
 * dynalite predates ReturnValuesOnConditionCheckFailure (2023) and ignores it. This client adds what
 * DynamoDB returns with ALL_OLD to a ConditionalCheckFailedException: the item found, read (strongly
 * consistent) right after the failure. Not atomic with the failed write, as DynamoDB's answer is: in
 * between the item can only have moved on (IN_PROGRESS to COMPLETED, or released), a state a
 * concurrent request may see anyway. Moto (test/e2e) returns the item as DynamoDB does.
 */
export function withAllOld(client: DynamoDBClient): DynamoDBClient {
  return {
    send: async (command: ItemCommand) => {
      try {
        return await client.send(command as PutItemCommand);
      } catch (error) {
        const input = command.input as { TableName?: string; Item?: Record<string, unknown>; Key?: Record<string, unknown>; ReturnValuesOnConditionCheckFailure?: string };
        if ((error as Error).name !== 'ConditionalCheckFailedException' || input.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD') throw error;
        const key = input.Key ?? { pk: (input.Item as { pk: unknown }).pk };
        const found = await client.send(new GetItemCommand({ TableName: input.TableName, Key: key as GetItemCommand['input']['Key'], ConsistentRead: true }));
        if (found.Item) Object.assign(error as object, { Item: found.Item });
        throw error;
      }
    },
  } as unknown as DynamoDBClient;
}

/**
 * A proxy in front of a DynamoDB endpoint that can lose answers: the request reaches DynamoDB and is
 * applied, then the connection drops before the answer gets back, which the SDK sees as a network
 * error and resends (the "lost write"). `loseAnswers('PutItem', n)` loses the next n answers to that
 * operation.
 */
export async function startLossyProxy(target: string): Promise<{ url: string; loseAnswers: (operation: string, count: number) => void; stop: () => Promise<void> }> {
  const losing = new Map<string, number>();
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const to = new URL(target);
      const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
        const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, 'content-length': String(body.length) } }, (response) => {
          void readAll(response).then((data) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: data }), reject);
        });
        upstream.on('error', reject);
        upstream.end(body);
      });
      const lose = losing.get(operation) ?? 0;
      if (lose > 0) {
        losing.set(operation, lose - 1);
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    })().catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    loseAnswers: (operation, count) => void losing.set(operation, count),
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
