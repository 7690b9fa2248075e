import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { splitCidrs } from '../../runtime/ip-ranges/cidrs';
import { createIpSet, deleteIpSet, IpSetRef, IpVersion, refFromArn, updateIpSet, withFreshSet } from './ip-sets';
import { formatStamp, isStampSender, parseIsoUtc, parseStamp } from './stamp';

/*
 * The `Custom::WebhookIpSet` custom resource: one WAF IP set holding a sender's published list, created
 * from the snapshot shipped with the package and thereafter kept current by the scheduled refresh.
 * CloudFormation never holds the addresses (an `AWS::WAFv2::IPSet` would: every deploy would put its
 * template's addresses back, reverting each refresh), so a deploy only ever moves a set forward: to a
 * snapshot newer than what the set holds, never back to an older one.
 */

export interface CloudFormationEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
}

/** What the resource's properties say, checked. */
export interface IpSetProperties {
  readonly name: string;
  readonly version: IpVersion;
  readonly sender: string;
  readonly snapshotAsOfMs: number;
  /** The snapshot's addresses of this set's version, canonical. */
  readonly addresses: string[];
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly NoEcho: false;
  readonly Data?: { readonly Arn: string; readonly Id: string; readonly Name: string };
}

/** What the resource did, for the function's log (never the addresses, never the ResponseURL). */
export interface CustomResourceOutcome {
  readonly response: CustomResourceResponse;
  /** created | replaced-by-snapshot | kept (the set is as new as the snapshot or newer) | deleted | already-gone | recreated | failed */
  readonly action: string;
  readonly error?: unknown;
}

/** The physical id answered for a Create that made no set: the Delete that follows finds nothing to remove. */
export const NO_SET = 'no-ip-set-created';

/**
 * A failure whose message is safe to hand to CloudFormation as the Reason: written here, never taken
 * from the request (the Reason shows in the stack's events for anyone who can read them).
 */
export class IpSetRequestError extends Error {
  override readonly name = 'IpSetRequestError';
}

const NAME = /^[\w-]{1,128}$/;

/** How far ahead of the function's clock a SnapshotAsOf may be (clock skew), in ms. */
export const SNAPSHOT_CLOCK_SKEW_MS = 5 * 60 * 1000;

export function ipSetProperties(raw: Record<string, unknown> | undefined, nowMs: number = Date.now()): IpSetProperties {
  const props = raw ?? {};
  const problems: string[] = [];
  const name = props.Name;
  if (typeof name !== 'string' || !NAME.test(name)) problems.push('Name must be 1-128 letters, digits, _ or -');
  const version = props.IpVersion;
  if (version !== 'IPV4' && version !== 'IPV6') problems.push('IpVersion must be IPV4 or IPV6');
  if (!isStampSender(props.Sender)) problems.push('Sender must be a catalogue sender name');
  const snapshotAsOfMs = parseIsoUtc(props.SnapshotAsOf);
  if (snapshotAsOfMs === undefined) problems.push('SnapshotAsOf must be an ISO 8601 UTC time');
  // A snapshot from the future would stamp the set newer than every refresh to come until then, so no
  // deploy could move it forward: refused (5 minutes of clock skew allowed).
  else if (snapshotAsOfMs > nowMs + SNAPSHOT_CLOCK_SKEW_MS) problems.push('SnapshotAsOf must not be later than now');
  const rawAddresses = props.Addresses;
  if (!Array.isArray(rawAddresses) || !rawAddresses.every((a) => typeof a === 'string')) problems.push('Addresses must be a list of CIDRs');
  if (problems.length > 0) throw new IpSetRequestError(`Invalid Custom::WebhookIpSet properties: ${problems.join('; ')}`);
  let split: ReturnType<typeof splitCidrs>;
  try {
    split = splitCidrs(rawAddresses as string[]);
  } catch {
    throw new IpSetRequestError('Invalid Custom::WebhookIpSet properties: Addresses holds an entry that is not an IP address or CIDR');
  }
  // The snapshot may be given whole (both versions): the set takes its own version's addresses.
  return { name: name as string, version: version as IpVersion, sender: props.Sender as string, snapshotAsOfMs: snapshotAsOfMs!, addresses: split[version as IpVersion] };
}

export interface CustomResourceOptions {
  /** The function's clock (SnapshotAsOf must not be later). @default Date.now */
  readonly now?: () => number;
  /** Waits between AccessDenied retries. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * The client CreateIPSet goes through: one attempt, no SDK retry (a retried Create whose first
   * attempt WAF carried out would answer WAFDuplicateItemException and leave an orphan set). @default waf
   */
  readonly createWaf?: WAFV2Client;
}

/**
 * Pauses, in ms, before each retry of a request WAF refused with AccessDeniedException: right after a
 * deploy attaches the function's policy, IAM may take a few seconds to apply it. 39 s in all, well
 * inside the function's timeout; then the request is answered FAILED.
 */
export const ACCESS_DENIED_BACKOFF_MS = [1000, 2000, 4000, 8000, 8000, 8000, 8000];

export const isAccessDenied = (error: unknown) => error instanceof Error && error.name === 'AccessDeniedException';

