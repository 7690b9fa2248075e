import { PayPalSchemeConfig } from '../../types';
import { CodeSender } from '../sender';
import { PayPalScheme } from './paypal';

/** PayPal: signs with a private key whose certificate it publishes on its API host (a bundle of its own, so that no bundle passes 40 KB). */
export const PAYPAL = {
  paypal: { docs: 'https://developer.paypal.com/api/rest/webhooks/rest/#link-selfverificationmethod', issuesKey: true, create: (config) => new PayPalScheme(config as PayPalSchemeConfig) },
} satisfies Record<string, CodeSender>;
