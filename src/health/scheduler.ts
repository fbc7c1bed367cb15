// Runs probes on their own schedules.
//
// A once-a-second tick (a Ticker: setInterval in production, see cron-ticker.ts) fires no probe itself: it arms
// a precise timer for every probe due within the next HORIZON_MS. Probes due sooner than that (the 1 s fast
// interval, say) are armed directly when they are scheduled. So a 1 s, 2 s, 5 s or 30 s interval fires on time,
// and only probes due soon hold a timer, even with tens of thousands of them.
//
// Spreading: a probe's first run is placed at random within min(interval, INITIAL_SPREAD_MS), so readiness
// comes quickly; with thousands of probes the window widens (up to one interval) to start at most
// INITIAL_RATE_PER_SECOND a second. The second run is placed uniformly between half an interval and one and a half intervals
// after the first, which makes its phase uniform over the interval, so 1,000 targets on a 5 s interval do
// not fire together. After that, runs are exactly one interval apart.
//
// A global cap bounds the probes in flight. A probe that falls due while the cap is reached waits in a
// queue, and the wait shows as lateness.

import type { ObservedResult } from './state.js';
import type { Prober, ProbeSpec } from './types.js';
import type { Clock, TimerHandle } from '../base/clock.js';

/** A probe to run and the policy deciding when: the health monitor provides these. */
export interface ProbeJob {
  readonly spec: ProbeSpec;
  /** Steady-state interval (the smallest among the records sharing the probe). */
  intervalMs(): number;
  fastIntervalMs(): number;
  /** True while any record using the probe is changing state: use the fast interval. */
  changing(): boolean;
  deliver(result: ObservedResult): void;
}

/**
 * What the health monitor needs of a scheduler. ProbeScheduler runs probes in this thread; the probe thread's
 * scheduler (probe-thread.ts) runs them in a worker thread with its own heap.
 */
export interface ProbeSchedulerPort {
  add(job: ProbeJob, immediate?: boolean): void;
  remove(key: string): void;
  runSoon(key: string): void;
  /** The job's intervals or changing() may have changed: its next run is planned again with the new values. */
  jobChanged(key: string): void;
  start(): void;
  stop(): void;
}

/** A source of periodic ticks: setInterval in production (intervalTicker), a manual trigger in tests. */
export interface Ticker {
  start(onTick: () => void): { stop(): void };
}

export interface SchedulerOptions {
  readonly prober: Prober;
  readonly clock: Clock;
  readonly ticker: Ticker;
  readonly random?: () => number;
  readonly maxConcurrent?: number;
  /** Told how late each probe started (actual − planned, ms). */
  readonly onLateness?: (lateMs: number) => void;
}

export const HORIZON_MS = 2_000;
export const INITIAL_SPREAD_MS = 2_000;
/** First runs are spread so that they start at most this many a second (up to one interval). */
const INITIAL_RATE_PER_SECOND = 2_000;
export const DEFAULT_MAX_CONCURRENT = 256;
/** Arm due probes from a probe's completion when no tick has done it for this long. */
const CATCH_UP_AFTER_MS = 1_200;

interface Entry {
  readonly job: ProbeJob;
  planned: number;
  timer: TimerHandle | undefined;
  running: boolean;
  queued: boolean;
  removed: boolean;
  runs: number;
  /** The planned time of the last run, when it finished, and the random draw that scatters run 2. */
  lastPlanned: number;
  lastAt: number;
  scatter: number;
}

export class ProbeScheduler implements ProbeSchedulerPort {
  readonly #prober: Prober;
  readonly #clock: Clock;
  readonly #ticker: Ticker;
  readonly #random: () => number;
  readonly #maxConcurrent: number;
  readonly #onLateness: ((lateMs: number) => void) | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #queue: Entry[] = [];
  #running = 0;
  #tick: { stop(): void } | undefined;
  /** When entries were last armed (tick or catch-up). */
  #lastArmed = 0;

  constructor(options: SchedulerOptions) {
    this.#prober = options.prober;
    this.#clock = options.clock;
    this.#ticker = options.ticker;
    this.#random = options.random ?? Math.random;
    this.#maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
    this.#onLateness = options.onLateness;
  }

  start(): void {
    this.#tick ??= this.#ticker.start(() => this.#armDue());
    this.#armDue();
  }

