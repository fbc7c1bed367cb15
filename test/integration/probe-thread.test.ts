// The probe thread (ThreadedProbeScheduler): real probes from a worker thread against real ingresses on
// 127.0.0.16 and 127.0.0.17, with results delivered to jobs in this thread. Every wait is for an event, with a
// deadline.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ThreadedProbeScheduler } from '../../src/health/probe-thread.js';
import type { ProbeJob } from '../../src/health/scheduler.js';
import type { ObservedResult } from '../../src/health/state.js';
import type { ProbeSpec } from '../../src/health/types.js';
import type { Logger, LogFields } from '../../src/base/logger.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { threadsOf } from '../helpers/processes.js';
import { startServerProcess } from '../helpers/server-process.js';
import { makeZoneDir } from '../helpers/zone-files.js';

function httpSpec(address: string, port: number): ProbeSpec {
  return {
    key: `http ${address}:${port}`,
    protocol: 'http',
    address,
    port,
    host: 'shop.example.test',
    path: '/healthz',
    timeoutMs: 1000,
    expect: [[200, 399]],
    headers: {},
    tls: { insecureSkipVerify: false },
  };
}

/** A job whose results can be awaited, and whose changing() the test sets, as the health monitor would. */
class Job implements ProbeJob {
  readonly spec: ProbeSpec;
  readonly results: ObservedResult[] = [];
  interval: number;
  fast: number;
  changingNow = false;
  #waiters: Array<() => void> = [];

  constructor(spec: ProbeSpec, interval: number, fast = interval) {
    this.spec = spec;
    this.interval = interval;
    this.fast = fast;
  }

  intervalMs(): number {
    return this.interval;
  }

  fastIntervalMs(): number {
    return this.fast;
  }

  changing(): boolean {
    return this.changingNow;
  }

