// The scheduler's once-a-second tick (see scheduler.ts for why the tick only arms timers), and node-cron for
// the maintenance windows' schedules. A fixed tick is an interval, which the platform's setInterval is; node-cron
// schedules calendar expressions and restarts `*/N` every minute, so it stays where a cron expression is meant.

import cron from 'node-cron';
import type { Logger } from '../base/logger.js';
import type { CronPort } from './maintenance.js';
import type { Ticker } from './scheduler.js';

export function intervalTicker(periodMs = 1000): Ticker {
  return {
    start(onTick) {
      const timer = setInterval(onTick, periodMs);
      // A tick exists to keep probes armed; it must not keep a stopping process alive.
      timer.unref();
      return { stop: () => clearInterval(timer) };
    },
  };
}

/** Maintenance windows: node-cron calls back at each occurrence of a window's schedule (UTC). */
export function nodeCronPort(logger: Logger): CronPort {
  return {
    schedule(expression, onFire) {
      const task = cron.schedule(expression, onFire, { name: `meridian-maintenance ${expression}`, timezone: 'Etc/UTC', unref: true });
      logger.debug('maintenance schedule armed', { cron: expression });
      return { stop: () => void task.stop() };
    },
  };
}
