// The peer group as the running server uses it (issue 17): the quorum the health monitor decides with, the
// server that streams this instance's verdicts (and the group's manual drains) to its peers, a client following
// each peer's stream, and the watch on each peer's freshness (a peer silent past stale-after stops voting).

import type { Clock, TimerHandle } from '../base/clock.js';
import type { Logger } from '../base/logger.js';
import type { ListenEndpoint } from '../dns/endpoint.js';
import type { DrainEntry, DrainSet } from '../health/drains.js';
import type { HealthMonitor, VerdictChange } from '../health/monitor.js';
import { Quorum, voteOf, type QuorumRule, type VantageView } from '../health/quorum.js';
import { PeerClient, startPeerServer, type PeerServer, type VerdictFeed } from '../peers/link.js';
import { PeerVerdicts } from '../peers/peer-verdicts.js';
import { PeerMessageReader, type PeerMessage, type PeerRejection, type Verdict } from '../peers/protocol.js';
import type { PeerSpec } from '../peers/settings.js';
import type { Registry } from 'prom-client';
import { PeerMetrics, type PeerMetricsSource } from '../observability/peer-metrics.js';
import type { PeerState } from '../observability/status.js';
import type { ProbeMetricsDetail } from '../observability/target-metrics.js';

/** Everything a peer group needs, files already read (see cli/peer-flags.ts). */
export interface PeerGroupConfig {
  readonly instance: string;
  readonly peers: readonly PeerSpec[];
  readonly token: string;
  readonly listen: ListenEndpoint;
  /** Serve the peer link over TLS (--peer-tls-cert, --peer-tls-key). */
  readonly tls?: { readonly keyPem: string; readonly certPem: string };
  /** Verify https:// peers against this CA (--peer-ca). */
  readonly caPem?: string;
  readonly quorum: QuorumRule;
  readonly staleAfterMs: number;
  readonly heartbeatMs?: number;
}

/** The settings the peer group reads (part of MeridianOptions); without `peerGroup` the instance decides alone. */
export interface PeerGroupSettings {
  readonly peerGroup?: PeerGroupConfig;
}

/** What the peer group counts and shows, for the metrics (observability/peer-metrics.ts implements it). */
export interface PeerGroupCounters {
  rejected(peer: string, reason: PeerRejection): void;
  unauthorized(): void;
  observe(source: PeerMetricsSource): void;
}

/** The manual drains the group shares, and what to do when a merge changes some. */
export interface GroupDrains {
  readonly drains: Pick<DrainSet, 'entries' | 'merge' | 'onManualChange'>;
  /** Rebuilds the records these targets' drains touch. */
  readonly changed: (targets: readonly string[]) => void;
}

/** What the peer group needs of the health monitor: this instance's verdicts, and a way to decide again. */
export type VerdictMonitor = Pick<HealthMonitor, 'verdicts' | 'votesChanged' | 'revote' | 'hasVerdict' | 'subscriptions'>;

export interface PeerGroupDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly counters: PeerGroupCounters;
  /** Wall-clock ms, for the clock skew shown on the status page (Date.now by default). */
  readonly wallNow?: () => number;
}

/** How often freshness is looked at: a peer's going stale is noticed within this of the stale-after time. */
const FRESHNESS_CHECK_MS = 100;

