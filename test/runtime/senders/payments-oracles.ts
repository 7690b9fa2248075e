import Mux from '@mux/mux-node';
import { Paddle } from '@paddle/paddle-node-sdk';
import { validateWebhookSignature } from 'razorpay/dist/utils/razorpay-utils';
import { WebhooksHelper } from 'square';

// The payments senders' official SDKs, each reduced to one question: does the SDK accept this
// delivery? None of them signs (they only verify), so they judge our sign() and the vectors we compute
// from the documentation; they never produce a delivery. Placeholder API credentials: nothing here
// calls an API.

export interface Delivery {
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly secret: string;
  /** The notification URL (Square signs it). */
  readonly url?: string;
}

export type Oracle = (delivery: Delivery) => Promise<boolean>;

const header = (headers: Record<string, string>, name: string): string => {
  const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  if (!found) throw new Error(`no ${name} header in the delivery`);
  return found[1];
};

/** Square's `WebhooksHelper.verifySignature` (package `square`). */
export const squareOracle: Oracle = ({ body, headers, secret, url }) =>
  WebhooksHelper.verifySignature({ requestBody: body, signatureHeader: header(headers, 'x-square-hmacsha256-signature'), signatureKey: secret, notificationUrl: url ?? '' });

const paddle = new Paddle('pdl_sdbx_apikey_placeholder_not_used_by_any_call');
/** Paddle's `webhooks.isSignatureValid` (@paddle/paddle-node-sdk): against the system clock (a test pins it), 5 s into the past. */
export const paddleOracle: Oracle = ({ body, headers, secret }) => paddle.webhooks.isSignatureValid(body, secret, header(headers, 'paddle-signature'));

/** Razorpay's `validateWebhookSignature` (package `razorpay`). */
export const razorpayOracle: Oracle = async ({ body, headers, secret }) => validateWebhookSignature(body, header(headers, 'x-razorpay-signature'), secret);

const mux = new Mux({ tokenId: 'placeholder', tokenSecret: 'placeholder' });
/** Mux's `webhooks.verifySignature` (@mux/mux-node): against the system clock (a test pins it), 300 s into the past. */
export const muxOracle: Oracle = ({ body, headers, secret }) =>
  mux.webhooks.verifySignature(body, { 'mux-signature': header(headers, 'mux-signature') }, secret).then(
    () => true,
    () => false,
  );
