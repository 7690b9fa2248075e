import { CreateIPSetCommand, DeleteIPSetCommand, GetIPSetCommand, UpdateIPSetCommand, WAFV2Client } from '@aws-sdk/client-wafv2';

export type IpVersion = 'IPV4' | 'IPV6';

/** Which set: WAF names a regional IP set by its name and id together. */
export interface IpSetRef {
  readonly name: string;
  readonly id: string;
}

/** A set as GetIPSet returns it, with the token its next change must present. */
export interface IpSetState extends IpSetRef {
  readonly arn: string;
  readonly version: IpVersion;
  readonly addresses: string[];
  readonly description?: string;
  readonly lockToken: string;
}

const SCOPE = 'REGIONAL';
/** A regional IP set's ARN: the custom resource's physical id. */
const IP_SET_ARN = /^arn:[a-z0-9-]+:wafv2:[a-z0-9-]+:\d{12}:regional\/ipset\/([\w-]{1,128})\/([\w-]{1,128})$/;

export const isNotFound = (error: unknown) => error instanceof Error && error.name === 'WAFNonexistentItemException';
export const isLockConflict = (error: unknown) => error instanceof Error && error.name === 'WAFOptimisticLockException';

/** The set a physical id names, or undefined when it is not a regional IP set's ARN (a create that failed). */
export function refFromArn(arn: string | undefined): IpSetRef | undefined {
  const match = IP_SET_ARN.exec(arn ?? '');
  return match ? { name: match[1], id: match[2] } : undefined;
}

/** The set as it is now, or undefined when it no longer exists. */
export async function getIpSet(waf: WAFV2Client, ref: IpSetRef): Promise<IpSetState | undefined> {
  try {
    const out = await waf.send(new GetIPSetCommand({ Name: ref.name, Id: ref.id, Scope: SCOPE }));
    const set = out.IPSet;
    if (!set || !out.LockToken || !set.ARN) throw new Error('GetIPSet answered without the set or its lock token');
    return {
      name: set.Name ?? ref.name,
      id: set.Id ?? ref.id,
      arn: set.ARN,
      version: set.IPAddressVersion === 'IPV6' ? 'IPV6' : 'IPV4',
      addresses: set.Addresses ?? [],
      description: set.Description,
      lockToken: out.LockToken,
    };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function createIpSet(
  waf: WAFV2Client,
  props: { name: string; version: IpVersion; addresses: string[]; description: string },
): Promise<{ arn: string; id: string; name: string }> {
  const out = await waf.send(
    new CreateIPSetCommand({ Name: props.name, Scope: SCOPE, IPAddressVersion: props.version, Addresses: props.addresses, Description: props.description }),
  );
  const summary = out.Summary;
  if (!summary?.ARN || !summary.Id) throw new Error('CreateIPSet answered without the new set\'s ARN and id');
  return { arn: summary.ARN, id: summary.Id, name: summary.Name ?? props.name };
}

/**
 * Replaces the set's addresses and Description (UpdateIPSet replaces the whole set: a Description left
 * out would be cleared, so the stamp is always written), presenting the lock token read with it.
 */
export async function updateIpSet(waf: WAFV2Client, set: IpSetState, addresses: string[], description: string): Promise<void> {
  await waf.send(
    new UpdateIPSetCommand({ Name: set.name, Id: set.id, Scope: SCOPE, Addresses: addresses, Description: description, LockToken: set.lockToken }),
  );
}

/** Deletes the set; true when it was there, false when it was already gone. */
export async function deleteIpSet(waf: WAFV2Client, set: IpSetState): Promise<boolean> {
  try {
    await waf.send(new DeleteIPSetCommand({ Name: set.name, Id: set.id, Scope: SCOPE, LockToken: set.lockToken }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Reads the set and applies `change` to what it read; when another writer changed the set in between
 * (WAFOptimisticLockException), reads it again and applies `change` to the fresh state, once. `change`
 * decides from what it is given, so the retry never writes a decision made on stale contents.
 */
export async function withFreshSet<T>(
  waf: WAFV2Client,
  ref: IpSetRef,
  change: (set: IpSetState | undefined) => Promise<T>,
): Promise<T> {
  try {
    return await change(await getIpSet(waf, ref));
  } catch (error) {
    if (!isLockConflict(error)) throw error;
    return change(await getIpSet(waf, ref));
  }
}
