import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ActiveKey, RejectionReason, SalesforceSchemeConfig, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { bodyText } from '../body-text';
import { accepted, rejected, SignedContent } from '../common';
import { ImmediateAnswer, Scheme, SchemeDescription, SignInput } from '../scheme';
import { CodeSender } from '../sender';

/*
 * Salesforce outbound messages: a SOAP 1.1 `notifications` call (text/xml), not signed.
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_security.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_wsdl.htm
 *
 * Salesforce's own advice: accept requests only from Salesforce's IP ranges (which any Salesforce
 * customer's messages also come from), use TLS, check the client certificate Salesforce can present,
 * and check that each message carries your organization's id. What is checked here is the last: the
 * `OrganizationId` of the one `notifications` element must be the configured org's id; the rest is
 * the endpoint's (docs/ip-allowlists.md: mTLS or an IP allowlist). Nothing binds the body: `unsigned`, kept from
 * replays only by the dedupe record (SHA-256 of the body). Salesforce retries until it reads the
 * documented `notificationsResponse` `Ack`, given once the message is queued (acknowledge).
 *
 * The XML is read by a small strict reader for exactly what is checked, never by a general parser:
 * no DOCTYPE, entity declaration, comment, CDATA or processing instruction (a UTF-8 XML declaration
 * only); namespaces only those the WSDL and Salesforce's messages use; tags balanced, one root;
 * `Envelope` > `Body` > `notifications` > `OrganizationId` in the SOAP and outbound namespaces, each
 * once; any other element whose name reads as `OrganizationId` refused (a loose reader might take
 * it). The id is compared in its 18-character form, the one the WSDL's `ID` type and every message
 * carry; a 15-character id is configured by its 18-character form (Salesforce's case-safe suffix).
 */

