import { coreScheme } from '../../../runtime/schemes/core';
import { verifierEntry } from '../entry';

export const handler = verifierEntry(coreScheme);
