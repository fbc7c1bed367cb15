// Probing in a worker thread with its own heap.
//
// Thousands of probes a second make garbage fast (sockets, timers, promises, parsers). In the DNS thread that
// garbage costs young-generation scavenges of 10+ ms every half second, and queries wait through each one.
// Here the ProbeScheduler and the real prober run in a thread of their own; its collections pause only it.
// The health monitor stays in the main thread and owns every decision: this side forwards its jobs to the
// thread and delivers the results back to them.
//
// The thread plans each next run when a probe finishes, from the job's intervals and changing() as it last
// heard them. A result can change those (a first failure starts the fast interval), so after delivering one,
// this side sends any change back and the thread plans that run again (ProbeScheduler.jobChanged): the same
// schedule as in one thread, a round trip of a few milliseconds later.

import { Worker } from 'node:worker_threads';
import type { Logger, LogFields } from '../base/logger.js';
import type { ProbeJob, ProbeSchedulerPort } from './scheduler.js';
import type { ObservedResult } from './state.js';
import type { ProbeSpec } from './types.js';
import { PROBE_THREAD_NICE, startThreadBelow } from '../base/thread-priority.js';

/** What the thread is started with. */
export interface ProbeThreadData {
  readonly maxConcurrent?: number;
}

/** What a job's schedule depends on, as the thread last heard it. */
export interface JobPlan {
  readonly intervalMs: number;
  readonly fastIntervalMs: number;
  readonly changing: boolean;
}

/** Main thread → probe thread, posted in batches. Jobs are numbered: ids clone cheaper than keys. */
export type ProbeCommand =
  | { readonly op: 'add'; readonly id: number; readonly spec: ProbeSpec; readonly plan: JobPlan; readonly immediate: boolean }
  | { readonly op: 'remove'; readonly id: number }
  | { readonly op: 'runSoon'; readonly id: number }
  | { readonly op: 'update'; readonly id: number; readonly plan: JobPlan }
  | { readonly op: 'start' };

/** Probe thread → main thread. */
export type ProbeReport =
  | { readonly kind: 'results'; readonly ids: readonly number[]; readonly results: readonly ObservedResult[]; readonly lateness: readonly number[] }
  | { readonly kind: 'log'; readonly level: 'debug' | 'warn'; readonly message: string; readonly fields: LogFields };

export interface ThreadedProbeSchedulerOptions {
  readonly logger: Logger;
  readonly maxConcurrent?: number;
  /** Told how late each probe started (actual − planned, ms). */
  readonly onLateness?: (lateMs: number) => void;
  /** How long to wait before starting a thread again after it died (default 1 s). */
  readonly restartDelayMs?: number;
}

interface Tracked {
  readonly id: number;
  readonly job: ProbeJob;
  plan: JobPlan;
}

function planOf(job: ProbeJob): JobPlan {
  return { intervalMs: job.intervalMs(), fastIntervalMs: job.fastIntervalMs(), changing: job.changing() };
}

function samePlan(a: JobPlan, b: JobPlan): boolean {
  return a.intervalMs === b.intervalMs && a.fastIntervalMs === b.fastIntervalMs && a.changing === b.changing;
}

export class ThreadedProbeScheduler implements ProbeSchedulerPort {
  readonly #options: ThreadedProbeSchedulerOptions;
  readonly #byKey = new Map<string, Tracked>();
  readonly #byId = new Map<number, Tracked>();
  #nextId = 1;
  #worker: Worker | undefined;
  #outbox: ProbeCommand[] = [];
  #flushScheduled = false;
  #started = false;
  #stopped = false;
  #restarts = 0;
  #spawned = false;
  #oldGenerationMb = 256;

  /** The thread starts with the first job: a server whose zones probe nothing has no probe thread. */
  constructor(options: ThreadedProbeSchedulerOptions) {
    this.#options = options;
  }

  /** How many times the thread has been started again after dying. */
  get restarts(): number {
    return this.#restarts;
  }

  get size(): number {
    return this.#byKey.size;
  }

