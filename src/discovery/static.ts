// Targets written as addresses in the zone file. Kubernetes discovery (cluster targets) plugs in beside this.

import { isIPv6 } from 'node:net';
import type { TargetSource } from '../answers/build.js';
import type { ResolvedTarget, TargetAddress } from '../answers/select.js';
import type { Logger } from '../observability/logger.js';
import type { BalancedRecord, TargetConfig, ZoneConfig } from '../zone/model.js';

export function staticAddresses(target: TargetConfig): TargetAddress[] {
  if (target.kind !== 'static') return [];
  return target.addresses.map((address) => ({ address, family: isIPv6(address) ? 6 : 4, health: 'unknown' }));
}

/**
 * Every static address counts as healthy until health checking says otherwise (a target that has not been
 * probed yet is served). Cluster targets resolve to nothing until Kubernetes discovery provides addresses.
 */
export function createStaticTargetSource(logger: Logger): TargetSource {
  const warned = new Set<string>();
  return {
    resolve(zone: ZoneConfig, record: BalancedRecord): readonly ResolvedTarget[] {
      return record.targets.map((target) => {
        if (target.kind === 'cluster' && !warned.has(`${record.name}/${target.cluster}`)) {
          warned.add(`${record.name}/${target.cluster}`);
          logger.warn('cluster target has no addresses: Kubernetes discovery is not configured', {
            zone: zone.zone,
            record: record.name,
            cluster: target.cluster,
          });
        }
        return { weight: target.weight, addresses: staticAddresses(target) };
      });
    },
  };
}