export class PeerGroup {
  readonly quorum: Quorum;
  readonly #config: PeerGroupConfig;
  readonly #deps: PeerGroupDeps;
  readonly #verdicts: PeerVerdicts;
  readonly #reader = new PeerMessageReader();
  readonly #listeners = new Set<(message: PeerMessage) => void>();
  readonly #connected = new Map<string, boolean>();
  readonly #fresh = new Map<string, boolean>();
  readonly #clients: PeerClient[] = [];
  /** Own verdict changes not yet sent: sent together, once the change that caused them is done. */
  #pending: Map<string, boolean | undefined> | undefined;
  #monitor: VerdictMonitor | undefined;
  #drains: GroupDrains | undefined;
  #drainsPending = false;
  #server: PeerServer | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(config: PeerGroupConfig, deps: PeerGroupDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#verdicts = new PeerVerdicts(config.peers.map((peer) => peer.name));
    this.quorum = new Quorum({ rule: config.quorum, staleAfterMs: config.staleAfterMs, peers: this.#verdicts, now: () => deps.clock.now() });
  }

  get instance(): string {
    return this.#config.instance;
  }

  get staleAfterMs(): number {
    return this.#config.staleAfterMs;
  }

  /** For HealthMonitorOptions.onVerdicts: this instance's verdicts that changed. */
  readonly onVerdicts = (changes: readonly VerdictChange[]): void => {
    if (this.#pending === undefined) {
      this.#pending = new Map();
      queueMicrotask(() => this.#flush());
    }
    for (const [key, up] of changes) this.#pending.set(key, up);
  };

  /**
   * Listens for peers, and follows each of them. The monitor must be the one deciding with `quorum`; the manual
   * drains are sent to the peers and merged with theirs, so that a drain made on one instance applies to all.
   */
  async start(monitor: VerdictMonitor, drains: GroupDrains): Promise<void> {
    this.#monitor = monitor;
    this.#drains = drains;
    drains.drains.onManualChange(() => this.#drainsChanged());
    const { config, deps } = { config: this.#config, deps: this.#deps };
    const feed: VerdictFeed = {
      opening: () => [
        { type: 'snapshot', verdicts: monitor.verdicts() },
        { type: 'drains', drains: drains.drains.entries() },
      ],
      subscribe: (listener) => {
        this.#listeners.add(listener);
        return () => this.#listeners.delete(listener);
      },
    };
    this.#server = await startPeerServer({
      host: config.listen.host,
      port: config.listen.port,
      token: config.token,
      instance: config.instance,
      feed,
      logger: deps.logger,
      ...(config.heartbeatMs === undefined ? {} : { heartbeatMs: config.heartbeatMs }),
      ...(deps.wallNow === undefined ? {} : { wallNow: deps.wallNow }),
      onUnauthorized: () => deps.counters.unauthorized(),
      ...(config.tls === undefined ? {} : { tls: config.tls }),
    });
    deps.logger.info('peer link listening', { instance: config.instance, address: config.listen.host, port: this.#server.port, peers: config.peers.length });
    for (const peer of config.peers) {
      const client = new PeerClient({
        instance: peer.name,
        url: peer.url,
        token: config.token,
        reader: this.#reader,
        onMessage: (message) => this.#received(peer.name, message),
        onRejected: (reason, detail) => {
          deps.counters.rejected(peer.name, reason);
          deps.logger.warn('peer message rejected', { peer: peer.name, reason, detail });
        },
        onConnected: (connected) => this.#linkChanged(peer.name, connected),
        logger: deps.logger,
        ...(config.caPem === undefined ? {} : { caPem: config.caPem }),
      });
      this.#clients.push(client);
      client.start();
    }
    this.#watchFreshness();
    deps.counters.observe({ peers: () => this.peers(), votes: () => this.#votes(monitor), now: () => deps.clock.now() });
  }

  *#votes(monitor: VerdictMonitor): ReturnType<PeerMetricsSource['votes']> {
    for (const s of monitor.subscriptions()) {
      const own = voteOf(s.state.health);
      let up = 0;
      let down = 0;
      for (const v of this.quorum.vantages(s.verdictKey, own)) {
        if (!v.fresh || v.up === undefined) continue;
        if (v.up) up++;
        else down++;
      }
      yield { ref: s.ref, up, down };
    }
  }

  /** The port the peer link listens on (an ephemeral one resolved). */
  get port(): number | undefined {
    return this.#server?.port;
  }

  /** Stops following the peers and closes the peer server (its streams end; peers see this instance go stale). */
  stop(): void {
    void this.close();
  }

  async close(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#deps.clock.clearTimer(this.#timer);
    for (const client of this.#clients) client.stop();
    await this.#server?.close();
  }

  peers(): PeerState[] {
    const now = this.#deps.clock.now();
    const known = (key: string) => this.#monitor?.hasVerdict(key) ?? true;
    return this.#verdicts.summaries(known).map((summary) => ({
      instance: summary.instance,
      url: this.#config.peers.find((peer) => peer.name === summary.instance)?.url.href ?? '',
      connected: this.#connected.get(summary.instance) ?? false,
      lastHeardAt: summary.lastHeardAt,
      fresh: summary.lastHeardAt !== undefined && now - summary.lastHeardAt <= this.#config.staleAfterMs,
      skewMs: summary.skewMs,
      verdicts: summary.probes,
      unknownVerdicts: summary.unknownProbes,
    }));
  }

  vantages(key: string, own: boolean | undefined): VantageView[] {
    return this.quorum.vantages(key, own);
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined || pending.size === 0) return;
    const verdicts: Verdict[] = [];
    const removed: string[] = [];
    for (const [key, up] of pending) {
      if (up === undefined) removed.push(key);
      else verdicts.push([key, up]);
    }
    this.#broadcast({ type: 'changes', verdicts, removed });
  }

  #broadcast(message: PeerMessage): void {
    for (const listener of this.#listeners) listener(message);
  }

  /** The manual drains changed (here, or merged from a peer): every peer is sent the whole set, once per turn. */
  #drainsChanged(): void {
    if (this.#drainsPending) return;
    this.#drainsPending = true;
    queueMicrotask(() => {
      this.#drainsPending = false;
      if (this.#drains !== undefined) this.#broadcast({ type: 'drains', drains: this.#drains.drains.entries() });
    });
  }

  async #mergeDrains(peer: string, entries: readonly DrainEntry[]): Promise<void> {
    const drains = this.#drains;
    if (drains === undefined) return;
    try {
      const changed = await drains.drains.merge(entries);
      if (changed.length === 0) return;
      const held = new Map(drains.drains.entries().map((e) => [e.target, e]));
      for (const target of changed) {
        const entry = held.get(target);
        this.#deps.logger.warn(entry?.drained === true ? 'target drained in the peer group' : 'target undrained in the peer group', {
          target,
          origin: entry?.origin,
          heardFrom: peer,
        });
      }
      drains.changed(changed);
    } catch (error) {
      // The merge applied; only saving the state file failed. The drains still hold until a restart.
      this.#deps.logger.error('drains from a peer could not be saved', { peer, error });
    }
  }

