// The answers layer's view of health and discovery: each target of a balanced record, with its current
// endpoints and the health and drain state of each. Answers owns this port (TargetSource); the composition root
// hands it the endpoint source, the health monitor and the drains, none of which know answers exist.

import type { AddressRef } from '../base/names.js';
import type { AddressHealth } from '../health/state.js';
import { NO_DRAINS, type DrainView } from '../health/drains.js';
import type { EndpointSource } from '../zone/endpoints.js';
import type { BalancedRecord, ZoneConfig } from '../zone/model.js';
import type { TargetSource } from './build.js';
import { answeredAsOne, type ResolvedTarget } from './select.js';

/** What answers needs from health: the state of one probed address. HealthMonitor has this shape. */
export interface HealthView {
  healthOf(ref: AddressRef): AddressHealth;
}

/**
 * Joins discovery and health for the answer table: each target's current addresses, each with its health.
 * A record without a check (or with `protocol: none`) has every address up.
 */
export function healthAnnotatedTargets(endpoints: EndpointSource, health: HealthView | undefined, drains: DrainView = NO_DRAINS): TargetSource {
  return {
    resolve(zone: ZoneConfig, record: BalancedRecord): readonly ResolvedTarget[] {
      const checked = health !== undefined && record.check !== undefined && record.check.protocol !== 'none';
      return endpoints.endpoints(zone, record).map((targetEndpoints, target) => ({
        weight: record.targets[target].weight,
        ...(answeredAsOne(record.targets[target]) ? { unit: true } : {}),
        addresses: targetEndpoints.map(({ address, family }) => {
          const annotated = {
            address,
            family,
            health: checked ? health.healthOf({ zone: zone.zone, record: record.name, target, address }) : ('up' as const),
          };
          return drains.isDrained(zone.zone, record.targets[target], address) ? { ...annotated, drained: true } : annotated;
        }),
      }));
    },
  };
}
