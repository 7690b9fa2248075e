import { BODY_BINDINGS, BodyBinding, VerifiedWebhook } from '../../../lib/runtime';
import { Delivery, Kit } from './kits';

/*
 * What a consumer reads from a queued delivery, and the differential check: a changed delivery that
 * verifies must read, to a consumer, as the original did, under the same dedupe key.
 *
 * A consumer reads the body's bytes (raw and JSON senders: a JSON.parse deep-equal is not enough,
 * since a consumer may hash, store or re-verify the bytes, or parse them with another parser) or,
 * for form senders, `new URLSearchParams(body.toString('utf8'))` (BOM kept, a bad byte read as
 * U+FFFD, as Node decodes): every name's values in order. The order of different names is not
 * compared: a form consumer reads by name (`get`, `getAll`), and a sender that signs sorted
 * parameters (Twilio) binds no order.
 *
 * For senders that sign the URL, the URL as a consumer reads it must not change either.
 *
 * Where a scheme says the body is bound only in part or not at all (`bodyBinding`), the check is
 * what it says a consumer may rely on: the signed facts (event id, timestamp, `signed.*` metadata)
 * and the dedupe key always, and for `partial` the parts the scheme binds (PARTIAL_VIEWS).
 */

/** What is kept of a verified result: read at once (a scheme reuses its parse state). */
export interface Verdict {
  readonly dedupeKey: string;
  readonly eventId?: string;
  readonly timestamp?: number;
  readonly signed: Readonly<Record<string, string>>;
  readonly binding: BodyBinding;
}

/** The binding a result (or a queued message's `bodyBinding` attribute) declares: it must declare one. */
export function bindingOf(declared: string | undefined): BodyBinding {
  if (!BODY_BINDINGS.includes(declared as BodyBinding)) throw new Error(`no body binding declared (${String(declared)})`);
  return declared as BodyBinding;
}

export function verdictOf(result: VerifiedWebhook): Verdict {
  const signed = Object.fromEntries(Object.entries(result.metadata).filter(([k]) => k.startsWith('signed.')));
  return { dedupeKey: result.dedupeKey, eventId: result.eventId, timestamp: result.timestamp, signed, binding: bindingOf(result.bodyBinding) };
}

const FORM = 'application/x-www-form-urlencoded';

/** A form as a consumer reads it: each name's values, in order; names sorted. */
export function formView(body: Buffer): [string, string[]][] {
  const byName = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) byName.set(name, [...(byName.get(name) ?? []), value]);
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The body as the consumer of `kit`'s deliveries reads it. */
export function bodyView(kit: Kit, delivery: Delivery): unknown {
  // Latin-1 maps bytes to characters one to one: the bytes, readable in a counterexample.
  return kit.mediaType === FORM ? formView(delivery.body) : delivery.body.toString('latin1');
}

/**
 * The URL as a consumer of a URL-signing sender reads it, as a router does: `new URL` (the host's
 * case and a default port are not told apart), the path's segments decoded (`%3A` is `:`, but `%2F`
 * stays inside its segment), and the query's parameters in order.
 */
export function urlView(url: string | undefined): unknown {
  if (url === undefined) return undefined;
  if (!URL.canParse(url)) return 'the URL does not parse';
  const parsed = new URL(url);
  const segments = parsed.pathname.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
  return [parsed.host, segments, [...parsed.searchParams]];
}

/**
 * A name as a consumer that matches names loosely reads it: Go's encoding/json and Json.NET ignore
 * case (Go by Unicode folding: the Kelvin sign is `k`, `ſ` is `s`; .NET by upper-casing: `ı` is `I`),
 * and PHP reads a form's `name[]` and ` name` as `name`.
 */
