import type { ImmediateAnswer } from '../../../runtime/schemes/scheme';
import { Answered, Delivery, Verified, Verifier } from './context';
import { dedupeUnavailable } from './dedupe';

/*
 * The settle stage: a verified request the sender expects answered rather than queued (Slack's
 * url_verification, Zoom's validation, Twitch's callback verification), or settled with a call back
 * (SNS's subscription confirmation, settle-with-call.ts). Never queued.
 */

/** The answer to a verified request that is not queued; undefined for one to queue. */
export async function settle(v: Verifier, d: Delivery, verified: Verified): Promise<Answered | undefined> {
  const { scheme } = v;
  const immediate = scheme.immediateResponse?.(d.body, verified.result, d.headers);
  if (immediate) return recordAnswered(v, d, verified, 'answered_directly', immediate);
  return v.settleWithCall?.(v, d, verified);
}

/**
 * A handshake answered without queueing is recorded under its dedupe key before the answer goes
 * out, so its signed content replayed later as an event is a duplicate. No record, no answer: 503,
 * and the sender asks again.
 */
export async function recordAnswered(v: Verifier, d: Delivery, verified: Verified, reason: string, answer: ImmediateAnswer): Promise<Answered> {
  const { dedupe } = v;
  if (dedupe) {
    try {
      await dedupe.recordAnswered(verified.recordKey, verified.claimToken, v.now());
    } catch (error) {
      return dedupeUnavailable(d, verified, error);
    }
  }
  return d.finish(200, 'Accepted', { reason, size: d.size }, answer);
}
