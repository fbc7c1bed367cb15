// The scheduler's once-a-second tick, driven by node-cron (see scheduler.ts for why the tick only arms timers).

import cron from 'node-cron';
import type { Logger } from '../observability/logger.js';
import type { CronPort } from './maintenance.js';
import type { Ticker } from './scheduler.js';

export function cronTicker(logger: Logger): Ticker {
  return {
    start(onTick) {
      const task = cron.schedule('* * * * * *', onTick, {
        name: 'meridian-probe-tick',
        noOverlap: true,
        // A tick exists to keep probes armed; it must not keep a stopping process alive.
        unref: true,
        // node-cron prints in colour on its own; route its words into our structured log instead.
        logger: {
          info: (message) => logger.debug(message, { component: 'node-cron' }),
          warn: (message) => logger.debug(message, { component: 'node-cron' }),
          error: (message) => logger.warn(String(message), { component: 'node-cron' }),
          debug: (message) => logger.debug(String(message), { component: 'node-cron' }),
        },
      });
      return { stop: () => void task.stop() };
    },
  };
}

/** Maintenance windows: node-cron calls back at each occurrence of a window's schedule (UTC). */
export function nodeCronPort(logger: Logger): CronPort {
  return {
    schedule(expression, onFire) {
      const task = cron.schedule(expression, onFire, { name: `meridian-maintenance ${expression}`, timezone: 'Etc/UTC', unref: true } as Parameters<typeof cron.schedule>[2]);
      logger.debug('maintenance schedule armed', { cron: expression });
      return { stop: () => void task.stop() };
    },
  };
}
