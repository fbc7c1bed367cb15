// Prometheus metrics, registered on an injected registry (never prom-client's global one). Every metric is
// documented in docs/metrics.md; a test checks that the two lists agree.

import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HandlerErrorObserver, QueryObserver, Transport } from '../dns/handler.js';
import type { RrlCount } from '../dns/rrl.js';
import type { HealthObserver } from '../health/monitor.js';
import type { TrackedRef } from '../health/probe-plan.js';
import type { RegionLabels } from '../answers/table.js';
import type { Health, ObservedResult } from '../health/state.js';
import { registerResidentHeap } from './process-heap.js';
import { HEALTH_TRANSITIONS, PROBE_DURATION, PROBE_RESULTS, TARGET_HEALTH, TargetMetrics, type ProbeMetricsDetail } from './target-metrics.js';

export type { ProbeMetricsDetail, ProbeMetricsSetting } from './target-metrics.js';

const QTYPE_LABELS: Readonly<Record<number, string>> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  43: 'DS',
  48: 'DNSKEY',
  64: 'SVCB',
  65: 'HTTPS',
  251: 'IXFR',
  252: 'AXFR',
  255: 'ANY',
  257: 'CAA',
};

/** Bounded label values: a flood of random qtypes must not create a series each. */
export function qtypeLabel(qtype: number): string {
  return QTYPE_LABELS[qtype] ?? 'other';
}

// Query counting happens on the query path, so it is an increment in a typed array; the labelled series are
// made only when metrics are scraped. Slots: qtype (the labelled types, then "other"), rcode, transport.
const QTYPE_SLOT_LABELS = [...Object.values(QTYPE_LABELS), 'other'];
const QTYPE_SLOT = new Uint8Array(65536).fill(QTYPE_SLOT_LABELS.length - 1);
Object.keys(QTYPE_LABELS).forEach((qtype, slot) => (QTYPE_SLOT[Number(qtype)] = slot));
const RCODE_SLOT_LABELS = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'BADVERS', 'other'];
const rcodeSlot = (rcode: number) => (rcode <= 5 ? rcode : rcode === 16 ? 6 : 7);
const TRANSPORT_LABELS = ['udp', 'tcp'];
const SLOTS_PER_ZONE = QTYPE_SLOT_LABELS.length * RCODE_SLOT_LABELS.length * TRANSPORT_LABELS.length;

/**
 * Query counts by zone id, qtype, rcode and transport, and geo answers by region answer slot (AnswerSet's
 * regionSlot): an increment in a typed array per query.
 */
export class QueryCounts implements QueryObserver {
  #counts = new Float64Array(SLOTS_PER_ZONE * 4);
  #regions = new Float64Array(16);

