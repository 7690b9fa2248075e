import { CodeSender } from '../sender';
import { MAILGUN } from './mailgun';
import { TwilioSharedKeyScheme } from './twilio-sha256';

/**
 * Senders that sign form fields rather than bytes (Mailgun's fields inside the body, Twilio's URL
 * and sorted parameters): code only, a verifier bundle of their own so that no bundle passes 40 KB.
 */
export const FORMS = {
  /**
   * Twilio signing with a SharedKey and HMAC-SHA256 (Webhooks configuration API): code, in
   * ./twilio-sha256.ts, as it signs the URL and the sorted form parameters, not bytes.
   * https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys
   */
  'twilio-sha256': {
    docs: 'https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys',
    issuesKey: true,
    create: () => new TwilioSharedKeyScheme('sha256'),
  },
  /** Signs the `timestamp` and `token` fields inside the body: code, in ./mailgun.ts. */
  mailgun: MAILGUN,
} satisfies Record<string, CodeSender>;
