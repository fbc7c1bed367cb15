// Durations in zone policy files are written the way operators say them: "500ms", "5s", "1m", "1h30m".
// Units come largest first, each at most once, with whole numbers only, so every duration has one obvious
// spelling and a typo like "5sm" or "1.5s" is rejected instead of being guessed at.

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

/**
 * The accepted spelling, as an ECMA-262 regular expression source. The JSON schema uses it too, so editors flag
 * a bad duration while it is being typed. The alternatives let "5ms" match without a lookahead.
 */
export const DURATION_PATTERN = '^(?:\\d+h(?:\\d+m)?(?:\\d+s)?(?:\\d+ms)?|\\d+m(?:\\d+s)?(?:\\d+ms)?|\\d+s(?:\\d+ms)?|\\d+ms)$';

const DURATION_REGEX = new RegExp(DURATION_PATTERN);
const PART_REGEX = /(\d+)(ms|h|m|s)/g;

/** Milliseconds for a duration such as "1h30m", or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_REGEX.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART_REGEX)) {
    total += Number(amount) * UNIT_MS[unit as Unit];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** The shortest spelling of a whole number of milliseconds: 90_000 → "1m30s", 1_500 → "1s500ms", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a duration in milliseconds: ${ms}`);
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    const amount = Math.floor(rest / UNIT_MS[unit]);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * UNIT_MS[unit];
    }
  }
  return text;
}
