import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// Every relative link and #anchor in the README, CONTRIBUTING.md and docs/*.md resolves: a page moved,
// a heading renamed or an anchor mistyped fails here, not in a reader's browser. Anchors are GitHub's
// heading slugs (github-slugger: lowercase, punctuation other than '-' and '_' removed, each space a
// '-', a repeated slug suffixed -1, -2, ...).

const ROOT = join(__dirname, '..', '..');
const PAGES = ['README.md', 'CONTRIBUTING.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text of a page outside fenced code blocks, with inline code spans blanked (links in code are not links). */
function prose(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line);
    if (opening) {
      if (fence === undefined) fence = opening[1][0];
      else if (opening[1][0] === fence) fence = undefined;
      return '';
    }
    return fence === undefined ? line.replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length)) : '';
  });
}

function slug(heading: string): string {
  return heading
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fence: string | undefined;
  for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line);
    if (opening) {
      if (fence === undefined) fence = opening[1][0];
      else if (opening[1][0] === fence) fence = undefined;
      continue;
    }
    const heading = fence === undefined ? /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line) : null;
    if (!heading) continue;
    const base = slug(heading[1].replace(/`/g, ''));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

interface Link { page: string; line: number; target: string }

function links(page: string): Link[] {
  const found: Link[] = [];
  prose(readFileSync(join(ROOT, page), 'utf8')).forEach((text, index) => {
    // [text](target) and [text](target "title"); images too. Absolute URLs and mail links are not checked.
    for (const match of text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      found.push({ page, line: index + 1, target });
    }
  });
  return found;
}

function problem({ page, target }: Link): string | undefined {
  const [path, anchor] = target.split('#', 2);
  const file = path === '' ? join(ROOT, page) : resolve(ROOT, dirname(page), decodeURIComponent(path));
  if (!file.startsWith(ROOT)) return 'points outside the repository';
  if (!existsSync(file)) return `${relative(ROOT, file)} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return `#${anchor} on a file that is not markdown`;
  return anchors(relative(ROOT, file)).has(anchor) ? undefined : `${relative(ROOT, file)} has no heading #${anchor}`;
}

test('the pages checked include the README, CONTRIBUTING.md and every docs page', () => {
  expect(PAGES).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/runbook.md', 'docs/senders.md']));
});

test.each(PAGES)('every relative link and anchor in %s resolves', (page) => {
  const broken = links(page)
    .map((link) => ({ link, why: problem(link) }))
    .filter(({ why }) => why !== undefined)
    .map(({ link, why }) => `${link.page}:${link.line}: (${link.target}) ${why}`);
  expect(broken).toEqual([]);
});

describe('GitHub heading slugs', () => {
  test.each([
    ['Processing each delivery once (idempotency)', 'processing-each-delivery-once-idempotency'],
    ['Many sources: groups and limits', 'many-sources-groups-and-limits'],
    ['Reading a record: parseWebhookRecord', 'reading-a-record-parsewebhookrecord'],
    ['runbook-dead-letter-queue', 'runbook-dead-letter-queue'],
    ["What each sender's documentation leaves to you", 'what-each-senders-documentation-leaves-to-you'],
    ['JWTs with node:crypto, not jose', 'jwts-with-nodecrypto-not-jose'],
  ])('%s → #%s', (heading, expected) => {
    expect(slug(heading)).toBe(expected);
  });
});

describe('the runbook anchors alarms link to', () => {
  test('stay #### runbook-... headings of docs/runbook.md', () => {
    const runbook = anchors('docs/runbook.md');
    const headings = readFileSync(join(ROOT, 'docs', 'runbook.md'), 'utf8').match(/^#### runbook-[a-z-]+$/gm) ?? [];
    expect(headings.length).toBeGreaterThan(10);
    for (const heading of headings) expect(runbook.has(heading.slice(5))).toBe(true);
  });
});
