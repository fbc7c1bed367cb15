// What /status, /events and /explain are built from: the running server's parts, read at the moment of asking.

import type { Clock } from '../base/clock.js';
import type { GeoIpLookup } from '../answers/client-classifier.js';
import type { ZoneSignatures } from '../answers/build.js';
import type { TargetSource } from '../answers/build.js';
import type { HealthHistory } from '../observability/history.js';
import type { PeerGroupStatusSource, StatusInput } from '../observability/status.js';
import type { ClusterDiscovery } from './cluster-discovery.js';
import type { HealthChecking } from './health-checking.js';
import type { ServerReadiness } from './readiness.js';
import type { ServedZones } from './served-zones.js';

export interface StatusParts {
  readonly zones: ServedZones;
  readonly readiness: ServerReadiness;
  readonly health: HealthChecking;
  readonly discovery: ClusterDiscovery;
  readonly history: HealthHistory;
  /** What the answer table is built from, so that the status shows what the answers show. */
  readonly targets: TargetSource;
  readonly clock: Clock;
  readonly peers: PeerGroupStatusSource | undefined;
  /** The GeoIP database (--geoip-db), so that explain can say which country rule a client falls under. */
  readonly geoip: GeoIpLookup | undefined;
  /** The signed zones' keys and signatures, as the answer table has them. */
  readonly signatures?: () => readonly ZoneSignatures[];
}

export function statusSource(parts: StatusParts): () => StatusInput {
  const { zones, readiness, health, discovery, history, targets, clock, peers, geoip, signatures } = parts;
  return () => ({
    zones: zones.zones,
    failedZoneFiles: zones.failedFiles,
    lastReload: zones.lastReload,
    ready: readiness.ready(),
    health: health.monitor,
    endpoints: discovery.endpoints,
    clock,
    clusters: discovery.status(),
    clusterSyncDeadline: discovery.syncDeadline,
    history,
    targets,
    drains: health.drains,
    maintenance: () => health.maintenance.status(),
    ...(peers === undefined ? {} : { peers }),
    ...(geoip === undefined ? {} : { geoip }),
    ...(signatures === undefined ? {} : { signatures }),
  });
}
