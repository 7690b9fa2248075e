import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { createIpRangesHandler } from './refresher';

/**
 * The Lambda entry of an endpoint's sender IP-ranges function. Short timeouts and few attempts: a WAF
 * call that hangs must fail this source's refresh (alarmed, retried at the next run) or this
 * CloudFormation request (answered FAILED), not hold the function until it times out unanswered.
 */
export function wafClients(): { waf: WAFV2Client; createWaf: WAFV2Client } {
  // requestTimeout bounds the whole call only with throwOnRequestTimeout (the SDK's older meaning, an
  // idle socket, is socketTimeout): both are set, so a stalled call always ends.
  const requestHandler = { connectionTimeout: 2000, socketTimeout: 5000, requestTimeout: 5000, throwOnRequestTimeout: true };
  return {
    waf: new WAFV2Client({ maxAttempts: 3, requestHandler }),
    // CreateIPSet is never retried by the SDK: a retry after WAF made the set would answer
    // WAFDuplicateItemException and leave that set behind. A failed Create is answered FAILED instead.
    createWaf: new WAFV2Client({ maxAttempts: 1, requestHandler }),
  };
}

export const handler = createIpRangesHandler({
  ...wafClients(),
  // Not checked here: a CloudFormation request must still be answered; a refresh without it fails.
  endpoint: process.env.WEBHOOK_ENDPOINT || undefined,
});
