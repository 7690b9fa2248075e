import fc from 'fast-check';
import { Scheme } from '../../lib/runtime';
import { SenderScheme } from '../../lib/runtime/schemes/sender';
import { Delivery, Kit, kits } from '../support/differential/kits';
import { createLocalCa } from './senders/support/local-ca';

// Catalogue-wide (#20 §5): for every scheme that answers some signed POSTs itself instead of
// queueing them (a handshake's `post`, a code scheme's `immediateResponse`), no unsigned input
// changes whether a request is answered or queued. A genuinely signed handshake is only ever
// answered or refused, an ordinary delivery only ever queued or refused, whatever is done to the
// headers the signature does not cover (removed, added, respelt). Twitch decided on its unsigned
// message-type header until #20: a captured verification resent as a `notification` was queued.
// A sender added with a handshake fails the first test until its handshake body is given here.

const ca = createLocalCa();
afterAll(() => ca.dispose());
const KITS = kits(ca);

/** The signed bodies each answering sender answers, as the sender sends them. */
const HANDSHAKES: Record<string, readonly string[]> = {
  slack: ['{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}'],
  zoom: ['{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}'],
  twitch: ['{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"2","condition":{"broadcaster_user_id":"12826"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},"created_at":"2019-11-16T10:11:12.634234626Z"}}'],
  discord: ['{"type":1,"id":"1234","application_id":"5678","token":"tok","version":1}'],
  monday: ['{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}'],
  front: ['{"type":"sync","authorization":{"id":"cmp_abc"}}'],
  // Xero's Intent to Receive: a signed body with no events (https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/).
  xero: ['{"events":[],"lastEventSequence":0,"firstEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}'],
};

/**
 * Answering schemes whose decision is covered elsewhere, with why: SNS answers an
 * UnsubscribeConfirmation and settles a SubscriptionConfirmation on the signed `Type`, and refuses
 * an `x-amz-sns-message-type` header that disagrees (test/runtime/senders/certificates.test.ts);
 * its kit signs Notifications only.
 */
const ELSEWHERE: Record<string, string> = {
  sns: 'decided on the signed Type',
  // Mandrill answers only its URL check, `mandrill_events=[]` signed with the public key `test-webhook`
  // (a kit signs with its own key): decided on the key that verified and the signed field alone
  // (test/runtime/senders/documents.test.ts; handler: test/handlers/differential.test.ts HANDSHAKES).
  mandrill: 'decided on the verifying key and the signed field',
};

/** Ordinary deliveries of the answering senders, as they send them (the kits' payloads are generic). */
const ORDINARY: Record<string, readonly string[]> = {
  twitch: [
    '{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"enabled","type":"channel.follow","version":"2"},"event":{"user_id":"1234","broadcaster_user_id":"1337"}}',
    '{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"authorization_revoked","type":"channel.follow","version":"2"}}',
  ],
  slack: ['{"token":"x","team_id":"T1","type":"event_callback","event":{"type":"app_mention","text":"hi"},"event_id":"Ev1"}'],
  zoom: ['{"event":"meeting.started","payload":{"account_id":"a","object":{"id":"1"}},"event_ts":1654503849680}'],
  discord: ['{"type":2,"id":"1234","application_id":"5678","token":"tok","version":1,"data":{"name":"ping"}}'],
  monday: ['{"event":{"userId":9603417,"boardId":1771812698,"pulseId":1772099344,"type":"create_pulse","triggerTime":"2026-11-28T11:59:59.210Z","subscriptionId":73759690,"triggerUuid":"b5ed2e17c530f43668de130142445cba"}}'],
  front: ['{"type":"inbound_received","authorization":{"id":"cmp_abc"},"payload":{"id":"evt_55c8c149","subject":"sync"}}'],
  xero: ['{"events":[{"resourceUrl":"https://api.xero.com/api.xro/2.0/Contacts/717f2bfc","resourceId":"717f2bfc","eventDateUtc":"2026-11-28T11:59:00.000","eventType":"CREATE","eventCategory":"CONTACT","tenantId":"c2cc9b6e","tenantType":"ORGANISATION"}],"lastEventSequence":1,"firstEventSequence":1,"entropy":"S0m3r4Nd0mt3xt"}'],
};

