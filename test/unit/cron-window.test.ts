// cron-window: parsing, next and last occurrence and window state, all on fixed UTC instants (no real clock), and
// agreement with node-cron 4.6.0: what we accept it accepts, and it fires exactly when we say it does.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cron from 'node-cron';
import { MAX_CHAINED_OCCURRENCES, lastOccurrence, nextOccurrence, parseCron, windowState, type CronSchedule } from '../../src/base/cron.js';
import { seededRandom } from '../helpers/fuzz.js';

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  assert.ok(Number.isFinite(ms), `test case error: bad instant ${iso}`);
  return ms;
};
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const HOUR = 3_600_000;
const MINUTE = 60_000;

function schedule(expr: string): CronSchedule {
  const parsed = parseCron(expr);
  assert.ok(!('error' in parsed), `${expr}: ${'error' in parsed ? parsed.error : ''}`);
  return parsed;
}

const range = (first: number, last: number, step = 1): number[] => {
  const values: number[] = [];
  for (let v = first; v <= last; v += step) values.push(v);
  return values;
};

describe('parseCron: syntax', () => {
  const cases: ReadonlyArray<readonly [string, Partial<Omit<CronSchedule, 'expression'>>]> = [
    ['* * * * *', { seconds: [0], minutes: range(0, 59), hours: range(0, 23), daysOfMonth: range(1, 31), months: range(1, 12), daysOfWeek: range(0, 6) }],
    ['5 4 * * *', { minutes: [5], hours: [4] }],
    ['05 07 * * *', { minutes: [5], hours: [7] }],
    ['0 9-17 * * *', { hours: range(9, 17) }],
    ['0 0 1,15,31 * *', { daysOfMonth: [1, 15, 31] }],
    ['15,0,45,30 * * * *', { minutes: [0, 15, 30, 45] }],
    ['*/15 * * * *', { minutes: [0, 15, 30, 45] }],
    ['0 8-18/4 * * *', { hours: [8, 12, 16] }],
    ['0 0-23/12,5 * * *', { hours: [0, 5, 12] }],
    ['*/60 * * * *', { minutes: [0] }],
    ['0 0 */10 * *', { daysOfMonth: [1, 11, 21, 31] }],
    ['0 0 1 */3 *', { months: [1, 4, 7, 10] }],
    ['0 0 1 JAN,jul,Dec *', { months: [1, 7, 12] }],
    ['0 0 1 Feb-APR *', { months: [2, 3, 4] }],
    ['0 0 1 feb-nov/3 *', { months: [2, 5, 8, 11] }],
    ['0 0 * * mon-FRI', { daysOfWeek: [1, 2, 3, 4, 5] }],
    ['0 0 * * SUN', { daysOfWeek: [0] }],
    ['0 0 * * 0', { daysOfWeek: [0] }],
    ['0 0 * * 7', { daysOfWeek: [0] }],
    ['0 0 * * 0,7', { daysOfWeek: [0] }],
    ['0 0 * * 5-7', { daysOfWeek: [0, 5, 6] }],
    ['0 0 * * MON-7', { daysOfWeek: range(0, 6) }],
    ['0 0 * * 1-7/2', { daysOfWeek: [0, 1, 3, 5] }],
    ['0 0 * * */2', { daysOfWeek: [0, 2, 4, 6] }],
    ['0 0 * * SAT,sun', { daysOfWeek: [0, 6] }],
    ['30 */10 * * * *', { seconds: [30], minutes: [0, 10, 20, 30, 40, 50] }],
    ['* * * * * *', { seconds: range(0, 59), minutes: range(0, 59) }],
    ['0-10/5 0 0 * * *', { seconds: [0, 5, 10], minutes: [0], hours: [0] }],
    ['  0   2 *  * SUN  ', { minutes: [0], hours: [2], daysOfWeek: [0] }],
    ['@hourly', { minutes: [0], hours: range(0, 23) }],
    ['@daily', { minutes: [0], hours: [0], daysOfMonth: range(1, 31) }],
    ['@Midnight', { minutes: [0], hours: [0] }],
    ['@WEEKLY', { minutes: [0], hours: [0], daysOfWeek: [0] }],
    ['@monthly', { daysOfMonth: [1], months: range(1, 12) }],
    ['@yearly', { daysOfMonth: [1], months: [1] }],
    ['@annually', { daysOfMonth: [1], months: [1] }],
  ];
  for (const [expr, expected] of cases) {
    it(`reads '${expr}'`, () => {
      const parsed = schedule(expr);
      assert.equal(parsed.expression, expr);
      for (const [field, values] of Object.entries(expected)) {
        assert.deepEqual(parsed[field as keyof typeof expected], values, field);
      }
    });
  }
});

