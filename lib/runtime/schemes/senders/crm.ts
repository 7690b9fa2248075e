import { CodeSender } from '../sender';
import { HubSpotScheme } from './hubspot';

/** HubSpot, which signs the method and its own decoding of the URL: a bundle of its own, so that the workplace bundle stays within 40 KB. */
export const CRM = {
  /** Signs the method and its own decoding of the URL: code, in ./hubspot.ts. */
  hubspot: {
    docs: 'https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests#validate-the-v3-request-signature',
    issuesKey: true,
    create: () => new HubSpotScheme(),
  },} satisfies Record<string, CodeSender>;
