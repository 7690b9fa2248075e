import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { publishedIpList, PublishedIpList } from '../../runtime/ip-ranges/lists';
import { httpsFetcher } from '../../runtime/published-keys';
import { LineWriter, stdoutWriter } from '../shared/telemetry';
import { CloudFormationEvent, CustomResourceOutcome, handleCustomResource, NO_SET } from './custom-resource';
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
  /** The client CreateIPSet goes through: maxAttempts 1 (see CustomResourceOptions.createWaf). @default waf */
  readonly createWaf?: WAFV2Client;
  /** Waits between AccessDenied retries of a CloudFormation request. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
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

/** The deploy-time refresh's custom resource type (the sets' is Custom::WebhookIpSet). */
export const REFRESH_RESOURCE_TYPE = 'Custom::WebhookIpRangesRefresh';
/**
 * How long the deploy-time refresh may start new sources (ms). Each source then takes at most a 5 s
 * fetch and a few WAF calls of 5 s attempts, so the answer comes well inside the function's 5 minutes.
 */
export const DEPLOY_REFRESH_BUDGET_MS = 120_000;

export type IpRangesHandler = (event: unknown) => Promise<{ sources: SourceResult[] } | undefined>;

export function createIpRangesHandler(deps: IpRangesDeps): IpRangesHandler {
  const now = deps.now ?? Date.now;
  const write = deps.write ?? stdoutWriter;
  const fetch = deps.fetch ?? pinnedListFetcher();
  const respond = deps.respond ?? httpsResponder();
  const lists = deps.lists ?? publishedIpList;

  /**
   * `Custom::WebhookIpRangesRefresh`: at deploy, after every set exists, Create and Update run exactly
   * the scheduled refresh (its `Input` is the rule's input, as JSON), so new or renamed sets hold the
   * sender's current list rather than the shipped snapshot, and the first IpRangesAgeSeconds datapoint
   * is sent. Always SUCCESS: a refused or failed refresh keeps the sets and raises the refused alarm,
   * like a scheduled one; it never fails a deploy. Delete does nothing (the sets are their own resources).
   */
  async function refreshResource(event: CloudFormationEvent): Promise<CustomResourceOutcome> {
    const response = {
      Status: 'SUCCESS' as const,
      PhysicalResourceId: event.PhysicalResourceId ?? `ip-ranges-refresh-${deps.endpoint ?? 'endpoint'}`,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      NoEcho: false as const,
    };
    if (event.RequestType === 'Delete') return { action: 'nothing-to-delete', response };
    try {
      if (!deps.endpoint) throw new Error('Environment variable WEBHOOK_ENDPOINT is not set: the refresh\'s metrics would reach no alarm');
      const input = event.ResourceProperties?.Input;
      const parsed = refreshEvent(typeof input === 'string' ? JSON.parse(input) : undefined);
      const results = await refreshAll({ waf: deps.waf, fetch, lists, now, write, endpoint: deps.endpoint, deadline: now() + DEPLOY_REFRESH_BUDGET_MS }, parsed);
      const refused = results.filter((r) => r.outcome === 'refused').length;
      return { action: refused > 0 ? `refreshed (${refused} refused)` : 'refreshed', response };
    } catch (error) {
      // The construct's input is wrong or the endpoint unset: logged as an error; the schedule's runs fail the same way and the stale alarm fires.
      return { action: 'refresh-failed', error, response };
    }
  }

  async function customResource(event: CloudFormationEvent): Promise<undefined> {
    const refused = respond.refuses?.(event.ResponseURL);
    if (refused) {
      // Not CloudFormation's request (its URLs are S3's): nothing is done for a request no one could be told about.
      write(JSON.stringify({ level: 'ERROR', message: 'ip-set', Endpoint: deps.endpoint, requestType: event.RequestType, logicalResourceId: event.LogicalResourceId, action: 'ignored', answered: false, answerError: refused }));
      return undefined;
    }
    let outcome: CustomResourceOutcome;
    try {
      outcome =
        event.ResourceType === REFRESH_RESOURCE_TYPE
          ? await refreshResource(event)
          : await handleCustomResource(deps.waf, event, { now, sleep: deps.sleep, createWaf: deps.createWaf });
    } catch (error) {
      // handleCustomResource answers its own failures; this is a last guard so CloudFormation never waits an hour.
      outcome = {
        action: 'failed',
        error,
        response: {
          Status: 'FAILED',
          Reason: 'The request failed on an unexpected error. See the function\'s log.',
          PhysicalResourceId: event.PhysicalResourceId ?? NO_SET,
          StackId: event.StackId,
          RequestId: event.RequestId,
          LogicalResourceId: event.LogicalResourceId,
          NoEcho: false,
        },
      };
    }
    const error = outcome.error instanceof Error ? outcome.error : undefined;
    const line = {
      level: outcome.response.Status === 'FAILED' || outcome.action === 'refresh-failed' ? 'ERROR' : 'INFO',
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
