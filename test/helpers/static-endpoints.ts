// An EndpointSource for tests that need no Kubernetes: static targets resolve to their own addresses, cluster
// targets to none. (The server's one endpoint source, discovery/kubernetes/source.ts, serves both kinds.)

import { StaticEndpoints, type EndpointSource } from '../../src/zone/endpoints.js';
import type { Logger } from '../../src/base/logger.js';

/** Static targets resolve to their own addresses; cluster targets to nothing until discovery provides them. */
export function createStaticEndpointSource(logger: Logger): EndpointSource {
  const warned = new Set<string>();
  const statics = new StaticEndpoints();
  return {
    endpoints(zone, record) {
      return record.targets.map((target) => {
        if (target.kind === 'static') return statics.of(target);
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
