// The /status document: every zone, record, target and address, with its health, its last result, when it
// last changed and why. Built on request from the live state; nothing here is on the query path.

import type { ClusterStatus } from '../discovery/kubernetes/cluster.js';
import type { EndpointSource } from '../zone/endpoints.js';
import type { HealthMonitor, SubscriptionView } from '../health/monitor.js';
import { describeQuorum, voteOf, type Quorum } from '../health/quorum.js';
import type { ObservedResult } from '../health/state.js';
import type { Clock } from '../base/clock.js';
import type { TargetSource } from '../answers/build.js';
import { answeredAsOne, selectAnswers, targetDrained, type ResolvedTarget, type Selection } from '../answers/select.js';
import type { Drain } from '../health/drains.js';
import type { MaintenanceWindowStatus } from '../health/maintenance.js';
import { formatZoneIssue, type BalancedRecord, type GeoConfig, type RecordConfig, type TargetConfig, type ZoneConfig } from '../zone/model.js';
import type { GeoIpLookup } from '../answers/client-classifier.js';
import type { ZoneSignatures } from '../answers/build.js';
import { algorithmMnemonic, keyTagOf } from '../dnssec/keys.js';
import { defaultGeoSelection, explainClient, geoRecordStatus, regionStatuses, skippedRegions, type ClientAddress } from './geo-status.js';
import type { GeoSelection } from '../answers/geo-select.js';
import type { ZoneFileFailure } from '../zone/serving.js';
import { DEFAULTS } from '../zone/defaults.js';
import type { HealthHistory } from './history.js';
import type {
  AddressStatus,
  AnswerSet,
  ClientExplanation,
  DnssecView,
  ExplainDocument,
  ExplainedAddress,
  FailedFileView,
  PeerGroupView,
  ProbeResultView,
  RecordAnswer,
  RecordStatus,
  SkippedRegion,
  StatusDocument,
} from './status-document.js';

export interface ReloadOutcome {
  readonly ok: boolean;
  readonly at: string;
  /** `file:line:column: message` for each problem; when ok, the warnings (`file:line:column: warning: ...`). */
  readonly issues: readonly string[];
  /** Zone → SOA serial of the configuration now serving. */
  readonly serials: Readonly<Record<string, number>>;
}

export interface StatusInput {
  readonly zones: readonly ZoneConfig[];
  /** Zone files that failed to load, now; omitted in tests that do not need them. */
  readonly failedZoneFiles?: readonly ZoneFileFailure[];
  readonly lastReload: ReloadOutcome;
  readonly ready: boolean;
  readonly health: Pick<HealthMonitor, 'subscriptionOf'>;
  readonly endpoints: EndpointSource;
  readonly clock: Clock;
  readonly clusters: readonly ClusterStatus[];
  /** Clock ms after which an unsynced cluster no longer holds up readiness, and is reported late. */
  readonly clusterSyncDeadline: number;
  /** Recent latencies and transitions; omitted in tests that do not need them. */
  readonly history?: HealthHistory;
  /** Each record's targets as the answers see them (health and drains), to show the current answer. */
  readonly targets?: TargetSource;
  readonly drains?: { list(): Drain[]; isDrained(zone: string, target: TargetConfig, address: string): boolean };
  readonly maintenance?: () => readonly MaintenanceWindowStatus[];
  /** The peer group, when peers are configured. */
  readonly peers?: PeerGroupStatusSource;
  /** The server's GeoIP database (--geoip-db), to explain which country or continent rule a client falls under. */
  readonly geoip?: GeoIpLookup;
  /** Each signed zone's keys and earliest signature expiration (the answer table's). */
  readonly signatures?: () => readonly ZoneSignatures[];
}

