import { Scheme } from './schemes/scheme';
import { GenericHmacScheme } from './schemes/hmac';
import { GitHubScheme } from './schemes/github';
import { ShopifyScheme } from './schemes/shopify';
import { SlackScheme } from './schemes/slack';
import { StandardWebhooksScheme } from './schemes/standard-webhooks';
import { StripeScheme } from './schemes/stripe';
import { TwilioScheme } from './schemes/twilio';
import { ActiveKey, SchemeConfig, VerifyResult, WebhookRequest } from './types';

/** Builds the scheme implementation for a scheme config. Do it once and keep it. */
export function schemeFor(config: SchemeConfig): Scheme {
  switch (config.type) {
    case 'standard-webhooks':
      return new StandardWebhooksScheme(config);
    case 'stripe':
      return new StripeScheme();
    case 'github':
      return new GitHubScheme();
    case 'slack':
      return new SlackScheme();
    case 'shopify':
      return new ShopifyScheme();
    case 'twilio':
      return new TwilioScheme();
    case 'hmac':
      return new GenericHmacScheme(config);
    default:
      throw new Error(`Unknown signature scheme type: ${JSON.stringify((config as { type?: unknown }).type)}`);
  }
}

export interface VerifyOptions {
  readonly scheme: SchemeConfig | Scheme;
  /** The secrets that are valid now, as the sender knows them (e.g. `whsec_...`). Current first. */
  readonly secrets: readonly string[];
  /** Replay tolerance in seconds, both directions. @default the scheme's (300 s where a timestamp is signed) */
  readonly toleranceSeconds?: number;
  /** The time to check timestamps against. @default Date.now() */
  readonly now?: number | Date;
}

/**
 * Verifies one webhook delivery: signature over the raw body in constant time against every given
 * secret, then the timestamp against the tolerance. Never throws for anything a sender controls.
 */
export function verifyWebhook(request: WebhookRequest, options: VerifyOptions): VerifyResult {
  const scheme = 'verify' in options.scheme ? options.scheme : schemeFor(options.scheme);
  const keys: ActiveKey[] = options.secrets.map((s) => ({ key: scheme.decodeKey(s), notAfterMs: Number.POSITIVE_INFINITY }));
  const now = options.now === undefined ? Date.now() : typeof options.now === 'number' ? options.now : options.now.getTime();
  return verifyWithKeys(scheme, request, keys, now, options.toleranceSeconds);
}

/** The hot path: keys already decoded (and cached by the caller). */
export function verifyWithKeys(
  scheme: Scheme,
  request: WebhookRequest,
  keys: readonly ActiveKey[],
  nowMs: number,
  toleranceSeconds?: number,
): VerifyResult {
  return scheme.verify(request, keys, nowMs, toleranceSeconds ?? scheme.defaultToleranceSeconds ?? 0);
}
