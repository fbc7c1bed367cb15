// From the zones served, their endpoints and health to the answer table the query path reads: full builds when
// the zones change, partial rebuilds when health, drains or cluster endpoints change. With DNS workers, every
// resolution of a record's targets is kept, so the workers can be sent exactly the inputs this process used:
// the full set after a build, the changed records after a partial rebuild.

import type { GeoIpLookup } from '../answers/client-classifier.js';
import { roundMs } from '../base/clock.js';
import type { Logger } from '../base/logger.js';
import { recordKey, type RecordRef } from '../base/names.js';
import { runInSlices } from '../base/slices.js';
import { AnswerTableBuilder, type RRsetSigning, type TargetSource, type ZoneSignatures } from '../answers/build.js';
import type { ResolvedTarget } from '../answers/select.js';
import { AnswerTable } from '../answers/table.js';
import type { AnswerTableSource } from '../dns/handler.js';
import type { MaintenanceRunner } from '../health/maintenance.js';
import { type HealthMonitor } from '../health/monitor.js';
import type { ProbePlanner } from '../health/probe-plan.js';
import type { MeridianMetrics } from '../observability/metrics.js';
import type { EndpointSource } from '../zone/endpoints.js';
import type { ZoneConfig } from '../zone/model.js';
import type { ServingSet } from '../zone/serving.js';
import type { BuildGate } from './refresh-batching.js';

/** What DNS worker processes are sent: they build the same table from the same inputs. */
export interface AnswerReplicas {
  sendZones(zones: readonly ZoneConfig[], targets: ReadonlyMap<string, readonly ResolvedTarget[]>, failedZones: readonly string[]): void;
  sendTargets(targets: ReadonlyMap<string, readonly ResolvedTarget[]>): void;
}

type RebuildMetrics = Pick<MeridianMetrics, 'answerRebuild' | 'nameZones' | 'nameRegions'>;

/** Holds the table the query path reads; replacing `current` is the atomic swap. */
export class AnswerPipeline implements AnswerTableSource, BuildGate {
  current: AnswerTable = AnswerTable.empty();
  #building = false;
  readonly #builder: AnswerTableBuilder;
  readonly #metrics: RebuildMetrics;
  readonly #resolved = new Map<string, readonly ResolvedTarget[]>();
  #changed = new Map<string, readonly ResolvedTarget[]>();
  #replicas: AnswerReplicas | undefined;

  /** `replicated`: DNS workers will be attached (setReplicas), so every resolution is recorded for them. */
  constructor(options: { targets: TargetSource; replicated: boolean; metrics: RebuildMetrics; geoip?: GeoIpLookup; signer?: RRsetSigning }) {
    const { targets, replicated } = options;
    const recording: TargetSource = !replicated
      ? targets
      : {
          resolve: (zone, record) => {
            const resolved = targets.resolve(zone, record);
            const key = recordKey(zone.zone, record.name);
            this.#resolved.set(key, resolved);
            this.#changed.set(key, resolved);
            return resolved;
          },
        };
    this.#builder = new AnswerTableBuilder(recording, {
      reuseUnchangedZones: !replicated,
      ...(options.geoip === undefined ? {} : { geoip: options.geoip }),
      ...(options.signer === undefined ? {} : { signer: options.signer }),
    });
    this.#metrics = options.metrics;
    this.#metrics.nameZones((id) => this.#builder.zoneNames()[id] ?? '');
    this.#metrics.nameRegions((slot) => this.#builder.regionLabels()[slot]);
  }

  /** Each signed zone's keys and earliest signature expiration. */
  signatures(): ZoneSignatures[] {
    return this.#builder.signatures();
  }

  get building(): boolean {
    return this.#building;
  }

  /** Attaches the DNS workers and sends them the table's inputs as they are now. */
  setReplicas(replicas: AnswerReplicas, zones: readonly ZoneConfig[], servfailZones: readonly string[]): void {
    this.#replicas = replicas;
    replicas.sendZones(zones, this.#resolved, servfailZones);
  }

  /** A full build, in slices, while `work` (probe sync) runs first; health changes meanwhile wait (see RefreshBatcher). */
  async build(zones: readonly ZoneConfig[], servfailZones: readonly string[], before: () => Promise<void>): Promise<number> {
    const started = performance.now();
    this.#building = true;
    try {
      await before();
      this.#resolved.clear();
      this.current = await this.#builder.buildInSlices(zones, servfailZones);
      this.#replicas?.sendZones(zones, this.#resolved, servfailZones);
    } finally {
      this.#building = false;
    }
    const seconds = (performance.now() - started) / 1000;
    this.#metrics.answerRebuild.observe({ kind: 'full' }, seconds);
    return seconds * 1000;
  }

  /** Rebuilds these records now (the caller times and counts it with the work that led to it). */
  refresh(records: Iterable<RecordRef>): void {
    this.#changed = new Map();
    this.current = this.#builder.refresh(records);
    this.#replicas?.sendTargets(this.#changed);
  }

  /** One partial rebuild, and what led to it, took `ms`. */
  observePartial(ms: number): void {
    this.#metrics.answerRebuild.observe({ kind: 'partial' }, ms / 1000);
  }
}

