import { schemeFor, VerifyResult, WebhookRequest } from '../../../lib/runtime';
import { MINUTE, TEST_NOW } from '../../support/clock';
import { SNS_CERT_URL as CERT_URL, SNS_TOPIC as TOPIC, useSnsSigner } from './support/sns';

// SNS signs only some fields of its JSON envelope, so anyone holding a signed message can add keys to
// the envelope. Keys spelt like a signed field in another case (`message`, `MESSAGEID`) or with a
// character that case-folds to an ASCII letter (`ſ` U+017F folds to `s`, the Kelvin sign U+212A to
// `k`) are ignored by the verifier, which reads `Message` exactly; Go's encoding/json and Json.NET
// match keys to fields case-insensitively (Go with Unicode simple folding), the last match winning.
// So a consumer in either reads the added, unsigned text as the signed Message under the same
// MessageId. aws-lambda-go's SNSEntity is such a struct (`json:"Message"`). Such keys must be refused.

const MESSAGE_ID = '5f1c6a3e-8b0d-4c2e-9a71-3d4e5f607182';

const sns = useSnsSigner();

/** A notification signed as SNS signs it (SignatureVersion 2). */
function signedNotification(message: string): Record<string, string> {
  return sns.sign({ Type: 'Notification', MessageId: MESSAGE_ID, TopicArn: TOPIC, Message: message, Timestamp: new Date(TEST_NOW - MINUTE).toISOString() });
}

async function verify(body: string): Promise<VerifyResult> {
  const scheme = schemeFor({ type: 'sns', topicArns: [TOPIC] });
  const keys = await scheme.published!.load(CERT_URL, async () => ({ status: 200, body: sns.leaf().certificate }), TEST_NOW);
  const request: WebhookRequest = { headers: { 'content-type': 'text/plain; charset=UTF-8' }, body };
  return scheme.verify(request, [keys.get(CERT_URL)!], TEST_NOW, scheme.defaultToleranceSeconds!);
}

/**
 * The envelope's Message as Go's encoding/json decodes it into `struct { Message string \`json:"Message"\` }`:
 * every key, in order, that equals the field's name under Unicode simple case folding is assigned, so
 * the last one wins (https://pkg.go.dev/encoding/json#Unmarshal: "preferring an exact match but also
 * accepting a case-insensitive match"; Json.NET's default contract resolver does the same).
 */
function goMessage(body: string): unknown {
  const fold = (s: string) => s.toLowerCase().replace(/\u017f/g, 's');
  let message: unknown;
  for (const [key, value] of Object.entries(JSON.parse(body) as Record<string, unknown>)) if (fold(key) === 'message') message = value;
  return message;
}

describe('sns: no envelope key that a case-insensitive consumer reads as a signed field', () => {
  test.each(['message', 'MESSAGE', 'Meſſage'])('a signed notification with `%s` added verifies no more (a Go or .NET consumer reads it as Message)', async (twin) => {
    const genuine = signedNotification('{"order":42,"amount":100}');
    expect(await verify(JSON.stringify(genuine))).toMatchObject({ ok: true, eventId: MESSAGE_ID });
    const forged = JSON.stringify({ ...genuine, [twin]: '{"order":42,"amount":-100000}' });
    // The differential is real: such a consumer reads the unsigned text, under the signed MessageId.
    expect(goMessage(forged)).toBe('{"order":42,"amount":-100000}');
    expect(await verify(forged)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test('a twin of another envelope field (`messageid`, `TYPE`, `Topicarn`, `To\\u212Aen`, `T\\u0131mestamp`, `Top\\u0130cArn`) is refused too', async () => {
    const genuine = signedNotification('hello');
    for (const [twin, value] of [
      ['messageid', '0b9e2c44-7d1a-4f3b-8e65-a1b2c3d4e5f6'],
      ['TYPE', 'SubscriptionConfirmation'],
      ['Topicarn', 'arn:aws:sns:us-east-1:123456789012:other'],
      // The Kelvin sign folds to `k` in Go (and lower-cases to it in JavaScript).
      ['To\u212Aen', 'forged'],
      // Dotless ı upper-cases to I (.NET's OrdinalIgnoreCase); İ lower-cases to i in a Turkish locale (Java).
      ['T\u0131mestamp', '2026-11-28T11:59:00.000Z'],
      ['Top\u0130cArn', 'arn:aws:sns:us-east-1:123456789012:other'],
    ]) {
      expect(await verify(JSON.stringify({ ...genuine, [twin]: value }))).toEqual({ ok: false, reason: 'malformed_body' });
    }
  });

  test('the unsigned keys SNS itself sends, spelt as SNS spells them, still verify', async () => {
    const genuine = signedNotification('hello');
    const withUnsigned = {
      ...genuine,
      UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC}:1`,
      MessageAttributes: { kind: { Type: 'String', Value: 'order' } },
    };
    expect(await verify(JSON.stringify(withUnsigned))).toMatchObject({ ok: true, eventId: MESSAGE_ID });
  });
});

// SNS signs the UTF-8 bytes of its fields. A JSON escape of a lone surrogate (`\ud800`) parses to a
// string that UTF-8 can only encode as U+FFFD, so a genuine Message holding U+FFFD verifies just as
// well with any of 2,048 lone surrogates in its place: a consumer (JSON.parse, Python's json) reads a
// character SNS never sent, under the same MessageId. No signed field may hold one.
describe('sns: a signed field with no exact UTF-8 reading is refused', () => {
  test('a Message whose U+FFFD is respelt as the escape of a lone surrogate verifies no more', async () => {
    const genuine = signedNotification('price: \uFFFD100');
    const body = JSON.stringify(genuine);
    expect(await verify(body)).toMatchObject({ ok: true, eventId: MESSAGE_ID });
    const forged = body.replace('\uFFFD', '\\ud800');
    expect(forged).not.toBe(body);
    expect((JSON.parse(forged) as { Message: string }).Message).toBe('price: \ud800100');
    expect(await verify(forged)).toEqual({ ok: false, reason: 'malformed_body' });
  });
});

test('rejects a Notification carrying a field only confirmations sign (SubscribeURL, Token): it would read as signed, and is not', async () => {
  const genuine = signedNotification('hello');
  expect(await verify(JSON.stringify(genuine))).toMatchObject({ ok: true });
  for (const extra of [
    { SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=y' },
    { Token: '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736' },
  ]) {
    expect(await verify(JSON.stringify({ ...genuine, ...extra }))).toEqual({ ok: false, reason: 'malformed_body' });
  }
  // Keys SNS sends unsigned beside a Notification stay accepted.
  expect(await verify(JSON.stringify({ ...genuine, UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x' }))).toMatchObject({ ok: true });
});
