import { CodeSender } from '../sender';

/** Senders that sign with a private key whose certificate they publish at a pinned URL (AWS SNS, PayPal). */
export const CERTIFICATES = {} satisfies Record<string, CodeSender>;
