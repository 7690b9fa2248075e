import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import * as fc from 'fast-check';
import { parseWebhookRecord, S3ClientLike, WebhookRecordError } from '../../lib/runtime/consumer';
import { addMetadata, sqsBody } from '../../lib/handlers/verifier/verifier';
import { isoAt } from '../support/clock';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const RECEIVED_AT = isoAt(0);

/** The attributes the verifier sends, as SendMessage takes them (lib/handlers/verifier/stages/enqueue.ts). */
function verifierAttributes(body: Buffer, encoding: string, metadata: Record<string, string> = {}, source = 'github'): Record<string, MessageAttributeValue> {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const attributes: Record<string, MessageAttributeValue> = {
    source: text(source),
    receivedAt: text(RECEIVED_AT),
    payloadSha256: text(sha256(body)),
    dedupeKey: text(`sha256:${sha256(body)}`),
    contentType: text('application/json'),
    bodyEncoding: text(encoding),
    requestId: text('c6af9ac6-7b61-11e6-9a41-93e8deadbeef'),
    bodyBinding: text('signed'),
  };
  addMetadata(attributes, metadata);
  return attributes;
}

/** What Lambda's SQS event source hands the processor for a message sent with these attributes. */
function lambdaRecord(body: string, attributes: Record<string, MessageAttributeValue>, messageId = '059f36b4-87a3-44ab-83d2-661975830a7d'): SQSRecord {
  return {
    messageId,
    receiptHandle: 'AQEB...',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'AROA', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: Object.fromEntries(
      Object.entries(attributes).map(([name, value]) => [name, { dataType: value.DataType!, stringValue: value.StringValue, stringListValues: [], binaryListValues: [] }]),
    ),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:queue',
    awsRegion: 'us-east-1',
  };
}

/** A record as the verifier queues `body` inline, with this metadata. */
function queued(body: string | Buffer, metadata: Record<string, string> = {}): SQSRecord {
  const { text, encoding } = sqsBody(body);
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return lambdaRecord(text, verifierAttributes(bytes, encoding, metadata));
}

/** The same record with its attributes changed: a value replaced, or removed with undefined. */
function withAttributes(record: SQSRecord, changes: Record<string, string | undefined | SQSRecord['messageAttributes'][string]>): SQSRecord {
  const messageAttributes = { ...record.messageAttributes };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete messageAttributes[name];
    else messageAttributes[name] = typeof value === 'string' ? { dataType: 'String', stringValue: value, stringListValues: [], binaryListValues: [] } : value;
  }
  return { ...record, messageAttributes };
}

async function problemsOf(promise: Promise<unknown>): Promise<readonly string[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookRecordError);
    return (error as WebhookRecordError).problems;
  }
  throw new Error('expected a WebhookRecordError');
}

describe('inline bodies', () => {
  test('a UTF-8 body: its exact bytes, text and JSON, and every attribute', async () => {
    const body = '{"action":"opened","number":1,"title":"héllo \u{1F600}"}';

    const record = await parseWebhookRecord(queued(body));

    expect(record.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(record.text()).toBe(body);
    expect(record.json()).toEqual({ action: 'opened', number: 1, title: 'héllo \u{1F600}' });
    expect(record).toMatchObject({
      messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      source: 'github',
      bodyEncoding: 'utf8',
      contentType: 'application/json',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      dedupeKey: `sha256:${sha256(body)}`,
      payloadSha256: sha256(body),
      bodyBinding: 'signed',
      signed: {},
      unsigned: {},
    });
    expect(record.receivedAt.toISOString()).toBe(RECEIVED_AT);
    expect(record.claimCheck).toBeUndefined();
    expect(Object.isFrozen(record)).toBe(true);
  });

  test('a binary body travels base64 and comes back byte for byte', async () => {
    const body = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0b, 0x7f, 0xc3]);

    const record = await parseWebhookRecord(queued(body));

    expect(record.bodyEncoding).toBe('base64');
    expect(record.body.equals(body)).toBe(true);
  });

  test('text with a character SQS cannot carry (a NUL) is base64 too, and still reads as text', async () => {
    const body = 'a\u0000b';
    const record = await parseWebhookRecord(queued(body));
    expect([record.bodyEncoding, record.text()]).toEqual(['base64', body]);
  });

  test('a byte-order mark is kept: text() returns it, json() refuses it as not JSON', async () => {
    const record = await parseWebhookRecord(queued(Buffer.from('\uFEFF{"a":1}', 'utf8')));
    expect(record.text()).toBe('\uFEFF{"a":1}');
    expect(() => record.json()).toThrow(/the body is not JSON: not valid JSON/);
  });
});

