import { createPublicKey, KeyObject } from 'node:crypto';
import { RejectionReason, VerifiedWebhook, WebhookConfigurationError } from '../../types';
import { bodyText } from '../body-text';
import { parseTimestamp } from '../common';
import { ed25519PublicKey, ed25519Raw, PublicKeyParse, requireKind, strictBase64, strictHex, TimestampedPublicKeyScheme } from '../public-key';
import { ImmediateAnswer, SchemeDescription } from '../scheme';
import { CodeSender } from '../sender';
import { parseObjectStrict } from '../strict-json';

/*
 * Senders that sign with a private key and give the verifier the public one. The public key is the
 * source's key, imported exactly as the sender shows it (it is not a secret, but kept in the source's
 * secret like every key, so replacing it keeps the previous one for the grace window). Rotation is the
 * sender's: when it shows a new public key, put it. None documents a window for its signed timestamp
 * beyond what its SDK does: the library's 5 minutes apply.
 */

/**
 * Discord interactions: `X-Signature-Ed25519` (hex) over `X-Signature-Timestamp` + body, Ed25519,
 * verified with the application's public key (hex, 32 bytes). Discord probes an endpoint with bad
 * signatures and expects 401; it sends a PING (`"type": 1`) that must be answered `{"type":1}`,
 * here only after its signature verified.
 * https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers
 */
export class DiscordScheme extends TimestampedPublicKeyScheme {
  readonly requiredHeaders = ['x-signature-ed25519', 'x-signature-timestamp'];
  readonly signatureHeaders = ['x-signature-ed25519'];
  protected readonly kind = 'ed25519';
  protected readonly sender = 'Discord';

  protected parse([signature, timestamp]: readonly string[]): PublicKeyParse | RejectionReason {
    const sentAt = parseTimestamp(timestamp);
    if (typeof sentAt !== 'number') return sentAt;
    const bytes = strictHex(signature, 64);
    return bytes ? { prefix: timestamp, signature: bytes, timestamp: sentAt } : 'malformed_header';
  }

  decodeKey(publicKey: string): KeyObject {
    const raw = typeof publicKey === 'string' ? strictHex(publicKey.trim(), 32) : undefined;
    if (!raw) throw new WebhookConfigurationError('a Discord public key is 64 hex characters (the application\'s "Public Key")');
    return ed25519PublicKey(raw);
  }

  protected formatPublicKey(key: KeyObject): string {
    return ed25519Raw(key).toString('hex');
  }

  protected headersFor(signature: Buffer, timestamp: string): Record<string, string> {
    return { 'x-signature-ed25519': signature.toString('hex'), 'x-signature-timestamp': timestamp };
  }

  protected prefixFor(timestamp: string): string {
    return timestamp;
  }

  /** A verified PING (interaction type 1) is answered with a PONG, never queued. */
  immediateResponse(body: string | Uint8Array, _verified?: VerifiedWebhook): ImmediateAnswer | undefined {
    if (body.length > 4096) return undefined;
    // Read as its consumer reads it (bodyText, each key once): anything else is not a PING.
    const text = bodyText(body);
    return text !== undefined && parseObjectStrict(text)?.type === 1 ? { body: '{"type":1}' } : undefined;
  }

  describe(): SchemeDescription {
    return {
      signature: '`X-Signature-Ed25519` (hex), Ed25519 over `X-Signature-Timestamp` + body; the application\'s public key (hex)',
      replay: 'signed timestamp (unix s), 5 min; dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: [],
    };
  }
}

/**
 * Telnyx: `telnyx-signature-ed25519` (base64) over `${telnyx-timestamp}|${body}`, Ed25519, verified
 * with the account's public key (base64 of the 32 raw bytes, as the portal shows it). Telnyx's SDK
 * allows 300 s.
 * https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks#webhook-signing
 */
export class TelnyxScheme extends TimestampedPublicKeyScheme {
  readonly requiredHeaders = ['telnyx-signature-ed25519', 'telnyx-timestamp'];
  readonly signatureHeaders = ['telnyx-signature-ed25519'];
  protected readonly kind = 'ed25519';
  protected readonly sender = 'Telnyx';

