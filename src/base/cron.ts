// Cron schedules of maintenance windows, as pure functions of a time in milliseconds: parsing, the next and the
// last occurrence, and whether a window is open. No timers and no clock: the caller passes `now`. node-cron fires
// the windows in production; these functions say, from the clock alone, whether a window is open, so a server
// started in the middle of a window drains its target at once.
//
// Who does what: parseCron reads the expression itself, because what it accepts (the part of node-cron's syntax
// that crontab reads the same way) and the messages it gives (zone validation shows them) are this project's;
// node-cron's `validate` has the last word on acceptance, since node-cron is what fires. croner (zero
// dependencies, searches forwards and backwards) finds the occurrences from the values parseCron expanded.
//
// Times are UTC, always: a schedule "0 2 * * SUN" fires at 02:00 UTC, and DST never shifts, skips or repeats an
// occurrence. Schedule node-cron with `timezone: 'Etc/UTC'` so that it fires when these functions say it does
// (without a timezone, node-cron uses the process's local time).
//
// Syntax: 5 fields (minute hour day-of-month month day-of-week), or 6 with node-cron's leading seconds field.
// Each field is a comma-separated list of items: `*`, a number, a range `a-b`, or a step `*/n` or `a-b/n`.
// Months may be written JAN-DEC and weekdays SUN-SAT (3 letters, any case); day-of-week 0 and 7 are Sunday.
// Fields are separated by spaces. The nicknames @yearly, @annually, @monthly, @weekly, @daily, @midnight and
// @hourly stand for their usual expressions.
//
// Consistency with node-cron 4.6.0: every expression accepted here is accepted by node-cron's `validate`, has the
// values node-cron's parser gives, and fires at exactly the instants node-cron's matcher matches
// (test/unit/cron-window.test.ts checks all three, on a table and on generated expressions; parseCron also asks
// `cron.validate` before it accepts). This module is stricter than node-cron; it rejects:
//   - day-of-month and day-of-week both restricted (neither field starts with `*`): crontab(5) (Vixie cron) fires
//     when EITHER matches, node-cron 4.6.0 only when BOTH match. Either reading would surprise someone, and the
//     status page must agree with the runner, so such a schedule is an error. With one of them starting with `*`
//     (`*`, `*/2`), both readings agree: the day must match both fields.
//   - node-cron's extensions L, W, L-n, nL, n#k and `?`; ranges that wrap around (node-cron reads `22-2` as
//     22,23,0,1,2; crontab rejects it); full month and weekday names (`january`) and names glued together;
//     a step on a single value (`5/15`, which node-cron rejects as well); numbers out of a field's range that
//     node-cron folds back in (`60-0` minutes).
// Nothing that node-cron rejects is accepted here.

import { Cron } from 'croner';
import cron from 'node-cron';

/** A parsed schedule: the values each field allows, sorted ascending, without repeats. */
export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** 0-59; [0] for a 5-field expression. */
  readonly seconds: readonly number[];
  /** 0-59. */
  readonly minutes: readonly number[];
  /** 0-23. */
  readonly hours: readonly number[];
  /** 1-31. */
  readonly daysOfMonth: readonly number[];
  /** 1-12. */
  readonly months: readonly number[];
  /** 0-6, Sunday is 0 (a 7 in the expression is stored as 0). */
  readonly daysOfWeek: readonly number[];
  /** croner, reading the values above: it finds the occurrences. */
  readonly occurrenceFinder: Cron;
}

export interface CronError {
  readonly error: string;
}

/** Whether a maintenance window is open at a given time; all times are milliseconds since the epoch. */
export interface WindowState {
  /** True when some occurrence `o` has `o <= now < o + duration`. */
  readonly active: boolean;
  /**
   * When active: the start of the open period. Occurrences whose windows overlap or touch (the next one starts
   * before or when the previous one ends) make one period, which starts at the first of them (or at the earliest
   * reached after MAX_CHAINED_OCCURRENCES of them).
   */
  readonly activeSince?: number;
  /**
   * When active: the end of the open period (exclusive), following overlapping occurrences forward. When they
   * overlap more than MAX_CHAINED_OCCURRENCES times in a row, the end reached so far: evaluate again then.
   */
  readonly activeUntil?: number;
  /** The first occurrence strictly after `now`; undefined when there is none within SEARCH_HORIZON_MS. */
  readonly next: number | undefined;
}