/** Runs `attempt`, again after each pause of {@link ACCESS_DENIED_BACKOFF_MS} while WAF answers AccessDeniedException. */
export async function retryAccessDenied<T>(attempt: () => Promise<T>, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isAccessDenied(error) || i >= ACCESS_DENIED_BACKOFF_MS.length) throw error;
      await sleep(ACCESS_DENIED_BACKOFF_MS[i]);
    }
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Carries out one CloudFormation request and says what to answer. Never throws: a failure is a FAILED answer. */
export async function handleCustomResource(waf: WAFV2Client, event: CloudFormationEvent, options: CustomResourceOptions = {}): Promise<CustomResourceOutcome> {
  const now = options.now ?? Date.now;
  const createWaf = options.createWaf ?? waf;
  const answer = (Status: 'SUCCESS' | 'FAILED', PhysicalResourceId: string, extra: Partial<CustomResourceResponse> = {}): CustomResourceResponse => ({
    Status,
    PhysicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    ...extra,
  });
  const created = (set: { arn: string; id: string; name: string }) => answer('SUCCESS', set.arn, { Data: { Arn: set.arn, Id: set.id, Name: set.name } });
  const carryOut = async (): Promise<CustomResourceOutcome> => {
    switch (event.RequestType) {
      case 'Create': {
        const props = ipSetProperties(event.ResourceProperties, now());
        return { action: 'created', response: created(await createFromSnapshot(createWaf, props)) };
      }
      case 'Update': {
        const props = ipSetProperties(event.ResourceProperties, now());
        const old = event.OldResourceProperties ?? {};
        const ref = refFromArn(event.PhysicalResourceId);
        // A new name or version is a new set: CloudFormation deletes the old one once the stack has moved on.
        // (The construct puts the name in the resource's logical id, so a rename reaches it as a Create.)
        if (!ref || old.Name !== props.name || old.IpVersion !== props.version) {
          return { action: 'created', response: created(await createFromSnapshot(createWaf, props)) };
        }
        return await updateFromSnapshot(waf, createWaf, ref, props, created);
      }
      case 'Delete': {
        const ref = refFromArn(event.PhysicalResourceId);
        const physicalId = event.PhysicalResourceId ?? NO_SET;
        if (!ref) return { action: 'already-gone', response: answer('SUCCESS', physicalId) };
        const deleted = await withFreshSet(waf, ref, async (set) => (set ? deleteIpSet(waf, set) : false));
        return { action: deleted ? 'deleted' : 'already-gone', response: answer('SUCCESS', physicalId) };
      }
      default:
        throw new IpSetRequestError('Unknown RequestType');
    }
  };
  try {
    return await retryAccessDenied(carryOut, options.sleep);
  } catch (error) {
    return { action: 'failed', error, response: answer('FAILED', event.PhysicalResourceId ?? NO_SET, { Reason: failureReason(event.RequestType, error) }) };
  }
}

async function createFromSnapshot(waf: WAFV2Client, props: IpSetProperties) {
  return createIpSet(waf, {
    name: props.name,
    version: props.version,
    addresses: props.addresses,
    description: formatStamp({ sender: props.sender, asOfMs: props.snapshotAsOfMs, origin: 'snapshot' }),
  });
}

async function updateFromSnapshot(
  waf: WAFV2Client,
  createWaf: WAFV2Client,
  ref: IpSetRef,
  props: IpSetProperties,
  created: (set: { arn: string; id: string; name: string }) => CustomResourceResponse,
): Promise<CustomResourceOutcome> {
  return withFreshSet(waf, ref, async (set) => {
    // Removed behind the stack's back: make it again (a new physical id; the Delete of the old one finds nothing).
    if (!set) return { action: 'recreated', response: created(await createFromSnapshot(createWaf, props)) };
    const stamp = parseStamp(set.description, props.sender);
    const snapshotAsOf = Math.floor(props.snapshotAsOfMs / 1000) * 1000;
    if (stamp && stamp.asOfMs >= snapshotAsOf) return { action: 'kept', response: created(set) };
    await updateIpSet(waf, set, props.addresses, formatStamp({ sender: props.sender, asOfMs: props.snapshotAsOfMs, origin: 'snapshot' }));
    return { action: 'replaced-by-snapshot', response: created(set) };
  });
}

/**
 * A short Reason for CloudFormation: this module's own words, or the AWS error's class name
 * (WAFDuplicateItemException, WAFLimitsExceededException, AccessDeniedException...), never a message
 * that could repeat what the request carried.
 */
function failureReason(requestType: unknown, error: unknown): string {
  const what = requestType === 'Create' || requestType === 'Update' || requestType === 'Delete' ? requestType : 'The request';
  if (error instanceof IpSetRequestError) return `${what} failed. ${error.message}`;
  const name = error instanceof Error && /^[A-Za-z][A-Za-z0-9]{0,63}Exception$/.test(error.name) && '$metadata' in error ? error.name : undefined;
  return name ? `${what} failed: AWS WAF answered ${name}. See the function's log.` : `${what} failed on an unexpected error. See the function's log.`;
}
