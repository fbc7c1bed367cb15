// Recent history for the status page and `meridian status`: each address's last probe latencies (for the
// sparklines) and the health transitions of the last hour (for the timeline). Bounded in both directions:
// LATENCY_SAMPLES numbers per address, and at most MAX_TRANSITIONS transitions, none older than an hour.

import type { AddressRef, HealthObserver } from '../health/monitor.js';
import type { Health, ObservedResult } from '../health/state.js';
import type { Clock } from '../health/types.js';

export const LATENCY_SAMPLES = 30;
export const TRANSITION_WINDOW_MS = 60 * 60 * 1000;
export const MAX_TRANSITIONS = 2_000;

export interface Transition {
  readonly at: number;
  readonly zone: string;
  readonly record: string;
  readonly target: number;
  readonly address: string;
  readonly from: Health;
  readonly to: Health;
  readonly reason: string;
}

interface LatencyRing {
  readonly samples: Float32Array;
  /** Samples written so far (the next slot is count % LATENCY_SAMPLES). */
  count: number;
}

function refKey(ref: AddressRef): string {
  return `${ref.zone}\n${ref.record}\n${ref.target}\n${ref.address}`;
}

export class HealthHistory implements HealthObserver {
  readonly #clock: Clock;
  readonly #latency = new Map<string, LatencyRing>();
  #transitions: Transition[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  onTrack(ref: AddressRef): void {
    this.#latency.set(refKey(ref), { samples: new Float32Array(LATENCY_SAMPLES), count: 0 });
  }

  onForget(ref: AddressRef): void {
    this.#latency.delete(refKey(ref));
  }

  onResult(ref: AddressRef, result: ObservedResult): void {
    const ring = this.#latency.get(refKey(ref));
    if (ring === undefined) return;
    ring.samples[ring.count % LATENCY_SAMPLES] = result.durationMs;
    ring.count++;
  }

  onTransition(ref: AddressRef, from: Health, to: Health, result: ObservedResult): void {
    this.#transitions.push({ at: this.#clock.now(), zone: ref.zone, record: ref.record, target: ref.target, address: ref.address, from, to, reason: result.reason });
    if (this.#transitions.length > MAX_TRANSITIONS * 1.25) this.#prune();
  }

  /** The last probe durations of an address, oldest first (ms, one decimal). */
  latencyOf(ref: AddressRef): number[] {
    const ring = this.#latency.get(refKey(ref));
    if (ring === undefined) return [];
    const n = Math.min(ring.count, LATENCY_SAMPLES);
    const out: number[] = [];
    for (let i = ring.count - n; i < ring.count; i++) out.push(Math.round(ring.samples[i % LATENCY_SAMPLES]! * 10) / 10);
    return out;
  }

  /** Transitions of the last hour, oldest first. */
  transitions(): readonly Transition[] {
    this.#prune();
    return this.#transitions;
  }

  #prune(): void {
    const cutoff = this.#clock.now() - TRANSITION_WINDOW_MS;
    let start = 0;
    while (start < this.#transitions.length && this.#transitions[start]!.at < cutoff) start++;
    start = Math.max(start, this.#transitions.length - MAX_TRANSITIONS);
    if (start > 0) this.#transitions = this.#transitions.slice(start);
  }
}
