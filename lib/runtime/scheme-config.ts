import type { AliasSender, CatalogueSender } from './schemes/catalogue';
import type { AppleAppStoreSchemeConfig, GenericHmacSchemeConfig, HeaderTokenSchemeConfig, OktaSchemeConfig, PayPalSchemeConfig, PlaidSchemeConfig, PubSubSchemeConfig, SalesforceSchemeConfig, SnsSchemeConfig, StandardWebhooksSchemeConfig } from './types';

/** Which signature scheme a source uses, as plain data so it can cross from synth time to the handler. */
export type SchemeConfig =
  | StandardWebhooksSchemeConfig
  | { readonly type: 'stripe' }
  | { readonly type: 'github' }
  | { readonly type: 'slack' }
  | { readonly type: 'shopify' }
  | { readonly type: 'twilio' }
  | { readonly type: CatalogueSender | AliasSender }
  | OktaSchemeConfig
  | HeaderTokenSchemeConfig
  | SnsSchemeConfig
  | PubSubSchemeConfig
  | PlaidSchemeConfig
  | PayPalSchemeConfig
  | SalesforceSchemeConfig
  | AppleAppStoreSchemeConfig
  | GenericHmacSchemeConfig;
