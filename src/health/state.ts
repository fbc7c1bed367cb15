// The rise/fall state machine of one probed address, as a pure function of (state, result, time).
//
// - unknown: not probed yet. Answers treat it as healthy; the first result decides up or down.
// - up: turns down after `fall` consecutive failures.
// - down: turns up after `rise` consecutive successes.
// While a target is changing state (up with failures counted, or down with successes counted) it is re-probed
// at the faster `fastInterval`, as HAProxy's fastinter does, so a blip is confirmed or dismissed in about a
// second while steady-state probing stays cheap.

import type { ProbeResult } from './types.js';

export type Health = 'unknown' | 'up' | 'down';

/**
 * `unknown`: not probed yet, at start; it counts as healthy so a fresh start serves everything (see docs).
 * `pending`: not probed yet, added while running (a new address from discovery); served once healthy.
 */
export type AddressHealth = 'up' | 'down' | 'unknown' | 'pending';

export interface RiseFall {
  readonly rise: number;
  readonly fall: number;
}

export interface ObservedResult extends ProbeResult {
  /** When the result arrived (clock milliseconds). */
  readonly at: number;
}

export interface HealthState {
  readonly health: Health;
  readonly consecutiveSuccesses: number;
  readonly consecutiveFailures: number;
  /** When `health` last changed (or the state was created). */
  readonly since: number;
  readonly lastResult: ObservedResult | undefined;
  /** The last failed result, kept after recovery so the status can say what the last problem was. */
  readonly lastFailure: ObservedResult | undefined;
}

export function initialHealthState(now: number): HealthState {
  return { health: 'unknown', consecutiveSuccesses: 0, consecutiveFailures: 0, since: now, lastResult: undefined, lastFailure: undefined };
}

export function applyProbeResult(state: HealthState, result: ObservedResult, policy: RiseFall): HealthState {
  const successes = result.ok ? state.consecutiveSuccesses + 1 : 0;
  const failures = result.ok ? 0 : state.consecutiveFailures + 1;
  let health = state.health;
  if (health === 'unknown') health = result.ok ? 'up' : 'down';
  else if (health === 'up' && failures >= policy.fall) health = 'down';
  else if (health === 'down' && successes >= policy.rise) health = 'up';
  return {
    health,
    consecutiveSuccesses: successes,
    consecutiveFailures: failures,
    since: health === state.health ? state.since : result.at,
    lastResult: result,
    lastFailure: result.ok ? state.lastFailure : result,
  };
}

/** Whether the state is between up and down, where probes run at the fast interval. */
export function isChanging(state: HealthState): boolean {
  return (state.health === 'up' && state.consecutiveFailures > 0) || (state.health === 'down' && state.consecutiveSuccesses > 0);
}
