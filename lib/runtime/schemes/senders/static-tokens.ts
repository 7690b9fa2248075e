import { SenderEntry } from '../sender';

/** Senders that authenticate with a static token or Basic credentials and sign nothing (Telegram, Postmark, Chargebee, Auth0 log streams, Strapi, ...): they bind no body. */
export const STATIC_TOKENS = {} satisfies Record<string, SenderEntry>;
