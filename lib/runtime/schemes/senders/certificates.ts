import { PayPalSchemeConfig, SnsSchemeConfig } from '../../types';
import { CodeSender } from '../sender';
import { PayPalScheme } from './paypal';
import { SnsScheme } from './sns';

/** Senders that sign with a private key whose certificate they publish at a pinned URL (AWS SNS, PayPal). */
export const CERTIFICATES = {
  sns: { docs: 'https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html', issuesKey: true, create: (config) => new SnsScheme(config as SnsSchemeConfig) },
  paypal: { docs: 'https://developer.paypal.com/api/rest/webhooks/rest/#link-selfverificationmethod', issuesKey: true, create: (config) => new PayPalScheme(config as PayPalSchemeConfig) },
} satisfies Record<string, CodeSender>;
