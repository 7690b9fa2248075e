import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { MessageAttributeValue, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { KeySetDocument } from '../../runtime';

/** A message as the queue carries it: what a processor receives, with its attributes as plain strings. */
export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly bodyEncoding: string;
  readonly attributes: Record<string, string>;
}

// SQS's own limits, so a message that would not fit the real queue does not pass here either.
const MAX_ATTRIBUTES = 10;
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** SQS, in memory: SendMessage hands each message to `deliver` instead of a queue. */
export class MemoryQueue {
  constructor(private readonly deliver: (queueUrl: string, message: QueuedMessage) => void) {}

  async send(command: unknown): Promise<unknown> {
    if (!(command instanceof SendMessageCommand)) throw new Error(`serve's in-memory SQS does not implement ${commandName(command)} (cli/local/memory-aws.ts)`);
    const { QueueUrl, MessageBody, MessageAttributes } = command.input;
    const attributes = Object.entries(MessageAttributes ?? {});
    if (attributes.length > MAX_ATTRIBUTES) throw awsError('InvalidParameterValue', `Number of message attributes [${attributes.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
    const size = Buffer.byteLength(MessageBody ?? '') + attributes.reduce((n, [name, value]) => n + Buffer.byteLength(name) + attributeBytes(value), 0);
    if (size > MAX_MESSAGE_BYTES) throw awsError('InvalidParameterValue', `The message is ${size} bytes, over SQS's ${MAX_MESSAGE_BYTES}.`);
    const flat = Object.fromEntries(attributes.map(([name, value]) => [name, value.StringValue ?? '']));
    const messageId = randomUUID();
    this.deliver(QueueUrl ?? '', { messageId, body: MessageBody ?? '', bodyEncoding: flat.bodyEncoding ?? 'utf8', attributes: flat });
    return { MessageId: messageId };
  }
}

function attributeBytes(value: MessageAttributeValue): number {
  return Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '') + (value.BinaryValue?.length ?? 0);
}

/**
 * Secrets Manager, in memory: one secret per source, answering GetSecretValue with its key set
 * (AWSCURRENT; there is no AWSPREVIOUS version, as for a secret that has never been rotated).
 */
export class MemorySecrets {
  private readonly secrets = new Map<string, { value: string; created: Date }>();

  put(secretId: string, doc: KeySetDocument): void {
    this.secrets.set(secretId, { value: JSON.stringify(doc), created: new Date() });
  }

  async send(command: unknown): Promise<unknown> {
    if (!(command instanceof GetSecretValueCommand)) throw new Error(`serve's in-memory Secrets Manager does not implement ${commandName(command)} (cli/local/memory-aws.ts)`);
    const { SecretId, VersionStage } = command.input;
    const secret = SecretId === undefined ? undefined : this.secrets.get(SecretId);
    if (!secret || (VersionStage !== undefined && VersionStage !== 'AWSCURRENT')) {
      throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value.", $metadata: {} });
    }
    return { ARN: SecretId, Name: SecretId, SecretString: secret.value, VersionId: 'local', VersionStages: ['AWSCURRENT'], CreatedDate: secret.created };
  }
}

function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export function commandName(command: unknown): string {
  return (command as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof command;
}
