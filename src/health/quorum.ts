// The quorum rule: how the verdicts of several vantage points (this instance and its peers, each probing from
// where it runs) become one health, so that every instance that hears the same verdicts decides the same.
// Pure: the peer link (not yet built, issue 17) hands it the verdicts and when each peer was last heard from.

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
