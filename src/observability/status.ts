// The /status document: every zone, record, target and address, with its health, its last result, when it
// last changed and why. Built on request from the live state; nothing here is on the query path.

import type { ClusterStatus } from '../discovery/kubernetes/cluster.js';
import type { EndpointSource } from '../discovery/static.js';
import type { HealthMonitor, SubscriptionView } from '../health/monitor.js';
import type { ObservedResult } from '../health/state.js';
import type { Clock } from '../health/types.js';
import type { RecordConfig, TargetConfig, ZoneConfig } from '../zone/model.js';

export interface ReloadOutcome {
  readonly ok: boolean;
  readonly at: string;
  /** `file:line:column: message` for each problem; empty when ok. */
  readonly issues: readonly string[];
  /** Zone → SOA serial of the configuration now serving. */
  readonly serials: Readonly<Record<string, number>>;
}

export interface StatusInput {
  readonly zones: readonly ZoneConfig[];
  readonly lastReload: ReloadOutcome;
  readonly ready: boolean;
  readonly health: Pick<HealthMonitor, 'subscriptions'>;
  readonly endpoints: EndpointSource;
  readonly clock: Clock;
  readonly clusters: readonly ClusterStatus[];
  /** Clock ms after which an unsynced cluster no longer holds up readiness, and is reported late. */
  readonly clusterSyncDeadline: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function resultView(result: ObservedResult | undefined) {
  if (result === undefined) return undefined;
  return {
    ok: result.ok,
    reason: result.reason,
    ...(result.failure === undefined ? {} : { failure: result.failure }),
    ...(result.status === undefined ? {} : { status: result.status }),
    durationMs: Math.round(result.durationMs * 10) / 10,
    at: iso(result.at),
  };
}

function targetLabel(target: TargetConfig): string {
  if (target.kind === 'static') return target.addresses.join(', ');
  const select = target.select;
  return select.by === 'host' ? `cluster ${target.cluster}` : `cluster ${target.cluster} ${select.by} ${select.namespace}/${select.name}`;
}

export function buildStatus(input: StatusInput) {
  const byRef = new Map<string, SubscriptionView>();
  for (const s of input.health.subscriptions()) byRef.set(`${s.ref.zone}\n${s.ref.record}\n${s.ref.target}\n${s.ref.address}`, s);
  const now = input.clock.now();

  const recordView = (zone: ZoneConfig, record: RecordConfig) => {
    if (record.kind !== 'balanced') return { name: record.name, kind: record.kind };
    const check = record.check;
    const probed = check !== undefined && check.protocol !== 'none';
    const addresses = input.endpoints.addresses(zone, record);
    return {
      name: record.name,
      kind: record.kind,
      policy: record.policy,
      whenAllDown: record.whenAllDown,
      check: probed ? { protocol: check.protocol, port: check.port, host: check.host, path: check.path, intervalMs: check.intervalMs, timeoutMs: check.timeoutMs, rise: check.rise, fall: check.fall } : null,
      targets: record.targets.map((target, index) => ({
        index,
        target: targetLabel(target),
        weight: target.weight,
        addresses: (addresses[index] ?? []).map((address) => {
          if (!probed) return { address, health: 'up', reason: 'no health check' };
          const subscription = byRef.get(`${zone.zone}\n${record.name}\n${index}\n${address}`);
          const state = subscription?.state;
          if (state === undefined) return { address, health: 'unknown', reason: 'not probed yet' };
          if (state.lastResult === undefined) {
            return subscription!.pendingUntilProbed
              ? { address, health: 'pending', reason: 'new address: served once a probe says it is up' }
              : { address, health: 'unknown', reason: 'not probed yet: served meanwhile', since: iso(state.since) };
          }
          const failure = state.health === 'down' ? state.lastFailure : undefined;
          return {
            address,
            health: state.health,
            reason: state.lastResult === undefined ? 'not probed yet' : (failure ?? state.lastResult).reason,
            since: iso(state.since),
            sinceSeconds: Math.round((now - state.since) / 100) / 10,
            consecutiveSuccesses: state.consecutiveSuccesses,
            consecutiveFailures: state.consecutiveFailures,
            lastResult: resultView(state.lastResult),
            lastFailure: resultView(state.lastFailure),
          };
        }),
      })),
    };
  };

  const clusterView = (cluster: ClusterStatus) => ({
    name: cluster.name,
    synced: cluster.synced,
    late: !cluster.synced && now >= input.clusterSyncDeadline,
    lastEventAt: cluster.lastEventAt === undefined ? null : iso(cluster.lastEventAt),
    lastEventAgeSeconds: cluster.lastEventAt === undefined ? null : Math.round((now - cluster.lastEventAt) / 100) / 10,
    errors: cluster.errors,
    resources: cluster.resources.map((r) => ({
      resource: r.resource,
      state: r.state,
      synced: r.synced,
      objects: r.objects,
      errors: r.errors,
      ...(r.lastError === undefined ? {} : { lastError: r.lastError }),
    })),
  });

  return {
    ready: input.ready,
    clusters: input.clusters.map(clusterView),
    lastReload: input.lastReload,
    zones: input.zones.map((zone) => ({
      zone: zone.zone,
      file: zone.file,
      serial: zone.soa.serial,
      records: zone.records.map((record) => recordView(zone, record)),
    })),
  };
}
