import { SenderEntry } from '../sender';

/** Senders that sign a JWT or JWS (Vonage, Netlify, Apple App Store, monday.com) and Microsoft Graph change notifications. */
export const JWT = {} satisfies Record<string, SenderEntry>;