export function looseName(name: string, form = false): string {
  const base = form ? name.replace(/\[.*$/, '').replace(/^ +/, '') : name;
  return base.replace(/\u212A/g, 'k').toUpperCase().toLowerCase();
}

/** What a loose consumer reads for `name` in a JSON object: the last key that reads as it (Go, Json.NET). */
function looseGet(doc: unknown, name: string): unknown {
  if (doc === null || typeof doc !== 'object') return undefined;
  const found = Object.entries(doc).filter(([key]) => looseName(key) === name);
  return found.length === 0 ? undefined : found[found.length - 1][1];
}

/** What a loose consumer reads for `name` in a form: every value of every name that reads as it (ASP.NET). */
function looseGetAll(form: URLSearchParams, name: string): string[] {
  return [...form].filter(([key]) => looseName(key, true) === name).map(([, value]) => value);
}

/**
 * For schemes binding part of the body: what of it the signature binds, as a consumer reads it,
 * exactly (JSON.parse, URLSearchParams) and loosely (looseName).
 * - Twilio forms: each parameter's name and value run together (Twilio signs them with no
 *   separator, so where one ends and the other starts is not bound), as a sorted list.
 * - Mailgun: the signed `timestamp` and `token`, read from the body as a consumer reads it.
 * - SNS: the signed message fields, read from the JSON envelope as a consumer reads them.
 * - PayPal: nothing beyond the signed headers (its body is bound only by a CRC32).
 */
const PARTIAL_VIEWS: Record<string, (kit: Kit, delivery: Delivery) => unknown> = {
  twilio: (kit, d) => (kit.mediaType === FORM ? [...new URLSearchParams(d.body.toString('utf8'))].map(([n, v]) => n + v).sort() : d.body.toString('hex')),
  mailgun: (kit, d) => {
    if (kit.mediaType === FORM) {
      const form = new URLSearchParams(d.body.toString('utf8'));
      return [form.getAll('timestamp'), form.getAll('token'), looseGetAll(form, 'timestamp'), looseGetAll(form, 'token')];
    }
    try {
      const doc = JSON.parse(d.body.toString('utf8')) as { signature?: { timestamp?: unknown; token?: unknown } };
      const loose = looseGet(doc, 'signature');
      return [doc.signature?.timestamp, doc.signature?.token, looseGet(loose, 'timestamp'), looseGet(loose, 'token')];
    } catch {
      return 'the body does not parse as JSON';
    }
  },
};
PARTIAL_VIEWS['twilio-sha256'] = PARTIAL_VIEWS.twilio;
// Adyen: each item's signed fields, as JSON.parse reads them and as a loose reader does.
const ADYEN_SIGNED = ['pspReference', 'originalReference', 'merchantAccountCode', 'merchantReference', 'eventCode', 'success'];
PARTIAL_VIEWS.adyen = (_kit, d) => {
  try {
    const doc = JSON.parse(d.body.toString('utf8')) as { notificationItems?: { NotificationRequestItem?: Record<string, unknown> }[] };
    return (doc.notificationItems ?? []).map((wrapper) => {
      const item = wrapper?.NotificationRequestItem;
      const amount = item?.amount as Record<string, unknown> | undefined;
      const loose = looseGet(item, 'amount');
      return [...ADYEN_SIGNED.map((name) => [item?.[name], looseGet(item, looseName(name))]), amount?.value, amount?.currency, looseGet(loose, 'value'), looseGet(loose, 'currency')];
    });
  } catch {
    return 'the body does not parse as JSON';
  }
};
// Braintree: the signed `bt_payload` (its newlines aside: the base64 decodes the same), exactly and loosely.
PARTIAL_VIEWS.braintree = (_kit, d) => {
  const form = new URLSearchParams(d.body.toString('utf8'));
  return [form.getAll('bt_payload'), looseGetAll(form, 'bt_payload')].map((values) => values.map((v) => v.replace(/\n/g, '')));
};
// Mandrill: the one signed field, exactly and loosely.
PARTIAL_VIEWS.mandrill = (_kit, d) => {
  const form = new URLSearchParams(d.body.toString('utf8'));
  return [form.getAll('mandrill_events'), looseGetAll(form, 'mandrill_events')];
};
const SNS_SIGNED = ['Message', 'MessageId', 'Subject', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
PARTIAL_VIEWS.sns = (_kit, d) => {
  try {
    const doc = JSON.parse(d.body.toString('utf8')) as Record<string, unknown>;
    return [...SNS_SIGNED.map((name) => doc[name]), ...SNS_SIGNED.map((name) => looseGet(doc, looseName(name)))];
  } catch {
    return 'the body does not parse as JSON';
  }
};

/**
 * Why the changed delivery reads differently to a consumer than the original, or undefined when it
 * does not. Both verified; `original` and `changed` are their verdicts.
 */
export function difference(kit: Kit, before: Delivery, original: Verdict, after: Delivery, changed: Verdict): string | undefined {
  if (changed.eventId !== original.eventId) return `signed event id ${original.eventId} → ${changed.eventId}`;
  if (changed.timestamp !== original.timestamp) return `signed timestamp ${original.timestamp} → ${changed.timestamp}`;
  if (JSON.stringify(changed.signed) !== JSON.stringify(original.signed)) return `signed metadata ${JSON.stringify(original.signed)} → ${JSON.stringify(changed.signed)}`;
  if (JSON.stringify(urlView(after.url)) !== JSON.stringify(urlView(before.url))) return `the URL reads ${clip(urlView(before.url))} → ${clip(urlView(after.url))}`;
  const binding = original.binding;
  const view = (d: Delivery) => (binding === 'partial' ? PARTIAL_VIEWS[kit.type]?.(kit, d) : bodyView(kit, d));
  const sameBody = JSON.stringify(view(before)) === JSON.stringify(view(after));
  if (binding !== 'unsigned' && !sameBody) return `the consumer reads ${clip(view(before))} → ${clip(view(after))}`;
  // A body the signature does not bind may change (anyone holding the token can send another); the
  // dedupe key must still name one delivery: the same whenever what the consumer reads is the same.
  if ((binding !== 'unsigned' || sameBody) && changed.dedupeKey !== original.dedupeKey) return `dedupe key ${original.dedupeKey} → ${changed.dedupeKey}`;
  return undefined;
}

function clip(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
