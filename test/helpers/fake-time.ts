// Injected time for the health subsystem: a clock whose timers fire only when the test advances it, a ticker
// the test ticks by hand, and a prober that answers from a script. No real waiting anywhere.

import type { Ticker } from '../../src/health/scheduler.js';
import type { Prober, ProbeResult, ProbeSpec } from '../../src/health/types.js';
import type { Clock, TimerHandle } from '../../src/base/clock.js';

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * Lets promise chains (probe completions, a reflector's next step) run before the next timer fires:
 * setImmediate runs only once every pending microtask has.
 */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers = new Map<number, FakeTimer>();

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimer(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward, firing every timer due on the way in order and letting promises settle after each.
   * With `onEachSecond`, it is also called at every whole second passed, as a once-a-second cron tick would be.
   */
  async advance(ms: number, onEachSecond?: (now: number) => void): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      // Work already under way may set timers before the next one is chosen.
      await settle();
      let next: FakeTimer | undefined;
      for (const timer of this.#timers.values())
        if (timer.at <= target && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.id < next.id))) next = timer;
      const nextSecond = (Math.floor(this.#now / 1000) + 1) * 1000;
      if (onEachSecond !== undefined && nextSecond <= target && (next === undefined || nextSecond < next.at)) {
        this.#now = nextSecond;
        onEachSecond(nextSecond);
        continue;
      }
      if (next === undefined) break;
      this.#now = next.at;
      this.#timers.delete(next.id);
      next.callback();
    }
    this.#now = target;
    await settle();
  }
}

export class ManualTicker implements Ticker {
  #onTick: (() => void) | undefined;
  start(onTick: () => void) {
    this.#onTick = onTick;
    return { stop: () => (this.#onTick = undefined) };
  }
  tick(): void {
    this.#onTick?.();
  }
}

export interface ProbeCall {
  readonly address: string;
  readonly at: number;
}

/** Answers each probe from `outcome(address)`; records when each address was probed. */
export class ScriptedProber implements Prober {
  readonly calls: ProbeCall[] = [];
  readonly #clock: FakeClock;
  outcome: (address: string) => boolean = () => true;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  probe(spec: ProbeSpec): Promise<ProbeResult> {
    this.calls.push({ address: spec.address, at: this.#clock.now() });
    return Promise.resolve(
      this.outcome(spec.address)
        ? { ok: true, durationMs: 1, reason: 'status 200', status: 200 }
        : { ok: false, durationMs: 1, failure: 'refused', reason: 'connection refused' },
    );
  }

  callsTo(address: string): number[] {
    return this.calls.filter((c) => c.address === address).map((c) => c.at);
  }
}