  protected parse([signature, timestamp]: readonly string[]): PublicKeyParse | RejectionReason {
    const sentAt = parseTimestamp(timestamp);
    if (typeof sentAt !== 'number') return sentAt;
    const bytes = strictBase64(signature, 64);
    return bytes?.length === 64 ? { prefix: `${timestamp}|`, signature: bytes, timestamp: sentAt } : 'malformed_header';
  }

  decodeKey(publicKey: string): KeyObject {
    const raw = typeof publicKey === 'string' ? strictBase64(publicKey.trim(), 32) : undefined;
    if (raw?.length !== 32) throw new WebhookConfigurationError('a Telnyx public key is the base64 of 32 bytes, as the Mission Control portal shows it');
    return ed25519PublicKey(raw);
  }

  protected formatPublicKey(key: KeyObject): string {
    return ed25519Raw(key).toString('base64');
  }

  protected headersFor(signature: Buffer, timestamp: string): Record<string, string> {
    return { 'telnyx-signature-ed25519': signature.toString('base64'), 'telnyx-timestamp': timestamp };
  }

  protected prefixFor(timestamp: string): string {
    return `${timestamp}|`;
  }

  describe(): SchemeDescription {
    return {
      signature: '`telnyx-signature-ed25519` (base64), Ed25519 over `telnyx-timestamp` + `|` + body; the account\'s public key (base64)',
      replay: 'signed timestamp (unix s), 5 min; dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: [],
    };
  }
}

/**
 * Twilio SendGrid Event Webhook: `X-Twilio-Email-Event-Webhook-Signature` = base64 DER ECDSA
 * P-256/SHA-256 over `X-Twilio-Email-Event-Webhook-Timestamp` + body, verified with the webhook's
 * verification key (base64 DER SubjectPublicKeyInfo, as the settings page shows it).
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 */
export class SendGridScheme extends TimestampedPublicKeyScheme {
  readonly requiredHeaders = ['x-twilio-email-event-webhook-signature', 'x-twilio-email-event-webhook-timestamp'];
  readonly signatureHeaders = ['x-twilio-email-event-webhook-signature'];
  protected readonly kind = 'p256';
  protected readonly sender = 'SendGrid';

  protected parse([signature, timestamp]: readonly string[]): PublicKeyParse | RejectionReason {
    const sentAt = parseTimestamp(timestamp);
    if (typeof sentAt !== 'number') return sentAt;
    // A DER ECDSA P-256 signature is at most 72 bytes.
    const bytes = strictBase64(signature, 72);
    return bytes && bytes.length >= 8 && bytes[0] === 0x30 ? { prefix: timestamp, signature: bytes, timestamp: sentAt } : 'malformed_header';
  }

  decodeKey(publicKey: string): KeyObject {
    const der = typeof publicKey === 'string' ? strictBase64(publicKey.trim(), 512) : undefined;
    let key: KeyObject | undefined;
    try {
      key = der && createPublicKey({ key: der, format: 'der', type: 'spki' });
    } catch {
      key = undefined;
    }
    if (!key) throw new WebhookConfigurationError('a SendGrid verification key is the base64 DER public key the Event Webhook settings show');
    return requireKind(key, 'p256', this.sender);
  }

  protected formatPublicKey(key: KeyObject): string {
    return key.export({ format: 'der', type: 'spki' }).toString('base64');
  }

  protected headersFor(signature: Buffer, timestamp: string): Record<string, string> {
    return { 'x-twilio-email-event-webhook-signature': signature.toString('base64'), 'x-twilio-email-event-webhook-timestamp': timestamp };
  }

  protected prefixFor(timestamp: string): string {
    return timestamp;
  }

  describe(): SchemeDescription {
    return {
      signature: '`X-Twilio-Email-Event-Webhook-Signature` (base64 DER), ECDSA P-256/SHA-256 over `X-Twilio-Email-Event-Webhook-Timestamp` + body; the verification key (base64 DER)',
      replay: 'signed timestamp (unix s), 5 min; dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: [],
    };
  }
}

/** Senders that sign with a private key and give the verifier the public one (Ed25519, ECDSA P-256). */
export const SIGNING_KEYS = {
  discord: { docs: 'https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers', issuesKey: true, create: () => new DiscordScheme() },
  telnyx: { docs: 'https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks#webhook-signing', issuesKey: true, create: () => new TelnyxScheme() },
  sendgrid: {
    docs: 'https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features',
    issuesKey: true,
    create: () => new SendGridScheme(),
  },
} satisfies Record<string, CodeSender>;