describe('parseCron: errors', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['', 'the cron expression is empty; expected 5 fields (minute hour day-of-month month day-of-week)'],
    ['   ', 'the cron expression is empty; expected 5 fields (minute hour day-of-month month day-of-week)'],
    ['0 2 * *', 'expected 5 fields (minute hour day-of-month month day-of-week) or 6 (a seconds field first), got 4'],
    ['0 0 2 * * * *', 'expected 5 fields (minute hour day-of-month month day-of-week) or 6 (a seconds field first), got 7'],
    ['61 * * * *', 'minute field: 61 is out of range 0-59'],
    ['60 0 * * * *', 'second field: 60 is out of range 0-59'],
    ['0 24 * * *', 'hour field: 24 is out of range 0-23'],
    ['0 0 0 * *', 'day-of-month field: 0 is out of range 1-31'],
    ['0 0 32 * *', 'day-of-month field: 32 is out of range 1-31'],
    ['0 0 * 13 *', 'month field: 13 is out of range 1-12'],
    ['0 0 * 0 *', 'month field: 0 is out of range 1-12'],
    ['0 0 * * 8', 'day-of-week field: 8 is out of range 0-7'],
    ['0-60 * * * *', 'minute field: 60 is out of range 0-59'],
    ['99999999999999999999 * * * *', 'minute field: 99999999999999999999 is out of range 0-59'],
    ['x * * * *', "minute field: 'x' is not a number"],
    ['0 MON * * *', "hour field: 'MON' is not a number"],
    ['0 0 * JANUARY *', "month field: 'JANUARY' is not a month name (JAN-DEC) or a number 1-12"],
    ['0 0 * MON *', "month field: 'MON' is not a month name (JAN-DEC) or a number 1-12"],
    ['0 0 * * JAN', "day-of-week field: 'JAN' is not a weekday name (SUN-SAT) or a number 0-7"],
    ['0 0 * * SUNMON', "day-of-week field: 'SUNMON' is not a weekday name (SUN-SAT) or a number 0-7"],
    ['1,,2 * * * *', "minute field: empty list item in '1,,2'"],
    ['1, * * * *', "minute field: empty list item in '1,'"],
    ['5- * * * *', 'minute field: a range needs a value on each side of -'],
    ['*/0 * * * *', "minute field: step 0 in '*/0' must be at least 1"],
    ['1-5/0 * * * *', "minute field: step 0 in '1-5/0' must be at least 1"],
    ['*/x * * * *', "minute field: step 'x' in '*/x' is not a whole number"],
    ['*/ * * * *', "minute field: step '' in '*/' is not a whole number"],
    ['5/15 * * * *', "minute field: a step needs a range or *: write 5-59/15 or */15, not '5/15'"],
    ['0 22-2 * * *', 'hour field: range 22-2 runs backwards (ranges do not wrap around: write 22-23,0-2)'],
    ['0 0 * NOV-FEB *', 'month field: range NOV-FEB runs backwards (ranges do not wrap around: write 11-12,1-2)'],
    ['0 0 * * MON-SUN', 'day-of-week field: range MON-SUN runs backwards (Sunday is 0 or 7: write MON-7)'],
    ['0 0 * * FRI-MON', 'day-of-week field: range FRI-MON runs backwards (ranges do not wrap around: write 5-6,0-1)'],
    ['0 0 L * *', "day-of-month field: 'L' is not supported: write numbers, *, ranges, lists and steps"],
    ['0 0 15W * *', "day-of-month field: '15W' is not supported: write numbers, *, ranges, lists and steps"],
    ['0 0 * * 5L', "day-of-week field: '5L' is not supported: write numbers or names, *, ranges, lists and steps"],
    ['0 0 * * MON#1', "day-of-week field: 'MON#1' is not supported: write numbers or names, *, ranges, lists and steps"],
    ['0 0 ? * MON', "day-of-month field: '?' is not supported; write *"],
    ['0\t2 * * *', 'a tab is not allowed in a cron expression; separate the fields with spaces'],
    ['0 2 * * *\n0 3 * * *', 'a line break is not allowed in a cron expression; separate the fields with spaces'],
    ['0\u00a02 * * *', 'the space character U+00A0 is not allowed in a cron expression; separate the fields with spaces'],
    ['0 2 * * SUN;', "';' is not allowed in a cron expression"],
    ['0 2 * * SUN\n', 'a line break is not allowed in a cron expression; separate the fields with spaces'],
    ['@reboot', "unknown nickname '@reboot' (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)"],
    ['@daily 0', "unknown nickname '@daily 0' (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)"],
    ['0 0 30 2 *', 'day-of-month 30 never occurs in month 2'],
    ['0 0 31 APR,jun,9,11 *', 'day-of-month 31 never occurs in month APR,jun,9,11'],
    [
      '0 2 1 * SUN',
      'day-of-month (1) and day-of-week (SUN) are both restricted: crontab fires when either matches, node-cron ' +
        'when both do, so this is ambiguous; set one of them to *',
    ],
    [
      '0 2 1-7 * 1-5',
      'day-of-month (1-7) and day-of-week (1-5) are both restricted: crontab fires when either matches, node-cron ' +
        'when both do, so this is ambiguous; set one of them to *',
    ],
  ];
  for (const [expr, message] of cases) {
    it(`rejects ${JSON.stringify(expr)}`, () => {
      assert.deepEqual(parseCron(expr), { error: message });
    });
  }

  it('rejects what is not a string', () => {
    assert.deepEqual(parseCron(5 as unknown as string), { error: 'a cron expression must be a string' });
  });
});

