import { SenderEntry } from '../sender';
import { ADYEN } from './adyen';
import { BRAINTREE } from './braintree';
import { MANDRILL } from './mandrill';

/** Senders whose signature is inside the body or its form parameters (Adyen, Braintree, Mandrill). */
export const DOCUMENTS = { adyen: ADYEN, braintree: BRAINTREE, mandrill: MANDRILL } satisfies Record<string, SenderEntry>;
