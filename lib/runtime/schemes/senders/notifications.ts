import { SenderEntry } from '../sender';

/** Platform notification senders added by issue 21 (Apple App Store Server Notifications v2, Microsoft Graph change notifications). */
export const NOTIFICATIONS = {} satisfies Record<string, SenderEntry>;
