/** Where a source's signing keys come from. */
export enum KeySource {
  /** Generated and rotated on a schedule by the source's rotation function; hand the key to the sender. */
  GENERATED = 'generated',
  /**
   * Issued by the sender (Stripe's whsec_, Slack's signing secret, Shopify's app secret, Twilio's auth
   * token) and imported with the CLI's `put-key` (a Secrets Manager put-secret-value); the replaced key keeps verifying for the grace window.
   */
  IMPORTED = 'imported',
  /**
   * Published by the sender at a pinned URL (AWS SNS and PayPal certificates, Google's key set) and
   * fetched by the verifier: the source has no secret at all. Rotation is the sender's: a new key is
   * fetched the first time a request names it.
   */
  PUBLISHED = 'published',
}
