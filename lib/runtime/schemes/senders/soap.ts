import { SenderEntry } from '../sender';
import { SALESFORCE } from './salesforce';

/** Senders that post SOAP and expect a SOAP answer (Salesforce outbound messages): a bundle of their own, for its strict XML reader. */
export const SOAP = { salesforce: SALESFORCE } satisfies Record<string, SenderEntry>;
