import { createHash, createHmac } from 'node:crypto';
import { ActiveKey, Scheme, SchemeConfig, schemeFor, VerifiedWebhook, VerifyResult, WebhookConfigurationError } from '../../../lib/runtime';
import { DOCUMENTS } from '../../../lib/runtime/schemes/senders/documents';
import { SOAP } from '../../../lib/runtime/schemes/senders/soap';
import { organizationId18, readOrganizationId } from '../../../lib/runtime/schemes/senders/salesforce';
import { DAY, TEST_NOW } from '../../support/clock';

// The `documents` family (lib/runtime/schemes/senders/documents.ts): senders whose signature is inside
// the body or its form parameters (Adyen, Braintree, Mandrill), or who sign nothing and expect a SOAP
// answer (Salesforce).
//
// Vectors. Adyen: the examples Adyen's own libraries test against (a NotificationRequestItem, a hex
// key and the signature), checked here with node:crypto and through our verifier. Braintree: built
// with node:crypto from its official library's words (braintree_node WebhookNotificationGateway /
// Digest: HMAC-SHA1 hex keyed with SHA-1 of the private key, over `bt_payload`, with or without a
// trailing newline; the payload as its WebhookTestingGateway writes it: base64 then a newline); the
// `braintree` package itself is not a dependency. Mandrill: built with node:crypto from its page's
// words (URL, then each POST parameter's name and value sorted by name, HMAC-SHA1, base64). Salesforce
// signs nothing: its vectors are messages in the shape its outbound-messaging WSDL documents.

const NOW = TEST_NOW;
const schemeOf = (config: SchemeConfig): Scheme => schemeFor(config);
const keysOf = (scheme: Scheme, ...secrets: string[]): ActiveKey[] => secrets.map((s) => ({ key: scheme.decodeKey(s), notAfterMs: Number.POSITIVE_INFINITY }));
const ok = (result: VerifyResult): VerifiedWebhook => {
  if (!result.ok) throw new Error(`rejected: ${result.reason}`);
  return result;
};
const reason = (result: VerifyResult) => (result.ok ? 'ok' : result.reason);
const sha256 = (body: string) => createHash('sha256').update(body).digest('hex');

