import { Signature } from '@hubspot/api-client';
import { schemeFor } from '../../../lib/runtime';
import { TEST_NOW } from '../../support/clock';

// HubSpot decodes a fixed list of percent-encodings in the request URI before it signs, `%3F`
// among them. In the path, that turns `/hook%3Fa=b` (a path with no query, to any router) into
// `/hook?a=b`: two requests a consumer reads differently under one signature. Refused; a `%3F` in
// the query decodes to a `?` inside a value, which every consumer reads alike, and still verifies.

const SECRET = 'yyyyyyyy-1111-4a2b-8c3d-yyyyyyyyyyyy';
const body = '[{"eventId":100,"portalId":62515}]';

function verifyAt(requestUrl: string, signedUrl: string) {
  const scheme = schemeFor({ type: 'hubspot' } as never);
  const headers = {
    'x-hubspot-request-timestamp': String(TEST_NOW),
    'x-hubspot-signature-v3': Signature.getSignature('POST', 'v3', { clientSecret: SECRET, requestBody: body, url: signedUrl, timestamp: TEST_NOW } as never),
  };
  return scheme.verify({ headers, body, url: requestUrl, method: 'POST' }, [{ key: scheme.decodeKey(SECRET), notAfterMs: Infinity }], TEST_NOW, 300);
}

test('hubspot: a %3F in the path is refused, though HubSpot\'s decoding makes it sign as a query', () => {
  expect(verifyAt('https://hooks.example.com/hook?a=b', 'https://hooks.example.com/hook?a=b')).toMatchObject({ ok: true });
  for (const path of ['https://hooks.example.com/hook%3Fa=b', 'https://hooks.example.com/hook%3fa=b']) {
    expect(verifyAt(path, 'https://hooks.example.com/hook?a=b')).toEqual({ ok: false, reason: 'malformed_header' });
  }
  expect(verifyAt('https://hooks.example.com/hook%3Fa?c=d', 'https://hooks.example.com/hook?a?c=d')).toEqual({ ok: false, reason: 'malformed_header' });
  expect(verifyAt('https://hooks.example.com/hook?next=a%3Fb', 'https://hooks.example.com/hook?next=a?b')).toMatchObject({ ok: true });
});

test('hubspot: a %2F in the path is refused, though HubSpot\'s decoding makes it sign as two segments', () => {
  expect(verifyAt('https://hooks.example.com/prod/hook', 'https://hooks.example.com/prod/hook')).toMatchObject({ ok: true });
  for (const path of ['https://hooks.example.com/prod%2Fhook', 'https://hooks.example.com/prod%2fhook']) {
    expect(verifyAt(path, 'https://hooks.example.com/prod/hook')).toEqual({ ok: false, reason: 'malformed_header' });
  }
  // In the query a %2F decodes to a `/` inside a value, which every consumer reads alike.
  expect(verifyAt('https://hooks.example.com/hook?next=a%2Fb', 'https://hooks.example.com/hook?next=a/b')).toMatchObject({ ok: true });
});
