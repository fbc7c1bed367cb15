// Recent history for the status page and `meridian status`: each address's last probe latencies (for the
// sparklines) and the health transitions of the last hour (for the timeline). Bounded in both directions:
// LATENCY_SAMPLES numbers per address, and at most MAX_TRANSITIONS transitions, none older than an hour.

import { addressKey } from '../base/names.js';
import type { HealthObserver, TransitionCause } from '../health/monitor.js';
import type { AddressRef } from '../base/names.js';
import type { Health, ObservedResult } from '../health/state.js';
import type { Clock } from '../base/clock.js';

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

export class HealthHistory implements HealthObserver {
  readonly #clock: Clock;
  // Every address's ring in one slab (slot × LATENCY_SAMPLES), not a typed array each: at 20,000 addresses
  // that is the difference between one allocation and 60,000 objects.
  readonly #slots = new Map<string, number>();
  readonly #free: number[] = [];
  #samples = new Float32Array(LATENCY_SAMPLES * 64);
  /** Samples written per slot so far (the next one goes to count % LATENCY_SAMPLES). */
  #counts = new Uint32Array(64);
  #transitions: Transition[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  onTrack(ref: AddressRef): void {
    const key = addressKey(ref);
    if (this.#slots.has(key)) return;
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#slots.size;
      if (slot >= this.#counts.length) this.#grow();
    }
    this.#counts[slot] = 0;
    this.#slots.set(key, slot);
  }

  onForget(ref: AddressRef): void {
    const key = addressKey(ref);
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    this.#free.push(slot);
  }

  onResult(ref: AddressRef, result: ObservedResult): void {
    const slot = this.#slots.get(addressKey(ref));
    if (slot === undefined) return;
    this.#samples[slot * LATENCY_SAMPLES + (this.#counts[slot] % LATENCY_SAMPLES)] = result.durationMs;
    this.#counts[slot]++;
  }

  #grow(): void {
    const samples = new Float32Array(this.#samples.length * 2);
    samples.set(this.#samples);
    this.#samples = samples;
    const counts = new Uint32Array(this.#counts.length * 2);
    counts.set(this.#counts);
    this.#counts = counts;
  }

  /** Keyed by the target's index, which a relabel keeps: the address's samples stay. */
  onRelabel(): void {}

  onTransition(ref: AddressRef, from: Health, to: Health, cause: TransitionCause): void {
    this.#transitions.push({
      at: this.#clock.now(),
      zone: ref.zone,
      record: ref.record,
      target: ref.target,
      address: ref.address,
      from,
      to,
      reason: cause.reason,
    });
    if (this.#transitions.length > MAX_TRANSITIONS * 1.25) this.#prune();
  }

  /** The last probe durations of an address, oldest first (ms, one decimal). */
  latencyOf(ref: AddressRef): number[] {
    const slot = this.#slots.get(addressKey(ref));
    if (slot === undefined) return [];
    const count = this.#counts[slot];
    const n = Math.min(count, LATENCY_SAMPLES);
    const out: number[] = [];
    for (let i = count - n; i < count; i++) out.push(Math.round(this.#samples[slot * LATENCY_SAMPLES + (i % LATENCY_SAMPLES)] * 10) / 10);
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
    while (start < this.#transitions.length && this.#transitions[start].at < cutoff) start++;
    start = Math.max(start, this.#transitions.length - MAX_TRANSITIONS);
    if (start > 0) this.#transitions = this.#transitions.slice(start);
  }
}