  #received(peer: string, message: PeerMessage): void {
    const { clock, logger, counters } = this.#deps;
    const changed = this.#verdicts.apply(peer, message, clock.now(), (this.#deps.wallNow ?? Date.now)());
    if (message.type === 'drains' && changed !== 'refused') void this.#mergeDrains(peer, message.drains);
    if (changed === 'refused') {
      counters.rejected(peer, 'too-many-probes');
      logger.warn('peer message rejected', { peer, reason: 'too-many-probes', type: message.type });
      return;
    }
    if (this.#fresh.get(peer) !== true) {
      this.#fresh.set(peer, true);
      logger.info('peer votes', { peer });
      this.#monitor?.revote();
    } else if (changed.length > 0) {
      this.#monitor?.votesChanged(changed);
    }
  }

  #linkChanged(peer: string, connected: boolean): void {
    const before = this.#connected.get(peer) ?? false;
    this.#connected.set(peer, connected);
    if (before !== connected) this.#deps.logger.info(connected ? 'peer link up' : 'peer link down', { peer });
  }

  #watchFreshness(): void {
    const { clock, logger } = this.#deps;
    const check = () => {
      if (this.#stopped) return;
      const now = clock.now();
      let changed = false;
      for (const [peer, lastHeardAt] of this.#verdicts.lastHeard()) {
        if (this.#fresh.get(peer) !== true || lastHeardAt === undefined || now - lastHeardAt <= this.#config.staleAfterMs) continue;
        this.#fresh.set(peer, false);
        logger.warn('peer stale: no longer votes', { peer, silentMs: Math.round(now - lastHeardAt), staleAfterMs: this.#config.staleAfterMs });
        changed = true;
      }
      if (changed) this.#monitor?.revote();
      this.#timer = clock.setTimer(check, FRESHNESS_CHECK_MS);
    };
    this.#timer = clock.setTimer(check, FRESHNESS_CHECK_MS);
  }
}

/** The peer group of these settings, its metrics on `registry`; undefined without peers (the instance decides alone). */
export function createPeerGroup(
  settings: PeerGroupSettings,
  deps: Omit<PeerGroupDeps, 'counters'> & { readonly registry: Registry; readonly probeDetail: () => ProbeMetricsDetail },
): PeerGroup | undefined {
  const config = settings.peerGroup;
  if (config === undefined || config.peers.length === 0) return undefined;
  const { registry, probeDetail, ...rest } = deps;
  const counters = new PeerMetrics(
    registry,
    config.peers.map((peer) => peer.name),
    probeDetail,
  );
  return new PeerGroup(config, { ...rest, counters });
}
