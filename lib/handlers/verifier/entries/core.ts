import { coreScheme } from '../../../runtime/schemes/core';
import { verifierEntry } from '../entry';
import { signedUrl } from '../stages/signed-url';

export const handler = verifierEntry(coreScheme, { signedUrl });