const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const OUTBOUND = 'http://soap.sforce.com/2005/09/outbound';
const XSD = 'http://www.w3.org/2001/XMLSchema';
const SOBJECT = 'urn:sobject.enterprise.soap.sforce.com';
const NAMESPACES = new Set([SOAP, OUTBOUND, XSD, `${XSD}-instance`, SOBJECT, 'urn:enterprise.soap.sforce.com']);
const DECLARATION = /^<\?xml\s+version\s*=\s*(["'])1\.0\1(?:\s+encoding\s*=\s*(["'])(?:UTF|utf)-8\2)?\s*\?>/;
const NAME = '[A-Za-z_][A-Za-z0-9_.-]*';
const OPEN = new RegExp(`^(${NAME}(?::${NAME})?)((?:\\s+${NAME}(?::${NAME})?\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)$`);
const CLOSE = new RegExp(`^/(${NAME}(?::${NAME})?)\\s*$`);
const ATTRIBUTE = new RegExp(`(${NAME}(?::${NAME})?)\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g');
const BAD_REFERENCE = /&(?!(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)/;
const ID18 = /^[A-Za-z0-9]{18}$/;
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const NO_KEY = Buffer.alloc(0);
// Salesforce's messages nest about six deep, with a handful of namespaces in scope (each of up to 100
// notifications declares `sf` on its sObject): bounds on depth and on what is in scope keep the reader
// linear in the body whatever is sent (each declaring element copies its scope's map).
const MAX_DEPTH = 32;
const MAX_IN_SCOPE = 16;
// Characters XML 1.0 forbids in a document, and the white space it allows outside the root.
const NOT_XML = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/;
const XML_SPACE = /^[ \t\r\n]*$/;

/** The 18-character form of a 15- or 18-character Salesforce org id (`00D…`), or undefined. */
export function organizationId18(id: unknown): string | undefined {
  if (typeof id !== 'string' || !/^00D[A-Za-z0-9]{12}$|^00[Dd][A-Za-z0-9]{15}$/.test(id)) return undefined;
  let base = id.slice(0, 15);
  if (id.length === 18) {
    // The suffix says which of the first 15 are upper case: an 18-character id may be given in any case.
    const chars = [...base];
    for (let chunk = 0; chunk < 3; chunk++) {
      const bits = SUFFIX.indexOf(id[15 + chunk].toUpperCase());
      for (let j = 0; j < 5; j++) {
        const c = chars[chunk * 5 + j];
        chars[chunk * 5 + j] = bits & (1 << j) ? c.toUpperCase() : c.toLowerCase();
      }
    }
    base = chars.join('');
    if (!base.startsWith('00D')) return undefined;
  }
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let j = 0; j < 5; j++) if (/[A-Z]/.test(base[chunk * 5 + j])) bits |= 1 << j;
    suffix += SUFFIX[bits];
  }
  const full = base + suffix;
  return id.length === 18 && full.toUpperCase() !== id.toUpperCase() ? undefined : full;
}

interface Open {
  readonly name: string;
  readonly uri: string;
  readonly local: string;
  readonly ns: ReadonlyMap<string, string>;
}

/** The `OrganizationId` of an outbound message read strictly, or why the body is refused. */
export function readOrganizationId(body: string | Uint8Array): string | RejectionReason {
  const text = bodyText(body);
  if (text === undefined || NOT_XML.test(text)) return 'malformed_body';
  const declaration = DECLARATION.exec(text);
  if (!declaration && text.startsWith('<?')) return 'malformed_body';
  let at = declaration ? declaration[0].length : 0;
  const stack: Open[] = [];
  // Envelope, Body and notifications, once each (a second root is a second Envelope).
  const seen = new Set<string>();
  let capturing = false;
  let id = '';
  let found: string | undefined;
  for (;;) {
    const lt = text.indexOf('<', at);
    const between = text.slice(at, lt < 0 ? text.length : lt);
    if (BAD_REFERENCE.test(between) || (stack.length === 0 && !XML_SPACE.test(between))) return 'malformed_body';
    if (capturing) id += between;
    if (lt < 0) break;
    if (text[lt + 1] === '!' || text[lt + 1] === '?') return 'malformed_body';
    const gt = text.indexOf('>', lt);
    if (gt < 0) return 'malformed_body';
    const tag = text.slice(lt + 1, gt);
    at = gt + 1;
    const close = CLOSE.exec(tag);
    if (close) {
      const top = stack.pop();
      if (!top || top.name !== close[1]) return 'malformed_body';
      if (capturing) {
        capturing = false;
        found = id;
      }
      continue;
    }
    const open = OPEN.exec(tag);
    if (!open || capturing || stack.length >= MAX_DEPTH) return 'malformed_body';
    const parent = stack[stack.length - 1];
    let ns = parent?.ns ?? new Map<string, string>();
    const names = new Set<string>();
    for (const [, name, double, single] of open[2].matchAll(ATTRIBUTE)) {
      const value = double ?? single;
      if (names.has(name) || BAD_REFERENCE.test(value)) return 'malformed_body';
      names.add(name);
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        if (!NAMESPACES.has(value)) return 'malformed_body';
        if (ns === parent?.ns || stack.length === 0) ns = new Map(ns);
        (ns as Map<string, string>).set(name === 'xmlns' ? '' : name.slice(6), value);
        if (ns.size > MAX_IN_SCOPE) return 'malformed_body';
      }
    }
    for (const name of names) if (name.includes(':') && !name.startsWith('xmlns:') && !ns.has(name.split(':')[0])) return 'malformed_body';
    const colon = open[1].indexOf(':');
    const prefix = colon < 0 ? '' : open[1].slice(0, colon);
    const local = open[1].slice(colon + 1);
    const uri = ns.get(prefix);
    if (uri === undefined) return 'malformed_body';
    const depth = stack.length;
    const place = depth === 0 ? 'Envelope' : depth === 1 ? 'Body' : depth === 2 ? 'notifications' : undefined;
    if (place !== undefined) {
      // One Envelope, one Body in it, one notifications in that, each in its namespace.
      if (local !== place || uri !== (depth === 2 ? OUTBOUND : SOAP) || seen.has(place)) return 'malformed_body';
      seen.add(place);
    } else if (local.toLowerCase() === 'organizationid') {
      if (depth !== 3 || local !== 'OrganizationId' || uri !== OUTBOUND || found !== undefined || open[3] || open[2].trim() !== '') return 'malformed_body';
      capturing = true;
    } else if (depth === 3 && uri !== OUTBOUND) return 'malformed_body';
    if (!open[3]) stack.push({ name: open[1], uri, local, ns });
  }
  if (stack.length > 0 || !seen.has('notifications')) return 'malformed_body';
  if (found === undefined) return 'missing_header';
  return ID18.test(found) ? found : 'malformed_body';
}

/** Salesforce outbound messages: unsigned; the `OrganizationId` checked against the configured org. */
export class SalesforceScheme implements Scheme {
  readonly requiredHeaders: readonly string[] = [];
  readonly signatureHeaders: readonly string[] = [];
  readonly contentTypes = ['text/xml'];
  readonly bodyBinding = 'unsigned';
  readonly signsUrl = false;
  readonly issuesKey = false;
  readonly keyless = 'the configured `OrganizationId`';
  private readonly organizationId: string;
  private readonly signed = new SignedContent(0, 0);

  constructor(config: SalesforceSchemeConfig) {
    const id = organizationId18((config as { organizationId?: unknown } | undefined)?.organizationId);
    if (!id) throw new WebhookConfigurationError('salesforce organizationId must be the org id (00D…, 15 or 18 characters)');
    this.organizationId = id;
  }

  /** Salesforce signs nothing, so its source has no secret: there is no key to decode or make. */
  decodeKey(): Buffer {
    throw new WebhookConfigurationError('salesforce takes no key: its outbound messages are unsigned, and each is checked against the configured organizationId');
  }

  generateKey(): string {
    throw new WebhookConfigurationError('salesforce takes no key: its outbound messages are unsigned, and each is checked against the configured organizationId');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const id = readOrganizationId(request.body);
    if (id === 'malformed_body' || id === 'missing_header') return rejected(id);
    if (!timingSafeEqual(Buffer.from(id as string, 'latin1'), Buffer.from(this.organizationId, 'latin1'))) return rejected('not_allowed');
    const signed = this.signed.reset();
    signed.bodyBinding = this.bodyBinding;
    return accepted(signed, request.body, nowMs, toleranceSeconds, keys[0]?.key ?? NO_KEY);
  }

  acknowledge(): ImmediateAnswer {
    return {
      body: `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP}"><soapenv:Body><notificationsResponse xmlns="${OUTBOUND}"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>`,
      contentType: 'text/xml; charset=utf-8',
    };
  }

  describe(): SchemeDescription {
    return {
      signature: 'none (SOAP outbound message): the `notifications` `OrganizationId` must be the configured org\'s; the body is not bound: restrict the route to Salesforce (mTLS or an IP allowlist)',
      replay: 'dedupe record only (nothing signed)',
      dedupe: 'SHA-256 of the body (which nothing binds)',
      metadata: [],
    };
  }

  sign(): Record<string, string> {
    return { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' };
  }

  /**
   * The outbound message Salesforce would send for the configured org: an XML body (starting `<`) as
   * given, anything else as the text of a field of one notification (`input.id` its `Id`).
   */
  signDelivery(input: SignInput): { headers: Record<string, string>; body: string } {
    const text = typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8');
    if (text.startsWith('<')) return { headers: this.sign(), body: text };
    const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const id = (input.id ?? `04l${randomBytes(6).toString('hex')}`).replace(/[^A-Za-z0-9]/g, '').slice(0, 18).padEnd(18, 'A');
    const org = this.organizationId;
    const api = `https://example.my.salesforce.com/services/Soap`;
    const body =
      `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP}" xmlns:xsd="${XSD}" xmlns:xsi="${XSD}-instance">` +
      `<soapenv:Body><notifications xmlns="${OUTBOUND}"><OrganizationId>${org}</OrganizationId><ActionId>04k000000000001AAA</ActionId>` +
      `<SessionId xsi:nil="true"/><EnterpriseUrl>${api}/c/60.0/${org}</EnterpriseUrl><PartnerUrl>${api}/u/60.0/${org}</PartnerUrl>` +
      `<Notification><Id>${id}</Id><sObject xsi:type="sf:Case" xmlns:sf="${SOBJECT}"><sf:Id>500000000000001AAA</sf:Id><sf:Description>${escaped}</sf:Description></sObject></Notification>` +
      `</notifications></soapenv:Body></soapenv:Envelope>`;
    return { headers: this.sign(), body };
  }
}

/** The catalogue entry: Salesforce signs nothing; the source is configured with its org id. */
export const SALESFORCE: CodeSender = {
  docs: 'https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_security.htm',
  ipRanges: 'https://help.salesforce.com/articleView?id=000321501&type=1&mode=1',
  issuesKey: false,
  create: (config) => new SalesforceScheme(config as SalesforceSchemeConfig),
};
