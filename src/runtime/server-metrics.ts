// The server's metrics: the registry, the gauges that read the running parts when scraped, and how finely probe
// results are labelled (per address, or per record when the zones at start probe so many addresses that
// per-address series would swamp Prometheus).

import type { Registry as RegistryType } from 'prom-client';
import { Registry } from 'prom-client';
import type { Clock } from '../base/clock.js';
import type { Logger } from '../base/logger.js';
import type { DesiredProbes } from '../health/probe-plan.js';
import { MeridianMetrics, type ProbeMetricsSetting } from '../observability/metrics.js';
import { AUTO_PER_ADDRESS_LIMIT, probeMetricsDetailFor } from '../observability/target-metrics.js';
import type { DrainSet } from '../health/drains.js';
import type { AnswerPipeline } from './answer-pipeline.js';
import type { ClusterDiscovery } from './cluster-discovery.js';
import type { ServedZones } from './served-zones.js';

/** The settings metrics read (part of MeridianOptions). */
export interface MetricsSettings {
  /** A registry of the caller's; a new one by default (never prom-client's global registry). */
  readonly registry?: RegistryType;
  /**
   * Label probe results and durations per address or per record; `auto` (default) is per address unless the
   * zones at start probe more than AUTO_PER_ADDRESS_LIMIT addresses.
   */
  readonly probeMetrics?: ProbeMetricsSetting;
}

/** The running parts the scrape-time gauges read. */
export interface ObservedParts {
  readonly drains: { list(): ReturnType<DrainSet['list']> };
  readonly discovery: Pick<ClusterDiscovery, 'status'>;
  readonly zones: Pick<ServedZones, 'failedFiles'>;
  readonly pipeline: Pick<AnswerPipeline, 'current' | 'signatures'>;
  readonly clock: Clock;
}

/** Points the scrape-time gauges (drains, cluster sync, failed zone files, zone serials) at the running parts. */
export function observeServer(metrics: MeridianMetrics, parts: ObservedParts): void {
  metrics.observeDrains(() => parts.drains.list());
  metrics.observeClusters(() => parts.discovery.status().map((c) => ({ name: c.name, synced: c.synced, lastEventAt: c.lastEventAt })), parts.clock);
  metrics.reportZoneLoadFailures(() => parts.zones.failedFiles);
  metrics.reportZoneSerials(() => parts.pipeline.current.zones());
  // Wall-clock seconds: signatures carry absolute times.
  metrics.reportSignatureExpiries(() =>
    parts.pipeline
      .signatures()
      .flatMap((s) => (s.earliestExpiration === undefined ? [] : [{ zone: s.zone, seconds: Math.round(s.earliestExpiration - Date.now() / 1000) }])),
  );
}

export function createMetrics(settings: MetricsSettings): MeridianMetrics {
  const setting = settings.probeMetrics ?? 'auto';
  return new MeridianMetrics(settings.registry ?? new Registry(), { probeDetail: setting === 'auto' ? 'address' : setting });
}

/** With `auto`, decides the detail from the probes the first zones want: once, before any address is tracked, since a metric's labels must not change while it is scraped. */
export function chooseProbeMetricsDetail(settings: MetricsSettings, metrics: MeridianMetrics, desired: () => DesiredProbes, logger: Logger): void {
  if ((settings.probeMetrics ?? 'auto') !== 'auto') return;
  const probed = desired().reduce((sum, group) => sum + group.length, 0);
  metrics.targets.setDetail(probeMetricsDetailFor('auto', probed));
  if (metrics.targets.detail === 'record') {
    logger.info('probe results and durations are labelled per record: too many addresses for per-address series', {
      addresses: probed,
      limit: AUTO_PER_ADDRESS_LIMIT,
      flag: '--probe-metrics address',
    });
  }
}