/** How far nextOccurrence and lastOccurrence search: 3,660 days, more than the 8 years between two leap days. */
export const SEARCH_HORIZON_MS = 3_660 * 86_400_000;

/** How many overlapping occurrences windowState follows in each direction to find the bounds of an open period. */
export const MAX_CHAINED_OCCURRENCES = 100;

const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
/** Most days a month can have (February in a leap year), as node-cron uses to reject an impossible day. */
const MAX_DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** The values `*` stands for, when not min-max (day-of-week: 0-6, as node-cron expands it). */
  readonly starMax?: number;
  /** Names standing for min, min+1, ... */
  readonly names?: readonly string[];
  readonly namesHint?: string;
}

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesHint: 'JAN-DEC' };
const DAY_OF_WEEK: FieldSpec = { name: 'day-of-week', min: 0, max: 7, starMax: 6, names: WEEKDAY_NAMES, namesHint: 'SUN-SAT' };

const FIVE_FIELDS = 'minute hour day-of-month month day-of-week';

/**
 * Parses a cron expression (see the top of this file for the syntax). Returns the schedule, or a message that
 * names the field and the part at fault: "minute field: 61 is out of range 0-59".
 */
export function parseCron(expr: string): CronSchedule | CronError {
  if (typeof expr !== 'string') return { error: 'a cron expression must be a string' };
  const trimmed = expr.trim();
  if (trimmed === '') return { error: `the cron expression is empty; expected 5 fields (${FIVE_FIELDS})` };
  let text = expr;
  if (trimmed.startsWith('@')) {
    // As node-cron: a nickname may have any white space around it, an expression only spaces.
    const expansion = NICKNAMES[trimmed.toLowerCase()];
    if (expansion === undefined) return { error: `unknown nickname '${trimmed}' (known: ${Object.keys(NICKNAMES).join(', ')})` };
    text = expansion;
  }
  // node-cron also allows ? and #: let them through to the field that holds them, which says why they are refused.
  const bad = /[^A-Za-z0-9*/,\-?# ]/.exec(text);
  if (bad !== null)
    return { error: `${describeCharacter(bad[0])} is not allowed in a cron expression${/\s/.test(bad[0]) ? '; separate the fields with spaces' : ''}` };
  const parts = text.trim().split(/ +/);
  if (parts.length !== 5 && parts.length !== 6) {
    return { error: `expected 5 fields (${FIVE_FIELDS}) or 6 (a seconds field first), got ${parts.length}` };
  }
  const [secondText, minuteText, hourText, domText, monthText, dowText] = (parts.length === 5 ? ['0', ...parts] : parts) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];

  const fields: Array<[FieldSpec, string]> = [
    [SECOND, secondText],
    [MINUTE, minuteText],
    [HOUR, hourText],
    [DAY_OF_MONTH, domText],
    [MONTH, monthText],
    [DAY_OF_WEEK, dowText],
  ];
  const values: number[][] = [];
  for (const [spec, fieldText] of fields) {
    const parsed = parseField(fieldText, spec);
    if (!Array.isArray(parsed)) return { error: `${spec.name} field: ${parsed.error}` };
    values.push(parsed);
  }
  const [seconds, minutes, hours, daysOfMonth, months, daysOfWeek] = values as [number[], number[], number[], number[], number[], number[]];

  if (!domText.startsWith('*') && !dowText.startsWith('*')) {
    return {
      error:
        `day-of-month (${domText}) and day-of-week (${dowText}) are both restricted: crontab fires when either ` +
        'matches, node-cron when both do, so this is ambiguous; set one of them to *',
    };
  }
  if (!months.some((month) => daysOfMonth.some((day) => day <= MAX_DAYS_IN_MONTH[month]))) {
    return { error: `day-of-month ${domText} never occurs in month ${monthText}` };
  }
  // A safety net: the rules above are meant to accept nothing node-cron rejects (the tests check that).
  if (!cron.validate(expr)) return { error: 'node-cron does not accept this expression' };
  const occurrenceFinder = occurrenceFinderFor(values);
  return { expression: expr, seconds, minutes, hours, daysOfMonth, months, daysOfWeek, occurrenceFinder };
}

