// Drain actions: what an operator's drain or undrain, and a maintenance window opening or closing, do to the
// answers. The drain set (health/drains.ts) records who is drained; this finds the records a drain touches, so
// that only those are rebuilt, and turns the admin API's requests into drain-set changes.

import type { Clock } from '../base/clock.js';
import type { Logger } from '../base/logger.js';
import type { RecordRef } from '../base/names.js';
import { drainCovers, windowKey, type Drain, type DrainSet } from '../health/drains.js';
import type { AdminAction } from '../observability/admin.js';
import type { EndpointSource } from '../zone/endpoints.js';
import type { TargetConfig, ZoneConfig } from '../zone/model.js';

/** The balanced records a drain of `name` (a cluster or an address) touches: in `onlyZone`, when given. */
export function recordsTouchedBy(zones: readonly ZoneConfig[], endpoints: EndpointSource, name: string, onlyZone?: string): RecordRef[] {
  const touched: RecordRef[] = [];
  for (const zone of zones) {
    if (onlyZone !== undefined && zone.zone !== onlyZone) continue;
    for (const record of zone.records) {
      if (record.kind !== 'balanced') continue;
      const targetEndpoints = endpoints.endpoints(zone, record);
      const covered = (target: TargetConfig, index: number) =>
        drainCovers(name, target, '') || (targetEndpoints[index] ?? []).some((endpoint) => drainCovers(name, target, endpoint.address));
      if (record.targets.some(covered)) {
        touched.push({ zone: zone.zone, name: record.name });
      }
    }
  }
  return touched;
}

/** A window drain that opened or closed between two sets of open windows. */
export interface WindowChange {
  readonly opened: boolean;
  readonly zone: string;
  readonly target: string;
}

/** The window drains that differ between `before` and `after`: a window drains only its own zone, so per zone and target. */
export function windowChanges(before: readonly Drain[], after: readonly Drain[]): WindowChange[] {
  const scoped = (list: readonly Drain[]) => new Map(list.map((d) => [windowKey(d.zone ?? '', d.target), d]));
  const was = scoped(before);
  const is = scoped(after);
  const changes: WindowChange[] = [];
  for (const key of new Set([...was.keys(), ...is.keys()])) {
    if (was.has(key) === is.has(key)) continue;
    const { zone = '', target } = (is.get(key) ?? was.get(key))!;
    changes.push({ opened: is.has(key), zone, target });
  }
  return changes;
}

export interface DrainActionsOptions {
  readonly drains: DrainSet;
  /** The zones served now. */
  readonly zones: () => readonly ZoneConfig[];
  readonly endpoints: EndpointSource;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Rebuilds these records now (or right after a build under way). */
  readonly rebuild: (records: readonly RecordRef[]) => void;
}

export class DrainActions {
  readonly #options: DrainActionsOptions;

  constructor(options: DrainActionsOptions) {
    this.#options = options;
  }

  /** Rebuilds the records a drain of `name` touches (in `onlyZone`, when given). */
  applyDrainChange(name: string, onlyZone?: string): void {
    this.#options.rebuild(recordsTouchedBy(this.#options.zones(), this.#options.endpoints, name, onlyZone));
  }

  /** Maintenance windows opened or closed: logs each change and, once serving, rebuilds what it touches. */
  windowsChanged(open: readonly Drain[], serving: boolean): void {
    const { drains, logger } = this.#options;
    const before = drains.windows();
    drains.setWindows(open);
    for (const { opened, zone, target } of windowChanges(before, open)) {
      logger.warn(opened ? 'maintenance window open: target drained' : 'maintenance window closed: target undrained', { zone, target });
      if (serving) this.applyDrainChange(target, zone);
    }
  }

  /** POST /drain (drain true) or /undrain: body {"target": "<cluster or address>", "reason"?: "..."}. */
  action(drain: boolean): AdminAction {
    return async (body) => {
      const { drains, clock, logger } = this.#options;
      const { target, reason } = (body ?? {}) as { target?: unknown; reason?: unknown };
      if (typeof target !== 'string' || target === '') return { status: 400, body: { error: 'the body must be {"target": "<cluster or address>"}' } };
      if (drain && recordsTouchedBy(this.#options.zones(), this.#options.endpoints, target).length === 0) {
        return { status: 404, body: { error: `no cluster or address named '${target}' in the zones served` } };
      }
      const changed = drain
        ? await drains.drain(target, typeof reason === 'string' ? reason : undefined, new Date(clock.now()))
        : await drains.undrain(target, new Date(clock.now()));
      if (changed) {
        this.applyDrainChange(target);
        logger.warn(drain ? 'target drained' : 'target undrained', { target, ...(typeof reason === 'string' ? { reason } : {}) });
      }
      return { status: 200, body: { target, drained: drain, changed, drains: drains.list() } };
    };
  }
}
