// Health checking as the running server uses it: the probe scheduler (in a thread of its own in production),
// the monitor that turns probe results into health, the drains and their state file, and maintenance windows.

import type { Clock } from '../base/clock.js';
import { Errors, MeridianError } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import type { RecordRef } from '../base/names.js';
import { intervalTicker, nodeCronPort } from '../health/cron-ticker.js';
import { DrainSet, type Drain } from '../health/drains.js';
import { MaintenanceRunner, type CronPort } from '../health/maintenance.js';
import { HealthMonitor, type HealthMonitorOptions, type HealthObserver } from '../health/monitor.js';
import { createProber } from '../health/probe.js';
import { ProbePlanner } from '../health/probe-plan.js';
import { ThreadedProbeScheduler } from '../health/probe-thread.js';
import { ProbeScheduler, type ProbeSchedulerPort, type Ticker } from '../health/scheduler.js';
import type { Prober } from '../health/types.js';
import { createWindowEvaluator } from '../health/window-evaluator.js';

/**
 * The settings health checking reads (part of MeridianOptions). Probes run in this thread, where a test can
 * drive them, when a prober, clock or ticker is injected; otherwise in a thread of their own
 * (health/probe-thread.ts), so that their garbage collections never pause queries.
 */
export interface HealthCheckingSettings {
  readonly prober?: Prober;
  readonly clock?: Clock;
  readonly ticker?: Ticker;
  readonly maxConcurrentProbes?: number;
  /** Where manual drains are kept, so they survive a restart; without it they last as long as the process. */
  readonly stateFile?: string;
  /** Fires maintenance windows (node-cron by default; tests drive it from a fake clock). */
  readonly maintenanceCron?: CronPort;
}

export interface HealthCheckingDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly observer: HealthObserver;
  /** Told how late each probe started (ms). */
  readonly onLateness: (lateMs: number) => void;
  /** Records whose health changed. */
  readonly onChange: (records: readonly RecordRef[]) => void;
  /** The drains of the maintenance windows open now, whenever that set changes. */
  readonly onWindowsChanged: (open: readonly Drain[]) => void;
  /** In a peer group: the quorum that decides, where this instance's own verdicts go, and its name (on its drains). */
  readonly peers?: Pick<HealthMonitorOptions, 'quorum' | 'onVerdicts'> & { readonly instance: string };
}

export interface HealthChecking {
  readonly scheduler: ProbeSchedulerPort;
  readonly monitor: HealthMonitor;
  /** Which addresses to probe: one planner for the server, so that what it planned for a record is kept. */
  readonly planner: ProbePlanner;
  readonly drains: DrainSet;
  readonly maintenance: MaintenanceRunner;
}

export async function startHealthChecking(settings: HealthCheckingSettings, deps: HealthCheckingDeps): Promise<HealthChecking> {
  const { clock, logger, onLateness } = deps;
  const maxConcurrent = settings.maxConcurrentProbes === undefined ? {} : { maxConcurrent: settings.maxConcurrentProbes };
  const inThisThread = settings.prober !== undefined || settings.clock !== undefined || settings.ticker !== undefined;
  const scheduler: ProbeSchedulerPort = !inThisThread
    ? new ThreadedProbeScheduler({ logger, onLateness, ...maxConcurrent })
    : new ProbeScheduler({ prober: settings.prober ?? createProber(), clock, ticker: settings.ticker ?? intervalTicker(), onLateness, ...maxConcurrent });
  const drains = new DrainSet(settings.stateFile, deps.peers?.instance);
  try {
    await drains.load();
  } catch (error) {
    scheduler.stop();
    if (error instanceof MeridianError) throw error;
    throw Errors.stateFile([settings.stateFile ?? '', (error as Error).message]);
  }
  const maintenance = new MaintenanceRunner({
    clock,
    cron: settings.maintenanceCron ?? nodeCronPort(logger),
    evaluate: createWindowEvaluator(),
    onChange: deps.onWindowsChanged,
  });
  const quorum = deps.peers === undefined ? {} : { quorum: deps.peers.quorum, onVerdicts: deps.peers.onVerdicts };
  const monitor = new HealthMonitor({ scheduler, clock, observer: deps.observer, onChange: deps.onChange, ...quorum });
  return { scheduler, monitor, planner: new ProbePlanner(), drains, maintenance };
}