function describeCharacter(character: string): string {
  if (character === '\t') return 'a tab';
  if (character === '\n' || character === '\r') return 'a line break';
  if (/\s/.test(character)) return `the space character U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${character}'`;
}

function parseField(text: string, spec: FieldSpec): number[] | CronError {
  const found = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') return { error: `empty list item in '${text}'` };
    if (item.includes('?')) return { error: "'?' is not supported; write *" };
    const slash = item.indexOf('/');
    const base = slash === -1 ? item : item.slice(0, slash);
    const stepText = slash === -1 ? undefined : item.slice(slash + 1);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) return { error: `step '${stepText}' in '${item}' is not a whole number` };
      step = Number(stepText);
      if (step < 1) return { error: `step ${stepText} in '${item}' must be at least 1` };
    }
    let first: number;
    let last: number;
    if (base === '*') {
      first = spec.min;
      last = spec.starMax ?? spec.max;
    } else {
      const dash = base.indexOf('-');
      if (dash === -1) {
        if (stepText !== undefined) {
          return { error: `a step needs a range or *: write ${base}-${spec.starMax ?? spec.max}/${stepText} or */${stepText}, not '${item}'` };
        }
        const value = parseValue(base, spec);
        if (typeof value !== 'number') return value;
        first = last = value;
      } else {
        const low = parseValue(base.slice(0, dash), spec);
        if (typeof low !== 'number') return low;
        const high = parseValue(base.slice(dash + 1), spec);
        if (typeof high !== 'number') return high;
        if (low > high) {
          const hint =
            spec === DAY_OF_WEEK && high === 0
              ? `Sunday is 0 or 7: write ${base.slice(0, dash)}-7`
              : `ranges do not wrap around: write ${span(low, spec.starMax ?? spec.max)},${span(spec.min, high)}`;
          return { error: `range ${base} runs backwards (${hint})` };
        }
        first = low;
        last = high;
      }
    }
    for (let value = first; value <= last; value += step) found.add(spec === DAY_OF_WEEK && value === 7 ? 0 : value);
  }
  return [...found].sort((a, b) => a - b);
}

function span(first: number, last: number): string {
  return first === last ? String(first) : `${first}-${last}`;
}

