// The composition root: the one place that wires adapters (files, sockets, probes, HTTP) to the pure core.
// Data flows one way: zone files → endpoints → probes → health → answer table → query handler → listeners.
// Policy lives in the named modules beside this file; this only creates them and hands each what it needs.

import { access } from 'node:fs/promises';
import { systemClock } from '../base/clock.js';
import { healthAnnotatedTargets } from '../answers/targets.js';
import { HealthHistory } from '../observability/history.js';
import { buildExplanation, buildStatus, statusJsonChunks } from '../observability/status.js';
import type { ClientAddress } from '../observability/geo-status.js';
import { adminRoutes, startAdminApi } from './admin-routes.js';
import { AnswerPipeline, clusterChangeApplier, healthRefresher, zoneApplier } from './answer-pipeline.js';
import { ClusterDiscovery } from './cluster-discovery.js';
import { startDnsServing } from './dns-serving.js';
import { DrainActions } from './drain-actions.js';
import { startHealthChecking } from './health-checking.js';
import { fanOut, loggingObserver } from './health-log.js';
import type { Meridian, MeridianOptions } from './options.js';
import { chooseProbeMetricsDetail, createMetrics, observeServer } from './server-metrics.js';
import { serverReadiness } from './readiness.js';
import { ClusterChangeBatcher, RefreshBatcher } from './refresh-batching.js';
import { ServedZones } from './served-zones.js';
import { runningServer, StartupUndo } from './shutdown.js';
import { statusSource } from './status-source.js';
import { HeldZoneWatch } from './zone-watch.js';
import { createPeerGroup } from './peer-group.js';
import { GeoIpFile } from '../answers/geoip-file.js';
import { ZoneSigner } from '../dnssec/zone-signer.js';
import { loadZoneDirectoryOffThread } from '../zone/load-thread.js';
import { signingZoneLoader, startSignatureRefresh } from './dnssec-keys.js';
import { DnssecKeyDirectory } from '../dnssec/key-store.js';

export type { Meridian, MeridianOptions, ReloadOutcome } from './options.js';

export async function startMeridian(options: MeridianOptions): Promise<Meridian> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics(options);
  const undo = new StartupUndo();
  return undo.run(async () => {
    // Changes are reported through closures: the parts that apply them are created further down, before any fires.
    const onError = (cluster: string, resource: string) => metrics.clusterErrors.inc({ cluster, resource });
    const discovery = await ClusterDiscovery.create(options, { clock, logger, onChange: (cluster) => clusterChanges.changed(cluster), onError });
    const history = new HealthHistory(clock);
    const peers = createPeerGroup(options, { clock, logger, registry: metrics.registry, probeDetail: () => metrics.targets.detail });
    const health = await startHealthChecking(options, {
      ...(peers === undefined ? {} : { peers: { quorum: peers.quorum, onVerdicts: peers.onVerdicts, instance: peers.instance } }),
      clock,
      logger,
      observer: fanOut([metrics, loggingObserver(logger), history]),
      onLateness: (ms) => metrics.probeLateness.observe(ms / 1000),
      onChange: (records) => refreshes.add(records),
      onWindowsChanged: (open) => drainActions.windowsChanged(open, zones.serving),
    });
    undo.add(() => [health.scheduler, health.maintenance, discovery, peers].forEach((part) => part?.stop()));
    const { endpoints } = discovery;
    const { monitor, maintenance, planner } = health;
    const targets = healthAnnotatedTargets(endpoints, monitor, health.drains);
    const geoip = options.geoipDb === undefined ? undefined : await GeoIpFile.open(options.geoipDb, logger);
    undo.add(() => geoip?.stop());
    // Signing: the key directory is read before every zone load (and by each DNS worker before its builds).
    const dnssecKeys = options.dnssecKeys === undefined ? undefined : new DnssecKeyDirectory(options.dnssecKeys, logger);
    const signer = dnssecKeys === undefined ? undefined : new ZoneSigner(new Map());
    const pipeline = new AnswerPipeline({
      targets,
      replicated: (options.workers ?? 1) > 1,
      metrics,
      ...(geoip === undefined ? {} : { geoip }),
      ...(signer === undefined ? {} : { signer }),
    });
    const refreshes = new RefreshBatcher({ rebuild: healthRefresher(pipeline, logger), gate: pipeline });
    const applyClusterChange = clusterChangeApplier({ pipeline, monitor, planner, endpoints, zones: () => zones.zones, logger });
    const clusterChanges = new ClusterChangeBatcher({ clock, gate: pipeline, apply: applyClusterChange });
    const drainActions = new DrainActions({
      drains: health.drains,
      zones: () => zones.zones,
      endpoints,
      clock,
      logger,
      rebuild: (records) => refreshes.now(records),
    });
    // libuv's thread pool is started by the first thread that needs it, and threads inherit that thread's priority.
    // Start it here: left to the zone loader (nice 19), every later file read and lookup would run at nice 19.
    await access(options.zonesDir).catch(() => {});
    const watch = new HeldZoneWatch(options, logger);
    undo.add(() => watch.stop());
    const loadZones = options.loadZones ?? loadZoneDirectoryOffThread;
    const zoneSettings =
      dnssecKeys === undefined || signer === undefined ? options : { ...options, loadZones: signingZoneLoader(loadZones, dnssecKeys, signer) };
    const zones = new ServedZones(zoneSettings, {
      validation: { knownClusters: discovery.names, hasGeoipDatabase: geoip !== undefined },
      apply: zoneApplier({ pipeline, maintenance, monitor, planner, endpoints, refreshes }),
      countReload: (result) => metrics.zoneReloads.inc({ result }),
      probeCount: () => monitor.probeCount,
      logger,
    });
    await peers?.start(monitor, { drains: health.drains, changed: (targets) => targets.forEach((target) => drainActions.applyDrainChange(target)) });
    await zones.readFirst();
    chooseProbeMetricsDetail(options, metrics, () => planner.desiredProbes(zones.zones, endpoints), logger);
    await zones.applyFirst();
    observeServer(metrics, { drains: health.drains, discovery, zones, pipeline, clock });
    const dns = await startDnsServing(options, { pipeline, zones, metrics, logger });
    undo.add(() => dns.close());
    const readiness = serverReadiness({ zones, discovery, clusterChanges, monitor, dns });
    const status = statusSource({ zones, readiness, health, discovery, history, targets, clock, peers, geoip, signatures: () => pipeline.signatures() });
    const reload = (reason: string) => zones.reload(reason);
    const explain = (name: string, type: 'A' | 'AAAA', client?: ClientAddress) => buildExplanation(status(), name, type, client);
    const routes = adminRoutes({ reload, drain: drainActions.action(true), undrain: drainActions.action(false), explain });
    const admin = await startAdminApi(options, { readiness, status: () => statusJsonChunks(status()), metrics, logger, routes });
    health.scheduler.start();
    discovery.start();
    // Fired and forgotten: the reload has logged and counted a failure, so only the rejection is left to catch.
    watch.release((lastEventAt) => void zones.reload('file change', lastEventAt).catch(() => {}));
    geoip?.watch();
    const signatureRefresh = signer === undefined ? undefined : startSignatureRefresh(clock, reload);
    const background = [watch, health.scheduler, maintenance, discovery, ...[peers, geoip, signatureRefresh].filter((part) => part !== undefined)];
    const parts = { readiness, logger, background, dns, admin };
    return runningServer(parts, { metrics, reload, status: () => buildStatus(status()), adminEndpoint: admin?.endpoint });
  });
}
