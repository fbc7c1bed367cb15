// Stopping: a start that fails half-way undoes its steps in reverse; a graceful drain turns readiness off at
// once and closes the listeners after the delay; a stop ends everything at once. The parts are fakes that
// record what was asked of them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerReadiness } from '../../src/runtime/readiness.js';
import { drainGracefully, stopNow, StartupUndo, type RunningParts } from '../../src/runtime/shutdown.js';
import { recordingLogger } from '../helpers/recording-logger.js';

describe('StartupUndo', () => {
  it('undoes the steps added so far in reverse order when the start throws, and rethrows the same error', async () => {
    const undo = new StartupUndo();
    const undone: string[] = [];
    const failure = new Error('cannot listen');
    const started = undo.run(async () => {
      undo.add(() => undone.push('discovery'));
      // An async step is awaited before the one added before it runs.
      undo.add(async () => {
        await Promise.resolve();
        undone.push('zone watch');
      });
      undo.add(() => undone.push('dns'));
      await Promise.resolve();
      throw failure;
    });
    await assert.rejects(started, (error) => error === failure);
    assert.deepEqual(undone, ['dns', 'zone watch', 'discovery']);
  });

  it('undoes nothing when the start succeeds, and returns what it returned', async () => {
    const undo = new StartupUndo();
    const undone: string[] = [];
    const result = await undo.run(() => {
      undo.add(() => undone.push('discovery'));
      return Promise.resolve('running');
    });
    assert.equal(result, 'running');
    assert.deepEqual(undone, []);
  });

  it('rethrows a failure before any step was added', async () => {
    const failure = new Error('bad options');
    await assert.rejects(
      new StartupUndo().run(() => Promise.reject(failure)),
      (error) => error === failure,
    );
  });
});

/** Running parts that record each stop, drain and close, in order. */
function fakeParts(options: { admin?: boolean } = {}) {
  const events: string[] = [];
  const logger = recordingLogger();
  const readiness = new ServerReadiness([]);
  const parts: RunningParts = {
    readiness,
    logger,
    background: ['scheduler', 'discovery', 'zone watch'].map((name) => ({ stop: () => void events.push(`stop ${name}`) })),
    dns: {
      endpoints: [{ host: '127.0.0.1', port: 5353 }],
      drain: (timeoutMs) => {
        events.push(`drain dns ${timeoutMs}`);
        return Promise.resolve();
      },
      close: () => {
        events.push('close dns');
        return Promise.resolve();
      },
    },
    admin:
      options.admin === false
        ? undefined
        : {
            close: () => {
              events.push('close admin');
              return Promise.resolve();
            },
          },
  };
  return { parts, events, logger, readiness };
}

describe('drainGracefully', () => {
  it('is not ready at once, then stops the background parts, drains DNS with the timeout and closes admin', async () => {
    const { parts, events, logger, readiness } = fakeParts();
    assert.equal(readiness.ready(), true);
    const drained = drainGracefully(parts, { delayMs: 0, timeoutMs: 1500 });
    assert.equal(readiness.ready(), false, 'readiness is off before the delay');
    assert.deepEqual(events, [], 'DNS is still answered during the delay');
    await drained;
    assert.deepEqual(events, ['stop scheduler', 'stop discovery', 'stop zone watch', 'drain dns 1500', 'close admin']);
    assert.deepEqual(logger.lines, [
      { level: 'info', message: 'draining: not ready; still answering', fields: { delayMs: 0, timeoutMs: 1500 } },
      { level: 'info', message: 'drained: listeners closed', fields: undefined },
    ]);
  });

  it('returns at once on a second call, while the first is under way and after it', async () => {
    const { parts, events } = fakeParts();
    const first = drainGracefully(parts, { delayMs: 0, timeoutMs: 1500 });
    await drainGracefully(parts, { delayMs: 0, timeoutMs: 1500 });
    assert.deepEqual(events, [], 'the second call did not wait for the first');
    await first;
    const afterFirst = [...events];
    await drainGracefully(parts, { delayMs: 0, timeoutMs: 1500 });
    assert.deepEqual(events, afterFirst, 'nothing is stopped or closed twice');
  });

  it('drains without an admin server', async () => {
    const { parts, events } = fakeParts({ admin: false });
    await drainGracefully(parts, { delayMs: 0, timeoutMs: 10 });
    assert.deepEqual(events, ['stop scheduler', 'stop discovery', 'stop zone watch', 'drain dns 10']);
  });
});

describe('stopNow', () => {
  it('is not ready, stops the background parts and closes DNS and admin, without a drain', async () => {
    const { parts, events, readiness } = fakeParts();
    await stopNow(parts);
    assert.equal(readiness.ready(), false);
    assert.deepEqual(events, ['stop scheduler', 'stop discovery', 'stop zone watch', 'close dns', 'close admin']);
  });
});
