import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
