#!/usr/bin/env node
// `npm run docs:senders`: rewrites the sender table of docs/senders.md from the catalogue
// (test/support/sender-table.ts; test/docs/senders.test.ts fails while the two differ).
import { rewriteGeneratedSection } from './generated-section.mjs';

await rewriteGeneratedSection({
  source: 'test/support/sender-table.ts',
  exportName: 'senderTable',
  page: 'docs/senders.md',
  marker: 'senders',
  what: 'sender table',
  script: 'npm run docs:senders',
});