  stop(): void {
    this.#tick?.stop();
    this.#tick = undefined;
    for (const entry of this.#entries.values()) this.#disarm(entry);
  }

  get size(): number {
    return this.#entries.size;
  }

  get inFlight(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /**
   * Adds a probe; its first run is spread over the initial window, or is immediate (a target added while
   * running must be checked before it is served). Adding an existing key does nothing.
   */
  add(job: ProbeJob, immediate = false): void {
    if (this.#entries.has(job.spec.key)) return;
    const spread = immediate ? 0 : Math.min(job.intervalMs(), Math.max(INITIAL_SPREAD_MS, (this.#entries.size / INITIAL_RATE_PER_SECOND) * 1000));
    const entry: Entry = {
      job,
      planned: this.#clock.now() + this.#random() * spread,
      timer: undefined,
      running: false,
      queued: false,
      removed: false,
      runs: 0,
      lastPlanned: 0,
      lastAt: 0,
      scatter: 0,
    };
    this.#entries.set(job.spec.key, entry);
    this.#arm(entry);
  }

  /** Probes this key again as soon as possible (a new address appeared, say). */
  runSoon(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.running || entry.queued) return;
    this.#disarm(entry);
    entry.planned = this.#clock.now();
    this.#arm(entry);
  }

  /**
   * Plans the next run again from the last one, with the job's current intervals and changing(). A job that
   * has not run yet, or is running or queued, is left alone: its next plan reads them anyway.
   */
  jobChanged(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.runs === 0 || entry.running || entry.queued) return;
    // A plan already in the past runs now, once: the runs it missed are not made up.
    const planned = Math.max(this.#nextRun(entry), this.#clock.now());
    if (planned === entry.planned) return;
    this.#disarm(entry);
    entry.planned = planned;
    this.#arm(entry);
  }

  remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.removed = true;
    this.#disarm(entry);
    this.#entries.delete(key);
  }

  #armDue(): void {
    this.#lastArmed = this.#clock.now();
    for (const entry of this.#entries.values()) this.#arm(entry);
  }

  #arm(entry: Entry): void {
    if (entry.timer !== undefined || entry.running || entry.queued || entry.removed) return;
    const delay = entry.planned - this.#clock.now();
    if (delay > HORIZON_MS) return; // a later tick arms it
    entry.timer = this.#clock.setTimer(() => this.#fire(entry), Math.max(0, delay));
  }

  #disarm(entry: Entry): void {
    if (entry.timer !== undefined) this.#clock.clearTimer(entry.timer);
    entry.timer = undefined;
  }

  #fire(entry: Entry): void {
    entry.timer = undefined;
    if (entry.removed) return;
    if (this.#running >= this.#maxConcurrent) {
      entry.queued = true;
      this.#queue.push(entry);
      return;
    }
    this.#run(entry);
  }

  #run(entry: Entry): void {
    entry.running = true;
    entry.queued = false;
    this.#running++;
    const started = this.#clock.now();
    this.#onLateness?.(started - entry.planned);
    void this.#prober.probe(entry.job.spec).then(
      (result) => this.#finish(entry, { ...result, at: this.#clock.now() }),
      // Probers never reject; if one does, it counts as a failed probe rather than a stuck schedule.
      (error: unknown) =>
        this.#finish(entry, { ok: false, failure: 'error', reason: String(error), durationMs: this.#clock.now() - started, at: this.#clock.now() }),
    );
  }

  #finish(entry: Entry, result: ObservedResult): void {
    entry.running = false;
    this.#running--;
    if (!entry.removed) {
      entry.job.deliver(result);
      entry.runs++;
      entry.lastPlanned = entry.planned;
      entry.lastAt = result.at;
      if (entry.runs === 1) entry.scatter = this.#random();
      entry.planned = this.#nextRun(entry);
      this.#arm(entry);
    }
    while (this.#running < this.#maxConcurrent && this.#queue.length > 0) {
      const next = this.#queue.shift()!;
      if (!next.removed) this.#run(next);
    }
    // A busy event loop delays the tick, and a probe planned beyond the horizon would then wait for the next
    // tick that does run. Catch up here instead.
    if (this.#clock.now() - this.#lastArmed > CATCH_UP_AFTER_MS) this.#armDue();
  }

  /** When to run next, from the last run: a pure function of the entry, so jobChanged can plan it again. */
  #nextRun(entry: Entry): number {
    const job = entry.job;
    const finished = entry.lastAt;
    if (job.changing()) return finished + job.fastIntervalMs();
    const interval = job.intervalMs();
    // The second run scatters phases (see the header comment); later ones keep exact intervals.
    if (entry.runs === 1) return finished + interval * (0.5 + entry.scatter);
    const next = entry.lastPlanned + interval;
    return next > finished ? next : finished;
  }
}
