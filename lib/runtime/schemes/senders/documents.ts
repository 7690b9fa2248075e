import { SenderEntry } from '../sender';

/** Senders whose signature is inside the body or its form parameters, or who expect a SOAP answer (Adyen, Braintree, Mandrill, Salesforce). */
export const DOCUMENTS = {} satisfies Record<string, SenderEntry>;
