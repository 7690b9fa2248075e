import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { publishedIpList, PublishedIpList } from '../../runtime/ip-ranges/lists';
import { httpsFetcher } from '../../runtime/published-keys';
import { LineWriter, stdoutWriter } from '../shared/telemetry';
import { CloudFormationEvent, CustomResourceOutcome, handleCustomResource } from './custom-resource';
import { refreshAll, refreshEvent, REFRESH_ACTION, SourceResult } from './refresh';
import { httpsResponder, Responder } from './respond';

/*
 * The sender IP-ranges function of one endpoint. Two kinds of event reach it:
 * - CloudFormation's, for each `Custom::WebhookIpSet` (the function's ARN is the ServiceToken): it
 *   creates, moves forward or deletes one WAF IP set and answers CloudFormation itself (no Provider
 *   framework), every time, FAILED included;
 * - the schedule's `{"action":"refresh-ip-ranges",...}`: it refreshes each source's sets from its
 *   sender's published list.
 */

export interface IpRangesDeps {
  readonly waf: WAFV2Client;
  /**
   * The endpoint's name: the metrics' Endpoint dimension. A refresh without it fails (its metrics would
   * reach no alarm); a CloudFormation request is still carried out and answered.
   */
  readonly endpoint: string | undefined;
  /** Fetches a list's text. @default pinned HTTPS: that URL only, https only, no redirects, 4 MiB, 5 s */
  readonly fetch?: (url: string) => Promise<string>;
  /** Answers CloudFormation. @default {@link httpsResponder} */
  readonly respond?: Responder;
  /** Where a sender's list is and how to read it. @default publishedIpList (the catalogue) */
  readonly lists?: (sender: string) => PublishedIpList | undefined;
  readonly now?: () => number;
  readonly write?: LineWriter;
}

export const MAX_LIST_BYTES = 4 * 1024 * 1024;
export const FETCH_TIMEOUT_MS = 5000;

/** A list fetched as the published keys are: GET that URL, https only, no redirects (a 3xx is a failure), size cap, timeout. */
export function pinnedListFetcher(options: { ca?: string | string[] } = {}): (url: string) => Promise<string> {
  const get = httpsFetcher({ timeoutMs: FETCH_TIMEOUT_MS, maxBytes: MAX_LIST_BYTES, ca: options.ca });
  return async (url) => {
    // api.github.com refuses requests without a User-Agent.
    const response = await get({ url, headers: { 'user-agent': 'cdk-hardened-webhook-ip-ranges', accept: 'application/json, text/plain, */*' } });
    if (response.status !== 200) throw new ListFetchError(`the list's host answered HTTP ${response.status}`);
    return response.body;
  };
}

export class ListFetchError extends Error {
  override readonly name = 'ListFetchError';
}

export type IpRangesHandler = (event: unknown) => Promise<{ sources: SourceResult[] } | undefined>;

export function createIpRangesHandler(deps: IpRangesDeps): IpRangesHandler {
  const now = deps.now ?? Date.now;
  const write = deps.write ?? stdoutWriter;
  const fetch = deps.fetch ?? pinnedListFetcher();
  const respond = deps.respond ?? httpsResponder();
  const lists = deps.lists ?? publishedIpList;

  async function customResource(event: CloudFormationEvent): Promise<undefined> {
    const refused = respond.refuses?.(event.ResponseURL);
    if (refused) {
      // Not CloudFormation's request (its URLs are S3's): nothing is done for a request no one could be told about.
      write(JSON.stringify({ level: 'ERROR', message: 'ip-set', Endpoint: deps.endpoint, requestType: event.RequestType, logicalResourceId: event.LogicalResourceId, action: 'ignored', answered: false, answerError: refused }));
      return undefined;
    }
    let outcome: CustomResourceOutcome;
    try {
      outcome = await handleCustomResource(deps.waf, event);
    } catch (error) {
      // handleCustomResource answers its own failures; this is a last guard so CloudFormation never waits an hour.
      outcome = {
        action: 'failed',
        error,
        response: {
          Status: 'FAILED',
          Reason: 'The request failed on an unexpected error. See the function\'s log.',
          PhysicalResourceId: event.PhysicalResourceId ?? 'no-ip-set-created',
          StackId: event.StackId,
          RequestId: event.RequestId,
          LogicalResourceId: event.LogicalResourceId,
          NoEcho: false,
        },
      };
    }
    const error = outcome.error instanceof Error ? outcome.error : undefined;
    const line = {
      level: outcome.response.Status === 'FAILED' ? 'ERROR' : 'INFO',
      message: 'ip-set',
      Endpoint: deps.endpoint,
      requestType: event.RequestType,
      logicalResourceId: event.LogicalResourceId,
      physicalResourceId: outcome.response.PhysicalResourceId,
      action: outcome.action,
      status: outcome.response.Status,
      reason: outcome.response.Reason,
      error: error?.name,
      errorMessage: error?.message.slice(0, 300),
    };
    try {
      await respond(event.ResponseURL, JSON.stringify(outcome.response));
      write(JSON.stringify(line));
    } catch (error) {
      // Not rethrown: Lambda would run the request again, and a second Create would make a second set.
      write(JSON.stringify({ ...line, level: 'ERROR', answered: false, answerError: error instanceof Error ? error.message.slice(0, 200) : 'unknown' }));
    }
    return undefined;
  }

  return async (event) => {
    const e = event as Partial<CloudFormationEvent> & { action?: unknown };
    if (e && typeof e === 'object' && typeof e.RequestType === 'string' && typeof e.ResponseURL === 'string') {
      return customResource({ ...(e as CloudFormationEvent), StackId: String(e.StackId ?? ''), RequestId: String(e.RequestId ?? ''), LogicalResourceId: String(e.LogicalResourceId ?? '') });
    }
    if (e && typeof e === 'object' && e.action === REFRESH_ACTION) {
      if (!deps.endpoint) throw new Error('Environment variable WEBHOOK_ENDPOINT is not set: the refresh\'s metrics would reach no alarm');
      return { sources: await refreshAll({ waf: deps.waf, fetch, lists, now, write, endpoint: deps.endpoint }, refreshEvent(event)) };
    }
    throw new Error(`Unknown event: expected a CloudFormation custom resource request or {"action":"${REFRESH_ACTION}",...}`);
  };
}