  onRegionAnswer(slot: number): void {
    if (slot >= this.#regions.length) {
      const bigger = new Float64Array(Math.max(slot + 1, this.#regions.length * 2));
      bigger.set(this.#regions);
      this.#regions = bigger;
    }
    this.#regions[slot]++;
  }

  /** Every non-zero region answer count with its labels (slots without labels are skipped). */
  *regionEntries(labelsOf: (slot: number) => RegionLabels | undefined): Generator<[RegionLabels, number]> {
    const regions = this.#regions;
    for (let slot = 0; slot < regions.length; slot++) {
      const labels = regions[slot] === 0 ? undefined : labelsOf(slot);
      if (labels !== undefined) yield [labels, regions[slot]];
    }
  }

  onQuery(zoneId: number, qtype: number, rcode: number, transport: number): void {
    const index = zoneId * SLOTS_PER_ZONE + (QTYPE_SLOT[qtype] * RCODE_SLOT_LABELS.length + rcodeSlot(rcode)) * 2 + transport;
    if (index >= this.#counts.length) this.#grow(index);
    this.#counts[index]++;
  }

  #grow(index: number): void {
    const bigger = new Float64Array(Math.max(index + 1, this.#counts.length * 2));
    bigger.set(this.#counts);
    this.#counts = bigger;
  }

  /** Every non-zero count with its labels. */
  *entries(zoneName: (id: number) => string): Generator<[{ zone: string; qtype: string; rcode: string; transport: string }, number]> {
    const counts = this.#counts;
    for (let index = 0; index < counts.length; index++) {
      const value = counts[index];
      if (value === 0) continue;
      const zoneId = Math.floor(index / SLOTS_PER_ZONE);
      const rest = index % SLOTS_PER_ZONE;
      const transport = rest % 2;
      const qr = (rest - transport) / 2;
      yield [
        {
          zone: zoneName(zoneId),
          qtype: QTYPE_SLOT_LABELS[Math.floor(qr / RCODE_SLOT_LABELS.length)],
          rcode: RCODE_SLOT_LABELS[qr % RCODE_SLOT_LABELS.length],
          transport: TRANSPORT_LABELS[transport],
        },
        value,
      ];
    }
  }
}

/** One query counter series, as a DNS worker reports it to the primary's /metrics. */
export interface QueryCountEntry {
  readonly labels: { readonly zone: string; readonly qtype: string; readonly rcode: string; readonly transport: string };
  readonly value: number;
}

/** One region answer counter series, as a DNS worker reports it. */
export interface RegionAnswerEntry {
  readonly labels: RegionLabels;
  readonly value: number;
}

export class MeridianMetrics implements QueryObserver, HealthObserver, HandlerErrorObserver {
  readonly registry: Registry;
  readonly dnsQueries: Counter<'zone' | 'qtype' | 'rcode' | 'transport'>;
  readonly geoAnswers: Counter<'zone' | 'record' | 'region'>;
  readonly dnsHandlerErrors: Counter<'transport'>;
  /** Per-address health, transitions and probe results: kept outside prom-client (see target-metrics.ts). */
  readonly targets: TargetMetrics;
  readonly probeLateness: Histogram;
  readonly zoneReloads: Counter<'result'>;
  readonly zoneSerial: Gauge<'zone'>;
  readonly dnssecSignatureExpiry: Gauge<'zone'>;
  readonly zoneLoadFailed: Gauge<'file' | 'zone' | 'serving'>;
  readonly answerRebuild: Histogram<'kind'>;
  readonly rrlResponses: Counter<'kind' | 'action'>;
  readonly targetDrained: Gauge<'target' | 'by'>;
  #drains: () => ReadonlyArray<{ target: string; by: string }> = () => [];
  #rrlCounts: () => Iterable<RrlCount> = () => [];
  readonly clusterErrors: Counter<'cluster' | 'resource'>;
  readonly clusterSynced: Gauge<'cluster'>;
  readonly clusterLastEventAge: Gauge<'cluster'>;
  #clusters: (() => ReadonlyArray<{ name: string; synced: boolean; lastEventAt: number | undefined }>) | undefined;
  #clock: { now(): number } | undefined;
  readonly #queryCounts = new QueryCounts();
  #zoneName: (id: number) => string = () => '';
  #zoneSerials: () => Iterable<{ readonly name: string; readonly serial: number }> = () => [];
  #signatureExpiries: () => Iterable<{ readonly zone: string; readonly seconds: number }> = () => [];
  #zoneLoadFailures: () => Iterable<{ readonly file: string; readonly zone?: string; readonly serving: string }> = () => [];
  /** Counts from other processes (DNS workers), added to this process's own at scrape time. */
  #externalQueryCounts: () => Iterable<QueryCountEntry> = () => [];
  #regionLabels: (slot: number) => RegionLabels | undefined = () => undefined;
  #externalRegionCounts: () => Iterable<RegionAnswerEntry> = () => [];

  constructor(registry: Registry, options: { probeDetail?: ProbeMetricsDetail } = {}) {
    this.registry = registry;
    this.targets = new TargetMetrics(options.probeDetail ?? 'address');
    collectDefaultMetrics({ register: registry, prefix: 'meridian_' });
    registerResidentHeap(registry);
    const queryCounts = this.#queryCounts;
    const zoneName = (id: number) => this.#zoneName(id);
    this.dnsQueries = new Counter({
      name: 'meridian_dns_queries_total',
      help: 'DNS queries answered, by zone (empty when outside every zone), qtype, rcode and transport.',
      labelNames: ['zone', 'qtype', 'rcode', 'transport'],
      registers: [registry],
      collect: () => {
        this.dnsQueries.reset();
        for (const [labels, value] of queryCounts.entries(zoneName)) this.dnsQueries.inc(labels, value);
        for (const { labels, value } of this.#externalQueryCounts()) this.dnsQueries.inc({ ...labels }, value);
      },
    });
    const regionLabels = (slot: number) => this.#regionLabels(slot);
    this.geoAnswers = new Counter({
      name: 'meridian_geo_answers_total',
      help: 'Answers of geo records by the region whose addresses went out (failing open included), by zone and record.',
      labelNames: ['zone', 'record', 'region'],
      registers: [registry],
      collect: () => {
        this.geoAnswers.reset();
        for (const [labels, value] of queryCounts.regionEntries(regionLabels)) this.geoAnswers.inc({ ...labels }, value);
        for (const { labels, value } of this.#externalRegionCounts()) this.geoAnswers.inc({ ...labels }, value);
      },
    });
    this.dnsHandlerErrors = new Counter({
      name: 'meridian_dns_handler_errors_total',
      help: 'UDP queries (transport udp) and TCP connections (transport tcp) dropped because handling them threw; a bug, each one logged.',
      labelNames: ['transport'],
      registers: [registry],
    });
    this.probeLateness = new Histogram({
      name: 'meridian_probe_lateness_seconds',
      help: 'How late probes start compared with their planned time (timer delay and concurrency queueing).',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    this.zoneReloads = new Counter({
      name: 'meridian_zone_reloads_total',
      help: 'Zone directory reloads by result (ok; removed: applied, but a zone served before is gone; invalid; or failed: the reload itself threw).',
      labelNames: ['result'],
      registers: [registry],
    });
    this.zoneLoadFailed = new Gauge({
      name: 'meridian_zone_load_failed',
      help: 'Each zone file that failed to load, now (1); serving is last-good, servfail or none. No series when every file loads.',
      labelNames: ['file', 'zone', 'serving'],
      registers: [registry],
      collect: () => {
        this.zoneLoadFailed.reset();
        for (const failure of this.#zoneLoadFailures()) this.zoneLoadFailed.set({ file: failure.file, zone: failure.zone ?? '', serving: failure.serving }, 1);
      },
    });
    this.zoneSerial = new Gauge({
      name: 'meridian_zone_serial',
      help: 'SOA serial of each zone as served now; replicas serving the same files report the same serial.',
      labelNames: ['zone'],
      registers: [registry],
      collect: () => {
        this.zoneSerial.reset();
        for (const { name, serial } of this.#zoneSerials()) this.zoneSerial.set({ zone: name }, serial);
      },
    });
    this.dnssecSignatureExpiry = new Gauge({
      name: 'meridian_dnssec_signature_expiry_seconds',
      help: 'Seconds until the earliest signature of each signed zone expires; signatures are made again within the zone refresh margin, so an alert below it means signing has stopped.',
      labelNames: ['zone'],
      registers: [registry],
      collect: () => {
        this.dnssecSignatureExpiry.reset();
        for (const { zone, seconds } of this.#signatureExpiries()) this.dnssecSignatureExpiry.set({ zone }, seconds);
      },
    });
    this.answerRebuild = new Histogram({
      name: 'meridian_answer_rebuild_seconds',
      help: 'Time to rebuild the answer table: kind full (zone reload) or partial (health change).',
      labelNames: ['kind'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    this.rrlResponses = new Counter({
      name: 'meridian_rrl_responses_total',
      help: 'UDP responses withheld by response rate limiting, by response kind; action dropped (not sent) or slipped (sent truncated, TC=1).',
      labelNames: ['kind', 'action'],
      registers: [registry],
      collect: () => {
        this.rrlResponses.reset();
        for (const { kind, action, value } of this.#rrlCounts()) this.rrlResponses.inc({ kind, action }, value);
      },
    });
    const drains = () => this.#drains();
    this.targetDrained = new Gauge({
      name: 'meridian_target_drained',
      help: 'Targets (a cluster or an address) out of rotation: by manual (meridian drain) or maintenance <zone file>. Absent when not drained.',
      labelNames: ['target', 'by'],
      registers: [registry],
      collect() {
        this.reset();
        for (const drain of drains()) this.set({ target: drain.target, by: drain.by }, 1);
      },
    });
    this.clusterErrors = new Counter({
      name: 'meridian_cluster_errors_total',
      help: 'Failed lists and watches against a cluster API server, by cluster and resource.',
      labelNames: ['cluster', 'resource'],
      registers: [registry],
    });
    const clusters = () => this.#clusters?.() ?? [];
    this.clusterSynced = new Gauge({
      name: 'meridian_cluster_synced',
      help: 'Whether every watched resource of a cluster has been listed: 1 synced, 0 not yet.',
      labelNames: ['cluster'],
      registers: [registry],
      collect() {
        for (const cluster of clusters()) this.set({ cluster: cluster.name }, cluster.synced ? 1 : 0);
      },
    });
    const now = () => this.#clock?.now() ?? Date.now();
    this.clusterLastEventAge = new Gauge({
      name: 'meridian_cluster_last_event_age_seconds',
      help: 'Seconds since the last list or watch event from a cluster (absent before the first).',
      labelNames: ['cluster'],
      registers: [registry],
      collect() {
        this.reset();
        for (const cluster of clusters()) if (cluster.lastEventAt !== undefined) this.set({ cluster: cluster.name }, (now() - cluster.lastEventAt) / 1000);
      },
    });
    this.dnsHandlerErrors.inc({ transport: 'udp' }, 0);
    this.dnsHandlerErrors.inc({ transport: 'tcp' }, 0);
    this.zoneReloads.inc({ result: 'ok' }, 0);
    this.zoneReloads.inc({ result: 'removed' }, 0);
    this.zoneReloads.inc({ result: 'invalid' }, 0);
    this.zoneReloads.inc({ result: 'failed' }, 0);
  }

  /** Cluster sync state is read when metrics are scraped. */
  observeClusters(clusters: () => ReadonlyArray<{ name: string; synced: boolean; lastEventAt: number | undefined }>, clock: { now(): number }): void {
    this.#clusters = clusters;
    this.#clock = clock;
  }

  /** The drains in effect, read when metrics are scraped. */
  observeDrains(drains: () => ReadonlyArray<{ target: string; by: string }>): void {
    this.#drains = drains;
  }

  /** Where rate-limiting counts come from (this process's limiter, and the workers'). */
  observeRrl(counts: () => Iterable<RrlCount>): void {
    this.#rrlCounts = counts;
  }

  /** Adds the query counts of DNS worker processes to meridian_dns_queries_total. */
  addQueryCounts(source: () => Iterable<QueryCountEntry>): void {
    this.#externalQueryCounts = source;
  }

  /** Adds the region answer counts of DNS worker processes to meridian_geo_answers_total. */
  addRegionCounts(source: () => Iterable<RegionAnswerEntry>): void {
    this.#externalRegionCounts = source;
  }

  /** How region answer slots (AnswerSet.regionSlot) map to labels, for meridian_geo_answers_total. */
  nameRegions(labelsOf: (slot: number) => RegionLabels | undefined): void {
    this.#regionLabels = labelsOf;
  }

  /** The zones served now, read at scrape time for meridian_zone_serial. */
  reportZoneSerials(zones: () => Iterable<{ readonly name: string; readonly serial: number }>): void {
    this.#zoneSerials = zones;
  }

  /** Each signed zone's seconds until its earliest signature expires, read at scrape time. */
  reportSignatureExpiries(expiries: () => Iterable<{ readonly zone: string; readonly seconds: number }>): void {
    this.#signatureExpiries = expiries;
  }

  /** The zone files failing to load now, read at scrape time for meridian_zone_load_failed. */
  reportZoneLoadFailures(failures: () => Iterable<{ readonly file: string; readonly zone?: string; readonly serving: string }>): void {
    this.#zoneLoadFailures = failures;
  }

  /** How zone ids (ZoneEntry.id) map to names, for labelling the query counts. */
  nameZones(zoneName: (id: number) => string): void {
    this.#zoneName = zoneName;
  }

  onQuery(zoneId: number, qtype: number, rcode: number, transport: number): void {
    this.#queryCounts.onQuery(zoneId, qtype, rcode, transport);
  }

  onRegionAnswer(slot: number): void {
    this.#queryCounts.onRegionAnswer(slot);
  }

  onHandlerError(transport: Transport): void {
    this.dnsHandlerErrors.inc({ transport });
  }

  onResult(ref: TrackedRef, result: ObservedResult): void {
    this.targets.result(ref, result);
  }

  onTransition(ref: TrackedRef, _from: Health, to: Health): void {
    this.targets.transition(ref, to);
  }

  onRelabel(before: TrackedRef, after: TrackedRef, health: Health): void {
    this.targets.relabel(before, after, health);
  }

  onForget(ref: TrackedRef): void {
    this.targets.forget(ref);
  }

  /** A newly probed address shows as unknown until its first result. */
  onTrack(ref: TrackedRef): void {
    this.targets.track(ref);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The whole exposition: prom-client's metrics, then the per-target families, rendered in chunks. */
  async *render(): AsyncGenerator<string> {
    yield await this.registry.metrics();
    yield* this.targets.render();
  }

  /** The name of every metric family exposed (beside prom-client's process defaults). */
  async names(): Promise<string[]> {
    const registered = (await this.registry.getMetricsAsJSON()).map((m) => m.name);
    return [...registered, TARGET_HEALTH, HEALTH_TRANSITIONS, PROBE_RESULTS, PROBE_DURATION];
  }
}