/** A signed zone's part of /status: its keys by tag and algorithm, and when its earliest signature expires. */
function dnssecView(signatures: ZoneSignatures, nowMs: number): DnssecView {
  const signing = new Set((signatures.keys.signing as readonly { keyTag: number; algorithm: number }[]).map((k) => `${k.algorithm}/${k.keyTag}`));
  const keys = signatures.keys.dnskeys.map((rdata) => {
    const keyTag = keyTagOf(rdata);
    return {
      keyTag,
      algorithm: algorithmMnemonic(rdata[3]),
      flags: rdata.readUInt16BE(0),
      signing: signing.has(`${rdata[3]}/${keyTag}`),
    };
  });
  const expiry = signatures.earliestExpiration;
  return {
    keys,
    earliestExpiry: expiry === undefined ? null : new Date(expiry * 1000).toISOString(),
    earliestExpirySeconds: expiry === undefined ? null : Math.round(expiry - nowMs / 1000),
  };
}

/** The dnssec field of a zone in /status, when it is signed. */
function zoneDnssec(input: StatusInput, zone: string): { dnssec?: DnssecView } {
  const signatures = input.signatures?.().find((s) => s.zone === zone);
  // Wall-clock time: signatures carry absolute times, and the status clock may be a test's.
  return signatures === undefined ? {} : { dnssec: dnssecView(signatures, Date.now()) };
}

/** One peer as the peer group knows it (runtime/peer-group.ts). */
export interface PeerState {
  readonly instance: string;
  readonly url: string;
  readonly connected: boolean;
  /** Ms on the server's clock; undefined before the first message. */
  readonly lastHeardAt: number | undefined;
  readonly fresh: boolean;
  readonly skewMs: number | undefined;
  readonly verdicts: number;
  readonly unknownVerdicts: number;
}

/** What the status reads of the peer group. */
export interface PeerGroupStatusSource {
  readonly instance: string;
  readonly staleAfterMs: number;
  readonly quorum: Pick<Quorum, 'rule' | 'vantages' | 'explain'>;
  peers(): readonly PeerState[];
}

/**
 * The possible answers of one family, as /status and /explain list them: each distinct answer (addresses in
 * answer order) once, with its share, most likely first. A sample repeats a draw many times; merged, its
 * repeats add up to the share the draw has.
 */
export function answerSets(selection: Selection): AnswerSet[] {
  const shares = new Map<string, { addresses: readonly string[]; probability: number }>();
  for (const v of selection.variants) {
    const key = v.addresses.join(' ');
    const entry = shares.get(key);
    if (entry === undefined) shares.set(key, { addresses: v.addresses, probability: v.probability });
    else entry.probability += v.probability;
  }
  // 1e-6: fine enough that up to MAX_VARIANTS rounded shares still sum to 1 within 1e-3.
  return [...shares.values()]
    .sort((a, b) => b.probability - a.probability)
    .map((s) => ({ addresses: s.addresses, probability: Math.round(s.probability * 1e6) / 1e6 }));
}

/** What a record answers now, per family: each possible answer with its probability. */
export function answerView(selection4: Selection, selection6: Selection): RecordAnswer {
  // The rule of the family that answers: A, unless the record is IPv6-only or only its IPv6 targets are healthy.
  const aAnswersNot = selection4.rule === 'no-addresses' || selection4.rule === 'others-healthy';
  const main = aAnswersNot && selection6.rule !== 'no-addresses' ? selection6 : selection4;
  return {
    rule: main.rule,
    drainsIgnored: main.drainsIgnored === true,
    sampled: selection4.sampled === true || selection6.sampled === true,
    A: answerSets(selection4),
    AAAA: answerSets(selection6),
  };
}

/**
 * A pseudo-random source fixed by `key` (FNV-1a hash seeding mulberry32): a sample (answers: N over many targets)
 * spreads over the draws as the server's does, and is still the same between two looks.
 */
