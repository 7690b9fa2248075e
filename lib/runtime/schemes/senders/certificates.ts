import { SnsSchemeConfig } from '../../types';
import { CodeSender } from '../sender';
import { SnsScheme } from './sns';

/** AWS SNS: signs with a private key whose certificate it publishes at a pinned URL (PayPal, the same kind, is a bundle of its own: ./paypal-family.ts). */
export const CERTIFICATES = {
  sns: { docs: 'https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html', issuesKey: true, create: (config) => new SnsScheme(config as SnsSchemeConfig) },
} satisfies Record<string, CodeSender>;
