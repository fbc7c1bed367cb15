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

let ids: number[] = [];
let results: ObservedResult[] = [];
let lateness: number[] = [];
let flushTimer: NodeJS.Timeout | undefined;

function flush(): void {
  flushTimer = undefined;
  post({ kind: 'results', ids, results, lateness });
  ids = [];
  results = [];
  lateness = [];
}

function scheduleFlush(): void {
  flushTimer ??= setTimeout(flush, BATCH_MS);
}

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
    ids.push(this.id);
    results.push(result);
    scheduleFlush();
  }
}

const scheduler = new ProbeScheduler({
  prober: createProber(),
  clock: systemClock,
  ticker: intervalTicker(),
  ...(data.maxConcurrent === undefined ? {} : { maxConcurrent: data.maxConcurrent }),
  onLateness: (ms) => {
    lateness.push(ms);
    scheduleFlush();
  },
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
