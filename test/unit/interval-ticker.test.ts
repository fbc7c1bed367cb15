import assert from 'node:assert/strict';
import { it } from 'node:test';
import { intervalTicker } from '../../src/health/cron-ticker.js';

it('the interval ticker ticks until stopped, without holding the process', async () => {
  let ticks = 0;
  let handle: { stop(): void } | undefined;
  // A ref'd timer keeps the test alive while it waits for the unref'd tick.
  const keepAlive = setTimeout(() => undefined, 10_000);
  await new Promise<void>((resolve) => {
    handle = intervalTicker(5).start(() => {
      ticks += 1;
      if (ticks === 3) resolve();
    });
  });
  handle!.stop();
  clearTimeout(keepAlive);
  const stoppedAt = ticks;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(ticks, stoppedAt, 'no tick after stop');
});