/** Rebuilds the records whose health or drain changed: RefreshBatcher's rebuild. */
export function healthRefresher(pipeline: AnswerPipeline, logger: Logger): (records: readonly RecordRef[]) => void {
  return (records) => {
    const started = performance.now();
    pipeline.refresh(records);
    const ms = performance.now() - started;
    pipeline.observePartial(ms);
    logger.debug('answers rebuilt after a health change', { records: records.length, rebuildMs: roundMs(ms) });
  };
}

export interface ZoneApplierOptions {
  readonly pipeline: AnswerPipeline;
  readonly maintenance: Pick<MaintenanceRunner, 'setZones'>;
  readonly monitor: Pick<HealthMonitor, 'syncSteps'>;
  readonly planner: ProbePlanner;
  readonly endpoints: EndpointSource;
  /** Drops pending partial rebuilds (the full build reads the latest health) and flushes what came in during it. */
  readonly refreshes: { clear(): void; flush(): void };
}

/**
 * Installs a serving set. Computing the probe set, syncing the monitor and building run in slices of a few
 * milliseconds: at 10,000 records each takes tens of milliseconds, which queries must not wait for.
 */
export function zoneApplier(options: ZoneApplierOptions): (set: Pick<ServingSet, 'zones' | 'servfailZones'>, initial: boolean) => Promise<number> {
  const { pipeline, maintenance, monitor, planner, endpoints, refreshes } = options;
  return async ({ zones, servfailZones }, initial) => {
    const ms = await pipeline.build(zones, servfailZones, async () => {
      // Windows first: a target in an open window is drained in the table about to be built.
      maintenance.setZones(zones);
      const desired = await runInSlices(planner.desiredProbeSteps(zones, endpoints));
      await runInSlices(monitor.syncSteps(desired, initial));
      refreshes.clear();
    });
    // Changes that came in while the build ran.
    refreshes.flush();
    return ms;
  };
}

/** Cluster endpoints changed: the probes follow them, and the records with a target in those clusters are rebuilt. */
export function clusterChangeApplier(options: {
  readonly pipeline: AnswerPipeline;
  readonly monitor: Pick<HealthMonitor, 'sync'>;
  readonly planner: ProbePlanner;
  readonly endpoints: EndpointSource;
  readonly zones: () => readonly ZoneConfig[];
  readonly logger: Logger;
}): (clusters: ReadonlySet<string> | undefined) => void {
  const { pipeline, monitor, planner, endpoints, logger } = options;
  return (clusters) => {
    const zones = options.zones();
    const started = performance.now();
    monitor.sync(planner.desiredProbes(zones, endpoints), false);
    const records = recordsUsingClusters(zones, clusters);
    if (records.length > 0) pipeline.refresh(records);
    const ms = performance.now() - started;
    pipeline.observePartial(ms);
    logger.debug('cluster endpoints changed', { clusters: clusters === undefined ? ['*'] : [...clusters], records: records.length, rebuildMs: roundMs(ms) });
  };
}

/** Balanced records with a cluster target in one of `clusters` (any cluster when undefined). */
export function recordsUsingClusters(zones: readonly ZoneConfig[], clusters: ReadonlySet<string> | undefined): RecordRef[] {
  const records: RecordRef[] = [];
  for (const zone of zones) {
    for (const record of zone.records) {
      if (record.kind !== 'balanced') continue;
      if (record.targets.some((t) => t.kind === 'cluster' && (clusters === undefined || clusters.has(t.cluster))))
        records.push({ zone: zone.zone, name: record.name });
    }
  }
  return records;
}