function parseValue(token: string, spec: FieldSpec): number | CronError {
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    if (value < spec.min || value > spec.max) return { error: `${token} is out of range ${spec.min}-${spec.max}` };
    return value;
  }
  if (token === '') return { error: 'a range needs a value on each side of -' };
  const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (index !== -1) return spec.min + index;
  if ((spec === DAY_OF_MONTH || spec === DAY_OF_WEEK) && /[LW#]/i.test(token)) {
    return { error: `'${token}' is not supported: write numbers${spec.names === undefined ? '' : ' or names'}, *, ranges, lists and steps` };
  }
  return {
    error:
      spec.names === undefined
        ? `'${token}' is not a number`
        : `'${token}' is not a ${spec === MONTH ? 'month' : 'weekday'} name (${spec.namesHint}) or a number ${spec.min}-${spec.max}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Occurrences (UTC), found by croner.

/** How many values each field has (second, minute, hour, day-of-month, month, day-of-week), to spot a full one. */
const FIELD_SIZES = [60, 60, 24, 31, 12, 7] as const;

/**
 * croner's reading of a parsed schedule, which finds its occurrences. It is given the values parseCron expanded,
 * as lists of in-range numbers (or `*` for a field that allows every value: croner searches several times faster
 * through `*` than through the full list), so croner's own reading of the syntax (wider than node-cron's: L, W,
 * #, ?, years, OR of day-of-month and day-of-week) never comes into play: the instants depend on the values
 * alone. `domAndDow` makes a day match both day fields, as node-cron does. `utcOffset: 0` is UTC without the Intl
 * time zone machinery, which `timezone: 'Etc/UTC'` would use at about ten times the cost per search; UTC has no
 * DST, so croner's and node-cron's handling of DST gaps and repeats never applies.
 */
function occurrenceFinderFor(values: readonly (readonly number[])[]): Cron {
  const pattern = values.map((field, i) => (field.length === FIELD_SIZES[i] ? '*' : field.join(','))).join(' ');
  return new Cron(pattern, { mode: '6-part', utcOffset: 0, domAndDow: true });
}

/**
 * The first occurrence strictly after `afterMs` (UTC), in epoch milliseconds; undefined when there is none within
 * SEARCH_HORIZON_MS (a schedule restricted to rare days, such as Feb 29 on a Monday) or `afterMs` is not a time.
 */
export function nextOccurrence(schedule: CronSchedule, afterMs: number): number | undefined {
  const after = new Date(afterMs);
  if (Number.isNaN(after.getTime())) return undefined;
  // croner starts at the next whole second after `after`, so a run exactly at `afterMs` is not returned.
  const next = schedule.occurrenceFinder.nextRun(after)?.getTime();
  return next !== undefined && next <= afterMs + SEARCH_HORIZON_MS ? next : undefined;
}

/**
 * The latest occurrence at or before `atOrBeforeMs` (UTC) and not before `notBeforeMs` (default: SEARCH_HORIZON_MS
 * earlier), in epoch milliseconds; undefined when there is none in that span.
 */
export function lastOccurrence(schedule: CronSchedule, atOrBeforeMs: number, notBeforeMs: number = atOrBeforeMs - SEARCH_HORIZON_MS): number | undefined {
  if (!Number.isFinite(notBeforeMs)) return undefined;
  // croner returns runs before its reference and in the reference's own second; occurrences are whole seconds,
  // so a reference 1 ms into the second of `atOrBeforeMs` makes "at or before".
  const reference = new Date(Math.floor(atOrBeforeMs / 1000) * 1000 + 1);
  if (Number.isNaN(reference.getTime())) return undefined;
  const last = schedule.occurrenceFinder.previousRuns(1, reference)[0]?.getTime();
  return last !== undefined && last >= notBeforeMs ? last : undefined;
}

/**
 * Whether a window of `durationMs` from each occurrence of `schedule` is open at `nowMs`: open when some occurrence
 * `o` has `o <= now < o + duration`, so it is open at exactly its start and closed at exactly its end. `next` is
 * the next occurrence after `now`, whether or not the window is open.
 */
export function windowState(window: { readonly schedule: CronSchedule; readonly durationMs: number }, nowMs: number): WindowState {
  const { schedule, durationMs } = window;
  const next = nextOccurrence(schedule, nowMs);
  if (!(durationMs > 0) || !Number.isFinite(nowMs)) return { active: false, next };
  // The latest occurrence o with now - duration < o <= now (occurrences are whole milliseconds).
  const latest = lastOccurrence(schedule, nowMs, Math.floor(nowMs - durationMs) + 1);
  if (latest === undefined) return { active: false, next };

  // Back: an occurrence p with since - duration <= p < since keeps the period open up to since.
  let since = latest;
  for (let i = 0; i < MAX_CHAINED_OCCURRENCES; i++) {
    const earliest = nextOccurrence(schedule, Math.ceil(since - durationMs) - 1);
    if (earliest === undefined || earliest >= since) break;
    since = earliest;
  }
  // Forward: an occurrence q with start < q <= until extends the period to q + duration.
  let start = latest;
  let until = latest + durationMs;
  for (let i = 0; i < MAX_CHAINED_OCCURRENCES; i++) {
    const later = lastOccurrence(schedule, until, start + 1);
    if (later === undefined) break;
    start = later;
    until = later + durationMs;
  }
  return { active: true, activeSince: since, activeUntil: until, next };
}