  deliver(result: ObservedResult): void {
    // As the monitor does: a failure makes the probe's records change state.
    this.changingNow = !result.ok;
    this.results.push(result);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async waitForResults(count: number, deadlineMs = 10_000): Promise<ObservedResult[]> {
    const deadline = performance.now() + deadlineMs;
    while (this.results.length < count) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.results.length} of ${count} results from ${this.spec.address} within ${deadlineMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.results;
  }
}

function recordingLogger(lines: Array<{ level: string; message: string; fields?: LogFields }>): Logger {
  const logger: Logger = {
    debug: (message, fields) => void lines.push({ level: 'debug', message, ...(fields ? { fields } : {}) }),
    info: (message, fields) => void lines.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => void lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => void lines.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
    child: () => logger,
  };
  return logger;
}

describe('probe thread', () => {
  let up: HttpIngress;
  let failing: HttpIngress;
  before(async () => {
    up = await startHttpIngress({ host: '127.0.0.16' });
    failing = await startHttpIngress({ host: '127.0.0.17', behaviour: { kind: 'status', status: 503 } });
  });
  after(async () => {
    await up.close();
    await failing.close();
  });

  it('probes from its thread and delivers each result, with the request the ingress saw', async () => {
    const lateness: number[] = [];
    const scheduler = new ThreadedProbeScheduler({ logger: recordingLogger([]), onLateness: (ms) => lateness.push(ms) });
    try {
      const job = new Job(httpSpec(up.address, up.port), 200);
      scheduler.add(job, true);
      scheduler.start();
      const results = await job.waitForResults(3);
      assert.deepEqual(
        results.slice(0, 3).map((r) => [r.ok, r.status, r.reason]),
        [
          [true, 200, 'status 200'],
          [true, 200, 'status 200'],
          [true, 200, 'status 200'],
        ],
      );
      // Stamped in the probe thread on the same clock as this one (milliseconds since the epoch).
      assert.ok(Math.abs(results[0].at - (performance.timeOrigin + performance.now())) < 60_000, `result time ${results[0].at}`);
      assert.equal(up.requests[0].host, `shop.example.test:${up.port}`);
      assert.equal(up.requests[0].path, '/healthz');
      assert.ok(lateness.length >= 3, 'the thread reports how late each probe started');
    } finally {
      scheduler.stop();
    }
  });

  it('switches to the fast interval once this thread says the target is changing', async () => {
    const scheduler = new ThreadedProbeScheduler({ logger: recordingLogger([]) });
    try {
      // A 60 s interval: a second result within the deadline can only come from the 100 ms fast interval,
      // which the thread learns of after delivering the first failure.
      const job = new Job(httpSpec(failing.address, failing.port), 60_000, 100);
      scheduler.add(job, true);
      scheduler.start();
      const results = await job.waitForResults(3, 20_000);
      assert.deepEqual(
        results.slice(0, 3).map((r) => r.reason),
        ['status 503', 'status 503', 'status 503'],
      );
    } finally {
      scheduler.stop();
    }
  });

  it('stops delivering results for a removed job', async () => {
    const scheduler = new ThreadedProbeScheduler({ logger: recordingLogger([]) });
    try {
      const removed = new Job(httpSpec(up.address, up.port), 100);
      scheduler.add(removed, true);
      scheduler.start();
      await removed.waitForResults(1);
      scheduler.remove(removed.spec.key);
      const delivered = removed.results.length;
      // A job added after the removal is probed at least three times, each 100 ms apart...
      const witness = new Job(httpSpec(failing.address, failing.port), 100);
      scheduler.add(witness, true);
      await witness.waitForResults(4);
      // ...while the removed one, on the same interval, got at most the result already in flight.
      assert.ok(removed.results.length <= delivered + 1, `${removed.results.length - delivered} results after removal`);
    } finally {
      scheduler.stop();
    }
  });

  it('starts the thread again after it dies, and goes on probing every job', async () => {
    const lines: Array<{ level: string; message: string; fields?: LogFields }> = [];
    const scheduler = new ThreadedProbeScheduler({ logger: recordingLogger(lines), restartDelayMs: 50 });
    try {
      const job = new Job(httpSpec(up.address, up.port), 100);
      scheduler.add(job, true);
      scheduler.start();
      await job.waitForResults(1);
      await scheduler.terminateThread();
      const before = job.results.length;
      await job.waitForResults(before + 2);
      assert.equal(scheduler.restarts, 1);
      assert.deepEqual(
        lines.filter((l) => l.level === 'error').map((l) => [l.message, l.fields?.jobs]),
        [['probe thread exited; starting it again', 1]],
      );
    } finally {
      scheduler.stop();
    }
  });
  // Threads inherit the priority of the thread that starts them: once the zones are loaded (the loader thread,
  // at nice 19, is gone by then), the probe thread and V8's helpers must be the only ones below normal priority.
  it('runs in a served process at nice 5, as do V8 helpers, with every other thread at normal priority', { skip: process.platform !== 'linux' }, async () => {
    const zones = await makeZoneDir({
      'gslb.example.test.yaml': `zone: gslb.example.test
soa: { rname: hostmaster.example.test }
nameservers: { ns1.gslb.example.test: [127.0.0.1] }
records:
  shop:
    policy: failover
    check: { protocol: http, port: ${up.port}, path: /healthz, interval: 1s, timeout: 500ms }
    targets: [ { address: ${up.address} } ]
`,
    });
    const server = await startServerProcess({ zonesDir: zones.dir });
    try {
      await server.waitForLog((l) => l.msg === 'target up (first probe)');
      const threads = threadsOf(server.child.pid!);
      const expected: Record<string, number> = { WorkerThread: 5, V8Worker: 5 };
      assert.deepEqual(
        threads.filter((t) => t.nice !== (expected[t.name] ?? 0)),
        [],
        JSON.stringify(threads),
      );
      assert.equal(threads.filter((t) => t.name === 'WorkerThread').length, 1, 'one probe thread');
      assert.ok(
        threads.some((t) => t.name === 'V8Worker'),
        JSON.stringify(threads),
      );
    } finally {
      await server.stop();
      await zones.remove();
    }
  });
});
