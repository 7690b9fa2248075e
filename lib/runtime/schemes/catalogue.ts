import { SenderEntry } from './sender';
import { DEVELOPER } from './senders/developer';
import { PAYMENTS } from './senders/payments';
import { PLATFORMS } from './senders/platforms';
import { WORKPLACE } from './senders/workplace';

export { DEFAULT_TOLERANCE_SECONDS } from './tolerance';

/*
 * The sender catalogue: one entry per sender, grouped by field in ./senders/. Wherever a sender's
 * scheme is a variant of "an HMAC (or a shared token) in a header", its entry is a row of data
 * (`SenderRow`, read by `SenderScheme`); only senders that sign something genuinely different are code
 * (`CodeSender`). Each entry follows the page in its `docs`; its tests (test/runtime/senders/) check
 * the sender's documented example where one is published, else its official SDK as an oracle. Where
 * a sender signs a timestamp but documents no window, the library's default of 300 s applies (a
 * sender's SDK may accept older ones: we do not).
 */
export const SENDERS = { ...PAYMENTS, ...DEVELOPER, ...WORKPLACE, ...PLATFORMS } satisfies Record<string, SenderEntry>;

/** A catalogue sender's type name. */
export type CatalogueSender = keyof typeof SENDERS;

/**
 * Senders that deliver through an existing wire format under their own name, so a user finds them by
 * name: OpenAI signs with Standard Webhooks (`webhook-*` headers); Clerk and Resend deliver through
 * Svix (`svix-*`).
 */
export const ALIASES = {
  /** https://platform.openai.com/docs/guides/webhooks#verifying-webhook-signatures */
  openai: { type: 'standard-webhooks', headerPrefix: 'webhook' },
  /** https://clerk.com/docs/webhooks/sync-data */
  clerk: { type: 'standard-webhooks', headerPrefix: 'svix' },
  /** https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests */
  resend: { type: 'standard-webhooks', headerPrefix: 'svix' },
} as const;

export type AliasSender = keyof typeof ALIASES;
