/**
 * The tag that marks a secret as holding a key the sender issues (Stripe's whsec_, Slack's signing
 * secret, a configured public key): it is rotated at the sender and imported, so no rotation
 * schedule can apply to it. The library tags its imported-key secrets with it; tag your own likewise.
 * Webhook-SecretRotation accepts a secret carrying it in place of a rotation schedule.
 */
export const SENDER_ISSUED_TAG = { key: 'webhook:key-source', value: 'sender-issued' } as const;
