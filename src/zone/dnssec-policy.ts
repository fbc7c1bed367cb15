// The zone's `dnssec:` map (issue 19): present means the zone is signed (`dnssec: {}` with the defaults). The
// denial method, how long signatures are valid, and how long before they expire they are made again. Checked
// here: the validity is long enough to be refreshed at least once, and the refresh margin leaves resolvers'
// caches time to pick up new signatures. The schema has already checked the keys and the shapes.

import { report, type CheckContext } from './check-context.js';
import { DEFAULTS } from './defaults.js';
import { parseDuration } from './duration.js';
import { childPointer } from './json-pointer.js';
import type { DnssecPolicy } from './model.js';
import { has, isPlainMap } from './plain-data.js';

/** Under an hour, clock skew and TTLs leave a signature too little time to be of use. */
const MIN_VALIDITY_MS = 3_600_000;

export function checkDnssec(ctx: CheckContext, value: unknown, zone: string | undefined): DnssecPolicy | undefined {
  if (value === undefined) return undefined;
  if (!isPlainMap(value)) return undefined; // the schema reported it
  const keys = ctx.options.dnssecKeys;
  if (keys === undefined) report(ctx, '/dnssec', 'key', 'dnssec: needs the key directory: start with --dnssec-keys DIR (or MERIDIAN_DNSSEC_KEYS)');
  else if (zone !== undefined && !keys.usable.has(zone)) {
    const problems = keys.problems.get(zone) ?? [`no key for ${zone} in ${keys.dir} (make one with: meridian dnssec keygen ${zone} --dir ${keys.dir})`];
    report(ctx, '/dnssec', 'key', `no usable DNSSEC key: ${problems.join('; ')}`);
  }
  const duration = (key: 'validity' | 'refresh', fallback: number) => {
    if (!has(value, key)) return fallback;
    const raw = value[key];
    return typeof raw === 'string' ? parseDuration(raw) : undefined;
  };
  const validityMs = duration('validity', DEFAULTS.dnssec.validityMs);
  const refreshMs = duration('refresh', DEFAULTS.dnssec.refreshMs);
  if (validityMs === undefined || refreshMs === undefined) return undefined;
  if (validityMs < MIN_VALIDITY_MS) report(ctx, childPointer('/dnssec', 'validity'), 'value', 'dnssec.validity must be at least 1h');
  else if (refreshMs >= validityMs)
    report(
      ctx,
      childPointer('/dnssec', has(value, 'refresh') ? 'refresh' : 'validity'),
      'value',
      'dnssec.refresh must be shorter than dnssec.validity: signatures are made again that long before they expire',
    );
  return { denial: value.denial === 'nsec3' ? 'nsec3' : 'nsec', validityMs, refreshMs };
}
