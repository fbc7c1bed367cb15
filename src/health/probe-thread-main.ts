// The probe thread of ThreadedProbeScheduler (probe-thread.ts): a ProbeScheduler with the real prober, fed
// jobs by the main thread, posting results back in small batches.

import { parentPort, workerData } from 'node:worker_threads';
import { intervalTicker } from './cron-ticker.js';
import { createProber } from './probe.js';
import type { JobPlan, ProbeCommand, ProbeReport, ProbeThreadData } from './probe-thread.js';
import { ProbeScheduler, type ProbeJob } from './scheduler.js';
import type { ObservedResult } from './state.js';
import { type ProbeSpec } from './types.js';
import { systemClock } from '../base/clock.js';
import { lowerOwnThreadPriority, PROBE_THREAD_NICE } from '../base/thread-priority.js';

/** Results wait at most this long to be posted: one message per batch, not one per probe. */
const BATCH_MS = 5;

// Queries come first. On a core shared with the query thread, a probe thread at equal priority takes whole time
// slices while queries wait; at nice 5 it still gets a quarter of a saturated core, more than 20,000 addresses
// every 5 s need. Linux only; elsewhere it runs at normal priority.
lowerOwnThreadPriority(PROBE_THREAD_NICE);

const port = parentPort!;
const data = workerData as ProbeThreadData;
const post = (report: ProbeReport) => port.postMessage(report);

/** What the thread reports, sent as one message per BATCH_MS however many probes finish in it. */
class ReportBatch {
  #ids: number[] = [];
  #results: ObservedResult[] = [];
  #lateness: number[] = [];
  #timer: NodeJS.Timeout | undefined;

  result(id: number, result: ObservedResult): void {
    this.#ids.push(id);
    this.#results.push(result);
    this.#schedule();
  }

  lateness(ms: number): void {
    this.#lateness.push(ms);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer === undefined) this.#timer = setTimeout(() => this.#flush(), BATCH_MS);
  }

  #flush(): void {
    this.#timer = undefined;
    post({ kind: 'results', ids: this.#ids, results: this.#results, lateness: this.#lateness });
    this.#ids = [];
    this.#results = [];
    this.#lateness = [];
  }
}

const reports = new ReportBatch();

class RemoteJob implements ProbeJob {
  readonly id: number;
  readonly spec: ProbeSpec;
  plan: JobPlan;

  constructor(id: number, spec: ProbeSpec, plan: JobPlan) {
    this.id = id;
    this.spec = spec;
    this.plan = plan;
  }

  intervalMs(): number {
    return this.plan.intervalMs;
  }

  fastIntervalMs(): number {
    return this.plan.fastIntervalMs;
  }

  changing(): boolean {
    return this.plan.changing;
  }

  deliver(result: ObservedResult): void {
    reports.result(this.id, result);
  }
}

const scheduler = new ProbeScheduler({
  prober: createProber(),
  clock: systemClock,
  ticker: intervalTicker(),
  ...(data.maxConcurrent === undefined ? {} : { maxConcurrent: data.maxConcurrent }),
  onLateness: (ms) => reports.lateness(ms),
});
const jobs = new Map<number, RemoteJob>();

port.on('message', (batch: readonly ProbeCommand[]) => {
  for (const command of batch) {
    switch (command.op) {
      case 'add': {
        const job = new RemoteJob(command.id, command.spec, command.plan);
        jobs.set(command.id, job);
        scheduler.add(job, command.immediate);
        break;
      }
      case 'remove': {
        const job = jobs.get(command.id);
        if (job === undefined) break;
        jobs.delete(command.id);
        scheduler.remove(job.spec.key);
        break;
      }
      case 'runSoon': {
        const job = jobs.get(command.id);
        if (job !== undefined) scheduler.runSoon(job.spec.key);
        break;
      }
      case 'update': {
        const job = jobs.get(command.id);
        if (job === undefined) break;
        job.plan = command.plan;
        scheduler.jobChanged(job.spec.key);
        break;
      }
      case 'start':
        scheduler.start();
        break;
    }
  }
});
