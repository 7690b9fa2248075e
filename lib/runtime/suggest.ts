// "Did you mean": the closest of a few known names to one a user typed, and the keys of a plain
// object that an interface does not have (props passed from JavaScript or a jsii language are not
// checked by a compiler, so a misspelt or invented key would otherwise be ignored). Pure.

/**
 * Optimal string alignment distance (Damerau-Levenshtein where no substring is edited twice):
 * insertions, deletions, substitutions and swaps of two adjacent characters each cost 1.
 * Compared case-insensitively.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= t.length; j++) rows[i].push(i === 0 ? j : 0);
  }
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  }
  return rows[s.length][t.length];
}

/** The most edits a name may be from a candidate to be suggested: a third of the longer name, at least 1, at most 3. */
export function suggestionThreshold(name: string, candidate: string): number {
  return Math.max(1, Math.min(3, Math.floor(Math.max(name.length, candidate.length) / 3)));
}

/**
 * The candidate closest to `name` (see editDistance), or undefined when none is within
 * suggestionThreshold. A candidate equal to `name` (ignoring case) is its own closest. Ties go to
 * the earlier candidate.
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance <= suggestionThreshold(name, candidate) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `; did you mean "x"?` when a candidate is close to `name`, else ''. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const match = closest(name, candidates);
  return match === undefined || match === name ? '' : `; did you mean "${match}"?`;
}

/** The own enumerable keys of `obj` that are not in `known` (none for anything but a plain object). */
export function unknownKeys(obj: unknown, known: readonly string[]): string[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [];
  return Object.keys(obj).filter((key) => !known.includes(key));
}

/** ` (did you mean "x"?)` when a candidate is close to `name`, else '': for messages that go on after the name. */
export function meant(name: string, candidates: readonly string[]): string {
  const match = closest(name, candidates);
  return match === undefined || match === name ? '' : ` (did you mean "${match}"?)`;
}

/**
 * What follows a name that matched nothing: `; did you mean "github"? Its sources: a, b` or, with
 * nothing close, `; its sources: a, b` (`label` is "sources", "props", ...). `listed` is what the
 * list shows when it says more than the bare candidates (e.g. each source with its endpoint).
 */
export function suggestion(name: string, candidates: readonly string[], label: string, listed: readonly string[] = candidates): string {
  const hint = didYouMean(name, candidates);
  const list = listed.length > 0 ? listed.join(', ') : '(none)';
  return hint ? `${hint} Its ${label}: ${list}` : `; its ${label}: ${list}`;
}

/**
 * One message per key of `obj` that is not in `known`: `<what> has no prop "secrt"; did you mean
 * "secret"? Its props: a, b, c`. A key whose value is undefined counts too: a misspelt optional prop
 * is as lost with any value.
 */
export function unknownKeyProblems(what: string, obj: unknown, known: readonly string[]): string[] {
  const sorted = [...known].sort();
  return unknownKeys(obj, known).map((key) => `${what} has no prop "${key}"${suggestion(key, sorted, 'props')}`);
}
