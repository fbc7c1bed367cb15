// The probe scheduler on an injected clock: intervals on time, the fast interval while changing, spreading,
// the concurrency cap, and removal. Time only moves when the test moves it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_SPREAD_MS, ProbeScheduler, type ProbeJob } from '../../src/health/scheduler.js';
import type { ObservedResult } from '../../src/health/state.js';
import type { Prober, ProbeResult, ProbeSpec } from '../../src/health/types.js';
import { FakeClock, ManualTicker, ScriptedProber } from '../helpers/fake-time.js';

function spec(address: string): ProbeSpec {
  return {
    key: address,
    protocol: 'tcp',
    address,
    port: 80,
    host: address,
    path: '/',
    timeoutMs: 500,
    expect: [[200, 399]],
    headers: {},
    tls: { insecureSkipVerify: false },
  };
}

class Job implements ProbeJob {
  readonly spec: ProbeSpec;
  readonly results: ObservedResult[] = [];
  interval: number;
  fast = 1000;
  isChanging = false;
  constructor(address: string, interval: number) {
    this.spec = spec(address);
    this.interval = interval;
  }
  intervalMs() {
    return this.interval;
  }
  fastIntervalMs() {
    return this.fast;
  }
  changing() {
    return this.isChanging;
  }
  deliver(result: ObservedResult) {
    this.results.push(result);
  }
}

function setup(options: { maxConcurrent?: number; prober?: Prober } = {}) {
  const clock = new FakeClock(0);
  const ticker = new ManualTicker();
  const scripted = new ScriptedProber(clock);
  const lateness: number[] = [];
  let seed = 1;
  const scheduler = new ProbeScheduler({
    prober: options.prober ?? scripted,
    clock,
    ticker,
    random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
    onLateness: (ms) => lateness.push(ms),
    ...(options.maxConcurrent === undefined ? {} : { maxConcurrent: options.maxConcurrent }),
  });
  scheduler.start();
  /** Advances time with the once-a-second cron tick, as node-cron would deliver it. */
  const advance = (ms: number) => clock.advance(ms, () => ticker.tick());
  return { clock, ticker, prober: scripted, scheduler, lateness, advance };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => Math.round(t - times[i]));

