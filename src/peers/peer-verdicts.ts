// What this instance knows of its peers' verdicts: per peer, its latest verdict on each probe and when anything
// was last heard from it. Applying a peer's messages and asking for the votes on one probe are pure and cheap;
// the peer group (runtime/peer-group.ts) feeds it from the link, and the quorum (health/quorum.ts) reads it.

import type { PeerVote } from '../health/quorum.js';
import type { PeerMessage } from './protocol.js';

/** At most this many probes are kept per peer: a peer cannot make this instance hold unbounded state. */
export const MAX_PROBES_PER_PEER = 200_000;

export interface PeerSummary {
  readonly instance: string;
  /** When anything was last heard from it, on the clock the caller passes; undefined before the first message. */
  readonly lastHeardAt: number | undefined;
  /** Its clock minus ours at its last hello or heartbeat (ms): for the status page, never for decisions. */
  readonly skewMs: number | undefined;
  readonly probes: number;
  /** Verdicts it sent on probes this instance does not have (other zone files, mid-rollout). */
  readonly unknownProbes: number;
}

interface PeerEntry {
  verdicts: Map<string, boolean>;
  lastHeardAt: number | undefined;
  skewMs: number | undefined;
}

export class PeerVerdicts {
  readonly #peers = new Map<string, PeerEntry>();

  /** The peers this instance listens to (from --peer); any other name is never stored. */
  constructor(instances: Iterable<string>) {
    for (const instance of instances) this.#peers.set(instance, { verdicts: new Map(), lastHeardAt: undefined, skewMs: undefined });
  }

  /**
   * Applies one message from `instance`, heard at `nowMs` (ours) and `wallNowMs` (our wall clock, for skew).
   * Returns the probe keys whose verdict from this peer changed, or 'refused' when the peer is unknown or the
   * message would take it over MAX_PROBES_PER_PEER (then nothing of it is applied).
   */
  apply(instance: string, message: PeerMessage, nowMs: number, wallNowMs: number): readonly string[] | 'refused' {
    const peer = this.#peers.get(instance);
    if (peer === undefined) return 'refused';
    switch (message.type) {
      case 'hello':
      case 'heartbeat':
        peer.lastHeardAt = nowMs;
        peer.skewMs = message.sentAt - wallNowMs;
        return [];
      case 'drains':
        peer.lastHeardAt = nowMs;
        return [];
      case 'snapshot': {
        if (message.verdicts.length > MAX_PROBES_PER_PEER) return 'refused';
        const next = new Map(message.verdicts);
        const changed = [...peer.verdicts.keys()].filter((key) => !next.has(key));
        for (const [key, up] of next) if (peer.verdicts.get(key) !== up) changed.push(key);
        peer.verdicts = next;
        peer.lastHeardAt = nowMs;
        return changed;
      }
      case 'changes': {
        const added = message.verdicts.filter(([key]) => !peer.verdicts.has(key)).length;
        if (peer.verdicts.size + added > MAX_PROBES_PER_PEER) return 'refused';
        const changed: string[] = [];
        for (const key of message.removed) if (peer.verdicts.delete(key)) changed.push(key);
        for (const [key, up] of message.verdicts) {
          if (peer.verdicts.get(key) === up) continue;
          peer.verdicts.set(key, up);
          changed.push(key);
        }
        peer.lastHeardAt = nowMs;
        return changed;
      }
    }
  }

  /** Every peer's vote on one verdict, for tally(): a peer without a verdict on it votes undefined. */
  votesOn(key: string): Array<PeerVote & { readonly instance: string }> {
    const votes: Array<PeerVote & { readonly instance: string }> = [];
    for (const [instance, peer] of this.#peers) {
      if (peer.lastHeardAt === undefined) continue;
      votes.push({ instance, up: peer.verdicts.get(key), lastHeardAt: peer.lastHeardAt });
    }
    return votes;
  }

  /** When anything was last heard from each peer (undefined: never). */
  lastHeard(): Array<readonly [instance: string, lastHeardAt: number | undefined]> {
    return [...this.#peers].map(([instance, peer]) => [instance, peer.lastHeardAt] as const);
  }

  /** What the status page shows of each peer; `known` tells this instance's own probes. */
  summaries(known: (probeKey: string) => boolean): PeerSummary[] {
    return [...this.#peers].map(([instance, peer]) => {
      let unknownProbes = 0;
      for (const key of peer.verdicts.keys()) if (!known(key)) unknownProbes++;
      return { instance, lastHeardAt: peer.lastHeardAt, skewMs: peer.skewMs, probes: peer.verdicts.size, unknownProbes };
    });
  }
}
