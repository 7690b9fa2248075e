// Which senders publish the addresses their webhooks come from as a machine-readable list, where the
// list is, and how to read its webhook entries. Pure (no AWS imports): the refresher bundle, the
// snapshot script and the constructs all read it.

/** One sender's published, machine-readable list of the addresses its webhooks are sent from. */
export interface PublishedIpList {
  /** The catalogue's scheme type of the sender (`github`, `stripe`, ...). */
  readonly sender: string;
  /** The list's https URL: fetched exactly as written (its host is the only one asked; no redirects). */
  readonly url: string;
  /** The sender's page that documents the list. */
  readonly docs: string;
  /** In words, which entries of the list are its webhook senders (for the README and the runbook). */
  readonly entries: string;
  /**
   * The webhook senders' addresses (CIDRs or single addresses, as the list spells them) from the
   * list's text. Throws on a list it does not recognise (a changed format, an HTML error page):
   * never returns a partial reading.
   */
  parse(text: string): string[];
}

/** Senders that publish a machine-readable list, by scheme type. */
export const PUBLISHED_IP_LISTS: Readonly<Record<string, PublishedIpList>> = {};

/**
 * Senders checked that publish no machine-readable list of their webhook addresses, with what they
 * publish instead (a documentation page, or nothing: "sends from changing cloud addresses").
 */
export const UNPUBLISHED_IP_LISTS: Readonly<Record<string, string>> = {};

export function publishedIpList(sender: string): PublishedIpList | undefined {
  return Object.hasOwn(PUBLISHED_IP_LISTS, sender) ? PUBLISHED_IP_LISTS[sender] : undefined;
}