describe('probe scheduler', () => {
  for (const interval of [1000, 2000, 5000, 30_000]) {
    it(`fires a ${interval / 1000}s interval on time, every time`, async () => {
      const { prober, scheduler, lateness, advance } = setup();
      scheduler.add(new Job('192.0.2.1', interval));
      await advance(interval * 12);
      const calls = prober.callsTo('192.0.2.1');
      assert.ok(calls[0] < Math.min(interval, INITIAL_SPREAD_MS), 'first run within the initial spread');
      // Run 2 is placed within [interval/2, 3 interval/2) to scatter phases; from there on, exact intervals.
      const [second, ...steady] = gaps(calls);
      assert.ok(second >= interval / 2 && second < (interval * 3) / 2, `second gap ${second}`);
      assert.ok(steady.length >= 9);
      assert.deepEqual(
        steady,
        steady.map(() => interval),
      );
      assert.deepEqual(
        lateness.filter((l) => l !== 0),
        [],
        'no probe started late',
      );
    });
  }

  it('probes at the fast interval while a target is changing, then returns to the interval', async () => {
    const { prober, scheduler, advance } = setup();
    const job = new Job('192.0.2.1', 5000);
    scheduler.add(job);
    await advance(12_000);
    const before = prober.callsTo('192.0.2.1').length;
    job.isChanging = true;
    await advance(5000); // the next regular run happens, then fast runs follow
    job.isChanging = false;
    await advance(20_000);
    const g = gaps(prober.callsTo('192.0.2.1').slice(before - 1));
    assert.ok(g.includes(1000), `fast gaps expected in ${g.join(',')}`);
    assert.equal(g.at(-1), 5000, 'back to the regular interval');
  });

  it('spreads 1,000 targets on a 5s interval over the interval', async () => {
    const { prober, scheduler, advance } = setup();
    for (let i = 0; i < 1000; i++) scheduler.add(new Job(`10.0.${i >> 8}.${i & 255}`, 5000));
    await advance(30_000);
    // Count runs per 250 ms slot over one steady-state interval: no slot may hold a crowd.
    const slots = new Array<number>(20).fill(0);
    for (const call of prober.calls) if (call.at >= 20_000 && call.at < 25_000) slots[Math.floor((call.at - 20_000) / 250)]++;
    assert.equal(
      slots.reduce((a, b) => a + b, 0),
      1000,
      'each target probed once per interval',
    );
    // Uniform phases put ~50 in each slot; the initial 2 s spread alone would leave most slots empty.
    assert.ok(Math.min(...slots) > 20 && Math.max(...slots) < 90, `probes per 250 ms slot: ${slots.join(',')}`);
  });

  it('keeps only probes due within the horizon armed: the cron tick arms the rest', async () => {
    const { clock, scheduler, advance } = setup();
    for (let i = 0; i < 100; i++) scheduler.add(new Job(`192.0.2.${i}`, 30_000));
    await advance(40_000);
    assert.ok(clock.pendingTimers < 20, `${clock.pendingTimers} timers armed for probes 30 s apart`);
  });

  it('caps probes in flight; the rest queue and start as others finish', async () => {
    const clock = new FakeClock(0);
    const releases: Array<() => void> = [];
    let active = 0;
    let maxActive = 0;
    const slow: Prober = {
      probe: () =>
        new Promise<ProbeResult>((resolve) => {
          active++;
          maxActive = Math.max(maxActive, active);
          releases.push(() => {
            active--;
            resolve({ ok: true, durationMs: 1, reason: 'ok' });
          });
        }),
    };
    const ticker = new ManualTicker();
    const lateness: number[] = [];
    const scheduler = new ProbeScheduler({ prober: slow, clock, ticker, maxConcurrent: 3, onLateness: (ms) => lateness.push(ms), random: () => 0 });
    scheduler.start();
    for (let i = 0; i < 10; i++) scheduler.add(new Job(`192.0.2.${i}`, 5000));
    await clock.advance(10);
    assert.equal(scheduler.inFlight, 3);
    assert.equal(scheduler.queued, 7);
    await clock.advance(100);
    releases.shift()!();
    await clock.advance(0);
    assert.equal(scheduler.inFlight, 3, 'a queued probe took the freed place');
    assert.equal(scheduler.queued, 6);
    assert.equal(lateness.at(-1), 110, 'its wait (planned at 0, started at 110) shows as lateness');
    assert.equal(maxActive, 3);
  });

  it('stops probing a removed target', async () => {
    const { prober, scheduler, advance } = setup();
    scheduler.add(new Job('192.0.2.1', 1000));
    await advance(5000);
    scheduler.remove('192.0.2.1');
    const count = prober.calls.length;
    await advance(10_000);
    assert.equal(prober.calls.length, count);
    assert.equal(scheduler.size, 0);
  });

  it('runs a probe soon on request (a new address appeared)', async () => {
    const { prober, scheduler, advance } = setup();
    scheduler.add(new Job('192.0.2.1', 30_000));
    await advance(3000);
    const count = prober.calls.length;
    scheduler.runSoon('192.0.2.1');
    await advance(1);
    assert.equal(prober.calls.length, count + 1);
  });
  // The probe thread's jobs hear changing() and the intervals only after a result has been delivered to the
  // main thread and its answer has come back; jobChanged then plans the next run again from the last one.
  it('plans the next run again when a job changes after its result was delivered', async () => {
    const { prober, scheduler, advance } = setup();
    const job = new Job('192.0.2.1', 5000);
    let afterResult: (() => void) | undefined;
    job.deliver = (result) => {
      job.results.push(result);
      const react = afterResult;
      afterResult = undefined;
      // Later than the scheduler's own planning, as an answer from another thread would be.
      if (react !== undefined) queueMicrotask(react);
    };
    scheduler.add(job);
    await advance(12_000);
    const before = prober.callsTo('192.0.2.1').length;
    afterResult = () => {
      job.isChanging = true;
      scheduler.jobChanged(job.spec.key);
      afterResult = () => {
        job.isChanging = false;
        scheduler.jobChanged(job.spec.key);
      };
    };
    await advance(12_000);
    const g = gaps(prober.callsTo('192.0.2.1').slice(before - 1));
    // Without jobChanged the runs would keep the plan made with the stale flag: 5000 then 1000.
    assert.deepEqual(g.slice(0, 3), [5000, 1000, 5000]);
  });

  it('plans the next run with a new interval when told (a reload shortened it)', async () => {
    const { prober, scheduler, advance } = setup();
    const job = new Job('192.0.2.1', 30_000);
    scheduler.add(job);
    await advance(70_000);
    const last = prober.callsTo('192.0.2.1').at(-1)!;
    job.interval = 2000;
    scheduler.jobChanged(job.spec.key);
    await advance(10_000);
    const after = prober.callsTo('192.0.2.1').filter((at) => at > last);
    assert.ok(after.length >= 4, `runs after the change: ${after.map((at) => at - last).join(',')}`);
    assert.deepEqual(
      gaps([last, ...after]).slice(1),
      after.slice(1).map(() => 2000),
    );
  });
});