describe('metadata', () => {
  test('signed and unsigned values are two maps, named without their prefix', async () => {
    const record = await parseWebhookRecord(queued('{}', { 'signed.eventId': 'evt_1', 'unsigned.eventType': 'push' }));

    expect(record.signed).toEqual({ eventId: 'evt_1' });
    expect(record.unsigned).toEqual({ eventType: 'push' });
  });

  test('any name is a plain own property, __proto__ and constructor included', async () => {
    const record = await parseWebhookRecord(queued('{}', { 'unsigned.__proto__': 'p', 'signed.constructor': 'c' }));
    expect(Object.keys(record.unsigned)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(record.unsigned, '__proto__')?.value).toBe('p');
    expect(Object.getPrototypeOf(record.unsigned)).toBe(Object.prototype);
    expect(Object.hasOwn(record.signed, 'constructor') && record.signed.constructor).toBe('c');
  });

  test('what did not fit in SQS\'s 10 attributes is read back from the folded "metadata" attribute', async () => {
    const metadata = { 'signed.eventId': 'e', 'unsigned.eventId': 'd', 'unsigned.eventType': 't', 'unsigned.attempt': '3', 'signed.messageId': 'm' };
    const sqs = queued('{}', metadata);
    expect(Object.keys(sqs.messageAttributes)).toHaveLength(10);
    expect(sqs.messageAttributes.metadata).toBeDefined();

    const record = await parseWebhookRecord(sqs);

    expect(record.signed).toEqual({ eventId: 'e', messageId: 'm' });
    expect(record.unsigned).toEqual({ eventId: 'd', eventType: 't', attempt: '3' });
  });
});

