// The quorum rule: how the verdicts of several vantage points (this instance and its peers, each probing from
// where it runs) become one health, so that every instance that hears the same verdicts decides the same.
// The rule is pure; Quorum applies it for the health monitor, with the peer verdicts the peer link brought.

import { Errors } from '../base/errors.js';

export type QuorumRule =
  /** Down when more than half of the fresh vantage points see it down; a tie counts as healthy. */
  | { readonly kind: 'majority' }
  /** Healthy when at least `percent` % of the fresh vantage points see it healthy (Route 53's style). */
  | { readonly kind: 'healthy-share'; readonly percent: number };

export const MAJORITY: QuorumRule = { kind: 'majority' };

/** `--quorum`: `majority`, or `N%` with N a whole number from 1 to 100. */
export function parseQuorum(text: string): QuorumRule {
  const value = text.trim().toLowerCase();
  if (value === 'majority') return MAJORITY;
  const match = /^(\d{1,3})%$/.exec(value);
  const percent = match === null ? NaN : Number(match[1]);
  if (!Number.isInteger(percent) || percent < 1 || percent > 100) throw Errors.badQuorum([text]);
  return { kind: 'healthy-share', percent };
}

/** A health as a vote: up true, down false, and no vote while it is not known. */
export function voteOf(health: string): boolean | undefined {
  return health === 'up' ? true : health === 'down' ? false : undefined;
}

/** The rule in words, for the status page and explanations. */
export function describeQuorum(rule: QuorumRule): string {
  return rule.kind === 'majority' ? 'a strict majority' : `at least ${rule.percent}% healthy`;
}

/** How many fresh vantage points see a probe's target up, and how many down. */
export interface Votes {
  readonly up: number;
  readonly down: number;
}

/** One peer's verdict on one probe, with when anything was last heard from that peer (on the clock `now` reads). */
export interface PeerVote {
  /** Undefined when the peer has no verdict on this probe (it has not probed it yet, or has other zone files). */
  readonly up: boolean | undefined;
  readonly lastHeardAt: number;
}

/**
 * The votes of the fresh vantage points. This instance always counts when it has a verdict; a peer counts when
 * it has one and was heard from within `staleAfterMs`, so that an instance cut off from every peer decides alone.
 */
export function tally(self: boolean | undefined, peers: Iterable<PeerVote>, nowMs: number, staleAfterMs: number): Votes {
  let up = 0;
  let down = 0;
  if (self === true) up++;
  else if (self === false) down++;
  for (const peer of peers) {
    if (peer.up === undefined || nowMs - peer.lastHeardAt > staleAfterMs) continue;
    if (peer.up) up++;
    else down++;
  }
  return { up, down };
}

/** The one decision for these votes; undefined when no vantage point has a verdict yet. */
export function decide(rule: QuorumRule, votes: Votes): 'up' | 'down' | undefined {
  const voters = votes.up + votes.down;
  if (voters === 0) return undefined;
  // Integer comparisons: the same votes give the same decision on every instance, with no rounding to differ on.
  if (rule.kind === 'majority') return votes.down * 2 > voters ? 'down' : 'up';
  return votes.up * 100 >= rule.percent * voters ? 'up' : 'down';
}

/** One vantage point's say on a verdict, for the status page and explain: who, and what it sees. */
export interface VantageView {
  /** 'self' for this instance's own verdict; otherwise the peer's instance name. */
  readonly instance: string;
  readonly up: boolean | undefined;
  /** Heard from within the stale-after window: only fresh vantage points vote. */
  readonly fresh: boolean;
}

/**
 * The identity of one verdict: the probe (its definition and address, probeKey) and the rise/fall that smooth
 * its results into health. Two instances agree on it when they serve the same check of the same address,
 * whatever the order of their records.
 */
export function verdictKey(probeKey: string, riseFall: { readonly rise: number; readonly fall: number }): string {
  return `${probeKey} ${riseFall.rise}/${riseFall.fall}`;
}

/** The probe key a verdict key is about (the part before the rise/fall). */
export function probeKeyOfVerdict(key: string): string {
  const space = key.lastIndexOf(' ');
  return space < 0 ? key : key.slice(0, space);
}

/** What the health monitor asks of the peer group: its peers' votes on one verdict, and when they were heard. */
export interface PeerVotesPort {
  votesOn(verdictKey: string): Iterable<PeerVote & { readonly instance: string }>;
}

export interface QuorumOptions {
  readonly rule: QuorumRule;
  /** A peer not heard from for longer no longer votes (--peer-stale-after). */
  readonly staleAfterMs: number;
  readonly peers: PeerVotesPort;
  /** The clock the peers' lastHeardAt is on. */
  readonly now: () => number;
}

/** The quorum as the health monitor consumes it: own health plus the fresh peers' verdicts, to one decision. */
export class Quorum {
  readonly #options: QuorumOptions;

  constructor(options: QuorumOptions) {
    this.#options = options;
  }

  get rule(): QuorumRule {
    return this.#options.rule;
  }

  /** The decided health of a verdict; this instance's own when no vantage point has a verdict yet. */
  decide<H extends string>(key: string, own: H | 'up' | 'down'): H | 'up' | 'down' {
    const { rule, staleAfterMs, peers, now } = this.#options;
    return decide(rule, tally(voteOf(own), peers.votesOn(key), now(), staleAfterMs)) ?? own;
  }

  /** Every vantage point's say on a verdict, this instance first. */
  vantages(key: string, own: boolean | undefined): VantageView[] {
    const { staleAfterMs, peers, now } = this.#options;
    const at = now();
    const views: VantageView[] = [{ instance: 'self', up: own, fresh: true }];
    for (const vote of peers.votesOn(key)) views.push({ instance: vote.instance, up: vote.up, fresh: at - vote.lastHeardAt <= staleAfterMs });
    return views;
  }

  /** Why the quorum decided as it did, in a sentence: for the log and `meridian explain`. */
  explain(key: string, own: boolean | undefined): string {
    const views = this.vantages(key, own);
    const voting = views.filter((v) => v.fresh && v.up !== undefined);
    const down = voting.filter((v) => v.up === false).length;
    const decision = decide(this.#options.rule, { up: voting.length - down, down });
    const rule = describeQuorum(this.#options.rule);
    const say = (v: VantageView) =>
      `${v.instance === 'self' ? 'here' : v.instance}: ${v.up === undefined ? 'no verdict' : v.up ? 'up' : 'down'}${v.fresh ? '' : ' (stale)'}`;
    if (decision === undefined) return `no vantage point has a verdict yet (${views.map(say).join(', ')})`;
    return `${decision} by quorum (${rule}): ${down} of ${voting.length} vantage points see it down (${views.map(say).join(', ')})`;
  }
}
