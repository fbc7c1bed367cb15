// The reload queue: reloads never overlap, a request during one joins it and makes exactly one more run, a
// failure is reported and does not wedge the next request, and a file change already seen by a read is skipped.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReloadOutcome } from '../../src/observability/status.js';
import { ReloadQueue } from '../../src/runtime/reload-queue.js';
import { recordingLogger, type RecordingLogger } from '../helpers/recording-logger.js';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function outcomeOf(serial: number, ok = true): ReloadOutcome {
  return { ok, at: new Date(0).toISOString(), issues: [], serials: { 'gslb.example.com': serial } };
}

/** Lets a settled run's continuation (the next loop turn, the finally) happen. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/** A queue whose every run waits for the test to settle it, with its runs, failures and time in view. */
function scriptedQueue(lastOutcome: ReloadOutcome = outcomeOf(0)) {
  const runs: Array<{ reason: string; result: Deferred<ReloadOutcome> }> = [];
  const failures: Array<{ reason: string; error: unknown }> = [];
  const time = { now: 100 };
  let active = 0;
  let maxActive = 0;
  const logger: RecordingLogger = recordingLogger();
  const queue: ReloadQueue = new ReloadQueue({
    // Marks its read as ServedZones' reloads do, before reading anything.
    reloadOnce: async (reason) => {
      queue.readStarting();
      active++;
      maxActive = Math.max(maxActive, active);
      const result = deferred<ReloadOutcome>();
      runs.push({ reason, result });
      try {
        return await result.promise;
      } finally {
        active--;
      }
    },
    onFailure: (reason, error) => failures.push({ reason, error }),
    lastOutcome: () => lastOutcome,
    logger,
    now: () => time.now,
  });
  return { queue, runs, failures, time, logger, maxActive: () => maxActive };
}

