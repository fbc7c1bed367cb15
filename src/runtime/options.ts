// What the composition root takes and gives: the server's settings and injectable edges, and the handle on a
// running server.

import type { Logger } from '../base/logger.js';
import type { ListenEndpoint } from '../dns/endpoint.js';
import type { MeridianMetrics } from '../observability/metrics.js';
import type { ReloadOutcome } from '../observability/status.js';
import type { AdminApiSettings } from './admin-routes.js';
import type { ClusterDiscoverySettings } from './cluster-discovery.js';
import type { DnsServingSettings } from './dns-serving.js';
import type { HealthCheckingSettings } from './health-checking.js';
import type { PeerGroupSettings } from './peer-group.js';
import type { MetricsSettings } from './server-metrics.js';
import type { ServedZonesSettings } from './served-zones.js';
import type { ZoneWatchSettings } from './zone-watch.js';

export type { ReloadOutcome } from '../observability/status.js';

/** Every setting of the server: the union of what each part reads (each part declares its own). */
import type { DnssecKeySettings } from './dnssec-keys.js';

export interface MeridianOptions
  extends
    ServedZonesSettings,
    ZoneWatchSettings,
    ClusterDiscoverySettings,
    HealthCheckingSettings,
    DnsServingSettings,
    AdminApiSettings,
    MetricsSettings,
    PeerGroupSettings,
    DnssecKeySettings {
  readonly logger: Logger;
}

export interface Meridian {
  readonly dnsEndpoints: readonly ListenEndpoint[];
  readonly adminEndpoint: ListenEndpoint | undefined;
  readonly metrics: MeridianMetrics;
  /** Re-reads the zone directory; a file that fails keeps its last good revision serving (see MeridianOptions.strict). */
  reload(reason: string): Promise<ReloadOutcome>;
  ready(): boolean;
  status(): unknown;
  /**
   * Graceful shutdown for a rolling update: /readyz turns false at once, DNS keeps being answered for `delayMs`
   * (while load balancers and Service endpoints stop sending here), then the listeners close, TCP connections
   * finishing the message they are in for up to `timeoutMs`.
   */
  drain(options: { readonly delayMs: number; readonly timeoutMs: number }): Promise<void>;
  stop(): Promise<void>;
}
