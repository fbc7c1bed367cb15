// Metrics of the peer group (issue 17), registered on the server's registry only when peers are configured:
// whether each peer's link is up and how long it has been silent, the peer messages rejected and the requests
// refused for a wrong token, and each probed address's fresh votes. Listed in docs/metrics.md.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { TrackedRef } from '../health/probe-plan.js';
import { PEER_REJECTIONS, type PeerRejection } from '../peers/protocol.js';
import type { ProbeMetricsDetail } from './target-metrics.js';

/** What the gauges read at scrape time. */
export interface PeerMetricsSource {
  peers(): Iterable<{ readonly instance: string; readonly connected: boolean; readonly lastHeardAt: number | undefined }>;
  /** Each probed address with the fresh vantage points (this instance included) that see it up and down. */
  votes(): Iterable<{ readonly ref: TrackedRef; readonly up: number; readonly down: number }>;
  now(): number;
}

export class PeerMetrics {
  readonly #rejected: Counter<'peer' | 'reason'>;
  readonly #unauthorized: Counter;
  #source: PeerMetricsSource | undefined;

  /** `probeDetail`: --probe-metrics as decided at start (per address, or per record when there are many). */
  constructor(registry: Registry, peers: readonly string[], probeDetail: () => ProbeMetricsDetail = () => 'address') {
    const source = () => this.#source;
    this.#rejected = new Counter({
      name: 'meridian_peer_rejected_messages_total',
      help: 'Messages from a peer that were not applied, by peer and reason.',
      labelNames: ['peer', 'reason'],
      registers: [registry],
    });
    for (const peer of peers) for (const reason of PEER_REJECTIONS) this.#rejected.inc({ peer, reason }, 0);
    this.#unauthorized = new Counter({
      name: 'meridian_peer_unauthorized_total',
      help: 'Requests to the peer link refused with 401: no token, or a wrong one.',
      registers: [registry],
    });
    new Gauge({
      name: 'meridian_peer_up',
      help: 'Whether the link to a peer is open and streaming: 1 up, 0 down.',
      labelNames: ['peer'],
      registers: [registry],
      collect() {
        for (const peer of source()?.peers() ?? []) this.set({ peer: peer.instance }, peer.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'meridian_peer_last_message_age_seconds',
      help: 'Seconds since the last message from a peer (absent before the first).',
      labelNames: ['peer'],
      registers: [registry],
      collect() {
        this.reset();
        const s = source();
        if (s === undefined) return;
        const now = s.now();
        for (const peer of s.peers()) if (peer.lastHeardAt !== undefined) this.set({ peer: peer.instance }, (now - peer.lastHeardAt) / 1000);
      },
    });
    new Gauge({
      name: 'meridian_target_votes',
      help: 'Fresh vantage points (this instance included) that see a probed address up or down, by verdict; summed per record with --probe-metrics record.',
      labelNames: ['zone', 'record', 'target', 'address', 'verdict'],
      registers: [registry],
      collect() {
        this.reset();
        const perAddress = probeDetail() === 'address';
        // Per record (--probe-metrics record, or auto with many addresses), the votes of its addresses add up:
        // two series per record rather than per address, which prom-client could not format in time.
        const sums = new Map<string, { labels: { zone: string; record: string }; up: number; down: number }>();
        for (const { ref, up, down } of source()?.votes() ?? []) {
          if (perAddress) {
            const labels = { zone: ref.zone, record: ref.record, target: ref.targetId, address: ref.address };
            this.set({ ...labels, verdict: 'up' }, up);
            this.set({ ...labels, verdict: 'down' }, down);
            continue;
          }
          const key = `${ref.zone} ${ref.record}`;
          const sum = sums.get(key) ?? { labels: { zone: ref.zone, record: ref.record }, up: 0, down: 0 };
          sum.up += up;
          sum.down += down;
          sums.set(key, sum);
        }
        for (const { labels, up, down } of sums.values()) {
          this.set({ ...labels, verdict: 'up' }, up);
          this.set({ ...labels, verdict: 'down' }, down);
        }
      },
    });
  }

  /** Where the gauges read from, once the peer group and the monitor exist. */
  observe(source: PeerMetricsSource): void {
    this.#source = source;
  }

  rejected(peer: string, reason: PeerRejection): void {
    this.#rejected.inc({ peer, reason });
  }

  unauthorized(): void {
    this.#unauthorized.inc();
  }
}