describe('malformed or tampered records throw a WebhookRecordError naming every problem', () => {
  const good = () => queued('{"a":1}', { 'signed.eventId': 'e1' });

  test.each(['source', 'receivedAt', 'payloadSha256', 'dedupeKey', 'contentType', 'bodyEncoding', 'requestId', 'bodyBinding'])('missing %s', async (name) => {
    expect(await problemsOf(parseWebhookRecord(withAttributes(good(), { [name]: undefined })))).toEqual([`attribute "${name}" is missing`]);
  });

  test('several problems are reported together, with the message id', async () => {
    const promise = parseWebhookRecord(withAttributes(good(), { source: undefined, bodyEncoding: 'gzip', receivedAt: 'yesterday' }));
    await expect(promise).rejects.toThrow(/^SQS message 059f36b4-87a3-44ab-83d2-661975830a7d is not a webhook record the verifier queued: /);
    expect(await problemsOf(promise)).toEqual([
      'attribute "source" is missing',
      'attribute "receivedAt" "yesterday" is not an ISO 8601 instant (YYYY-MM-DDTHH:MM:SS.sssZ)',
      'attribute "bodyEncoding" "gzip" is not one of utf8, base64, s3',
    ]);
  });

  test.each([
    ['receivedAt', '2026-11-28T12:00:00Z', 'attribute "receivedAt" "2026-11-28T12:00:00Z" is not an ISO 8601 instant (YYYY-MM-DDTHH:MM:SS.sssZ)'],
    ['receivedAt', '2026-02-30T12:00:00.000Z', 'attribute "receivedAt" "2026-02-30T12:00:00.000Z" is not an ISO 8601 instant (YYYY-MM-DDTHH:MM:SS.sssZ)'],
    ['payloadSha256', 'ABC', 'attribute "payloadSha256" "ABC" is not a lower-case hex SHA-256'],
    ['bodyBinding', 'mostly', 'attribute "bodyBinding" "mostly" is not one of signed, partial, unsigned'],
    ['source', '', 'attribute "source" is empty'],
    ['dedupeKey', '', 'attribute "dedupeKey" is empty'],
  ])('%s %j', async (name, value, problem) => {
    expect(await problemsOf(parseWebhookRecord(withAttributes(good(), { [name]: value })))).toEqual([problem]);
  });

  test('an attribute that is not a String attribute', async () => {
    const binary = { dataType: 'Binary', binaryValue: 'AA==', stringListValues: [], binaryListValues: [] };
    expect(await problemsOf(parseWebhookRecord(withAttributes(good(), { dedupeKey: binary })))).toEqual(['attribute "dedupeKey" is not a String attribute']);
  });

  test('an attribute the verifier never sends is reported, not ignored', async () => {
    expect(await problemsOf(parseWebhookRecord(withAttributes(good(), { priority: 'high' })))).toEqual([
      'attribute "priority" is neither a verifier attribute (source, receivedAt, payloadSha256, dedupeKey, contentType, bodyEncoding, requestId, bodyBinding, metadata) nor sender metadata (signed.<name>, unsigned.<name>)',
    ]);
  });

  test('a body changed after it was queued no longer matches payloadSha256', async () => {
    const record = { ...good(), body: '{"a":2}' };
    expect(await problemsOf(parseWebhookRecord(record))).toEqual([`the body's SHA-256 ${sha256('{"a":2}')} is not payloadSha256 ${sha256('{"a":1}')}: it was changed after the verifier queued it`]);
  });

  test.each(['not base64!', 'AAB=', 'AA', 'AA==AA=='])('a base64 body that is not canonical base64: %j', async (text) => {
    const record = withAttributes({ ...good(), body: text }, { bodyEncoding: 'base64' });
    expect(await problemsOf(parseWebhookRecord(record))).toEqual(['the body is not canonical base64 (bodyEncoding "base64")']);
  });

  test.each([
    ['not JSON', '{', expect.stringMatching(/^attribute "metadata" is not a JSON object \(not valid JSON( \(at character \d+\))?\)$/)],
    ['an array', '["signed.a"]', 'attribute "metadata" is not a JSON object'],
    ['empty', '{}', 'attribute "metadata" is an empty object (the verifier folds metadata only when there is some)'],
    ['a value that is not a string', '{"signed.n":1}', 'metadata "signed.n" inside attribute "metadata" is not a string'],
    ['a name without a prefix', '{"eventId":"x"}', 'metadata name "eventId" is neither a verifier attribute (source, receivedAt, payloadSha256, dedupeKey, contentType, bodyEncoding, requestId, bodyBinding, metadata) nor sender metadata (signed.<name>, unsigned.<name>)'],
    ['a name with an empty suffix', '{"signed.":"x"}', 'metadata name "signed." is neither a verifier attribute (source, receivedAt, payloadSha256, dedupeKey, contentType, bodyEncoding, requestId, bodyBinding, metadata) nor sender metadata (signed.<name>, unsigned.<name>)'],
    ['a name also given as its own attribute', '{"signed.eventId":"other"}', 'metadata "signed.eventId" is given both as its own attribute and inside attribute "metadata"'],
    ['a key twice', '{"unsigned.a":"1","unsigned.a":"2"}', 'attribute "metadata" is not a JSON object (an object in it names a key twice, which parsers read differently)'],
  ])('a "metadata" attribute that is %s', async (_, metadata, problem) => {
    expect(await problemsOf(parseWebhookRecord(withAttributes(good(), { metadata })))).toEqual([problem]);
  });

  test('a record with no attributes at all, or no message id', async () => {
    expect(await problemsOf(parseWebhookRecord({ messageId: 'm', body: 'x' } as unknown as SQSRecord))).toEqual(['it has no messageAttributes']);
    await expect(parseWebhookRecord({ ...good(), messageId: '' })).rejects.toThrow(/^SQS message \(no messageId\) is not/);
  });
});

describe('text() and json() fail clearly', () => {
  test('text() of a body that is not UTF-8 names the problem and its size, never the bytes', async () => {
    const record = await parseWebhookRecord(queued(Buffer.from([0x7b, 0xff, 0x7d])));
    expect(() => record.text()).toThrow(WebhookRecordError);
    expect(() => record.text()).toThrow('the body (3 bytes) is not valid UTF-8 text; read it as bytes (record.body)');
  });

  test('json() of a body that is not JSON says where, without quoting the body', async () => {
    const record = await parseWebhookRecord(queued('{"card":"4111 1111 1111 1111",}'));
    let message = '';
    try {
      record.json();
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookRecordError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/the body is not JSON: not valid JSON/);
    expect(message).not.toContain('4111');
  });

  test('json() refuses a body in which an object names a key twice, at any depth', async () => {
    const top = await parseWebhookRecord(queued('{"amount":1,"amount":1000}'));
    const nested = await parseWebhookRecord(queued('[{"a":{"b":1,"\\u0062":2}}]'));
    expect(() => top.json()).toThrow('the body is not JSON: an object in it names a key twice, which parsers read differently');
    expect(() => nested.json()).toThrow(/names a key twice/);
    expect((await parseWebhookRecord(queued('[1,"two",null]'))).json()).toEqual([1, 'two', null]);
  });
});

