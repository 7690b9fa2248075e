import { Scheme } from './schemes/scheme';
import { ActiveKey, VerifyResult, WebhookConfigurationError, WebhookRequest } from './types';

/**
 * The Lambda's hot path: keys already decoded (and cached by the caller, who also refreshes them).
 * Throws a {@link WebhookConfigurationError} when `nowMs` or `toleranceSeconds` is not a finite number
 * (a tolerance also not below 0): a NaN there would otherwise compare as "not stale".
 */
export function verifyWithKeys(
  scheme: Scheme,
  request: WebhookRequest,
  keys: readonly ActiveKey[],
  nowMs: number,
  toleranceSeconds?: number,
): VerifyResult {
  return scheme.verify(request, keys, checkNow(nowMs), checkTolerance(toleranceSeconds ?? scheme.defaultToleranceSeconds ?? 0));
}

/** `nowMs`, or a configuration error when it is not a finite number. */
export function checkNow(nowMs: number): number {
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) throw new WebhookConfigurationError(`now must be a valid time (epoch milliseconds or a Date), not ${String(nowMs)}`);
  return nowMs;
}

/** `seconds`, or a configuration error when it is not a finite number ≥ 0. */
export function checkTolerance(seconds: number): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new WebhookConfigurationError(`toleranceSeconds must be a finite number of seconds ≥ 0, not ${String(seconds)}`);
  }
  return seconds;
}
