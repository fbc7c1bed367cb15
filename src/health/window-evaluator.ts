// Adapter from the maintenance runner's WindowEvaluator port to the pure cron functions. Schedules are parsed
// once per expression: the runner asks about every window on each evaluation and for /status. The parsed cache
// belongs to one evaluator (one per server), not to the module.

import { parseCron, windowState, type CronSchedule } from '../base/cron.js';
import type { WindowEvaluator } from './maintenance.js';

export function createWindowEvaluator(): WindowEvaluator {
  const parsed = new Map<string, CronSchedule | undefined>();
  const scheduleOf = (cron: string): CronSchedule | undefined => {
    if (!parsed.has(cron)) {
      const result = parseCron(cron);
      // Zone validation rejects invalid expressions, so this only guards hand-built zone sets.
      parsed.set(cron, 'error' in result ? undefined : result);
    }
    return parsed.get(cron);
  };
  return (cron, durationMs, nowMs) => {
    const schedule = scheduleOf(cron);
    if (schedule === undefined) return { active: false };
    const state = windowState({ schedule, durationMs }, nowMs);
    return {
      active: state.active,
      ...(state.activeSince === undefined ? {} : { activeSince: state.activeSince }),
      ...(state.activeUntil === undefined ? {} : { activeUntil: state.activeUntil }),
      ...(state.next === undefined ? {} : { next: state.next }),
    };
  };
}
