import { SenderEntry } from '../sender';

// Payments and commerce: rows of the sender catalogue (see ../catalogue.ts for how a row is read and tested).

export const PAYMENTS = {
  /** https://developer.squareup.com/docs/webhooks/step3validate */
  square: {
    docs: 'https://developer.squareup.com/docs/webhooks/step3validate',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'header', header: 'x-square-hmacsha256-signature' },
    signed: ['url', 'body'],
    metadata: [],
    contentTypes: ['application/json'],
    issuesKey: true,
  },
} satisfies Record<string, SenderEntry>;
