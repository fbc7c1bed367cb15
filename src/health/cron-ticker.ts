// The scheduler's once-a-second tick, driven by node-cron (see scheduler.ts for why the tick only arms timers).

import cron from 'node-cron';
import type { Logger } from '../observability/logger.js';
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