function seededRandom(key: string): () => number {
  let seed = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) seed = Math.imul(seed ^ key.charCodeAt(i), 0x01000193);
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * What a record answers now, per family. A geo record (given its zone's client map) answers by client: this is
 * what clients no rule covers get, the default walk, as the answer table's plain entry holds.
 */
export function selectionsOf(record: BalancedRecord, resolved: readonly ResolvedTarget[], geo?: GeoConfig): [Selection, Selection] {
  // Not a constant: a constant source draws the same sample 256 times, showing one answer where there are many.
  if (record.policy === 'geo' && geo !== undefined)
    return [
      defaultGeoSelection(record, resolved, geo, 4, seededRandom(`${record.name}/4`)),
      defaultGeoSelection(record, resolved, geo, 6, seededRandom(`${record.name}/6`)),
    ];
  const policy = { policy: record.policy, answers: record.answers, whenAllDown: record.whenAllDown };
  return [selectAnswers(policy, resolved, 4, seededRandom(`${record.name}/4`)), selectAnswers(policy, resolved, 6, seededRandom(`${record.name}/6`))];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function resultView(result: ObservedResult | undefined): ProbeResultView | undefined {
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

/** One record as /status shows it: its policy, current answer, and every target address with its state. */
export function recordStatus(input: StatusInput, zone: ZoneConfig, record: RecordConfig, now = input.clock.now()): RecordStatus {
  {
    if (record.kind !== 'balanced') return { name: record.name, kind: record.kind };
    const check = record.check;
    const probed = check !== undefined && check.protocol !== 'none';
    const addresses = input.endpoints.endpoints(zone, record).map((list) => list.map((endpoint) => endpoint.address));
    const resolved = input.targets?.resolve(zone, record);
    const answer = resolved === undefined ? undefined : answerView(...selectionsOf(record, resolved, zone.geo));
    const geo =
      resolved === undefined || record.policy !== 'geo' || zone.geo === undefined
        ? undefined
        : geoRecordStatus(record, resolved, zone.geo, seededRandom, answerSets);
    const prefixes = zone.geo?.stickyPrefix ?? DEFAULTS.stickyPrefix;
    const drained = (target: TargetConfig, address: string) => input.drains?.isDrained(zone.zone, target, address) ?? false;
    // A static target is one site: any drained address drains all of it (see answeredAsOne).
    const targetDrainedHere = (target: TargetConfig, list: readonly string[]) =>
      list.length > 0 && (answeredAsOne(target) ? list.some((a) => drained(target, a)) : list.every((a) => drained(target, a)));
    const latency = (index: number, address: string) => input.history?.latencyOf({ zone: zone.zone, record: record.name, target: index, address }) ?? [];
    return {
      name: record.name,
      kind: record.kind,
      policy: record.policy,
      whenAllDown: record.whenAllDown,
      ...(answer === undefined ? {} : { answer }),
      ...(geo === undefined ? {} : { geo }),
      ...(record.sticky === true ? { sticky: { ipv4Prefix: prefixes.ipv4, ipv6Prefix: prefixes.ipv6 } } : {}),
      check: probed
        ? {
            protocol: check.protocol,
            port: check.port,
            host: check.host,
            path: check.path,
            intervalMs: check.intervalMs,
            timeoutMs: check.timeoutMs,
            rise: check.rise,
            fall: check.fall,
          }
        : null,
      targets: record.targets.map((target, index) => ({
        index,
        target: targetLabel(target),
        ...(target.kind === 'cluster' ? { cluster: target.cluster } : {}),
        ...(target.region === undefined ? {} : { region: target.region }),
        weight: target.weight,
        drained: targetDrainedHere(target, addresses[index] ?? []),
        addresses: (addresses[index] ?? []).map((address): AddressStatus => {
          const isDrained = drained(target, address);
          if (!probed) return { address, health: 'up', drained: isDrained, reason: 'no health check' };
          const subscription: SubscriptionView | undefined = input.health.subscriptionOf({ zone: zone.zone, record: record.name, target: index, address });
          if (subscription === undefined) return { address, health: 'unknown', drained: isDrained, reason: 'not probed yet' };
          const { state } = subscription;
          const group = input.peers === undefined ? {} : peerVotes(input.peers, subscription);
          if (state.lastResult === undefined && subscription.decided === 'unknown') {
            return subscription.pendingUntilProbed
              ? { address, health: 'pending', drained: isDrained, reason: 'new address: served once a probe says it is up', ...group }
              : { address, health: 'unknown', drained: isDrained, reason: 'not probed yet: served meanwhile', since: iso(state.since), ...group };
          }
          if (state.lastResult === undefined)
            return { address, health: subscription.decided, drained: isDrained, reason: 'not probed here yet: decided by the peers', ...group };
          const failure = state.health === 'down' ? state.lastFailure : undefined;
          return {
            address,
            health: subscription.decided,
            drained: isDrained,
            latencyMs: latency(index, address),
            reason: state.lastResult === undefined ? 'not probed yet' : (failure ?? state.lastResult).reason,
            since: iso(state.since),
            sinceSeconds: Math.round((now - state.since) / 100) / 10,
            consecutiveSuccesses: state.consecutiveSuccesses,
            consecutiveFailures: state.consecutiveFailures,
            lastResult: resultView(state.lastResult),
            lastFailure: resultView(state.lastFailure),
            ...group,
          };
        }),
      })),
    };
  }
}

/** One address's vantage points in a peer group: this instance's own verdict, everyone's, and the quorum's reasons. */
function peerVotes(peers: PeerGroupStatusSource, subscription: SubscriptionView): Pick<AddressStatus, 'here' | 'votes' | 'quorum'> {
  const here = subscription.state.health;
  const own = voteOf(here);
  return {
    here,
    votes: peers.quorum
      .vantages(subscription.verdictKey, own)
      .map((v) => ({ instance: v.instance, verdict: v.up === undefined ? 'none' : v.up ? 'up' : 'down', fresh: v.fresh })),
    quorum: peers.quorum.explain(subscription.verdictKey, own),
  };
}

function peerGroupView(peers: PeerGroupStatusSource, now: number): PeerGroupView {
  return {
    instance: peers.instance,
    quorum: describeQuorum(peers.quorum.rule),
    staleAfterSeconds: peers.staleAfterMs / 1000,
    peers: peers.peers().map((p) => ({
      instance: p.instance,
      url: p.url,
      connected: p.connected,
      fresh: p.fresh,
      lastMessageAt: p.lastHeardAt === undefined ? null : iso(p.lastHeardAt),
      lastMessageAgeSeconds: p.lastHeardAt === undefined ? null : Math.round((now - p.lastHeardAt) / 100) / 10,
      clockSkewMs: p.skewMs === undefined ? null : Math.round(p.skewMs),
      verdicts: p.verdicts,
      unknownVerdicts: p.unknownVerdicts,
    })),
  };
}

/** Everything in /status but the zones: small whatever the number of records. */
function statusHead(input: StatusInput, now: number): Omit<StatusDocument, 'zones'> {
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
    generatedAt: iso(now),
    clusters: input.clusters.map(clusterView),
    lastReload: input.lastReload,
    failedZoneFiles: (input.failedZoneFiles ?? []).map(failedFileView),
    drains: input.drains?.list() ?? [],
    maintenance: input.maintenance?.() ?? [],
    transitions: (input.history?.transitions() ?? []).map((t) => ({ ...t, at: iso(t.at) })),
    ...(input.peers === undefined ? {} : { peerGroup: peerGroupView(input.peers, now) }),
  };
}

/** A zone file that failed to load, as /status shows it: its problems and what is answered for its zone. */
export function failedFileView(failure: ZoneFileFailure): FailedFileView {
  return {
    file: failure.file,
    ...(failure.zone === undefined ? {} : { zone: failure.zone }),
    serving: failure.serving,
    ...(failure.serial === undefined ? {} : { serial: failure.serial }),
    issues: failure.issues.map(formatZoneIssue),
  };
}

/** The whole /status document as one object (tests, and small zone sets). */
export function buildStatus(input: StatusInput): StatusDocument {
  const now = input.clock.now();
  return {
    ...statusHead(input, now),
    zones: input.zones.map((zone) => ({
      zone: zone.zone,
      file: zone.file,
      serial: zone.soa.serial,
      ...zoneDnssec(input, zone.zone),
      records: zone.records.map((record) => recordStatus(input, zone, record, now)),
    })),
  };
}

/** Records serialised per yield to the event loop. */
const RECORDS_PER_CHUNK = 100;

/**
 * The /status document as compact JSON, in chunks: the same document as buildStatus, but with tens of thousands
 * of records it is built and serialised a few hundred records at a time, letting queries run in between.
 */
export async function* statusJsonChunks(input: StatusInput): AsyncGenerator<string> {
  const now = input.clock.now();
  const head = JSON.stringify(statusHead(input, now));
  yield `${head.slice(0, -1)},"zones":[`;
  for (const [z, zone] of input.zones.entries()) {
    const dnssec = zoneDnssec(input, zone.zone).dnssec;
    const signed = dnssec === undefined ? '' : `"dnssec":${JSON.stringify(dnssec)},`;
    yield `${z > 0 ? ',' : ''}{"zone":${JSON.stringify(zone.zone)},"file":${JSON.stringify(zone.file)},"serial":${zone.soa.serial},${signed}"records":[`;
    for (let i = 0; i < zone.records.length; i += RECORDS_PER_CHUNK) {
      const chunk = zone.records.slice(i, i + RECORDS_PER_CHUNK).map((record) => JSON.stringify(recordStatus(input, zone, record, now)));
      yield `${i > 0 ? ',' : ''}${chunk.join(',')}`;
      await new Promise((resolve) => setImmediate(resolve));
    }
    yield ']}';
  }
  yield ']}';
}

const RULE_TEXT: Readonly<Record<string, string>> = {
  healthy: 'chosen among the targets with a healthy address',
  'fail-open': 'no target is healthy, and whenAllDown: all answers every target (fail open)',
  'all-down': 'no target is healthy, and whenAllDown: none answers NODATA',
  'others-healthy': 'no target is healthy for this family, but one is for the other family: NODATA here, rather than fail open with a dead or drained address',
  'no-addresses': 'no target has an address of this family: NODATA',
};

/** The record types `explain` covers: the ones health and policy decide. */
export const EXPLAINED_TYPES = ['A', 'AAAA'] as const;

/** `type` as one of EXPLAINED_TYPES (any case), or undefined: explaining another type as A would mislead. */
export function explainedType(type: string): (typeof EXPLAINED_TYPES)[number] | undefined {
  const upper = type.toUpperCase();
  return EXPLAINED_TYPES.find((t) => t === upper);
}

/**
 * The record `queryName` names: a full name, or one relative to a zone served ("shop" in gslb.example.com), as an
 * operator types it. A full name wins; a relative one must name a record in exactly one zone.
 */
function findRecord(input: StatusInput, queryName: string) {
  const name = queryName.toLowerCase().replace(/\.$/, '');
  for (const zone of input.zones) {
    const record = zone.records.find((r) => r.name === name);
    if (record !== undefined) return { zone, record, name };
  }
  const relative = input.zones.flatMap((zone) => {
    const full = name === '@' ? zone.zone : `${name}.${zone.zone}`;
    const record = zone.records.find((r) => r.name === full);
    return record === undefined ? [] : [{ zone, record, name: full }];
  });
  return relative.length === 1 ? relative[0] : undefined;
}

/**
 * Why a site (a unit target) with addresses of `family` is out for it though none of them is down: an address of
 * the other family is down, and the site is judged as one. Drains are listed with the drained targets.
 */
function siteNotes(resolved: readonly ResolvedTarget[], family: 4 | 6): string[] {
  return resolved.flatMap((target, index) => {
    if (target.unit !== true || !target.addresses.some((a) => a.family === family && a.health !== 'down')) return [];
    const down = target.addresses.filter((a) => a.family !== family && a.health === 'down').map((a) => a.address);
    return down.length === 0
      ? []
      : [`target ${index} is one site: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down, so it is down for ${family === 6 ? 'AAAA' : 'A'} too`];
  });
}

/** An address as /explain shows it: its state, and in a peer group the vantage points' verdicts. */
function explainedAddress(a: AddressStatus): ExplainedAddress {
  return {
    address: a.address,
    health: a.health,
    drained: a.drained,
    reason: a.reason,
    ...(a.here === undefined ? {} : { here: a.here }),
    ...(a.votes === undefined ? {} : { votes: a.votes }),
    ...(a.quorum === undefined ? {} : { quorum: a.quorum }),
  };
}

/**
 * The peer group's part in an explanation: the rule, and every address where the quorum overrules what this
 * vantage point sees, since that is where an operator looking at this instance alone would be surprised.
 */
function quorumNote(peers: PeerGroupStatusSource, targets: readonly { readonly addresses: readonly ExplainedAddress[] }[]): string | undefined {
  // A record without a health check (or not probed yet) has no verdicts to vote on.
  if (!targets.some((t) => t.addresses.some((a) => a.votes !== undefined))) return undefined;
  const rule = `health decided by the peer group's quorum (${describeQuorum(peers.quorum.rule)})`;
  const overruled = targets
    .flatMap((t) => t.addresses)
    .filter((a) => (a.here === 'up' || a.here === 'down') && (a.health === 'up' || a.health === 'down') && a.here !== a.health)
    .map((a) => `${a.address} is ${a.health} though it is ${a.here ?? 'unknown'} here`);
  const decision = overruled.length === 0 ? `${rule}, which agrees with this vantage point` : `${rule}: ${overruled.join(', ')}`;
  // A peer that does not vote is why a quorum is smaller than the group: name it, and why.
  const silent = peers
    .peers()
    .filter((p) => !p.fresh)
    .map((p) => `${p.instance} (${p.lastHeardAt === undefined ? 'never heard from' : 'stale'}${p.connected ? '' : ', link down'})`);
  return silent.length === 0 ? decision : `${decision}; not voting: ${silent.join(', ')}`;
}

/** Why `name` (type A or AAAA) gets the answer it gets now, for `client` when given: `meridian explain` and GET /explain. */
export function buildExplanation(input: StatusInput, queryName: string, type: 'A' | 'AAAA', client?: ClientAddress): ExplainDocument | undefined {
  const family = type === 'AAAA' ? 6 : 4;
  const found = findRecord(input, queryName);
  if (found !== undefined) {
    const { zone, record, name } = found;
    const explainedAs: 'A' | 'AAAA' = family === 6 ? 'AAAA' : 'A';
    const base = { name, type: explainedAs, zone: zone.zone, kind: record.kind };
    if (record.kind === 'static') {
      const values = family === 6 ? record.aaaa : record.a;
      return {
        ...base,
        answer: values,
        summary: values.length > 0 ? `static record: always answers ${values.join(', ')}` : `static record with no ${base.type} data: NODATA`,
      };
    }
    if (record.kind === 'cname') return { ...base, answer: [record.target], summary: `CNAME to ${record.target}: explain that name for its addresses` };
    if (record.kind !== 'balanced' || input.targets === undefined) return { ...base, summary: `a ${record.kind} record` };
    const resolved = input.targets.resolve(zone, record);
    const view = recordStatus(input, zone, record);
    const viewTargets = view.kind === 'balanced' ? view.targets : [];
    // Why each address is down, for the regions a walk skipped.
    const reasons = new Map(viewTargets.flatMap((t) => t.addresses.filter((a) => a.health === 'down').map((a) => [a.address, a.reason] as const)));
    const forClient =
      client === undefined ? undefined : explainClient(zone, record, resolved, client, family, input.geoip, seededRandom(`${record.name}/${family}`), reasons);
    const selection = forClient?.selection ?? selectionsOf(record, resolved, zone.geo)[family === 6 ? 1 : 0];
    const sticky = forClient?.client.sticky;
    const isGeo = record.policy === 'geo' && zone.geo !== undefined;
    // A sticky client gets its bucket's pick, not a draw.
    const chosen = new Set(sticky?.targets ?? selection.variants.flatMap((v) => v.targets));
    const targets = record.targets.map((target, index) => ({
      index,
      target: targetLabel(target),
      weight: target.weight,
      priority: index + 1,
      ...(target.region === undefined ? {} : { region: target.region }),
      chosen: chosen.has(index),
      drained: resolved[index] !== undefined && targetDrained(resolved[index]),
      addresses: (viewTargets[index]?.addresses ?? []).map(explainedAddress),
    }));
    const answer = sticky === undefined || selection.variants.length === 0 ? answerSets(selection) : [{ addresses: sticky.addresses, probability: 1 }];
    const picked = targets.filter((t) => t.chosen).map((t) => `target ${t.index} (${t.target})`);
    let summary: string;
    if (isGeo)
      summary = geoSummary(
        selection as GeoSelection,
        forClient?.client,
        skippedRegions(record, resolved, (selection as GeoSelection).skipped, family, reasons),
        picked,
        family,
      );
    else if (selection.rule === 'healthy' && record.policy === 'failover')
      summary = `failover: ${picked[0]} is the first healthy target by priority, so it answers`;
    else if (selection.rule === 'healthy')
      summary = `weighted: ${picked.join(', ')} ${picked.length === 1 ? 'is' : 'are'} healthy and answer by weight (${targets
        .filter((t) => t.chosen)
        .map((t) => t.weight)
        .join(':')})`;
    else if (selection.rule === 'others-healthy')
      summary = `no healthy IPv${family} target; IPv${family === 6 ? 4 : 6} answers, so ${base.type} is NODATA rather than fail open with a dead or drained address`;
    else summary = RULE_TEXT[selection.rule] ?? selection.rule;
    if (selection.rule === 'healthy' || selection.rule === 'others-healthy') {
      const notes = siteNotes(resolved, family);
      if (notes.length > 0) summary += `; ${notes.join('; ')}`;
    }
    const quorum = input.peers === undefined ? undefined : quorumNote(input.peers, targets);
    if (quorum !== undefined) summary += `; ${quorum}`;
    const drainedTargets = targets.filter((t) => t.drained).map((t) => t.index);
    if (selection.drainsIgnored === true) summary += '; every target is drained, so the drains are set aside';
    else if (drainedTargets.length > 0) summary += `; drained and never served: target ${drainedTargets.join(', ')}`;
    if (sticky !== undefined)
      summary += `; sticky: ${sticky.subnet} hashes to bucket ${sticky.bucket}, held by target ${sticky.targets.join(', ')} while ${sticky.targets.length === 1 ? 'it is' : 'they are'} healthy`;
    if (forClient !== undefined)
      summary +=
        forClient.client.scope === 0
          ? '; the answer is the same for every client (ECS scope 0)'
          : `; an ECS answer for this client carries scope /${forClient.client.scope}: it holds for ${forClient.client.network}`;
    return {
      ...base,
      kind: record.kind,
      policy: record.policy,
      whenAllDown: record.whenAllDown,
      rule: selection.rule,
      ruleText: RULE_TEXT[selection.rule],
      drainsIgnored: selection.drainsIgnored === true,
      sampled: selection.sampled === true,
      answer,
      targets,
      ...(isGeo ? { regions: regionStatuses(record, resolved, zone.geo) } : {}),
      ...(forClient === undefined ? {} : { client: forClient.client }),
      summary,
    };
  }
  return undefined;
}

/** A geo record's summary: whose walk, the region that answers, and why nearer regions were passed over. */
function geoSummary(
  selection: GeoSelection,
  client: ClientExplanation | undefined,
  skipped: readonly SkippedRegion[],
  picked: readonly string[],
  family: 4 | 6,
): string {
  const who = client?.match === undefined ? 'clients no rule covers (the default list)' : `client ${client.address}, under ${client.match.text}`;
  const walk = client?.walk === undefined ? '' : `, walks ${client.walk.join(' > ')}`;
  const passed = skipped.length === 0 ? '' : `; skipped: ${skipped.map((s) => s.why).join('; ')}`;
  if (selection.rule === 'healthy')
    return `geo: ${who}${walk}: ${selection.region} is the first region with a healthy ${family === 6 ? 'AAAA' : 'A'} target, and ${picked.join(', ')} answer${picked.length === 1 ? 's' : ''} by weight${passed}`;
  const rule = RULE_TEXT[selection.rule] ?? selection.rule;
  return `geo: ${who}${walk}: no region has a healthy target in rotation; ${rule}${selection.region === undefined ? '' : ` (from ${selection.region}, the nearest region with addresses)`}${passed}`;
}