describe('claim-checked bodies', () => {
  const large = Buffer.alloc(800 * 1024, 'x');
  const claim = (overrides: Record<string, unknown> = {}, body = large) =>
    JSON.stringify({ bucket: 'body-bucket', key: 'github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b', size: body.length, sha256: sha256(body), ...overrides });
  const claimChecked = (claimText = claim(), bytes = large) => lambdaRecord(claimText, verifierAttributes(bytes, 's3'));
  /** An S3 client that serves `objects` and records what it was asked. */
  const s3 = (objects: Record<string, Buffer>, contentLength?: number) => {
    const asked: { Bucket?: string; Key?: string }[] = [];
    const client: S3ClientLike = {
      send: async (command: GetObjectCommand) => {
        expect(command).toBeInstanceOf(GetObjectCommand);
        asked.push(command.input);
        const found = objects[`${command.input.Bucket}/${command.input.Key}`];
        if (!found) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
        return { ContentLength: contentLength ?? found.length, Body: { transformToByteArray: async () => new Uint8Array(found) } };
      },
    };
    return { client, asked };
  };
  const stored = { 'body-bucket/github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b': large };

  test('the object is fetched with the given client and checked: the exact bytes, and the claim', async () => {
    const { client, asked } = s3(stored);

    const record = await parseWebhookRecord(claimChecked(), { s3: client, bucket: 'body-bucket' });

    expect(asked).toEqual([{ Bucket: 'body-bucket', Key: 'github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b' }]);
    expect(record.body.equals(large)).toBe(true);
    expect(record.bodyEncoding).toBe('s3');
    expect(record.claimCheck).toEqual(JSON.parse(claim()));
  });

  test('an object with other bytes of the same size: SHA-256 mismatch', async () => {
    const other = Buffer.alloc(large.length, 'y');
    const { client } = s3({ [Object.keys(stored)[0]]: other });
    expect(await problemsOf(parseWebhookRecord(claimChecked(), { s3: client }))).toEqual([
      `the claim-checked body s3://body-bucket/github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b has SHA-256 ${sha256(other)}, not the claim's ${sha256(large)}`,
    ]);
  });

  test('an object of another size: refused on its ContentLength, and on the bytes read when S3 gives none', async () => {
    const longer = Buffer.concat([large, Buffer.from('!')]);
    expect(await problemsOf(parseWebhookRecord(claimChecked(), { s3: s3({ [Object.keys(stored)[0]]: longer }).client }))).toEqual([
      `the claim-checked body s3://body-bucket/github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b is ${longer.length} bytes, not the claim's ${large.length}`,
    ]);
    const noLength: S3ClientLike = { send: async () => ({ Body: { transformToByteArray: async () => new Uint8Array(longer) } }) };
    expect(await problemsOf(parseWebhookRecord(claimChecked(), { s3: noLength }))).toEqual([
      `the claim-checked body s3://body-bucket/github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b is ${longer.length} bytes, not the claim's ${large.length}`,
      `the claim-checked body s3://body-bucket/github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b has SHA-256 ${sha256(longer)}, not the claim's ${sha256(large)}`,
    ]);
  });

  test('an object that is gone (expired) is a WebhookRecordError; any other S3 error is thrown as it is, to be retried', async () => {
    expect(await problemsOf(parseWebhookRecord(claimChecked(), { s3: s3({}).client }))).toEqual([
      "the claim-checked body s3://body-bucket/github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b does not exist (expired by the bucket's lifecycle after a late second redrive, or never written)",
    ]);
    const throttled = Object.assign(new Error('Slow Down'), { name: 'SlowDown' });
    await expect(parseWebhookRecord(claimChecked(), { s3: { send: async () => Promise.reject(throttled) } })).rejects.toBe(throttled);
  });

  test.each([
    ['not JSON', 'bucket=b', expect.stringMatching(/^the body of a claim-checked record \(bodyEncoding "s3"\) is not the JSON object \{bucket, key, size, sha256\} \(not valid JSON/)],
    // Until the claim is known to be the verifier's, no name or value of it is quoted (it may be a body): types and counts only.
    ['a string', '"s3://b/k"', 'the body of a claim-checked record (bodyEncoding "s3") is not the JSON object {bucket, key, size, sha256} (it is a string of 8 character(s))'],
    ['an unknown field', claim({ region: 'us-east-1' }), 'the claim check has 1 unknown field(s) (only bucket, key, size and sha256 are allowed)'],
    ['no bucket', claim({ bucket: '' }), 'the claim check\'s "bucket" is not a non-empty string (it is a string of 0 character(s))'],
    ['a key that is a number', claim({ key: 42 }), 'the claim check\'s "key" is not a non-empty string (it is a number)'],
    ['a size that is not a whole number', claim({ size: 1.5 }), 'the claim check\'s "size" is not a whole number of bytes from 1 to 6291456 (it is a number)'],
    ['a size over the largest body', claim({ size: 7_000_000 }), 'the claim check\'s "size" is not a whole number of bytes from 1 to 6291456 (it is a number)'],
    ['a size that is a string', claim({ size: '10' }), 'the claim check\'s "size" is not a whole number of bytes from 1 to 6291456 (it is a string of 2 character(s))'],
    ['a sha256 that is not hex', claim({ sha256: 'abc' }), 'the claim check\'s "sha256" is not a lower-case hex SHA-256 (it is a string of 3 character(s))'],
    ['a sha256 other than payloadSha256', claim({ sha256: sha256('other') }), `the claim check's "sha256" is not payloadSha256 ${sha256(large)}`],
    ['a key outside the source\'s prefix', claim({ key: 'stripe/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b' }), 'the claim check\'s key "stripe/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b" is not the verifier\'s "github/<yyyy>/<mm>/<dd>/<uuid>"'],
    ['a key under the prefix but not of the verifier\'s form', claim({ key: 'github/2026/11/28/x' }), 'the claim check\'s key "github/2026/11/28/x" is not the verifier\'s "github/<yyyy>/<mm>/<dd>/<uuid>"'],
    ['a key one level deeper', claim({ key: 'github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b/x' }), 'the claim check\'s key "github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b/x" is not the verifier\'s "github/<yyyy>/<mm>/<dd>/<uuid>"'],
    ['a key with an upper-case uuid', claim({ key: 'github/2026/11/28/0B0F7D6E-6F5C-4D3E-9B1A-2C3D4E5F6A7B' }), 'the claim check\'s key "github/2026/11/28/0B0F7D6E-6F5C-4D3E-9B1A-2C3D4E5F6A7B" is not the verifier\'s "github/<yyyy>/<mm>/<dd>/<uuid>"'],
    ['a key with month 13', claim({ key: 'github/2026/13/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b' }), 'the claim check\'s key "github/2026/13/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b" is not the verifier\'s "github/<yyyy>/<mm>/<dd>/<uuid>"'],
    ['a key twice', claim().replace('{', '{"bucket":"evil",'), 'the body of a claim-checked record (bodyEncoding "s3") is not the JSON object {bucket, key, size, sha256} (an object in it names a key twice, which parsers read differently)'],
  ])('a claim that is %s is refused before anything is fetched', async (_, text, problem) => {
    const { client, asked } = s3(stored);
    expect(await problemsOf(parseWebhookRecord(claimChecked(text), { s3: client }))).toEqual([problem]);
    expect(asked).toEqual([]);
  });

  test('a claim naming another bucket than the one given is refused before anything is fetched', async () => {
    const { client, asked } = s3(stored);
    expect(await problemsOf(parseWebhookRecord(claimChecked(), { s3: client, bucket: 'the-real-bucket' }))).toEqual([
      'the claim check names bucket "body-bucket", not the body bucket "the-real-bucket"',
    ]);
    expect(asked).toEqual([]);
  });
});

describe('whatever the verifier queues parses back to the same bytes and metadata', () => {
  const name = fc.tuple(fc.constantFrom('signed.', 'unsigned.'), fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme-ascii' })).map(([p, n]) => p + n);
  const metadata = fc.dictionary(name, fc.string({ maxLength: 20, unit: 'grapheme' }), { maxKeys: 7 });
  const body = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
    fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
    fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }),
  );

  test('property: sqsBody + addMetadata, through Lambda\'s record shape, back through parseWebhookRecord', async () => {
    await fc.assert(
      fc.asyncProperty(body, metadata, async (sent, meta) => {
        const record = await parseWebhookRecord(queued(sent, meta));
        const bytes = typeof sent === 'string' ? Buffer.from(sent, 'utf8') : sent;
        expect(record.body.equals(bytes)).toBe(true);
        const split = (prefix: string) => Object.fromEntries(Object.entries(meta).filter(([n]) => n.startsWith(prefix)).map(([n, v]) => [n.slice(prefix.length), v]));
        expect(record.signed).toEqual(split('signed.'));
        expect(record.unsigned).toEqual(split('unsigned.'));
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 200), seed: 22 },
    );
  });
});