describe('ReloadQueue', () => {
  it('runs one reload at a time; requests during it join it and cause exactly one more run', async () => {
    const { queue, runs, maxActive } = scriptedQueue();
    const first = queue.request('SIGHUP');
    const joined = [queue.request('admin API'), queue.request('zone files changed')];
    await settle();
    assert.equal(runs.length, 1, 'the joined requests do not start a second reload');
    for (const promise of joined) assert.equal(promise, first, 'a joined request waits on the running reload');

    runs[0].result.resolve(outcomeOf(1));
    await settle();
    assert.equal(runs.length, 2, 'one more run for all the joined requests together');
    runs[1].result.resolve(outcomeOf(2));
    assert.deepEqual(await first, outcomeOf(2), 'every caller gets the outcome of the run that read the newest files');
    await settle();
    assert.equal(runs.length, 2, 'no third run');
    assert.equal(maxActive(), 1, 'the runs never overlap');
  });

  // The extra run is logged under its own reasons: an operator's SIGHUP that lands during a file-change reload
  // must show as a SIGHUP reload, not vanish into "file change".
  const joinedReasonCases: ReadonlyArray<{ joined: string[]; reason: string }> = [
    { joined: ['SIGHUP'], reason: 'SIGHUP' },
    { joined: ['SIGHUP', 'SIGHUP'], reason: 'SIGHUP' },
    { joined: ['zone files changed', 'SIGHUP', 'zone files changed'], reason: 'zone files changed, SIGHUP' },
  ];
  for (const { joined, reason } of joinedReasonCases) {
    it(`runs the extra reload for ${joined.join(' + ')} as "${reason}"`, async () => {
      const { queue, runs } = scriptedQueue();
      const first = queue.request('file change');
      for (const joining of joined) void queue.request(joining);
      await settle();
      runs[0].result.resolve(outcomeOf(1));
      await settle();
      assert.deepEqual(
        runs.map((run) => run.reason),
        ['file change', reason],
      );
      runs[1].result.resolve(outcomeOf(2));
      await first;
    });
  }

  it('starts a fresh reload for a request after the last one finished', async () => {
    const { queue, runs } = scriptedQueue();
    const first = queue.request('SIGHUP');
    await settle();
    runs[0].result.resolve(outcomeOf(1));
    assert.deepEqual(await first, outcomeOf(1));

    const second = queue.request('SIGHUP');
    assert.notEqual(second, first);
    await settle();
    assert.equal(runs.length, 2);
    runs[1].result.resolve(outcomeOf(2));
    assert.deepEqual(await second, outcomeOf(2));
  });

  it('reports a failure, rejects its callers, and the next request still runs (not wedged)', async () => {
    const { queue, runs, failures } = scriptedQueue();
    const error = new Error('zone loader thread exited');
    const failed = queue.request('SIGHUP');
    await settle();
    runs[0].result.reject(error);
    await assert.rejects(failed, (thrown) => thrown === error);
    assert.deepEqual(failures, [{ reason: 'SIGHUP', error }]);

    const next = queue.request('admin API');
    await settle();
    assert.equal(runs.length, 2, 'a failed reload does not stay running');
    assert.equal(runs[1].reason, 'admin API');
    runs[1].result.resolve(outcomeOf(3));
    assert.deepEqual(await next, outcomeOf(3));
    assert.equal(failures.length, 1);
  });

  it('gives a request that joined a failing reload its own run, and resolves its callers with it', async () => {
    const { queue, runs, failures } = scriptedQueue();
    const error = new Error('applying failed');
    const first = queue.request('SIGHUP');
    const joined = queue.request('zone files changed');
    await settle();
    runs[0].result.reject(error);
    await settle();
    assert.deepEqual(failures, [{ reason: 'SIGHUP', error }], 'the failure is reported');
    assert.equal(runs.length, 2, 'the joined request gets its run');
    runs[1].result.resolve(outcomeOf(4));
    assert.deepEqual(await first, outcomeOf(4));
    assert.deepEqual(await joined, outcomeOf(4));
  });

  // The read marker is set when the queue is made (time 100) and by each run's readStarting().
  const skipCases: ReadonlyArray<{ name: string; changedAt: number | undefined; skipped: boolean }> = [
    { name: 'a change seen before the last read began', changedAt: 99, skipped: true },
    { name: 'a change seen as the last read began', changedAt: 100, skipped: false },
    { name: 'a change seen after the last read began', changedAt: 101, skipped: false },
    { name: 'a request with no change time (SIGHUP, admin API)', changedAt: undefined, skipped: false },
  ];
  for (const { name, changedAt, skipped } of skipCases) {
    it(`${skipped ? 'skips' : 'runs for'} ${name}`, async () => {
      const last = outcomeOf(7, false);
      const { queue, runs, logger } = scriptedQueue(last);
      const request = queue.request('zone files changed', changedAt);
      await settle();
      const debug = logger.lines.filter((line) => line.level === 'debug');
      if (skipped) {
        assert.equal(runs.length, 0);
        assert.deepEqual(await request, last, 'the last outcome stands');
        assert.deepEqual(debug, [
          {
            level: 'debug',
            message: 'zone files changed before the last reload read them; not reloading again',
            fields: { reason: 'zone files changed' },
          },
        ]);
      } else {
        assert.equal(runs.length, 1);
        assert.deepEqual(debug, []);
        runs[0].result.resolve(outcomeOf(8));
        assert.deepEqual(await request, outcomeOf(8));
      }
    });
  }

  it('hands a change already seen by the running reload that reload, without another run', async () => {
    const { queue, runs, time, logger } = scriptedQueue();
    time.now = 200;
    const running = queue.request('SIGHUP');
    await settle();
    assert.equal(runs.length, 1, 'the run marked its read at 200');
    const skipped = queue.request('zone files changed', 150);
    assert.equal(skipped, running);
    assert.equal(logger.messages('debug').length, 1);

    runs[0].result.resolve(outcomeOf(9));
    assert.deepEqual(await running, outcomeOf(9));
    await settle();
    assert.equal(runs.length, 1, 'the skipped change asked for no further run');
  });
});
