import { CodeSender } from '../sender';

/** Senders that sign with a private key and give the verifier the public one (Ed25519, ECDSA P-256). */
export const SIGNING_KEYS = {} satisfies Record<string, CodeSender>;