describe('day-of-month and day-of-week', () => {
  it('restricting only day-of-month fires on those days, whatever the weekday', () => {
    const s = schedule('0 3 13 * *');
    assert.equal(iso(nextOccurrence(s, at('2025-06-01T00:00:00Z'))), '2025-06-13T03:00:00.000Z'); // a Friday
    assert.equal(iso(nextOccurrence(s, at('2025-06-14T00:00:00Z'))), '2025-07-13T03:00:00.000Z'); // a Sunday
  });

  it('restricting only day-of-week fires on those weekdays, whatever the date', () => {
    const s = schedule('0 3 * * TUE,THU');
    assert.equal(iso(nextOccurrence(s, at('2025-06-01T00:00:00Z'))), '2025-06-03T03:00:00.000Z');
    assert.equal(iso(nextOccurrence(s, at('2025-06-03T03:00:00Z'))), '2025-06-05T03:00:00.000Z');
  });

  it('a day-of-month field starting with * restricts together with the weekday: the day must match both', () => {
    // Vixie cron treats a field starting with * as unrestricted for its either-or rule, and so ANDs; node-cron ANDs.
    const s = schedule('0 0 */2 * MON');
    const found: string[] = [];
    for (let t = nextOccurrence(s, at('2025-06-01T00:00:00Z')); t !== undefined && t < at('2025-08-01T00:00:00Z'); t = nextOccurrence(s, t)) {
      found.push(iso(t)!.slice(0, 10));
    }
    // Mondays of June and July 2025: 2, 9, 16, 23, 30 and 7, 14, 21, 28; the odd-dated ones:
    assert.deepEqual(found, ['2025-06-09', '2025-06-23', '2025-07-07', '2025-07-21']);
  });

  it('Sunday is 0, 7 or SUN', () => {
    const from = at('2025-06-04T00:00:00Z'); // a Wednesday
    for (const dow of ['0', '7', 'SUN', 'sun', '7,0']) {
      assert.equal(iso(nextOccurrence(schedule(`0 2 * * ${dow}`), from)), '2025-06-08T02:00:00.000Z', dow);
    }
  });
});

