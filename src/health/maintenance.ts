// Maintenance windows from the zone files: a target is drained, in the window's own zone only, from each
// occurrence of its cron schedule for the window's duration. node-cron fires at each occurrence (in production); whether a window is open is always
// computed from the clock, so a server started in the middle of a window drains the target at once, and a
// window's end is a plain timer.

import type { ZoneConfig } from '../zone/model.js';
import type { Drain } from './drains.js';
import type { Clock, TimerHandle } from '../base/clock.js';

/** Whether a window is open at `nowMs`, and its next occurrence: window-evaluator.ts (over base/cron.ts) in production. */
export type WindowEvaluator = (
  cron: string,
  durationMs: number,
  nowMs: number,
) => { readonly active: boolean; readonly activeSince?: number; readonly activeUntil?: number; readonly next?: number };

/** Calls `onFire` at each occurrence of `cron`: node-cron in production; the tests drive it from a fake clock. */
export interface CronPort {
  schedule(cron: string, onFire: () => void): { stop(): void };
}

export interface MaintenanceWindowStatus {
  readonly zone: string;
  readonly file: string;
  readonly target: string;
  readonly cron: string;
  readonly duration: string;
  readonly active: boolean;
  readonly next: string | null;
  readonly activeUntil?: string;
  readonly reason?: string;
}

interface Window {
  readonly zone: string;
  readonly file: string;
  readonly target: string;
  readonly cron: string;
  readonly durationMs: number;
  readonly reason?: string;
}

export interface MaintenanceRunnerOptions {
  readonly clock: Clock;
  readonly cron: CronPort;
  readonly evaluate: WindowEvaluator;
  /** The drains of the windows open now, whenever that set changes. */
  readonly onChange: (drains: readonly Drain[]) => void;
}

export class MaintenanceRunner {
  readonly #options: MaintenanceRunnerOptions;
  #windows: Window[] = [];
  #tasks: Array<{ stop(): void }> = [];
  #endTimer: TimerHandle | undefined;
  #activeKey = '';

  constructor(options: MaintenanceRunnerOptions) {
    this.#options = options;
  }

  /** Takes the windows of a (re)loaded zone set and applies them at once. */
  setZones(zones: readonly ZoneConfig[]): void {
    this.stop();
    this.#windows = zones.flatMap((zone) =>
      zone.maintenance.map((w) => ({
        zone: zone.zone,
        file: zone.file,
        target: w.target,
        cron: w.cron,
        durationMs: w.durationMs,
        ...(w.reason === undefined ? {} : { reason: w.reason }),
      })),
    );
    // One task per distinct schedule: several windows may share one.
    for (const cron of new Set(this.#windows.map((w) => w.cron))) this.#tasks.push(this.#options.cron.schedule(cron, () => this.evaluate()));
    this.evaluate();
  }

  /** Recomputes which windows are open, tells onChange if that changed, and arms a timer for the next end. */
  evaluate(): void {
    const now = this.#options.clock.now();
    const drains: Drain[] = [];
    let nextEnd = Infinity;
    for (const window of this.#windows) {
      const state = this.#options.evaluate(window.cron, window.durationMs, now);
      if (!state.active) continue;
      const until = state.activeUntil ?? now;
      nextEnd = Math.min(nextEnd, until);
      drains.push({
        target: window.target,
        since: new Date(state.activeSince ?? now).toISOString(),
        by: `maintenance ${window.file}`,
        until: new Date(until).toISOString(),
        zone: window.zone,
        ...(window.reason === undefined ? {} : { reason: window.reason }),
      });
    }
    if (this.#endTimer !== undefined) this.#options.clock.clearTimer(this.#endTimer);
    this.#endTimer = nextEnd === Infinity ? undefined : this.#options.clock.setTimer(() => this.evaluate(), Math.max(0, nextEnd - now));
    const key = drains
      .map((d) => `${d.zone} ${d.target}@${d.since}`)
      .sort()
      .join(',');
    if (key !== this.#activeKey) {
      this.#activeKey = key;
      this.#options.onChange(drains);
    }
  }

  status(): MaintenanceWindowStatus[] {
    const now = this.#options.clock.now();
    return this.#windows.map((window) => {
      const state = this.#options.evaluate(window.cron, window.durationMs, now);
      return {
        zone: window.zone,
        file: window.file,
        target: window.target,
        cron: window.cron,
        duration: formatMs(window.durationMs),
        active: state.active,
        next: state.next === undefined ? null : new Date(state.next).toISOString(),
        ...(state.active && state.activeUntil !== undefined ? { activeUntil: new Date(state.activeUntil).toISOString() } : {}),
        ...(window.reason === undefined ? {} : { reason: window.reason }),
      };
    });
  }

  stop(): void {
    for (const task of this.#tasks) task.stop();
    this.#tasks = [];
    if (this.#endTimer !== undefined) this.#options.clock.clearTimer(this.#endTimer);
    this.#endTimer = undefined;
  }
}

function formatMs(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 || ms < 1000 ? `${s}s` : ''}`;
}
