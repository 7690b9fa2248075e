import { errorFields, SettleWithCallStage } from './context';
import { recordAnswered } from './settle';

/**
 * An optional stage of settle (settle.ts), carried by the bundle of the senders that need it: a
 * verified request the sender expects settled with a call back (SNS's subscription confirmation) is
 * settled, never queued; a failed call is a 5xx, so the sender asks again. Undefined for a request
 * to queue.
 */
export const settleWithCall: SettleWithCallStage = async (v, d, verified) => {
  const settling = v.scheme.settle?.(d.body, verified.result, v.deps.published!.fetch);
  if (!settling) return undefined;
  let answer;
  try {
    answer = await settling;
  } catch (error) {
    return d.finish(503, 'SecretUnavailable', { reason: 'settle_failed', size: d.size, ...errorFields(error) });
  }
  return recordAnswered(v, d, verified, 'settled', answer);
};