describe('nextOccurrence', () => {
  const cases: ReadonlyArray<readonly [expr: string, after: string, expected: string | undefined]> = [
    ['0 2 * * SUN', '2025-06-04T00:00:00Z', '2025-06-08T02:00:00.000Z'],
    ['0 2 * * SUN', '2025-06-08T01:59:59.999Z', '2025-06-08T02:00:00.000Z'],
    ['0 2 * * SUN', '2025-06-08T02:00:00.000Z', '2025-06-15T02:00:00.000Z'], // strictly after
    ['0 2 * * SUN', '2025-06-08T02:00:00.001Z', '2025-06-15T02:00:00.000Z'],
    ['* * * * *', '2025-06-08T12:00:00.001Z', '2025-06-08T12:01:00.000Z'],
    ['*/15 * * * *', '2025-06-08T23:50:00Z', '2025-06-09T00:00:00.000Z'],
    ['0 9-17 * * MON-FRI', '2025-06-06T17:00:00Z', '2025-06-09T09:00:00.000Z'], // Friday evening → Monday
    ['0 0 1 1 *', '2025-12-31T23:59:59Z', '2026-01-01T00:00:00.000Z'],
    ['0 0 1 1 *', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00.000Z'],
    ['0 12 15 MAR,sep *', '2025-04-01T00:00:00Z', '2025-09-15T12:00:00.000Z'],
    ['0 0 29 2 *', '2025-01-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0 0 29 2 *', '2024-02-28T12:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0 0 29 2 *', '2096-03-01T00:00:00Z', '2104-02-29T00:00:00.000Z'], // 2100 is not a leap year
    ['0 0 31 * *', '2025-04-01T00:00:00Z', '2025-05-31T00:00:00.000Z'], // April has 30 days
    ['59 23 30 * *', '2025-01-31T00:00:00Z', '2025-03-30T23:59:00.000Z'], // February has no 30th
    ['0 0 28-31 2 *', '2025-02-28T00:00:00Z', '2026-02-28T00:00:00.000Z'],
    ['59 23 31 12 *', '2025-12-31T23:59:00Z', '2026-12-31T23:59:00.000Z'],
    ['*/20 * * * * *', '2025-06-08T12:00:05.500Z', '2025-06-08T12:00:20.000Z'],
    ['30 * * * * *', '2025-06-08T12:00:30.000Z', '2025-06-08T12:01:30.000Z'],
    ['15 30 2 * * SUN', '2025-06-04T00:00:00Z', '2025-06-08T02:30:15.000Z'],
    ['0 0 29 2 */7', '2025-01-01T00:00:00Z', '2032-02-29T00:00:00.000Z'], // Feb 29 on a Sunday
    ['0 0 29 2 */7', '2032-03-01T00:00:00Z', undefined], // the next one, 2060, is beyond the 10-year horizon
  ];
  for (const [expr, after, expected] of cases) {
    it(`'${expr}' after ${after}`, () => {
      assert.equal(iso(nextOccurrence(schedule(expr), at(after))), expected);
    });
  }

  it('is in UTC, so DST changes nothing: a daily schedule fires every 24 h all year', () => {
    const s = schedule('30 1 * * *');
    let previous = nextOccurrence(s, at('2024-12-31T12:00:00Z'))!;
    assert.equal(iso(previous), '2025-01-01T01:30:00.000Z');
    for (let i = 0; i < 365; i++) {
      const next = nextOccurrence(s, previous)!;
      assert.equal(next - previous, 24 * HOUR, iso(previous));
      previous = next;
    }
    // Through the European spring-forward (2025-03-30 01:00 UTC) and the US fall-back (2025-11-02 06:00 UTC).
    assert.equal(iso(nextOccurrence(schedule('30 2 * * *'), at('2025-03-29T03:00:00Z'))), '2025-03-30T02:30:00.000Z');
    assert.equal(iso(nextOccurrence(schedule('30 1 * * *'), at('2025-11-02T00:00:00Z'))), '2025-11-02T01:30:00.000Z');
  });

  it("does not depend on the process's time zone", () => {
    // croner reads local time unless told otherwise; the schedules are UTC wherever the server runs.
    const saved = process.env.TZ;
    try {
      for (const zone of ['America/New_York', 'Asia/Kolkata', 'Europe/Berlin']) {
        process.env.TZ = zone;
        const s = schedule('0 2 * * SUN');
        assert.equal(iso(nextOccurrence(s, at('2025-03-29T12:00:00Z'))), '2025-03-30T02:00:00.000Z', zone);
        assert.equal(iso(lastOccurrence(s, at('2025-11-05T12:00:00Z'))), '2025-11-02T02:00:00.000Z', zone);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('returns undefined for an instant that is not a number', () => {
    assert.equal(nextOccurrence(schedule('* * * * *'), Number.NaN), undefined);
  });
});

describe('lastOccurrence', () => {
  const cases: ReadonlyArray<readonly [expr: string, atOrBefore: string, expected: string | undefined]> = [
    ['0 2 * * SUN', '2025-06-04T00:00:00Z', '2025-06-01T02:00:00.000Z'],
    ['0 2 * * SUN', '2025-06-08T02:00:00.000Z', '2025-06-08T02:00:00.000Z'], // at or before: the instant itself
    ['0 2 * * SUN', '2025-06-08T01:59:59.999Z', '2025-06-01T02:00:00.000Z'],
    ['0 2 * * SUN', '2025-06-08T02:00:00.999Z', '2025-06-08T02:00:00.000Z'],
    ['0 0 1 1 *', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z'],
    ['0 0 1 1 *', '2025-12-31T23:59:59Z', '2025-01-01T00:00:00.000Z'],
    ['0 0 31 * *', '2025-07-30T00:00:00Z', '2025-05-31T00:00:00.000Z'], // June has 30 days
    ['0 0 29 2 *', '2028-02-28T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0 0 29 2 *', '2104-02-28T00:00:00Z', '2096-02-29T00:00:00.000Z'],
    ['*/20 * * * * *', '2025-06-08T12:00:19.999Z', '2025-06-08T12:00:00.000Z'],
    ['0 22-23 * * SAT', '2025-06-08T01:00:00Z', '2025-06-07T23:00:00.000Z'],
    ['0 0 29 2 */7', '2059-01-01T00:00:00Z', undefined], // the last one, 2032, is beyond the horizon
  ];
  for (const [expr, atOrBefore, expected] of cases) {
    it(`'${expr}' at or before ${atOrBefore}`, () => {
      assert.equal(iso(lastOccurrence(schedule(expr), at(atOrBefore))), expected);
    });
  }

  it('searches back no further than notBeforeMs (inclusive)', () => {
    const s = schedule('0 2 * * SUN');
    const now = at('2025-06-08T02:30:00Z');
    assert.equal(iso(lastOccurrence(s, now, at('2025-06-08T02:00:00Z'))), '2025-06-08T02:00:00.000Z');
    assert.equal(lastOccurrence(s, now, at('2025-06-08T02:00:00.001Z')), undefined);
    assert.equal(iso(lastOccurrence(s, at('2025-06-07T00:00:00Z'), at('2025-05-01T00:00:00Z'))), '2025-06-01T02:00:00.000Z');
  });
});

describe('windowState', () => {
  const sunday2am = { schedule: schedule('0 2 * * SUN'), durationMs: HOUR };
  const NEXT_SUNDAY = at('2025-06-15T02:00:00Z');
  const cases: ReadonlyArray<readonly [name: string, window: { schedule: CronSchedule; durationMs: number }, now: string, expected: object]> = [
    ['before the window', sunday2am, '2025-06-08T01:59:59.999Z', { active: false, next: at('2025-06-08T02:00:00Z') }],
    [
      'at exactly its start: open',
      sunday2am,
      '2025-06-08T02:00:00Z',
      { active: true, activeSince: at('2025-06-08T02:00:00Z'), activeUntil: at('2025-06-08T03:00:00Z'), next: NEXT_SUNDAY },
    ],
    [
      'during it (a restart in the middle of a window)',
      sunday2am,
      '2025-06-08T02:30:00Z',
      { active: true, activeSince: at('2025-06-08T02:00:00Z'), activeUntil: at('2025-06-08T03:00:00Z'), next: NEXT_SUNDAY },
    ],
    [
      'its last millisecond',
      sunday2am,
      '2025-06-08T02:59:59.999Z',
      { active: true, activeSince: at('2025-06-08T02:00:00Z'), activeUntil: at('2025-06-08T03:00:00Z'), next: NEXT_SUNDAY },
    ],
    ['at exactly its end: closed', sunday2am, '2025-06-08T03:00:00Z', { active: false, next: NEXT_SUNDAY }],
    ['mid-week', sunday2am, '2025-06-11T12:00:00Z', { active: false, next: NEXT_SUNDAY }],
    [
      'straddling midnight',
      { schedule: schedule('0 23 * * *'), durationMs: 2 * HOUR },
      '2025-06-09T00:30:00Z',
      { active: true, activeSince: at('2025-06-08T23:00:00Z'), activeUntil: at('2025-06-09T01:00:00Z'), next: at('2025-06-09T23:00:00Z') },
    ],
    [
      'straddling the week boundary (Saturday night into Sunday)',
      { schedule: schedule('0 22 * * SAT'), durationMs: 4 * HOUR },
      '2025-06-08T01:00:00Z',
      { active: true, activeSince: at('2025-06-07T22:00:00Z'), activeUntil: at('2025-06-08T02:00:00Z'), next: at('2025-06-14T22:00:00Z') },
    ],
    [
      'straddling the new year',
      { schedule: schedule('30 23 31 DEC *'), durationMs: 90 * MINUTE },
      '2026-01-01T00:30:00Z',
      { active: true, activeSince: at('2025-12-31T23:30:00Z'), activeUntil: at('2026-01-01T01:00:00Z'), next: at('2026-12-31T23:30:00Z') },
    ],
    [
      'a week long, open until the next one starts',
      { schedule: schedule('0 0 1 * *'), durationMs: 7 * 24 * HOUR },
      '2025-06-07T23:59:59Z',
      { active: true, activeSince: at('2025-06-01T00:00:00Z'), activeUntil: at('2025-06-08T00:00:00Z'), next: at('2025-07-01T00:00:00Z') },
    ],
    [
      'overlapping occurrences make one period',
      { schedule: schedule('0 1,2 * * *'), durationMs: 90 * MINUTE },
      '2025-06-08T01:15:00Z',
      { active: true, activeSince: at('2025-06-08T01:00:00Z'), activeUntil: at('2025-06-08T03:30:00Z'), next: at('2025-06-08T02:00:00Z') },
    ],
    [
      '... seen from the second occurrence',
      { schedule: schedule('0 1,2 * * *'), durationMs: 90 * MINUTE },
      '2025-06-08T02:45:00Z',
      { active: true, activeSince: at('2025-06-08T01:00:00Z'), activeUntil: at('2025-06-08T03:30:00Z'), next: at('2025-06-09T01:00:00Z') },
    ],
    [
      'touching occurrences make one period too',
      { schedule: schedule('0 1,2 * * *'), durationMs: HOUR },
      '2025-06-08T01:59:59Z',
      { active: true, activeSince: at('2025-06-08T01:00:00Z'), activeUntil: at('2025-06-08T03:00:00Z'), next: at('2025-06-08T02:00:00Z') },
    ],
    [
      'after an overlapping period',
      { schedule: schedule('0 1,2 * * *'), durationMs: 90 * MINUTE },
      '2025-06-08T03:30:00Z',
      { active: false, next: at('2025-06-09T01:00:00Z') },
    ],
    [
      'with seconds',
      { schedule: schedule('*/30 * * * * *'), durationMs: 10_000 },
      '2025-06-08T12:00:39.999Z',
      { active: true, activeSince: at('2025-06-08T12:00:30Z'), activeUntil: at('2025-06-08T12:00:40Z'), next: at('2025-06-08T12:01:00Z') },
    ],
    ['a duration of 0 is never open', { schedule: schedule('0 2 * * SUN'), durationMs: 0 }, '2025-06-08T02:00:00Z', { active: false, next: NEXT_SUNDAY }],
  ];
  for (const [name, window, now, expected] of cases) {
    it(name, () => {
      assert.deepEqual(windowState(window, at(now)), expected);
    });
  }

  it('follows at most MAX_CHAINED_OCCURRENCES overlapping occurrences each way', () => {
    // Every minute for 5 minutes: always open. The period's bounds are where the chain stopped.
    const now = at('2025-06-08T12:00:30Z');
    const state = windowState({ schedule: schedule('* * * * *'), durationMs: 5 * MINUTE }, now);
    assert.equal(state.active, true);
    assert.equal(state.next, at('2025-06-08T12:01:00Z'));
    // Each step back reaches the earliest occurrence that still touches; each step forward the latest.
    assert.equal(state.activeSince, at('2025-06-08T12:00:00Z') - MAX_CHAINED_OCCURRENCES * 5 * MINUTE);
    assert.equal(state.activeUntil, at('2025-06-08T12:00:00Z') + (MAX_CHAINED_OCCURRENCES + 1) * 5 * MINUTE);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Agreement with node-cron 4.6.0

/** node-cron's own matcher in UTC, on a task that is created but never started (no timers). */
function withNodeCronTask<T>(expr: string, use: (matches: (ms: number) => boolean) => T): T {
  const task = cron.createTask(expr, () => {}, { timezone: 'Etc/UTC' });
  try {
    return use((ms) => task.match(new Date(ms)));
  } finally {
    void task.destroy();
  }
}

describe('agreement with node-cron 4.6.0', () => {
  // [expression, accepted here, accepted by node-cron]. Never [.., true, false].
  const table: ReadonlyArray<readonly [string, boolean, boolean]> = [
    ['0 2 * * SUN', true, true],
    ['0 2 * * 7', true, true],
    ['*/5 * * * *', true, true],
    ['0 9-17/2 * JAN-mar MON-FRI', true, true],
    ['30 0 2 * * *', true, true],
    ['0 0 29 2 *', true, true],
    ['@weekly', true, true],
    ['  0 2 * * SUN  ', true, true],
    ['0 2 * * SUN\n', false, false],
    [' @daily\n', true, true],
    ['0 0 * * 1-7', true, true],
    ['*/60 * * * *', true, true],
    ['0 0 1 * MON', false, true], // both restricted: node-cron ANDs, crontab ORs
    ['0 22-2 * * *', false, true], // node-cron wraps around
    ['60-0 * * * *', false, true], // node-cron folds 60 into 0
    ['0 0 L * *', false, true],
    ['0 0 * * 5#2', false, true],
    ['0 0 ? * *', false, true],
    ['0 0 * JANUARY *', false, true],
    ['0 0 * * SUNMON', false, true],
    ['0 0 * * 8', false, false],
    ['61 * * * *', false, false],
    ['5/15 * * * *', false, false],
    ['*/0 * * * *', false, false],
    ['0\t2 * * *', false, false],
    ['0 0 30 2 *', false, false],
    ['0 0 31 4,6 *', false, false],
    ['0 2 * *', false, false],
    ['1,,2 * * * *', false, false],
    ['@reboot', false, false],
    ['', false, false],
  ];
  for (const [expr, ours, theirs] of table) {
    it(`${JSON.stringify(expr)}: here ${ours ? 'valid' : 'invalid'}, node-cron ${theirs ? 'valid' : 'invalid'}`, () => {
      assert.equal(!('error' in parseCron(expr)), ours);
      assert.equal(cron.validate(expr), theirs);
      assert.equal(cron.validateDetailed(expr).valid, theirs);
    });
  }

  it('on generated expressions: node-cron accepts all we accept, with the same values and the same instants', () => {
    const next = seededRandom(20260611);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const int = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
    const names: Record<number, readonly string[]> = {
      4: ['JAN', 'feb', 'Mar', 'apr', 'MAY', 'jun', 'JUL', 'aug', 'SEP', 'oct', 'NOV', 'dec', 'january', 'JANFEB'],
      5: ['SUN', 'mon', 'Tue', 'WED', 'thu', 'FRI', 'sat', 'sunday', 'MONTUE', 'SUNMON'],
    };
    const bounds = [
      [0, 59],
      [0, 59],
      [0, 23],
      [1, 31],
      [1, 12],
      [0, 7],
    ] as const;
    const value = (field: number): string => {
      const [low, high] = bounds[field];
      const roll = next();
      if (roll < 0.08) return String(int(high + 1, high + 5)); // out of range
      if (roll < 0.1 && field > 0) return String(int(low - 1, low)); // 0 or below in a 1-based field
      if (roll < 0.3 && names[field] !== undefined) return pick(names[field]);
      if (roll < 0.33) return `0${int(low, Math.min(high, 9))}`;
      return String(int(low, high));
    };
    const item = (field: number): string => {
      const roll = next();
      if (roll < 0.25) return value(field);
      if (roll < 0.35) return '*';
      if (roll < 0.45) return `*/${int(0, 40)}`;
      if (roll < 0.65) return `${value(field)}-${value(field)}`;
      if (roll < 0.8) return `${value(field)}-${value(field)}/${int(0, 12)}`;
      if (roll < 0.84) return `${value(field)}/${int(1, 9)}`;
      if (roll < 0.88) return pick(['L', '?', '5L', '1#2', '15W', 'L-2', '', 'x', '*-5']);
      return `${value(field)},${value(field)}`;
    };
    const field = (index: number): string => (next() < 0.45 ? '*' : next() < 0.85 ? item(index) : `${item(index)},${item(index)}`);

    let accepted = 0;
    for (let i = 0; i < 3_000; i++) {
      const six = next() < 0.3;
      const fields = [six ? field(0) : undefined, field(1), field(2), field(3), field(4), field(5)].filter((f) => f !== undefined);
      if (next() < 0.03) fields.pop();
      const expr = fields.join(next() < 0.05 ? '  ' : ' ');
      const parsed = parseCron(expr);
      if ('error' in parsed) {
        // parseCron asks node-cron last, as a safety net; our own rules must have caught everything before it.
        assert.notEqual(parsed.error, 'node-cron does not accept this expression', expr);
        continue;
      }
      accepted++;
      assert.equal(cron.validate(expr), true, `node-cron rejects '${expr}', which we accept`);
      const theirs = cron.parse(expr);
      const sorted = (values: ReadonlyArray<number | string>) => [...new Set(values)].sort((a, b) => Number(a) - Number(b));
      assert.deepEqual(
        [parsed.seconds, parsed.minutes, parsed.hours, parsed.daysOfMonth, parsed.months, parsed.daysOfWeek],
        [theirs.second, theirs.minute, theirs.hour, theirs.dayOfMonth, theirs.month, theirs.dayOfWeek].map(sorted),
        expr,
      );
      withNodeCronTask(expr, (matches) => {
        let t = at('2025-01-01T00:00:00Z') + int(0, 2 * 365) * 86_400_000;
        for (let k = 0; k < 4; k++) {
          // Our next occurrence is a match for node-cron, and so is nothing in between at whole seconds we try.
          const occurrence = nextOccurrence(parsed, t);
          if (occurrence === undefined) break;
          assert.equal(matches(occurrence), true, `${expr}: node-cron does not fire at ${iso(occurrence)}`);
          for (const probe of [t + 1000 - (t % 1000), occurrence - 1000, Math.floor((t + occurrence) / 2000) * 1000]) {
            if (probe > t && probe < occurrence) assert.equal(matches(probe), false, `${expr}: node-cron fires at ${iso(probe)}`);
          }
          t = occurrence;
        }
      });
    }
    assert.ok(accepted > 300, `only ${accepted} generated expressions were valid; the generator needs tuning`);
  });
});
