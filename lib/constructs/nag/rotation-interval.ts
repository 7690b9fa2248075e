/**
 * The longest time, in days, between two rotations a Secrets Manager rotation rule allows, or
 * undefined when it cannot be told from the template (a parameter, an unreadable expression).
 *
 * - `AutomaticallyAfterDays: n` → n.
 * - `rate(n days)`, `rate(n hours)` → n, n / 24.
 * - `cron(min hour day-of-month month day-of-week [year])`: a bound when the schedule fires in every
 *   month, or at least every other month, on a day each such month has (a day of month up to 28,
 *   `L`, a weekday, or the first four of a weekday `#1`-`#4`): two months and a week at most. A year
 *   field other than `*` ends rotation, so it has no bound.
 */
export function longestRotationGapDays(rules: unknown): number | undefined {
  if (!rules || typeof rules !== 'object') return undefined;
  const { AutomaticallyAfterDays: days, ScheduleExpression: expression } = rules as Record<string, unknown>;
  if (typeof expression === 'string') return expressionGapDays(expression.trim());
  return typeof days === 'number' && days > 0 ? days : undefined;
}

function expressionGapDays(expression: string): number | undefined {
  const rate = /^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$/i.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return undefined;
    return rate[2].toLowerCase().startsWith('day') ? n : n / 24;
  }
  const cron = /^cron\((.*)\)$/i.exec(expression);
  if (!cron) return undefined;
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) return undefined;
  const [, , dayOfMonth, month, dayOfWeek, year = '*'] = fields;
  if (year !== '*') return undefined;
  if (!firesEveryMonthItRuns(dayOfMonth, dayOfWeek)) return undefined;
  const months = monthsOf(month);
  if (!months) return undefined;
  const gap = longestCyclicGap(months, 12);
  // Every month: at most 31 + 7 days between two firings; every other month: at most 62 + 7.
  if (gap === 1) return 38;
  if (gap === 2) return 69;
  return undefined;
}

/** Whether the day fields pick at least one day in every month the schedule runs in. */
function firesEveryMonthItRuns(dayOfMonth: string, dayOfWeek: string): boolean {
  if (dayOfMonth !== '?') return dayOfMonth.split(',').some(isDayEveryMonthHas);
  // Day of week: any weekday, a range or list of them, the last one (L) or one of the first four (#1-#4).
  const day = '([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)';
  const part = new RegExp(`^(\\*|${day}(-${day})?(L|#[1-4])?)$`, 'i');
  return dayOfWeek.split(',').every((p) => part.test(p));
}

/** A day-of-month list entry that selects a day in every month: `*`, `L`, `LW`, or starting at a day up to 28. */
function isDayEveryMonthHas(part: string): boolean {
  if (part === '*' || part === 'L' || part === 'LW') return true;
  const first = /^(\*|\d+)(W|-\d+|\/\d+)?$/.exec(part);
  if (!first) return false;
  return first[1] === '*' || (Number(first[1]) >= 1 && Number(first[1]) <= 28);
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** The months (1-12) a cron month field selects, or undefined when it cannot be read. */
function monthsOf(field: string): number[] | undefined {
  const month = (token: string) => {
    const index = MONTH_NAMES.indexOf(token.toUpperCase());
    const n = index >= 0 ? index + 1 : /^\d+$/.test(token) ? Number(token) : NaN;
    return n >= 1 && n <= 12 ? n : undefined;
  };
  const selected = new Set<number>();
  for (const part of field.split(',')) {
    const [base, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return undefined;
    let from: number | undefined;
    let to: number | undefined;
    if (base === '*') [from, to] = [1, 12];
    else if (base.includes('-')) [from, to] = base.split('-').map(month);
    else {
      from = month(base);
      to = stepText === undefined ? from : 12;
    }
    if (from === undefined || to === undefined || to < from) return undefined;
    for (let m = from; m <= to; m += step) selected.add(m);
  }
  return [...selected].sort((a, b) => a - b);
}

/** The longest distance between consecutive selected values on a cycle of `size`. */
function longestCyclicGap(values: number[], size: number): number {
  if (values.length === 0) return Infinity;
  return Math.max(...values.map((v, i) => (i + 1 < values.length ? values[i + 1] - v : values[0] + size - v)));
}