function answers(scheme: Scheme): boolean {
  return scheme.handshake?.post !== undefined || (!(scheme instanceof SenderScheme) && typeof scheme.immediateResponse === 'function');
}

// Header names senders put a message type, event or retry count in, and values that name kinds.
const TYPE_HEADERS = ['twitch-eventsub-message-type', 'x-slack-retry-num', 'x-slack-retry-reason', 'x-zm-trackingid', 'x-amz-sns-message-type', 'x-event-type', 'x-github-event'];
const TYPE_VALUES = ['notification', 'revocation', 'webhook_callback_verification', 'url_verification', 'event_callback', 'endpoint.url_validation', 'UnsubscribeConfirmation', 'ping', '1', '2', ''];

type Outcome = 'answered' | 'queued' | 'refused';

async function outcome(kit: Kit, delivery: Delivery): Promise<Outcome> {
  const result = await kit.verify(delivery);
  if (!result.ok) return 'refused';
  return kit.scheme.immediateResponse?.(delivery.body, result, delivery.headers) ? 'answered' : 'queued';
}

/** The delivery with the headers the signature does not need removed and type headers set. */
function changed(delivery: Delivery, remove: readonly string[], set: Readonly<Record<string, string>>): Delivery {
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(delivery.headers)) if (!remove.includes(name)) headers[name] = value;
  for (const [name, value] of Object.entries(set)) {
    const existing = Object.keys(headers).find((h) => h.toLowerCase() === name);
    headers[existing ?? name] = value;
  }
  return { ...delivery, headers };
}

const answering = KITS.filter((kit) => answers(kit.scheme));

test('every scheme that answers signed POSTs itself has its handshake here (or says where it is covered)', () => {
  expect(answering.length).toBeGreaterThan(0);
  for (const kit of answering) expect({ type: kit.type, covered: kit.type in HANDSHAKES || kit.type in ELSEWHERE }).toEqual({ type: kit.type, covered: true });
});

describe.each(answering.filter((kit) => !(kit.type in ELSEWHERE)).map((kit) => [kit.name, kit] as const))('%s', (_name, kit) => {
  const signedOnly = (delivery: Delivery) => Object.keys(delivery.headers).filter((h) => !kit.scheme.requiredHeaders.includes(h.toLowerCase()) && !kit.scheme.signatureHeaders.includes(h.toLowerCase()) && h.toLowerCase() !== 'content-type');

  test('a genuine handshake is answered, an ordinary delivery queued', async () => {
    for (const body of HANDSHAKES[kit.type]) expect(await outcome(kit, kit.deliver(body))).toBe('answered');
    for (const body of ORDINARY[kit.type] ?? []) expect(await outcome(kit, kit.deliver(body))).toBe('queued');
  });

  test('property: no change to the unsigned headers turns a handshake into a queued message, or a message into an answered one', async () => {
    const bodies = [...HANDSHAKES[kit.type].map((body) => ({ body, expected: 'answered' as const })), ...(ORDINARY[kit.type] ?? []).map((body) => ({ body, expected: 'queued' as const }))];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bodies),
        fc.infiniteStream(fc.boolean()),
        fc.dictionary(fc.constantFrom(...TYPE_HEADERS), fc.constantFrom(...TYPE_VALUES), { maxKeys: 3 }),
        async ({ body, expected }, drop, set) => {
          const delivery = kit.deliver(body);
          const remove = signedOnly(delivery).filter(() => drop.next().value);
          const result = await outcome(kit, changed(delivery, remove, set));
          expect([expected, 'refused']).toContain(result);
        },
      ),
      { numRuns: 40 },
    );
  });
});
