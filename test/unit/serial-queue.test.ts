// The worker's message queue: in order, one at a time, and a message whose handler throws does not stop the rest.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serialQueue } from '../../src/workers/serial-queue.js';

describe('serialQueue', () => {
  it('handles the messages after one that failed, and reports the failure', async () => {
    const handled: number[] = [];
    const failed: Array<{ message: number; error: string }> = [];
    let done!: () => void;
    const allDone = new Promise<void>((resolve) => (done = resolve));
    const push = serialQueue<number>(
      (message) => {
        if (message === 2) return Promise.reject(new Error('build failed'));
        handled.push(message);
        if (message === 4) done();
        return Promise.resolve();
      },
      (error, message) => failed.push({ message, error: (error as Error).message }),
    );
    for (const message of [1, 2, 3, 4]) push(message);
    await allDone;
    assert.deepEqual(handled, [1, 3, 4]);
    assert.deepEqual(failed, [{ message: 2, error: 'build failed' }]);
  });

  it('runs one handler at a time, in order', async () => {
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let done!: () => void;
    const allDone = new Promise<void>((resolve) => (done = resolve));
    const push = serialQueue<string>(
      async (message) => {
        events.push(`start ${message}`);
        if (message === 'a') await gate;
        events.push(`end ${message}`);
        if (message === 'b') done();
      },
      () => assert.fail('no handler throws'),
    );
    push('a');
    push('b');
    await Promise.resolve();
    release();
    await allDone;
    assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b']);
  });
});
