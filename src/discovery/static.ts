// Targets written as addresses in the zone file. Kubernetes discovery (cluster targets) plugs in beside this,
// through the same EndpointSource port.

import type { EndpointSource } from '../zone/endpoints.js';
import type { Logger } from '../base/logger.js';

/** Static targets resolve to their own addresses; cluster targets to nothing until discovery provides them. */
export function createStaticEndpointSource(logger: Logger): EndpointSource {
  const warned = new Set<string>();
  return {
    addresses(zone, record) {
      return record.targets.map((target) => {
        if (target.kind === 'static') return target.addresses;
        const key = `${record.name}/${target.cluster}`;
        if (!warned.has(key)) {
          warned.add(key);
          logger.warn('cluster target has no addresses: Kubernetes discovery is not configured', {
            zone: zone.zone,
            record: record.name,
            cluster: target.cluster,
          });
        }
        return [];
      });
    },
  };
}
