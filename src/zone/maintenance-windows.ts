// The maintenance windows of a zone: a target its records use, a cron schedule, a bounded duration, and no window
// given twice.

import { parseCron, type CronSchedule } from '../base/cron.js';
import { labelFor, report, type CheckContext } from './check-context.js';
import { parseDuration } from './duration.js';
import { childPointer } from './json-pointer.js';
import type { MaintenanceWindow } from './model.js';
import { isPlainMap } from './plain-data.js';
import { canonicalAddress } from './value-checks.js';

/** Longest maintenance window: a week, so a weekly window may cover its whole week. */
const MAX_MAINTENANCE_DURATION_MS = 7 * 24 * 3_600_000;

/** The clusters and the (canonical) addresses that the targets of the zone's records name, read from the data. */
function targetsInUse(records: unknown): { clusters: Set<string>; addresses: Set<string> } {
  const clusters = new Set<string>();
  const addresses = new Set<string>();
  for (const record of isPlainMap(records) ? Object.values(records) : []) {
    if (!isPlainMap(record) || !Array.isArray(record.targets)) continue;
    for (const target of record.targets) {
      if (!isPlainMap(target)) continue;
      if (typeof target.cluster === 'string') clusters.add(target.cluster);
      for (const address of [target.address, ...(Array.isArray(target.addresses) ? (target.addresses as unknown[]) : [])]) {
        const canonical = typeof address === 'string' ? canonicalAddress(address) : undefined;
        if (canonical !== undefined) addresses.add(canonical.address);
      }
    }
  }
  return { clusters, addresses };
}

/** The windows of `value` (the maintenance list) that are sound; `records` is the records map, for the targets. */
export function checkMaintenance(ctx: CheckContext, value: unknown, records: unknown): MaintenanceWindow[] {
  const windows: MaintenanceWindow[] = [];
  if (!Array.isArray(value)) return windows; // absent, or reported by the schema
  const inUse = targetsInUse(records);
  // Identical windows (same target, same schedule however it is spelt, same duration) → pointer of the first.
  const firstPointer = new Map<string, string>();
  value.forEach((item, i) => {
    if (!isPlainMap(item)) return; // reported by the schema
    const pointer = childPointer('/maintenance', String(i));
    const label = labelFor(ctx.root, pointer);
    const before = ctx.issues.length;

    let target: string | undefined;
    if (typeof item.target === 'string' && item.target !== '') {
      const address = canonicalAddress(item.target);
      const known = address === undefined ? inUse.clusters.has(item.target) : inUse.addresses.has(address.address);
      if (known) {
        target = address?.address ?? item.target;
      } else {
        report(
          ctx,
          childPointer(pointer, 'target'),
          'value',
          `maintenance target '${item.target}' is neither a cluster nor an address used by this zone's targets`,
        );
      }
    }
    let schedule: CronSchedule | undefined;
    if (typeof item.cron === 'string' && item.cron !== '') {
      const parsed = parseCron(item.cron);
      if ('error' in parsed) report(ctx, childPointer(pointer, 'cron'), 'value', `${label}.cron: ${parsed.error}`);
      else schedule = parsed;
    }
    let durationMs: number | undefined;
    const ms = typeof item.duration === 'string' ? parseDuration(item.duration) : undefined; // else: the schema
    if (ms === 0) {
      report(ctx, childPointer(pointer, 'duration'), 'value', `${label}.duration must be longer than 0`);
    } else if (ms !== undefined && ms > MAX_MAINTENANCE_DURATION_MS) {
      report(ctx, childPointer(pointer, 'duration'), 'value', `${label}.duration must be at most 168h (7 days)`);
    } else {
      durationMs = ms;
    }
    if (ctx.issues.length > before || target === undefined || schedule === undefined || durationMs === undefined) return;

    const { seconds, minutes, hours, daysOfMonth, months, daysOfWeek } = schedule;
    const identity = JSON.stringify([target, seconds, minutes, hours, daysOfMonth, months, daysOfWeek, durationMs]);
    const first = firstPointer.get(identity);
    if (first !== undefined) {
      report(
        ctx,
        pointer,
        'value',
        `duplicate maintenance window: same target, schedule and duration as ${labelFor(ctx.root, first)} ` +
          `(line ${ctx.index.position(first, 'value').line})`,
      );
      return;
    }
    firstPointer.set(identity, pointer);
    windows.push({
      target,
      cron: item.cron as string,
      durationMs,
      ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
      line: ctx.index.position(pointer, 'value').line,
    });
  });
  return windows;
}
