import type { SchemeConfigData } from '../types';
import { SenderEntry } from './sender';
import { CERTIFICATES } from './senders/certificates';
import { DEVELOPER } from './senders/developer';
import { PAYMENTS } from './senders/payments';
import { PLATFORMS } from './senders/platforms';
import { SIGNING_KEYS } from './senders/signing-keys';
import { TOKENS } from './senders/tokens';
import { WORKPLACE } from './senders/workplace';
import { CRM } from './senders/crm';
import { COMMERCE } from './senders/commerce';
import { SAAS } from './senders/saas';
import { MESSAGING } from './senders/messaging';
import { STATIC_TOKENS } from './senders/static-tokens';
import { DOCUMENTS } from './senders/documents';
import { SOAP } from './senders/soap';
import { JWT } from './senders/jwt';
import { NOTIFICATIONS } from './senders/notifications';
import { FORMS } from './senders/forms';
import { PAYPAL } from './senders/paypal-family';

export { DEFAULT_TOLERANCE_SECONDS } from './tolerance';
export { ALIASES, AliasSender } from './core';
import { CORE_TYPES, GENERIC_TYPES } from './core';

/*
 * The sender catalogue: one entry per sender, grouped by field in ./senders/. Wherever a sender's
 * scheme is a variant of "an HMAC (or a shared token) in a header", its entry is a row of data
 * (`SenderRow`, read by `SenderScheme`); only senders that sign something genuinely different are code
 * (`CodeSender`): those that sign with a private key are all code. Each entry follows the page in its
 * `docs`; its tests (test/runtime/senders/) check the sender's documented example where one is
 * published, else its official SDK as an oracle. Where a sender signs a timestamp but documents no
 * window, the library's default of 300 s applies (a sender's SDK may accept older ones: we do not).
 */
export const SENDERS = { ...PAYMENTS, ...DEVELOPER, ...WORKPLACE, ...CRM, ...PLATFORMS, ...FORMS, ...SIGNING_KEYS, ...CERTIFICATES, ...PAYPAL, ...TOKENS, ...COMMERCE, ...SAAS, ...MESSAGING, ...STATIC_TOKENS, ...DOCUMENTS, ...SOAP, ...JWT, ...NOTIFICATIONS } satisfies Record<string, SenderEntry>;

/** A catalogue sender's type name. */
export type CatalogueSender = keyof typeof SENDERS;

/**
 * The verifier's bundles, one per family of senders: a source's function carries only its family's
 * code (each bundle ≤ 40 KB). The construct picks the bundle by the source's scheme type.
 */
export const VERIFIER_FAMILIES = {
  core: CORE_TYPES,
  generic: GENERIC_TYPES,
  payments: Object.keys(PAYMENTS),
  developer: Object.keys(DEVELOPER),
  workplace: Object.keys(WORKPLACE),
  crm: Object.keys(CRM),
  platforms: Object.keys(PLATFORMS),
  forms: Object.keys(FORMS),
  'signing-keys': Object.keys(SIGNING_KEYS),
  certificates: Object.keys(CERTIFICATES),
  paypal: Object.keys(PAYPAL),
  tokens: Object.keys(TOKENS),
  commerce: Object.keys(COMMERCE),
  saas: Object.keys(SAAS),
  messaging: Object.keys(MESSAGING),
  'static-tokens': Object.keys(STATIC_TOKENS),
  documents: Object.keys(DOCUMENTS),
  soap: Object.keys(SOAP),
  jwt: Object.keys(JWT),
  notifications: Object.keys(NOTIFICATIONS),
} as const satisfies Record<string, readonly string[]>;

export type VerifierFamily = keyof typeof VERIFIER_FAMILIES;

/**
 * The verifier bundle a source's function runs: its type's family, except that a generic HMAC
 * template runs `generic-template` (the row engine), so that neither generic bundle passes 40 KB.
 */
export function bundleOf(config: SchemeConfigData): string {
  if (config.type === 'hmac') return (config as { signedContent?: unknown }).signedContent === 'template' ? 'generic-template' : 'generic';
  return familyOf(config.type) ?? 'core';
}

/** The verifier bundle that carries a scheme type. */
export function familyOf(type: string): VerifierFamily | undefined {
  for (const [family, types] of Object.entries(VERIFIER_FAMILIES)) if ((types as readonly string[]).includes(type)) return family as VerifierFamily;
  return undefined;
}
