import { SenderEntry } from '../sender';

/** Senders that sign a JWT or JWS with a shared secret (Vonage, Netlify, monday.com). */
export const JWT = {} satisfies Record<string, SenderEntry>;
