// The composition root: the one place that wires adapters (files, sockets, probes, HTTP) to the pure core.
// Data flows one way: zone files → endpoints → probes → health → answer table → query handler → listeners.

import { access } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { AnswerTableBuilder, type TargetSource } from './answers/build.js';
import { type RecordRef } from './base/names.js';
import type { ResolvedTarget } from './answers/select.js';
import { AnswerTable } from './answers/table.js';
import { ClusterWatcher, type ClusterStatus } from './discovery/kubernetes/cluster.js';
import type { ClusterRegistration } from './discovery/kubernetes/registration.js';
import { createDiscoveryEndpointSource, HostnameCache, systemHostnameLookup, type HostnameLookup } from './discovery/kubernetes/source.js';
import type { ListenEndpoint } from './dns/endpoint.js';
import { QueryHandler, type AnswerTableSource } from './dns/handler.js';
import { startDnsServer, type DnsServer } from './dns/server.js';
import type { TcpLimits } from './dns/tcp.js';
import { ResponseRateLimiter, type RrlConfig } from './dns/rrl.js';
import { Errors, MeridianError } from './base/errors.js';
import { intervalTicker, nodeCronPort } from './health/cron-ticker.js';
import { healthAnnotatedTargets } from './answers/targets.js';
import { desiredProbes, desiredProbeSteps, HealthMonitor, type AddressRef, type HealthObserver } from './health/monitor.js';
import { createProber } from './health/probe.js';
import { ProbeScheduler, type ProbeSchedulerPort, type Ticker } from './health/scheduler.js';
import { ThreadedProbeScheduler } from './health/probe-thread.js';
import type { Health, ObservedResult } from './health/state.js';
import { type Prober } from './health/types.js';
import { systemClock, type Clock } from './base/clock.js';
import { startAdminServer, type AdminServer } from './observability/admin.js';
import type { Logger, LogLevel } from './base/logger.js';
import { MeridianMetrics, type ProbeMetricsSetting } from './observability/metrics.js';
import { AUTO_PER_ADDRESS_LIMIT, probeMetricsDetailFor } from './observability/target-metrics.js';
import {
  buildExplanation,
  buildStatus,
  EXPLAINED_TYPES,
  explainedType,
  statusJsonChunks,
  type ReloadOutcome,
  type StatusInput,
} from './observability/status.js';
import { loadZoneDirectoryOffThread } from './zone/load-thread.js';
import { runInSlices } from './base/slices.js';
import { blockingIssues, formatZoneIssue, isWarning, type ZoneConfig, type ZoneIssue, type ZoneLoadResult } from './zone/model.js';
import { servingSet, type ServingSet, type ZoneFileFailure } from './zone/serving.js';
import { watchDirectory, type DirectoryWatcher } from './zone/watch.js';
import { WorkerPool } from './workers/pool.js';
import { recordKey } from './base/names.js';
import { drainCovers, DrainSet, windowKey, type Drain } from './health/drains.js';
import { MaintenanceRunner, type CronPort } from './health/maintenance.js';
import { createWindowEvaluator } from './health/window-evaluator.js';
import { HealthHistory } from './observability/history.js';
import { STATUS_PAGE_HTML } from './observability/status-page.js';
import type { AdminAction } from './observability/admin.js';

export type { ReloadOutcome } from './observability/status.js';