describe('catalogue entries', () => {
  test('the family is exactly these senders, each with its documentation; ipRanges where the sender publishes them', () => {
    // Salesforce, for its XML reader, is a bundle of its own (soap), so that neither passes 40 KB.
    expect(Object.keys(DOCUMENTS).sort()).toEqual(['adyen', 'braintree', 'mandrill']);
    expect(Object.keys(SOAP)).toEqual(['salesforce']);
    for (const entry of [...Object.values(DOCUMENTS), ...Object.values(SOAP)]) expect(entry.docs).toMatch(/^https:\/\//);
    expect(DOCUMENTS.adyen.ipRanges).toBe('https://docs.adyen.com/development-resources/webhooks/domain-and-ip-addresses');
    expect(SOAP.salesforce.ipRanges).toMatch(/^https:\/\/help\.salesforce\.com\//);
    // Braintree's IP page lists its API's addresses, Mandrill says its webhook IPs change: none published for webhooks.
    expect(DOCUMENTS.braintree.ipRanges).toBeUndefined();
    expect(DOCUMENTS.mandrill.ipRanges).toBeUndefined();
  });
});

describe('adyen', () => {
  // Adyen's libraries' own example (adyen-ruby-api-library spec/utils/hmac_validator_spec.rb; the same
  // item in adyen-php-api-library tests/Adyen/Util/HmacSignatureTest.php with the second key), the
  // item shape and field order as https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures
  // lists them: pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success.
  const KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
  const SIGNATURE = 'coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=';
  const PHP_KEY = 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00';
  const PHP_SIGNATURE = 'Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I=';
  const SIGNED = '7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true';
  const item = (signature: string, extra: Record<string, unknown> = {}) => ({
    additionalData: { hmacSignature: signature },
    amount: { value: 1130, currency: 'EUR' },
    pspReference: '7914073381342284',
    eventCode: 'AUTHORISATION',
    eventDate: '2026-11-28T12:00:00+01:00',
    merchantAccountCode: 'TestMerchant',
    merchantReference: 'TestPayment-1407325143704',
    paymentMethod: 'visa',
    success: 'true',
    ...extra,
  });
  const bodyOf = (...items: object[]) => JSON.stringify({ live: 'false', notificationItems: items.map((i) => ({ NotificationRequestItem: i })) });
  const scheme = schemeOf({ type: 'adyen' } as SchemeConfig);
  const verify = (body: string, keys = keysOf(scheme, KEY), now = NOW) => scheme.verify({ headers: { 'content-type': 'application/json' }, body }, keys, now, 0);

  test('the documented signed string and signatures, with node:crypto', () => {
    expect(createHmac('sha256', Buffer.from(KEY, 'hex')).update(SIGNED).digest('base64')).toBe(SIGNATURE);
    expect(createHmac('sha256', Buffer.from(PHP_KEY, 'hex')).update(SIGNED).digest('base64')).toBe(PHP_SIGNATURE);
  });

  test('accepts the documented item under either key, binds it partially, metadata from the signed fields', () => {
    const result = ok(verify(bodyOf(item(SIGNATURE))));
    expect(result.bodyBinding).toBe('partial');
    expect(result.metadata).toEqual({ 'signed.eventCode': 'AUTHORISATION', 'signed.pspReference': '7914073381342284' });
    expect(result.dedupeKey).toBe(`signed-sha256:${sha256(JSON.stringify([SIGNED]))}`);
    expect(result.timestamp).toBeUndefined();
    ok(verify(bodyOf(item(PHP_SIGNATURE)), keysOf(scheme, PHP_KEY)));
    // Nothing is signed in time: the same delivery verifies a year later (the dedupe record is the control).
    ok(verify(bodyOf(item(SIGNATURE)), keysOf(scheme, KEY), NOW + 365 * DAY));
  });

  test('signDelivery gives the documented signature; sign() points to it', () => {
    const { body, headers } = scheme.signDelivery!({ body: bodyOf(item('x')) }, KEY);
    expect(headers['content-type']).toBe('application/json');
    expect((JSON.parse(body as string) as { notificationItems: { NotificationRequestItem: { additionalData: { hmacSignature: string } } }[] }).notificationItems[0].NotificationRequestItem.additionalData.hmacSignature).toBe(SIGNATURE);
    ok(verify(body as string));
    expect(() => scheme.sign({ body: '{}' }, KEY)).toThrow(WebhookConfigurationError);
    // Any other JSON object is one item's fields over example values.
    ok(verify(scheme.signDelivery!({ body: '{"note":"café"}' }, KEY).body as string));
  });

  test('a changed signed field, a wrong key or an expired key is refused; an unsigned field is not bound', () => {
    expect(reason(verify(bodyOf(item(SIGNATURE, { merchantReference: 'TestPayment-1407325143705' }))))).toBe('signature_invalid');
    expect(reason(verify(bodyOf(item(SIGNATURE, { amount: { value: 1131, currency: 'EUR' } }))))).toBe('signature_invalid');
    expect(reason(verify(bodyOf(item(SIGNATURE)), keysOf(scheme, PHP_KEY)))).toBe('signature_invalid');
    expect(reason(verify(bodyOf(item(SIGNATURE)), [{ key: scheme.decodeKey(KEY), notAfterMs: NOW - 1 }]))).toBe('signature_invalid');
    expect(reason(verify(bodyOf(item(SIGNATURE)), []))).toBe('no_active_key');
    // `eventDate` is not signed: it may change, and the delivery is still the same one.
    const original = ok(verify(bodyOf(item(SIGNATURE)))).dedupeKey;
    expect(ok(verify(bodyOf(item(SIGNATURE, { eventDate: '2030-01-01T00:00:00+01:00' })))).dedupeKey).toBe(original);
    expect(ok(verify(JSON.stringify(JSON.parse(bodyOf(item(SIGNATURE))), null, 2))).dedupeKey).toBe(original);
  });

  test('one item per request: a batch, even of genuinely signed items, is refused (each item is signed alone, never the list)', () => {
    // Put together from captured deliveries (an item twice, two deliveries' items, in either order), a
    // batch would verify item by item under a dedupe key no delivery had: found in review.
    const mac = (key: string, text: string) => createHmac('sha256', Buffer.from(key, 'hex')).update(text).digest('base64');
    const second = { pspReference: '8814073381342285', originalReference: '7914073381342284', merchantAccountCode: 'TestMerchant', merchantReference: 'TestPayment-1407325143704', amount: { value: 1130, currency: 'EUR' }, eventCode: 'CAPTURE', success: 'true' };
    const secondSigned = '8814073381342285:7914073381342284:TestMerchant:TestPayment-1407325143704:1130:EUR:CAPTURE:true';
    const other = { ...second, additionalData: { hmacSignature: mac(KEY, secondSigned) } };
    expect(ok(verify(bodyOf(other))).dedupeKey).toBe(`signed-sha256:${sha256(JSON.stringify([secondSigned]))}`);
    for (const batch of [bodyOf(item(SIGNATURE), other), bodyOf(other, item(SIGNATURE)), bodyOf(item(SIGNATURE), item(SIGNATURE))]) expect(reason(verify(batch))).toBe('malformed_body');
  });

  test('read strictly: a key twice, a second spelling, a `:` in a signed value, a missing or malformed signature', () => {
    const body = bodyOf(item(SIGNATURE));
    expect(reason(verify(body.replace('"eventCode":"AUTHORISATION"', '"eventCode":"AUTHORISATION","eventCode":"REFUND"')))).toBe('malformed_body');
    expect(reason(verify(body.replace('"paymentMethod"', '"PSPReference":"1","paymentMethod"')))).toBe('malformed_body');
    expect(reason(verify(body.replace('"live":"false"', '"Live":"true","live":"false"')))).toBe('malformed_body');
    expect(reason(verify(bodyOf(item(SIGNATURE, { merchantReference: 'Test:Payment' }))))).toBe('malformed_body');
    expect(reason(verify(bodyOf(item(SIGNATURE, { amount: { value: '1130', currency: 'EUR' } }))))).toBe('malformed_body');
    expect(reason(verify(bodyOf(item(SIGNATURE, { success: true }))))).toBe('malformed_body');
    expect(reason(verify(bodyOf(item(SIGNATURE, { additionalData: {} }))))).toBe('missing_header');
    expect(reason(verify(bodyOf(item(SIGNATURE.slice(1)))))).toBe('malformed_header');
    expect(reason(verify(bodyOf()))).toBe('malformed_body');
    expect(reason(verify('{"live":"false"}'))).toBe('malformed_body');
    expect(reason(verify(`\uFEFF${body}`))).toBe('malformed_body');
  });

  test('answers `[accepted]` once queued; the key is hex', () => {
    expect(scheme.acknowledge!(ok(verify(bodyOf(item(SIGNATURE)))))).toEqual({ body: '[accepted]', contentType: 'text/plain' });
    expect(() => scheme.decodeKey('not-hex-not-hex-not-hex-not-hex-')).toThrow(WebhookConfigurationError);
    expect(() => scheme.decodeKey('ABCD')).toThrow(WebhookConfigurationError);
    expect(scheme.decodeKey(scheme.generateKey())).toHaveLength(32);
  });
});

describe('braintree', () => {
  const PUBLIC = 'integration_public_key';
  const PRIVATE = 'integration_private_key';
  const SECRET = `${PUBLIC}:${PRIVATE}`;
  const XML = '<notification>\n    <timestamp type="datetime">2026-11-28T12:00:00Z</timestamp>\n    <kind>check</kind>\n    <subject><check type="boolean">true</check></subject>\n</notification>';
  const PAYLOAD = `${Buffer.from(XML).toString('base64')}\n`;
  // braintree_node Digest.hmacSha1: createHmac('sha1', sha1(privateKey)), hex.
  const sig = (text: string, privateKey = PRIVATE) => createHmac('sha1', createHash('sha1').update(privateKey).digest()).update(text).digest('hex');
  const form = (signature: string, payload = PAYLOAD) => `bt_signature=${encodeURIComponent(signature)}&bt_payload=${encodeURIComponent(payload)}`;
  const scheme = schemeOf({ type: 'braintree' } as SchemeConfig);
  const verify = (body: string, keys = keysOf(scheme, SECRET)) => scheme.verify({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, keys, NOW, 0);

  test('accepts the payload as its library signs it, with or without the trailing newline, under one dedupe key', () => {
    const result = ok(verify(form(`${PUBLIC}|${sig(PAYLOAD)}`)));
    expect(result.bodyBinding).toBe('partial');
    expect(result.dedupeKey).toBe(`signed-sha256:${sha256(PAYLOAD.replace(/\n/g, ''))}`);
    // A framework that strips the newline: the library tries payload + "\n" too.
    expect(ok(verify(form(`${PUBLIC}|${sig(PAYLOAD)}`, PAYLOAD.trimEnd()))).dedupeKey).toBe(result.dedupeKey);
    // Several pairs: the configured public key's is used.
    ok(verify(form(`other_key|${sig(PAYLOAD, 'other')}&${PUBLIC}|${sig(PAYLOAD)}`)));
    // Rotation: either of two active key pairs.
    ok(verify(form(`${PUBLIC}|${sig(PAYLOAD)}`), keysOf(scheme, 'new_public_key:new_private_key_0123', SECRET)));
  });

  test('signDelivery agrees with the vector', () => {
    const { body, headers } = scheme.signDelivery!({ body: XML }, SECRET);
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(body).toBe(new URLSearchParams({ bt_signature: `${PUBLIC}|${sig(PAYLOAD)}`, bt_payload: PAYLOAD }).toString());
    ok(verify(body as string));
    expect(() => scheme.sign({ body: XML }, SECRET)).toThrow(WebhookConfigurationError);
  });

  test('a changed payload, a wrong private key or an unknown public key is refused', () => {
    const changed = Buffer.from(XML.replace('check', 'chock')).toString('base64') + '\n';
    expect(reason(verify(form(`${PUBLIC}|${sig(PAYLOAD)}`, changed)))).toBe('signature_invalid');
    expect(reason(verify(form(`${PUBLIC}|${sig(PAYLOAD, 'wrong_private_key')}`)))).toBe('signature_invalid');
    expect(reason(verify(form(`someone_else|${sig(PAYLOAD)}`)))).toBe('signature_invalid');
    expect(reason(verify(form(`${PUBLIC}|${sig(PAYLOAD)}`), []))).toBe('no_active_key');
  });

  test('the form read strictly', () => {
    const good = form(`${PUBLIC}|${sig(PAYLOAD)}`);
    expect(reason(verify(`${good}&bt_payload=${encodeURIComponent(PAYLOAD)}`))).toBe('malformed_body');
    expect(reason(verify(`${good}&kind=check`))).toBe('malformed_body');
    expect(reason(verify(`${good}&`))).toBe('malformed_body');
    expect(reason(verify(good.replace('bt_payload=', 'bt_payload[]=')))).toBe('malformed_body');
    expect(reason(verify(good.replace(/%2B/g, '+')))).toBe(PAYLOAD.includes('+') ? 'malformed_body' : 'ok');
    expect(reason(verify(form(`${PUBLIC}|${sig(PAYLOAD)}`, `${PAYLOAD} `)))).toBe('malformed_body');
    expect(reason(verify(`bt_payload=${encodeURIComponent(PAYLOAD)}`))).toBe('missing_header');
    expect(reason(verify(form(`${PUBLIC}|${sig(PAYLOAD).slice(2)}`)))).toBe('malformed_header');
    expect(reason(verify(form(`${PUBLIC}|${sig(PAYLOAD)}&${PUBLIC}|${sig(PAYLOAD, 'x')}`)))).toBe('malformed_header');
    expect(reason(verify(form(`${PUBLIC}${sig(PAYLOAD)}`)))).toBe('malformed_header');
  });

  test('the secret is `<public key>:<private key>`', () => {
    expect(() => scheme.decodeKey('justaprivatekeywithnopublickey')).toThrow(WebhookConfigurationError);
    expect(() => scheme.decodeKey('pub:short')).toThrow(WebhookConfigurationError);
    expect((scheme.decodeKey(scheme.generateKey()) as Buffer).length).toBeGreaterThan(20);
  });
});

describe('mandrill', () => {
  const KEY = 'Cx3qVZOQbvvH1uKEV0tnDg';
  const URL = 'https://hooks.example.com/prod/webhooks/mandrill?tenant=acme';
  const EVENTS = '[{"event":"send","_id":"exampleaaaaaaaaaaaaaaaaaaaaaaaaa","ts":1764331200,"msg":{"subject":"café"}}]';
  const BODY = new URLSearchParams({ mandrill_events: EVENTS }).toString();
  // The page's steps: the URL as configured, then each POST variable's key and value sorted by key,
  // HMAC-SHA1 with the webhook's key, base64.
  const signature = (key = KEY, url = URL, events = EVENTS) => createHmac('sha1', key).update(`${url}mandrill_events${events}`).digest('base64');
  const scheme = schemeOf({ type: 'mandrill' } as SchemeConfig);
  const verify = (body: string, headers: Record<string, string | string[]> = { 'x-mandrill-signature': signature() }, url = URL, keys = keysOf(scheme, KEY)) =>
    scheme.verify({ headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body, url }, keys, NOW, 0);

  test('accepts the documented signature over URL + sorted parameters; sign() agrees', () => {
    const result = ok(verify(BODY));
    expect(result.bodyBinding).toBe('partial');
    expect(result.dedupeKey).toBe(`signed-sha256:${sha256(`${URL}mandrill_events${EVENTS}`)}`);
    expect(scheme.signsUrl).toBe(true);
    expect(scheme.sign({ body: BODY, url: URL }, KEY)['x-mandrill-signature']).toBe(signature());
    // Another spelling of the same form field (escapes) is the same delivery.
    expect(ok(verify(`mandrill_events=${encodeURIComponent(EVENTS)}`)).dedupeKey).toBe(result.dedupeKey);
  });

  test('refuses another URL, key or body; a missing, doubled or malformed signature', () => {
    expect(reason(verify(BODY, undefined, `${URL}/`))).toBe('signature_invalid');
    expect(reason(verify(BODY, { 'x-mandrill-signature': signature('another-key-0123456789') }))).toBe('signature_invalid');
    expect(reason(verify(BODY.replace('send', 'sent')))).toBe('signature_invalid');
    expect(reason(verify(BODY, {}))).toBe('missing_header');
    expect(reason(verify(BODY, { 'x-mandrill-signature': [signature(), signature()] }))).toBe('duplicate_header');
    expect(reason(verify(BODY, { 'x-mandrill-signature': signature().slice(1) }))).toBe('malformed_header');
    expect(() => scheme.verify({ headers: { 'x-mandrill-signature': signature() }, body: BODY }, keysOf(scheme, KEY), NOW, 0)).toThrow(WebhookConfigurationError);
  });

  test('the form holds `mandrill_events` once, and nothing else', () => {
    expect(reason(verify(`${BODY}&mandrill_events=%5B%5D`))).toBe('malformed_body');
    expect(reason(verify(`${BODY}&extra=1`))).toBe('malformed_body');
    expect(reason(verify(BODY.replace('mandrill_events=', 'mandrill_events[]=')))).toBe('malformed_body');
    expect(reason(verify(`${BODY};`))).toBe('malformed_body');
  });

  test('the URL check: an empty test POST signed with the public `test-webhook` key is answered, never queued', () => {
    const ping = 'mandrill_events=%5B%5D';
    const result = ok(verify(ping, { 'x-mandrill-signature': signature('test-webhook', URL, '[]') }));
    expect(scheme.immediateResponse!(ping, result, {})).toEqual({ body: '{}' });
    // That key verifies nothing else.
    expect(reason(verify(BODY, { 'x-mandrill-signature': signature('test-webhook') }))).toBe('signature_invalid');
    // An empty batch under the real key is an ordinary delivery.
    const real = ok(verify(ping, { 'x-mandrill-signature': signature(KEY, URL, '[]') }));
    expect(scheme.immediateResponse!(ping, real, {})).toBeUndefined();
  });
});

describe('salesforce', () => {
  // The org id of a Salesforce example message, 15 and 18 characters (the suffix computed as Salesforce documents its case-safe ids).
  const ORG15 = '00D5e000000KQ2e';
  const ORG18 = '00D5e000000KQ2eEAG';
  const message = (org = ORG18, inside = '') =>
    '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
    ' <soapenv:Body>\n  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">\n' +
    `   <OrganizationId>${org}</OrganizationId>\n   <ActionId>04k5e000000CaRkAAK</ActionId>\n   <SessionId xsi:nil="true"/>\n` +
    '   <EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/60.0/00D5e000000KQ2e</EnterpriseUrl>\n   <PartnerUrl>https://example.my.salesforce.com/services/Soap/u/60.0/00D5e000000KQ2e</PartnerUrl>\n' +
    `   <Notification>\n    <Id>04l5e00000Gx7QzAAJ</Id>\n    <sObject xsi:type="sf:Account" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">\n     <sf:Id>0015e00000ZkM3hAAF</sf:Id>\n     <sf:Name>Acme &amp; Co</sf:Name>${inside}\n    </sObject>\n   </Notification>\n` +
    '  </notifications>\n </soapenv:Body>\n</soapenv:Envelope>\n';
  const scheme = schemeOf({ type: 'salesforce', organizationId: ORG15 } as SchemeConfig);
  const verify = (body: string, s = scheme) => s.verify({ headers: { 'content-type': 'text/xml; charset=utf-8' }, body }, [], NOW, 0);

  test('org ids: the 18-character form of a 15-character id, and of an 18-character one in any case', () => {
    expect(organizationId18(ORG15)).toBe(ORG18);
    expect(organizationId18(ORG18)).toBe(ORG18);
    expect(organizationId18(ORG18.toLowerCase())).toBe(ORG18);
    expect(organizationId18('00D5e000000KQ2eAAA')).toBeUndefined();
    expect(organizationId18('0015e00000ZkM3h')).toBeUndefined();
    expect(() => schemeOf({ type: 'salesforce' } as SchemeConfig)).toThrow(WebhookConfigurationError);
    expect(() => schemeOf({ type: 'salesforce', organizationId: 'nope' } as SchemeConfig)).toThrow(WebhookConfigurationError);
  });

  test('accepts a message of the configured org, unsigned, keyed on the body; another org is not allowed', () => {
    const body = message();
    const result = ok(verify(body));
    expect(result.bodyBinding).toBe('unsigned');
    expect(result.dedupeKey).toBe(`sha256:${sha256(body)}`);
    ok(verify(body, schemeOf({ type: 'salesforce', organizationId: ORG18.toLowerCase() } as SchemeConfig)));
    expect(reason(verify(message('00D5e000000KQ2fEAG')))).toBe('not_allowed');
    // The WSDL's ID is 18 characters: the 15-character form in a message is not Salesforce's.
    expect(reason(verify(message(ORG15)))).toBe('malformed_body');
  });

  test('answers the documented SOAP Ack once queued; signDelivery makes a message that verifies', () => {
    const ack = scheme.acknowledge!(ok(verify(message())));
    expect(ack.contentType).toBe('text/xml; charset=utf-8');
    expect(ack.body).toContain('<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>');
    const delivery = scheme.signDelivery!({ body: '{"note":"a<b & \'c\'"}' }, '');
    expect(delivery.headers['content-type']).toBe('text/xml; charset=utf-8');
    ok(verify(delivery.body as string));
    expect(readOrganizationId(delivery.body)).toBe(ORG18);
  });

  test('bounded work whatever is sent: nesting past 32 levels, more than 16 namespaces in scope, XML-forbidden characters or non-XML white space are refused (the reader stops at the bound); a batch of 100 notifications, each declaring `sf`, is read', () => {
    // Each declaring element copies its scope's prefix map: unbounded, nested declarations made the
    // reader quadratic in time and memory (found in review: 3,000 levels in 245 KB took 640 ms and 270 MB).
    const nested = (levels: number, declare: boolean) => Array.from({ length: levels }, (_, i) => `<sf:F${i}${declare ? ` xmlns:p${i}="urn:sobject.enterprise.soap.sforce.com"` : ''}>`).join('') + Array.from({ length: levels }, (_, i) => `</sf:F${levels - 1 - i}>`).join('');
    expect(ok(verify(message(ORG18, nested(20, false))))).toMatchObject({ ok: true });
    expect(reason(verify(message(ORG18, nested(3000, true))))).toBe('malformed_body');
    expect(reason(verify(message(ORG18, nested(40, false))))).toBe('malformed_body');
    const declarations = Array.from({ length: 17 }, (_, i) => ` xmlns:q${i}="urn:sobject.enterprise.soap.sforce.com"`).join('');
    expect(reason(verify(message(ORG18, `<sf:X${declarations}>1</sf:X>`)))).toBe('malformed_body');
    // Salesforce sends up to 100 notifications in one message (the WSDL's maxOccurs), each sObject declaring `sf`: found in review.
    const notification = (i: number) => `   <Notification>\n    <Id>04l5e00000Gx7Q${String(i).padStart(3, '0')}A</Id>\n    <sObject xsi:type="sf:Account" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">\n     <sf:Id>0015e00000ZkM3hAAF</sf:Id>\n    </sObject>\n   </Notification>\n`;
    const batch = message().replace(/   <Notification>[\s\S]*<\/Notification>\n/, Array.from({ length: 100 }, (_, i) => notification(i)).join(''));
    expect(batch.split('<Notification>')).toHaveLength(101);
    expect(ok(verify(batch))).toMatchObject({ ok: true });
    expect(reason(verify(message().replace('<soapenv:Envelope', '\u00a0<soapenv:Envelope')))).toBe('malformed_body');
    expect(reason(verify(`${message()}\u3000`))).toBe('malformed_body');
    expect(reason(verify(message(ORG18, '<sf:Note>a\u0001b</sf:Note>')))).toBe('malformed_body');
  });

  test('the XML read strictly', () => {
    const body = message();
    const refused = (text: string) => reason(verify(text));
    expect(refused(body.replace('<soapenv:Envelope', '<!DOCTYPE x [<!ENTITY e "00D5e000000KQ2eEAG">]><soapenv:Envelope'))).toBe('malformed_body');
    expect(refused(body.replace(`<OrganizationId>${ORG18}`, '<OrganizationId>&e;'))).toBe('malformed_body');
    expect(refused(body.replace('<ActionId>', '<!-- x --><ActionId>'))).toBe('malformed_body');
    expect(refused(body.replace('<ActionId>', `<OrganizationId>${ORG18}</OrganizationId><ActionId>`))).toBe('malformed_body');
    expect(refused(body.replace('<ActionId>', `<sf:OrganizationId xmlns:sf="urn:sobject.enterprise.soap.sforce.com">00D000000000001AAA</sf:OrganizationId><ActionId>`))).toBe('malformed_body');
    expect(refused(message(ORG18, '<sf:OrganizationId>00D000000000001AAA</sf:OrganizationId>'))).toBe('malformed_body');
    expect(refused(message(ORG18, '<x:Field xmlns:x="urn:evil">1</x:Field>'))).toBe('malformed_body');
    expect(refused(body.replace('<notifications xmlns="http://soap.sforce.com/2005/09/outbound">', '<notifications xmlns="http://soap.sforce.com/2005/09/outbound2">'))).toBe('malformed_body');
    expect(refused(body.replace('</soapenv:Envelope>', '</soapenv:Envelope><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>'))).toBe('malformed_body');
    expect(refused(body.replace('</soapenv:Body>', ''))).toBe('malformed_body');
    expect(refused(`${body}text`)).toBe('malformed_body');
    expect(refused(body.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'))).toBe('malformed_body');
    expect(refused(body.replace('<ActionId>', '<ActionId a="1" a="2">'))).toBe('malformed_body');
    expect(refused(body.replace(/<OrganizationId>.*<\/OrganizationId>/, ''))).toBe('missing_header');
    expect(refused(`\uFEFF${body}`)).toBe('malformed_body');
  });
});
