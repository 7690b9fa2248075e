import { Answered, Delivery, errorFields, Verified, Verifier } from './context';

/*
 * The response stage: the queued request's claim completed (../dedupe.ts) and the 200 given,
 * with what the sender expects back for a queued delivery (Salesforce's SOAP Ack), only now that it
 * is on the queue.
 */

/** The 200 for a queued request, whether or not its claim could be marked completed (logged when not). */
export async function acknowledge(v: Verifier, d: Delivery, verified: Verified, messageId: string | undefined): Promise<Answered> {
  const { dedupe } = v;
  const { audit, acknowledgement } = verified;
  if (dedupe) {
    try {
      // Another delivery took the claim over after its lock ran out: it may queue a second copy.
      if ((await dedupe.complete(verified.recordKey, verified.claimToken, messageId)) === 'claim_lost') return d.finish(200, 'Accepted', { ...audit, error: 'dedupe_claim_lost' }, acknowledgement);
    } catch (error) {
      // Queued, so acknowledged. The claim stays IN_PROGRESS: retries get 503 until its lock runs
      // out, and the first after that is queued again (the documented second copy).
      const { error: name, errorCode } = errorFields(error);
      return d.finish(200, 'Accepted', { ...audit, error: `dedupe_complete_failed:${name}`, errorCode }, acknowledgement);
    }
  }
  return d.finish(200, 'Accepted', audit, acknowledgement);
}