export interface MeridianOptions {
  readonly zonesDir: string;
  readonly listen: readonly ListenEndpoint[];
  /** Omit to run without the admin HTTP server. */
  readonly admin?: ListenEndpoint;
  /** The bearer token the admin server's state-changing endpoints require; without it they are disabled. */
  readonly adminToken?: string;
  /** Where manual drains are kept, so they survive a restart; without it they last as long as the process. */
  readonly stateFile?: string;
  /** Fires maintenance windows (node-cron by default; tests drive it from a fake clock). */
  readonly maintenanceCron?: CronPort;
  readonly logger: Logger;
  /** Watch the zone directory and reload on change (default true). */
  readonly watch?: boolean;
  readonly tcpLimits?: TcpLimits;
  /** Injectable edges; defaults are the real ones. */
  readonly registry?: Registry;
  readonly clock?: Clock;
  readonly prober?: Prober;
  readonly ticker?: Ticker;
  readonly maxConcurrentProbes?: number;
  /** Reads and validates the zone directory (in a worker thread by default); tests make it fail. */
  readonly loadZones?: typeof loadZoneDirectoryOffThread;
  /**
   * Fail fast (default false). Without it, a zone file that fails to load does not stop the others: they are
   * served, and the failed file's zone keeps its last good revision or answers SERVFAIL. With it, any problem,
   * warnings included, stops the start and rejects a reload whole.
   */
  readonly strict?: boolean;
  /** Kubernetes clusters whose Ingresses, Services and Gateways give `cluster:` targets their addresses. */
  readonly clusters?: readonly ClusterRegistration[];
  /** Watch one namespace only (all when omitted). */
  readonly namespace?: string;
  /** /readyz waits at most this long for every cluster's first sync (default 30 s). */
  readonly clusterSyncTimeoutMs?: number;
  /** End a watch silent for this long (default 60 s). */
  readonly watchInactivityMs?: number;
  readonly hostnameLookup?: HostnameLookup;
  /**
   * DNS worker processes sharing the listen ports (SO_REUSEPORT). 1 (the default) serves DNS in this process;
   * with more, this process probes, watches and decides, and the workers only answer.
   */
  readonly workers?: number;
  readonly workerLogLevel?: LogLevel;
  /** Response rate limiting for UDP answers (BIND-style); off when omitted. */
  readonly rrl?: RrlConfig;
  /**
   * Label probe results and durations per address or per record; `auto` (default) is per address unless the
   * zones at start probe more than AUTO_PER_ADDRESS_LIMIT addresses.
   */
  readonly probeMetrics?: ProbeMetricsSetting;
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

/** Holds the table the query path reads; replacing `current` is the atomic swap. */
class TableHolder implements AnswerTableSource {
  current: AnswerTable = AnswerTable.empty();
}

function serialsOf(zones: readonly ZoneConfig[]): Record<string, number> {
  return Object.fromEntries(zones.map((zone) => [zone.zone, zone.soa.serial]));
}

/** Logs every change of health with its reason: the first place an operator looks. */
function loggingObserver(logger: Logger): HealthObserver {
  return {
    onTrack: () => {},
    onForget: () => {},
    onRelabel: () => {},
    onResult: (ref: AddressRef, result: ObservedResult) => {
      if (!result.ok) logger.debug('probe failed', { ...ref, reason: result.reason });
    },
    onTransition: (ref: AddressRef, from: Health, to: Health, result: ObservedResult) => {
      const fields = { ...ref, from, to, reason: result.reason, durationMs: Math.round(result.durationMs) };
      if (to === 'down') logger.warn('target down', fields);
      else logger.info(to === 'up' && from === 'unknown' ? 'target up (first probe)' : 'target up', fields);
    },
  };
}

function fanOut(observers: readonly HealthObserver[]): HealthObserver {
  return {
    onTrack: (ref) => observers.forEach((o) => o.onTrack(ref)),
    onForget: (ref) => observers.forEach((o) => o.onForget(ref)),
    onRelabel: (before, after, health) => observers.forEach((o) => o.onRelabel(before, after, health)),
    onResult: (ref, result) => observers.forEach((o) => o.onResult(ref, result)),
    onTransition: (ref, from, to, result) => observers.forEach((o) => o.onTransition(ref, from, to, result)),
  };
}

export async function startMeridian(options: MeridianOptions): Promise<Meridian> {
  const logger = options.logger;
  const clock = options.clock ?? systemClock;
  const probeMetrics = options.probeMetrics ?? 'auto';
  const metrics = new MeridianMetrics(options.registry ?? new Registry(), { probeDetail: probeMetrics === 'auto' ? 'address' : probeMetrics });
  const tables = new TableHolder();
  const startedAt = clock.now();
  const clusterSyncTimeoutMs = options.clusterSyncTimeoutMs ?? 30_000;

  // Discovery: one watcher per cluster; any change re-syncs the probes and rebuilds the records that use it.
  const changedClusters = new Set<string>();
  let endpointsFlushScheduled = false;
  const endpointsChanged = (cluster: string | undefined) => {
    changedClusters.add(cluster ?? '*');
    if (endpointsFlushScheduled) return;
    endpointsFlushScheduled = true;
    // A short delay batches a burst of watch events (a rollout touching many objects) into one rebuild.
    clock.setTimer(() => {
      endpointsFlushScheduled = false;
      flushEndpoints();
    }, 20);
  };
  const hostnames = new HostnameCache(options.hostnameLookup ?? systemHostnameLookup(), clock, logger, () => endpointsChanged(undefined));
  const watchers = new Map<string, ClusterWatcher>();
  // @kubernetes/client-node is large (tens of megabytes of code in memory): load it only when a cluster is registered.
  const { createResourceClient, loadKubeConfig } =
    (options.clusters ?? []).length > 0 ? await import('./discovery/kubernetes/client.js') : { createResourceClient: undefined, loadKubeConfig: undefined };
  for (const registration of options.clusters ?? []) {
    let config;
    try {
      config = loadKubeConfig!(registration.source);
    } catch (error) {
      throw Errors.clusterConfig([registration.name, (error as Error).message]);
    }
    const clientOptions = { ...(options.namespace === undefined ? {} : { namespace: options.namespace }), inactivityMs: options.watchInactivityMs ?? 60_000 };
    watchers.set(
      registration.name,
      new ClusterWatcher({
        name: registration.name,
        clientFor: (resource) => createResourceClient!(config, resource, clientOptions),
        clock,
        logger,
        onChange: endpointsChanged,
        onError: (cluster, resource) => metrics.clusterErrors.inc({ cluster, resource }),
      }),
    );
  }
  const endpoints = createDiscoveryEndpointSource((name) => watchers.get(name)?.endpoints(), hostnames);

  // Health changes are batched: every record that changed while one I/O burst of probe results was handled
  // is rebuilt in one partial rebuild.
  const pendingRefresh = new Map<string, RecordRef>();
  let refreshScheduled = false;
  // While a full build runs in slices, health changes wait for it: they are applied to the new table after.
  let building = false;
  const flushRefresh = () => {
    refreshScheduled = false;
    if (pendingRefresh.size === 0 || building) return;
    const started = performance.now();
    tables.current = refresh(pendingRefresh.values());
    const seconds = (performance.now() - started) / 1000;
    metrics.answerRebuild.observe({ kind: 'partial' }, seconds);
    logger.debug('answers rebuilt after a health change', { records: pendingRefresh.size, rebuildMs: Math.round(seconds * 1e6) / 1e3 });
    pendingRefresh.clear();
  };
  const onLateness = (ms: number) => metrics.probeLateness.observe(ms / 1000);
  const maxConcurrent = options.maxConcurrentProbes === undefined ? {} : { maxConcurrent: options.maxConcurrentProbes };
  // Real probes run in a thread of their own (health/probe-thread.ts), so that their garbage collections never
  // pause queries. An injected prober, clock or ticker (tests) runs in this thread, where the test can drive it.
  const injected = options.prober !== undefined || options.clock !== undefined || options.ticker !== undefined;
  const scheduler: ProbeSchedulerPort = !injected
    ? new ThreadedProbeScheduler({ logger, onLateness, ...maxConcurrent })
    : new ProbeScheduler({ prober: options.prober ?? createProber(), clock, ticker: options.ticker ?? intervalTicker(), onLateness, ...maxConcurrent });
  const history = new HealthHistory(clock);
  const drains = new DrainSet(options.stateFile);
  try {
    await drains.load();
  } catch (error) {
    scheduler.stop();
    if (error instanceof MeridianError) throw error;
    throw Errors.stateFile([options.stateFile ?? '', (error as Error).message]);
  }
  metrics.observeDrains(() => drains.list());
  const maintenance = new MaintenanceRunner({
    clock,
    cron: options.maintenanceCron ?? nodeCronPort(logger),
    evaluate: createWindowEvaluator(),
    onChange: (open) => {
      // A window drains only its own zone, so opening and closing is tracked per zone and target.
      const scoped = (list: readonly Drain[]) => new Map(list.map((d) => [windowKey(d.zone ?? '', d.target), d]));
      const before = scoped(drains.windows());
      drains.setWindows(open);
      const after = scoped(open);
      for (const key of new Set([...before.keys(), ...after.keys()]))
        if (before.has(key) !== after.has(key)) {
          const { zone = '', target } = (after.get(key) ?? before.get(key))!;
          logger.warn(after.has(key) ? 'maintenance window open: target drained' : 'maintenance window closed: target undrained', { zone, target });
          if (serving) applyDrainChange(target, zone);
        }
    },
  });
  /** Set once the first table is built: from then on a drain change rebuilds the records it touches. */
  let serving = false;
  const monitor = new HealthMonitor({
    scheduler,
    clock,
    observer: fanOut([metrics, loggingObserver(logger), history]),
    onChange: (records) => {
      for (const record of records) pendingRefresh.set(`${record.zone}\n${record.name}`, record);
      if (!refreshScheduled) {
        refreshScheduled = true;
        setImmediate(flushRefresh);
      }
    },
  });
  // With DNS workers, every resolution of a record's targets is kept, so the workers can be sent exactly the
  // inputs this process used: the full set after a build, the changed records after a partial rebuild.
  const annotated = healthAnnotatedTargets(endpoints, monitor, drains);
  const resolvedTargets = new Map<string, readonly ResolvedTarget[]>();
  let changedTargets = new Map<string, readonly ResolvedTarget[]>();
  const workers = options.workers ?? 1;
  const recordingTargets: TargetSource =
    workers <= 1
      ? annotated
      : {
          resolve(zone, record) {
            const resolved = annotated.resolve(zone, record);
            const key = recordKey(zone.zone, record.name);
            resolvedTargets.set(key, resolved);
            changedTargets.set(key, resolved);
            return resolved;
          },
        };
  const builder = new AnswerTableBuilder(recordingTargets, { reuseUnchangedZones: workers <= 1 });
  metrics.nameZones((id) => builder.zoneNames()[id] ?? '');
  let pool: WorkerPool | undefined;
  const build = async (zones: readonly ZoneConfig[], servfailZones: readonly string[]) => {
    resolvedTargets.clear();
    const table = await builder.buildInSlices(zones, servfailZones);
    pool?.sendZones(zones, resolvedTargets, servfailZones);
    return table;
  };
  const refresh = (records: Iterable<RecordRef>) => {
    changedTargets = new Map();
    const table = builder.refresh(records);
    pool?.sendTargets(changedTargets);
    return table;
  };

  // Computing the probe set, syncing the monitor and building run in slices of a few milliseconds: at 10,000
  // records each takes tens of milliseconds, which queries must not wait for.
  const apply = async ({ zones, servfailZones }: Pick<ServingSet, 'zones' | 'servfailZones'>, initial: boolean): Promise<number> => {
    const started = performance.now();
    building = true;
    try {
      // Windows first: a target in an open window is drained in the table about to be built.
      maintenance.setZones(zones);
      const desired = await runInSlices(desiredProbeSteps(zones, endpoints));
      await runInSlices(monitor.syncSteps(desired, initial));
      pendingRefresh.clear(); // the full build below reads the latest health
      tables.current = await build(zones, servfailZones);
    } finally {
      building = false;
    }
    const seconds = (performance.now() - started) / 1000;
    metrics.answerRebuild.observe({ kind: 'full' }, seconds);
    // Changes that came in while the build ran.
    if (pendingRefresh.size > 0) flushRefresh();
    return seconds * 1000;
  };

  const flushEndpoints = () => {
    if (building) {
      // A full build is under way; it reads the endpoints as they are now, and this runs again after it.
      endpointsFlushScheduled = true;
      clock.setTimer(() => {
        endpointsFlushScheduled = false;
        flushEndpoints();
      }, 20);
      return;
    }
    const clusters = new Set(changedClusters);
    changedClusters.clear();
    const started = performance.now();
    monitor.sync(desiredProbes(zones, endpoints), false);
    const records = recordsUsingClusters(zones, clusters.has('*') ? undefined : clusters);
    if (records.length > 0) tables.current = refresh(records);
    const seconds = (performance.now() - started) / 1000;
    metrics.answerRebuild.observe({ kind: 'partial' }, seconds);
    logger.debug('cluster endpoints changed', { clusters: [...clusters], records: records.length, rebuildMs: round(seconds * 1000) });
  };
  const clusterStatus = (): ClusterStatus[] => [...watchers.values()].map((w) => w.status());
  const clustersReady = () => clusterStatus().every((c) => c.synced) || clock.now() - startedAt >= clusterSyncTimeoutMs;
  metrics.observeClusters(() => clusterStatus().map((c) => ({ name: c.name, synced: c.synced, lastEventAt: c.lastEventAt })), clock);

  const knownClusters = new Set(watchers.keys());
  // libuv's thread pool is started by the first thread that needs it, and threads inherit that thread's
  // priority. Start it here: left to the zone loader (nice 19), every later file read and hostname lookup of the
  // process would run at nice 19.
  await access(options.zonesDir).catch(() => {});
  // Watched before the first read: a change (or a git-sync swap) while the server starts would otherwise be
  // missed until the next one. Changes are held until the server is up, then reloaded if the read predates them.
  let changedDuringStart: number | undefined;
  let onZoneChange = (lastEventAt: number) => void (changedDuringStart = Math.max(changedDuringStart ?? -Infinity, lastEventAt));
  const watcher: DirectoryWatcher | undefined =
    (options.watch ?? true) ? watchDirectory(options.zonesDir, (lastEventAt) => onZoneChange(lastEventAt), logger) : undefined;
  const loadZones = options.loadZones ?? loadZoneDirectoryOffThread;
  const initialReadAt = performance.now();
  const initial = await loadZones(options.zonesDir, { knownClusters }).catch((error: unknown) => {
    watcher?.close();
    throw error;
  });
  const strict = options.strict ?? false;
  if (rejectedWhole(initial, strict)) {
    watcher?.close();
    scheduler.stop();
    const problems = blockingIssues(initial.issues, strict);
    throw Errors.zonesInvalid([problems.length, problems.map(formatZoneIssue).join('\n')]);
  }
  const logIssues = (issues: readonly ZoneIssue[], failed: readonly ZoneFileFailure[]) => {
    const failures = new Map(failed.map((f) => [f.file, f]));
    for (const issue of issues) {
      if (isWarning(issue)) {
        logger.warn('zone policy warning', { issue: formatZoneIssue(issue) });
        continue;
      }
      const failure = failures.get(issue.file);
      logger.error(failure === undefined ? 'zone policy invalid' : FAILURE_LOG[failure.serving], {
        file: issue.file,
        ...(failure?.zone === undefined ? {} : { zone: failure.zone }),
        ...(failure?.serial === undefined ? {} : { servingSerial: failure.serial }),
        issue: formatZoneIssue(issue),
      });
    }
  };
  const first = servingSet([], initial);
  logIssues(initial.issues, first.failed);
  let zones = first.zones;
  /** Files that failed to load, and what is answered for each; servfailZones: the zones answered SERVFAIL. */
  let failedFiles = first.failed;
  let servfailZones = first.servfailZones;
  if (probeMetrics === 'auto') {
    // Decided once, before any address is tracked: a metric's labels must not change while it is scraped.
    const probed = desiredProbes(zones, endpoints).reduce((sum, group) => sum + group.length, 0);
    metrics.targets.setDetail(probeMetricsDetailFor('auto', probed));
    if (metrics.targets.detail === 'record')
      logger.info('probe results and durations are labelled per record: too many addresses for per-address series', {
        addresses: probed,
        limit: AUTO_PER_ADDRESS_LIMIT,
        flag: '--probe-metrics address',
      });
  }
  const buildMs = await apply(first, true);
  metrics.zoneReloads.inc({ result: initial.ok ? 'ok' : 'invalid' });
  metrics.reportZoneLoadFailures(() => failedFiles);
  let lastReload: ReloadOutcome = { ok: initial.ok, at: new Date().toISOString(), issues: initial.issues.map(formatZoneIssue), serials: serialsOf(zones) };
  serving = true;
  logger.info('zones loaded', {
    dir: options.zonesDir,
    serials: lastReload.serials,
    ...(failedFiles.length === 0 ? {} : { failedFiles: failedFiles.length }),
    probes: monitor.probeCount,
    buildMs: round(buildMs),
  });

  let running: Promise<ReloadOutcome> | undefined;
  let again = false;
  /** When the running or last reload (the first load included) began reading the files (performance.now()). */
  let lastReadStartedAt = initialReadAt;
  const reloadOnce = async (reason: string): Promise<ReloadOutcome> => {
    lastReadStartedAt = performance.now();
    const result = await loadZones(options.zonesDir, { knownClusters }, zones);
    if (rejectedWhole(result, strict)) {
      const issues = result.issues.map(formatZoneIssue);
      for (const issue of issues) logger.error('zone policy invalid; keeping the last good configuration', { issue });
      metrics.zoneReloads.inc({ result: 'invalid' });
      lastReload = { ok: false, at: new Date().toISOString(), issues, serials: serialsOf(zones) };
      return lastReload;
    }
    const next = servingSet(zones, result);
    logIssues(result.issues, next.failed);
    const changed = JSON.stringify(serialsOf(next.zones)) !== JSON.stringify(serialsOf(zones)) || next.servfailZones.join() !== servfailZones.join();
    // A deleted file is a valid change, but a zone no longer answered is rarely meant: say so loudly.
    const kept = new Set(next.zones.map((zone) => zone.zone));
    const removed = zones.filter((zone) => !kept.has(zone.zone));
    for (const zone of removed) logger.warn('zone removed: no file declares it any more; no longer answered', { zone: zone.zone, file: zone.file, reason });
    zones = next.zones;
    failedFiles = next.failed;
    servfailZones = next.servfailZones;
    const ms = await apply(next, false);
    // A reload with a failed file counts as invalid, though the other files' changes were applied.
    metrics.zoneReloads.inc({ result: !result.ok ? 'invalid' : removed.length > 0 ? 'removed' : 'ok' });
    lastReload = { ok: result.ok, at: new Date().toISOString(), issues: result.issues.map(formatZoneIssue), serials: serialsOf(zones) };
    const message = !result.ok ? 'zones reloaded, except the files that failed' : changed ? 'zones reloaded' : 'zones reloaded, unchanged';
    logger.info(message, {
      reason,
      serials: lastReload.serials,
      ...(failedFiles.length === 0 ? {} : { failedFiles: failedFiles.length }),
      probes: monitor.probeCount,
      buildMs: round(ms),
    });
    return lastReload;
  };
  // Reloads never overlap: a request during a reload runs once more after it, with the newest files. A file
  // change whose events all came before a reload began reading (files written, then SIGHUP) is in that reload.
  const reload = (reason: string, changedAt?: number): Promise<ReloadOutcome> => {
    if (changedAt !== undefined && changedAt < lastReadStartedAt) {
      logger.debug('zone files changed before the last reload read them; not reloading again', { reason });
      return running ?? Promise.resolve(lastReload);
    }
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        for (;;) {
          again = false;
          try {
            const outcome = await reloadOnce(reason);
            if (!again) return outcome;
          } catch (error) {
            reloadFailed(reason, error);
            // A request that joined this reload wants the files as they are now: it still gets its run.
            if (!again) throw error;
          }
        }
      } finally {
        // Also after a failure: a reload left running would hand every later request the same rejection.
        running = undefined;
      }
    })();
    return running;
  };
  /** A reload that threw (the loader thread died, or applying failed): not a zone issue, but the operator must see it. */
  const reloadFailed = (reason: string, error: unknown) => {
    metrics.zoneReloads.inc({ result: 'failed' });
    logger.error('zone reload failed', { reason, error });
    lastReload = { ok: false, at: new Date().toISOString(), issues: [`reload failed: ${String(error)}`], serials: serialsOf(zones) };
  };

  // Ready once every cluster has synced (or the deadline passed), what they exposed is being probed, and every
  // probed address has had its first result.
  let draining = false;
  // A failed zone file does not make the server unready: every replica reads the same files, so that would take
  // every zone down (docs/operations.md). With no zone served at all there is nothing to be ready for.
  const ready = () => !draining && zones.length > 0 && clustersReady() && !endpointsFlushScheduled && monitor.firstRoundDone() && (pool?.ready() ?? true);
  const statusInput = (): StatusInput => ({
    zones,
    failedZoneFiles: failedFiles,
    lastReload,
    ready: ready(),
    health: monitor,
    endpoints,
    clock,
    clusters: clusterStatus(),
    clusterSyncDeadline: startedAt + clusterSyncTimeoutMs,
    history,
    targets: annotated,
    drains,
    maintenance: () => maintenance.status(),
  });
  const status = () => buildStatus(statusInput());
  const statusChunks = () => statusJsonChunks(statusInput());

  /** The balanced records a drain of `name` (a cluster or an address) touches: in `onlyZone`, when given. */
  const recordsTouchedBy = (name: string, onlyZone?: string): RecordRef[] => {
    const touched: RecordRef[] = [];
    for (const zone of zones) {
      if (onlyZone !== undefined && zone.zone !== onlyZone) continue;
      for (const record of zone.records) {
        if (record.kind !== 'balanced') continue;
        const addresses = endpoints.addresses(zone, record);
        if (record.targets.some((target, index) => drainCovers(name, target, '') || (addresses[index] ?? []).some((a) => drainCovers(name, target, a)))) {
          touched.push({ zone: zone.zone, name: record.name });
        }
      }
    }
    return touched;
  };
  /** Rebuilds the records a drain of `name` touches, now (or right after a build under way). */
  const applyDrainChange = (name: string, onlyZone?: string) => {
    for (const record of recordsTouchedBy(name, onlyZone)) pendingRefresh.set(`${record.zone}\n${record.name}`, record);
    flushRefresh();
  };
  const drainAction =
    (drain: boolean): AdminAction =>
    async (body) => {
      const { target, reason } = (body ?? {}) as { target?: unknown; reason?: unknown };
      if (typeof target !== 'string' || target === '') return { status: 400, body: { error: 'the body must be {"target": "<cluster or address>"}' } };
      if (drain && recordsTouchedBy(target).length === 0)
        return { status: 404, body: { error: `no cluster or address named '${target}' in the zones served` } };
      const changed = drain ? await drains.drain(target, typeof reason === 'string' ? reason : undefined, new Date(clock.now())) : await drains.undrain(target);
      if (changed) {
        applyDrainChange(target);
        logger.warn(drain ? 'target drained' : 'target undrained', { target, ...(typeof reason === 'string' ? { reason } : {}) });
      }
      return { status: 200, body: { target, drained: drain, changed, drains: drains.list() } };
    };

  const handler = new QueryHandler(tables, { observer: metrics });
  metrics.reportZoneSerials(() => tables.current.zones());
  const rrl = options.rrl !== undefined && workers <= 1 ? new ResponseRateLimiter(options.rrl, () => performance.now()) : undefined;
  let dns: DnsServer | undefined;
  let admin: AdminServer | undefined;
  try {
    if (workers > 1) {
      pool = await WorkerPool.start({
        count: workers,
        endpoints: options.listen,
        logLevel: options.workerLogLevel ?? 'info',
        logger,
        ...(options.tcpLimits ? { tcpLimits: options.tcpLimits } : {}),
        ...(options.rrl ? { rrl: options.rrl } : {}),
      });
      pool.sendZones(zones, resolvedTargets, servfailZones);
      metrics.addQueryCounts(() => pool!.queryCounts());
      metrics.observeRrl(() => pool!.rrlCounts());
      logger.info('listening', {
        workers,
        endpoints: options.listen,
        transports: ['udp', 'tcp'],
        port: options.listen[0].port,
        address: options.listen[0].host,
      });
    } else {
      dns = await startDnsServer({
        endpoints: options.listen,
        handler,
        logger,
        handlerErrors: metrics,
        ...(rrl ? { rrl } : {}),
        ...(options.tcpLimits ? { tcpLimits: options.tcpLimits } : {}),
      });
      if (rrl !== undefined) metrics.observeRrl(() => rrl.stats.counts());
    }
    if (options.admin !== undefined) {
      admin = await startAdminServer({
        endpoint: options.admin,
        readiness: { ready },
        status: statusChunks,
        metrics,
        logger,
        ...(options.adminToken === undefined ? {} : { token: options.adminToken }),
        actions: {
          '/reload': async () => {
            const outcome = await reload('admin API');
            return { status: outcome.ok ? 200 : 422, body: outcome };
          },
          '/drain': drainAction(true),
          '/undrain': drainAction(false),
        },
        queries: {
          '/explain': (query) => {
            const name = query.get('name');
            if (name === null || name === '') return { status: 400, body: { error: 'name is required: /explain?name=NAME[&type=A|AAAA]' } };
            const type = explainedType(query.get('type') ?? 'A');
            if (type === undefined)
              return {
                status: 400,
                body: { error: `explain covers ${EXPLAINED_TYPES.join(' and ')}, the types health and policy decide; other types are static data: dig them` },
              };
            const explanation = buildExplanation(statusInput(), name, type);
            return explanation === undefined
              ? { status: 404, body: { error: `no record named ${name} in any zone served` } }
              : { status: 200, body: explanation };
          },
        },
        events: true,
        page: STATUS_PAGE_HTML,
      });
    }
  } catch (error) {
    watcher?.close();
    scheduler.stop();
    await dns?.close();
    await pool?.stop();
    throw error;
  }
  scheduler.start();
  for (const watcher of watchers.values()) watcher.start();
  // Fired and forgotten: reload() has logged and counted a failure, so only the rejection is left to catch.
  onZoneChange = (lastEventAt) => void reload('file change', lastEventAt).catch(() => {});
  if (changedDuringStart !== undefined) onZoneChange(changedDuringStart);
  // What was loaded against what is there now: a swap since the watch was set is reloaded now, not in a second.
  watcher?.check();

  return {
    dnsEndpoints: dns?.endpoints ?? options.listen,
    adminEndpoint: admin?.endpoint,
    metrics,
    reload,
    ready,
    status,
    async drain({ delayMs, timeoutMs }) {
      if (draining) return;
      draining = true;
      logger.info('draining: not ready; still answering', { delayMs, timeoutMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      watcher?.close();
      scheduler.stop();
      maintenance.stop();
      for (const clusterWatcher of watchers.values()) clusterWatcher.stop();
      hostnames.stop();
      await Promise.all([dns?.drain(timeoutMs), pool?.stop(timeoutMs)]);
      logger.info('drained: listeners closed');
      await admin?.close();
    },
    async stop() {
      draining = true;
      maintenance.stop();
      watcher?.close();
      scheduler.stop();
      for (const clusterWatcher of watchers.values()) clusterWatcher.stop();
      hostnames.stop();
      await Promise.all([dns?.close(), admin?.close(), pool?.stop()]);
    },
  };
}

const FAILURE_LOG: Readonly<Record<ZoneFileFailure['serving'], string>> = {
  'last-good': 'zone policy invalid; serving the last good revision of its zone',
  servfail: 'zone policy invalid; answering SERVFAIL for its zone',
  none: 'zone policy invalid; nothing is served from this file',
};

/**
 * A load that is not applied at all: one that read no file (the directory is unreadable or empty), or, with
 * `strict`, any problem.
 */
function rejectedWhole(result: ZoneLoadResult, strict: boolean): boolean {
  if (strict) return blockingIssues(result.issues, true).length > 0;
  return !result.ok && result.failed.length === 0;
}

/** Balanced records with a cluster target in one of `clusters` (any cluster when undefined). */
function recordsUsingClusters(zones: readonly ZoneConfig[], clusters: ReadonlySet<string> | undefined): RecordRef[] {
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

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
