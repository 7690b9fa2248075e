import { CodeSender } from '../sender';

/** Senders that sign a JWT with keys they publish (Plaid, Google Pub/Sub push). */
export const TOKENS = {} satisfies Record<string, CodeSender>;
