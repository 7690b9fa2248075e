import { AppleAppStoreSchemeConfig } from '../../types';
import { CodeSender } from '../sender';
import { AppleAppStoreScheme } from './apple-app-store';
import { MicrosoftGraphScheme } from './microsoft-graph';

/** Platform notification senders added by issue 21 (Apple App Store Server Notifications v2, Microsoft Graph change notifications). */
export const NOTIFICATIONS = {
  'apple-app-store': {
    docs: 'https://developer.apple.com/documentation/appstoreservernotifications/responsebodyv2',
    issuesKey: true,
    create: (config) => new AppleAppStoreScheme(config as AppleAppStoreSchemeConfig),
  },
  'microsoft-graph': {
    docs: 'https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks',
    ipRanges: 'https://learn.microsoft.com/en-us/microsoft-365/enterprise/additional-office365-ip-addresses-and-urls',
    issuesKey: false,
    create: () => new MicrosoftGraphScheme(),
  },
} satisfies Record<string, CodeSender>;