  add(job: ProbeJob, immediate = false): void {
    if (this.#byKey.has(job.spec.key)) return;
    const tracked: Tracked = { id: this.#nextId++, job, plan: planOf(job) };
    this.#byKey.set(job.spec.key, tracked);
    this.#byId.set(tracked.id, tracked);
    if (this.#worker === undefined && !this.#spawned && !this.#stopped) this.#spawn();
    this.#send({ op: 'add', id: tracked.id, spec: job.spec, plan: tracked.plan, immediate });
  }

  remove(key: string): void {
    const tracked = this.#byKey.get(key);
    if (tracked === undefined) return;
    this.#byKey.delete(key);
    this.#byId.delete(tracked.id);
    this.#send({ op: 'remove', id: tracked.id });
  }

  runSoon(key: string): void {
    const tracked = this.#byKey.get(key);
    if (tracked !== undefined) this.#send({ op: 'runSoon', id: tracked.id });
  }

  jobChanged(key: string): void {
    const tracked = this.#byKey.get(key);
    if (tracked !== undefined) this.#updatePlan(tracked);
  }

  start(): void {
    this.#started = true;
    if (this.#worker !== undefined) this.#send({ op: 'start' });
  }

  stop(): void {
    this.#stopped = true;
    const worker = this.#worker;
    this.#worker = undefined;
    void worker?.terminate();
  }

  /** Ends the thread as a crash would (tests use this to check it is started again). */
  async terminateThread(): Promise<void> {
    await this.#worker?.terminate();
  }

  #updatePlan(tracked: Tracked): void {
    const plan = planOf(tracked.job);
    if (samePlan(plan, tracked.plan)) return;
    tracked.plan = plan;
    this.#send({ op: 'update', id: tracked.id, plan });
  }

  /** Commands go out in one message per event-loop turn: a reload adds thousands of jobs in a few turns. */
  #send(command: ProbeCommand): void {
    this.#outbox.push(command);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      const batch = this.#outbox;
      this.#outbox = [];
      this.#worker?.postMessage(batch);
    });
  }

  #receive(report: ProbeReport): void {
    if (report.kind === 'log') {
      this.#options.logger[report.level](report.message, report.fields);
      return;
    }
    for (const late of report.lateness) this.#options.onLateness?.(late);
    for (let i = 0; i < report.ids.length; i++) {
      // A result for a job removed since it started is dropped, as ProbeScheduler drops it.
      const tracked = this.#byId.get(report.ids[i]);
      if (tracked === undefined) continue;
      tracked.job.deliver(report.results[i]);
      this.#updatePlan(tracked);
    }
  }

  #spawn(): void {
    const data: ProbeThreadData = this.#options.maxConcurrent === undefined ? {} : { maxConcurrent: this.#options.maxConcurrent };
    const worker = startThreadBelow(
      PROBE_THREAD_NICE,
      () =>
        new Worker(new URL('./probe-thread-main.js', import.meta.url), {
          workerData: data,
          resourceLimits: {
            // The probes' garbage is short-lived: a small young generation collects it often and quickly.
            maxYoungGenerationSizeMb: 8,
            // Any old-generation limit makes V8 size this heap as a small one: it collects when the heap has grown
            // by about half, instead of letting it double, which kept twice the live size (~25 MB at 20,000
            // addresses) resident. The limit itself is headroom, ~1 KB per address; it doubles after a thread
            // runs out of it.
            maxOldGenerationSizeMb: this.#oldGenerationMb,
          },
        }),
    );
    // Probing alone must not keep a process alive (tests, a stopping server).
    worker.unref();
    worker.on('message', (report: ProbeReport) => this.#receive(report));
    // Whatever the thread threw, as structured clone brought it over: an Error in practice, but not by type.
    worker.on('error', (error: unknown) => {
      this.#options.logger.error('probe thread failed', { error: error instanceof Error ? error.message : String(error) });
      if ((error as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') this.#oldGenerationMb *= 2;
    });
    worker.on('exit', (code) => {
      if (this.#worker !== worker || this.#stopped) return;
      // Health is kept here, so nothing is lost but the probes in flight: start again and hand every job over.
      this.#options.logger.error('probe thread exited; starting it again', { code, jobs: this.#byKey.size });
      this.#worker = undefined;
      const timer = setTimeout(() => {
        if (this.#stopped) return;
        this.#restarts++;
        this.#spawn();
      }, this.#options.restartDelayMs ?? 1_000);
      timer.unref();
    });
    this.#worker = worker;
    if (this.#spawned) {
      // A new thread after one died knows nothing: every job is added again, spread as at start.
      this.#outbox = [];
      for (const tracked of this.#byKey.values()) {
        tracked.plan = planOf(tracked.job);
        this.#send({ op: 'add', id: tracked.id, spec: tracked.job.spec, plan: tracked.plan, immediate: false });
      }
    }
    this.#spawned = true;
    if (this.#started) this.#send({ op: 'start' });
  }
}
