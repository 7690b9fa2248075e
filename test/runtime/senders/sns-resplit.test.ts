import fc from 'fast-check';
import { schemeFor, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../../lib/runtime';
import { MINUTE, TEST_NOW } from '../../support/clock';
import { SNS_CERT_URL as CERT_URL, SNS_SIGNED_FIELDS as SIGNED_FIELDS, SNS_TOPIC as TOPIC, SnsType as Type, snsStringToSign as stringToSign, useSnsSigner } from './support/sns';

// SNS signs `name\nvalue\n` for each field and escapes nothing, so a string to sign can be cut into
// fields more than one way. A message whose Message carries `\nMessageId\n<X>\nSubject\n...` is
// re-split, by anyone who holds it, into a second message under the same signature: a new MessageId
// (a new dedupe key), a made-up Subject, the Message cut short. SNS's own field rules (MessageId a
// UUID; Subject without line breaks or control characters, under 100 characters; the other fields as
// SNS writes them) leave one split only. The strings to sign are built here from AWS's documentation
// (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html), not with the
// scheme's code, and signed with a certificate of the tests' own authority.

const MESSAGE_ID = '5f1c6a3e-8b0d-4c2e-9a71-3d4e5f607182';
const FORGED_ID = '0b9e2c44-7d1a-4f3b-8e65-a1b2c3d4e5f6';
const TOKEN = '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad';
const SUBSCRIBE_URL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=${TOKEN}`;

/**
 * Every way to read `signed` as the fields of a message of `type` (Subject optional for a
 * Notification), as a verifier that checks only the signature would: each name line where the
 * order puts it, each value any run of text up to a newline that is followed by the next name.
 */
function splits(signed: string, type: Type): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  const walk = (at: number, names: readonly string[], fields: Record<string, string>) => {
    if (names.length === 0) {
      if (at === signed.length) found.push({ ...fields });
      return;
    }
    const [name, ...rest] = names;
    if (name === 'Subject') walk(at, rest, fields);
    if (!signed.startsWith(`${name}\n`, at)) return;
    const start = at + name.length + 1;
    for (let end = signed.indexOf('\n', start); end >= 0; end = signed.indexOf('\n', end + 1)) {
      walk(end + 1, rest, { ...fields, [name]: signed.slice(start, end) });
    }
  };
  walk(0, SIGNED_FIELDS[type], {});
  return found;
}

const sns = useSnsSigner();

/** The body SNS would send for `fields`, signed (SignatureVersion 2) as SNS signs. */
function signedBody(fields: Record<string, string>): Record<string, string> {
  return sns.sign(fields);
}

function notification(message: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Type: 'Notification', MessageId: MESSAGE_ID, TopicArn: TOPIC, Message: message, Timestamp: new Date(TEST_NOW - MINUTE).toISOString(), ...extra };
}

function confirmation(type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation', message: string): Record<string, string> {
  return { Type: type, MessageId: MESSAGE_ID, Token: TOKEN, TopicArn: TOPIC, Message: message, SubscribeURL: SUBSCRIBE_URL, Timestamp: new Date(TEST_NOW - MINUTE).toISOString() };
}

/** The scheme's verdict on `body`, with the certificate its SigningCertURL names (loaded as the cache loads it). */
async function verify(body: Record<string, string>): Promise<VerifyResult> {
  const scheme = schemeFor({ type: 'sns', topicArns: [TOPIC] });
  const keys = await scheme.published!.load(CERT_URL, async () => ({ status: 200, body: sns.leaf().certificate }), TEST_NOW);
  const request: WebhookRequest = { headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: JSON.stringify(body) };
  return scheme.verify(request, [keys.get(CERT_URL)!], TEST_NOW, scheme.defaultToleranceSeconds!);
}

/** The genuinely signed message's signature carried over to `fields`: the re-split an attacker sends. */
function resplit(original: Record<string, string>, fields: Record<string, string>): Record<string, string> {
  return { ...fields, SignatureVersion: original.SignatureVersion, Signature: original.Signature, SigningCertURL: original.SigningCertURL };
}

describe('sns: the signed string splits into fields one way only', () => {
  test('a Message carrying `\\nMessageId\\n<X>\\nSubject\\n...` cannot be re-split into a message with MessageId X and a made-up Subject', async () => {
    const original = signedBody(notification(`{"order":42}\nMessageId\n${FORGED_ID}\nSubject\nRefund approved`));
    const genuine = await verify(original);
    expect(genuine).toMatchObject({ ok: true, eventId: MESSAGE_ID, dedupeKey: MESSAGE_ID });
    expect(genuine.ok && 'signed.subject' in genuine.metadata).toBe(false);

    const forged = notification('{"order":42}', { MessageId: FORGED_ID, Subject: `Refund approved\nMessageId\n${MESSAGE_ID}` });
    // The attack is real: the same string to sign, so the same signature covers it.
    expect(stringToSign(forged)).toBe(stringToSign(original));
    expect(splits(stringToSign(original), 'Notification')).toContainEqual(forged);
    expect(await verify(resplit(original, forged))).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('nor into one whose MessageId swallows the real one (a MessageId is a UUID)', async () => {
    const original = signedBody(notification(`{"order":42}\nMessageId\n${FORGED_ID}`));
    expect(await verify(original)).toMatchObject({ ok: true, eventId: MESSAGE_ID });
    const forged = notification('{"order":42}', { MessageId: `${FORGED_ID}\nMessageId\n${MESSAGE_ID}` });
    expect(stringToSign(forged)).toBe(stringToSign(original));
    expect(await verify(resplit(original, forged))).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test.each(['SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const)('a %s cannot be re-split through its SubscribeURL or Token', async (type) => {
    const original = signedBody(confirmation(type, `You have chosen to subscribe.\nMessageId\n${FORGED_ID}\nSubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=forged`));
    expect(await verify(original)).toMatchObject({ ok: true, eventId: MESSAGE_ID });
    const alternatives = splits(stringToSign(original), type).filter((fields) => fields.MessageId !== MESSAGE_ID || fields.Message !== original.Message);
    expect(alternatives.length).toBeGreaterThan(0);
    for (const fields of alternatives) expect(await verify(resplit(original, { ...fields, Type: type }))).toMatchObject({ ok: false });
  });

  test('for any Message, however it mixes field names, UUIDs and newlines, every other split of its signed string is refused (property)', async () => {
    const line = fc.oneof(
      fc.constantFrom('MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type', 'Notification', FORGED_ID, MESSAGE_ID, TOPIC, 'Refund approved', new Date(TEST_NOW).toISOString(), ''),
      fc.string({ maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 10 }), fc.option(fc.constantFrom('Order placed', 'x'), { nil: undefined }), async (lines, subject) => {
        const original = signedBody(notification(lines.join('\n'), subject === undefined ? {} : { Subject: subject }));
        expect(await verify(original)).toMatchObject({ ok: true, eventId: MESSAGE_ID });
        for (const fields of splits(stringToSign(original), 'Notification')) {
          if (fields.Message === original.Message) continue;
          expect(await verify(resplit(original, { ...fields, Type: 'Notification' }))).toMatchObject({ ok: false });
        }
      }),
      { numRuns: 60 },
    );
  });

  test('SNS\'s field rules: a Subject of up to 100 characters without line breaks or control characters verifies; one over, or with either, is refused', async () => {
    for (const subject of ['Order placed', 'x'.repeat(100), 'Größe: 42 €', '']) {
      expect(await verify(signedBody(notification('{}', { Subject: subject })))).toMatchObject({ ok: true });
    }
    for (const subject of ['x'.repeat(101), 'a\nb', 'a\rb', 'a\tb', 'a\u0000b', 'a\u007fb', 'a\u0085b', 'a\u2028b']) {
      expect(await verify(signedBody(notification('{}', { Subject: subject })))).toEqual({ ok: false, reason: 'malformed_header' });
    }
  });

  test('SNS\'s field rules: a MessageId that is not a UUID, a TopicArn that is not an ARN, a Token or SubscribeURL with a control character is refused, signed or not', async () => {
    for (const id of ['msg-1', `${MESSAGE_ID}x`, MESSAGE_ID.replace(/-/g, '')]) {
      expect(await verify(signedBody(notification('{}', { MessageId: id })))).toEqual({ ok: false, reason: 'malformed_header' });
    }
    expect(await verify(signedBody(notification('{}', { MessageId: MESSAGE_ID.toUpperCase() })))).toMatchObject({ ok: true, eventId: MESSAGE_ID.toUpperCase() });
    expect(await verify(signedBody(notification('{}', { TopicArn: `${TOPIC}\nx` })))).toEqual({ ok: false, reason: 'malformed_header' });
    expect(await verify(signedBody({ ...confirmation('SubscriptionConfirmation', 'm'), Token: `${TOKEN}\nx` }))).toEqual({ ok: false, reason: 'malformed_header' });
    expect(await verify(signedBody({ ...confirmation('SubscriptionConfirmation', 'm'), SubscribeURL: `${SUBSCRIBE_URL}\nx` }))).toEqual({ ok: false, reason: 'malformed_header' });
    expect(await verify(signedBody(confirmation('SubscriptionConfirmation', 'a Message may hold\nany line\r\nbreak')))).toMatchObject({ ok: true });
  });

  test('the scheme\'s own sign makes only UUID MessageIds', () => {
    const scheme = schemeFor({ type: 'sns', topicArns: [TOPIC] });
    const secret = JSON.stringify({ privateKey: sns.leaf().privateKey, certUrl: CERT_URL });
    expect(() => scheme.sign({ body: '{}', id: 'evt_1', timestamp: TEST_NOW / 1000 }, secret)).toThrow(WebhookConfigurationError);
    expect(scheme.sign({ body: '{}', id: MESSAGE_ID, timestamp: TEST_NOW / 1000 }, secret)['x-amz-sns-message-id']).toBe(MESSAGE_ID);
  });
});
