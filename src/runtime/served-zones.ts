// The zones being served, and how a load or reload of the zone directory changes them. A file that fails
// keeps its zone's last good revision (or its zone answers SERVFAIL), unless the load is rejected whole: it read
// no file at all, or `strict` is set and any problem was found.

import { roundMs } from '../base/clock.js';
import { Errors } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import type { ReloadOutcome } from '../observability/status.js';
import type { ValidationOptions } from '../zone/load.js';
import { loadZoneDirectoryOffThread } from '../zone/load-thread.js';
import { blockingIssues, formatZoneIssue, isWarning, type ZoneConfig, type ZoneIssue, type ZoneLoadResult } from '../zone/model.js';
import { servingSet, type ServingSet, type ZoneFileFailure } from '../zone/serving.js';
import { ReloadQueue } from './reload-queue.js';

/** Reads and validates the zone directory; `served` lets unchanged zones be kept as the same objects. */
export type ZoneLoader = (dir: string, options: ValidationOptions, served?: readonly ZoneConfig[]) => Promise<ZoneLoadResult>;

export type ZoneReloadResult = 'ok' | 'invalid' | 'removed' | 'failed';

/** The settings zone loading reads (part of MeridianOptions). */
export interface ServedZonesSettings {
  readonly zonesDir: string;
  /** Reads and validates the zone directory (in a worker thread by default); tests make it fail. */
  readonly loadZones?: ZoneLoader;
  /**
   * Fail fast (default false). Without it, a zone file that fails to load does not stop the others: they are
   * served, and the failed file's zone keeps its last good revision or answers SERVFAIL. With it, any problem,
   * warnings included, stops the start and rejects a reload whole.
   */
  readonly strict?: boolean;
}

export interface ServedZonesDeps {
  readonly validation: ValidationOptions;
  /** Installs a serving set (probes, drains, answers); resolves with the milliseconds it took. */
  readonly apply: (set: ServingSet, initial: boolean) => Promise<number>;
  /** Counts each load by its result (meridian_zone_reloads_total). */
  readonly countReload: (result: ZoneReloadResult) => void;
  readonly logger: Logger;
  /** A number of probes, for the log line of each load. */
  readonly probeCount: () => number;
}

export class ServedZones {
  readonly #options: ServedZonesDeps & { readonly zonesDir: string; readonly load: ZoneLoader; readonly strict: boolean };
  #zones: readonly ZoneConfig[] = [];
  /** Files that failed to load, and what is answered for each. */
  #failed: readonly ZoneFileFailure[] = [];
  /** The zones answered SERVFAIL. */
  #servfail: readonly string[] = [];
  #lastReload: ReloadOutcome = { ok: false, at: new Date(0).toISOString(), issues: [], serials: {} };
  #firstLoad: ZoneLoadResult | undefined;
  #serving = false;
  readonly #reloads: ReloadQueue;

  constructor(settings: ServedZonesSettings, deps: ServedZonesDeps) {
    this.#options = { ...deps, zonesDir: settings.zonesDir, load: settings.loadZones ?? loadZoneDirectoryOffThread, strict: settings.strict ?? false };
    this.#reloads = new ReloadQueue({
      reloadOnce: (reason) => this.#reloadOnce(reason),
      onFailure: (reason, error) => this.#reloadFailed(reason, error),
      lastOutcome: () => this.#lastReload,
      logger: deps.logger,
    });
  }

  get zones(): readonly ZoneConfig[] {
    return this.#zones;
  }

  get failedFiles(): readonly ZoneFileFailure[] {
    return this.#failed;
  }

  get servfailZones(): readonly string[] {
    return this.#servfail;
  }

  /** Whether the first load has been applied: from then on a change of drains rebuilds what it touches. */
  get serving(): boolean {
    return this.#serving;
  }

  get lastReload(): ReloadOutcome {
    return this.#lastReload;
  }

  /** Reads the zone directory for the first time; throws when the load is rejected whole. Apply with applyFirst(). */
  async readFirst(): Promise<void> {
    this.#reloads.readStarting();
    const result = await this.#options.load(this.#options.zonesDir, this.#options.validation);
    if (rejectedWhole(result, this.#options.strict)) {
      const problems = blockingIssues(result.issues, this.#options.strict);
      throw Errors.zonesInvalid([problems.length, problems.map(formatZoneIssue).join('\n')]);
    }
    const first = servingSet([], result);
    this.#logIssues(result.issues, first.failed);
    this.#install(first);
    this.#firstLoad = result;
  }

  /** Applies what readFirst() read: the server starts serving it. */
  async applyFirst(): Promise<void> {
    const result = this.#firstLoad!;
    const ms = await this.#options.apply({ zones: this.#zones, failed: this.#failed, servfailZones: this.#servfail }, true);
    this.#options.countReload(result.ok ? 'ok' : 'invalid');
    this.#lastReload = outcome(result, this.#zones);
    this.#serving = true;
    this.#options.logger.info('zones loaded', {
      dir: this.#options.zonesDir,
      serials: this.#lastReload.serials,
      ...this.#failedCount(),
      probes: this.#options.probeCount(),
      buildMs: roundMs(ms),
    });
  }

  /**
   * Re-reads the directory and applies what changed. Reloads never overlap (see ReloadQueue); `changedAt`
   * (performance.now()) is when the file change that asks for it was last seen.
   */
  reload(reason: string, changedAt?: number): Promise<ReloadOutcome> {
    return this.#reloads.request(reason, changedAt);
  }

  async #reloadOnce(reason: string): Promise<ReloadOutcome> {
    const { logger } = this.#options;
    this.#reloads.readStarting();
    const result = await this.#options.load(this.#options.zonesDir, this.#options.validation, this.#zones);
    if (rejectedWhole(result, this.#options.strict)) {
      const issues = result.issues.map(formatZoneIssue);
      for (const issue of issues) logger.error('zone policy invalid; keeping the last good configuration', { issue });
      this.#options.countReload('invalid');
      this.#lastReload = { ok: false, at: new Date().toISOString(), issues, serials: serialsOf(this.#zones) };
      return this.#lastReload;
    }
    const next = servingSet(this.#zones, result);
    this.#logIssues(result.issues, next.failed);
    const changed = JSON.stringify(serialsOf(next.zones)) !== JSON.stringify(serialsOf(this.#zones)) || next.servfailZones.join() !== this.#servfail.join();
    // A deleted file is a valid change, but a zone no longer answered is rarely meant: say so loudly.
    const kept = new Set(next.zones.map((zone) => zone.zone));
    const removed = this.#zones.filter((zone) => !kept.has(zone.zone));
    for (const zone of removed) logger.warn('zone removed: no file declares it any more; no longer answered', { zone: zone.zone, file: zone.file, reason });
    this.#install(next);
    const ms = await this.#options.apply(next, false);
    // A reload with a failed file counts as invalid, though the other files' changes were applied.
    this.#options.countReload(!result.ok ? 'invalid' : removed.length > 0 ? 'removed' : 'ok');
    this.#lastReload = outcome(result, this.#zones);
    const message = !result.ok ? 'zones reloaded, except the files that failed' : changed ? 'zones reloaded' : 'zones reloaded, unchanged';
    logger.info(message, { reason, serials: this.#lastReload.serials, ...this.#failedCount(), probes: this.#options.probeCount(), buildMs: roundMs(ms) });
    return this.#lastReload;
  }

  /** A reload that threw (the loader thread died, or applying failed): not a zone issue, but the operator must see it. */
  #reloadFailed(reason: string, error: unknown): void {
    this.#options.countReload('failed');
    this.#options.logger.error('zone reload failed', { reason, error });
    this.#lastReload = { ok: false, at: new Date().toISOString(), issues: [`reload failed: ${String(error)}`], serials: serialsOf(this.#zones) };
  }

  #install(set: ServingSet): void {
    this.#zones = set.zones;
    this.#failed = set.failed;
    this.#servfail = set.servfailZones;
  }

  #failedCount(): { failedFiles?: number } {
    return this.#failed.length === 0 ? {} : { failedFiles: this.#failed.length };
  }

  #logIssues(issues: readonly ZoneIssue[], failed: readonly ZoneFileFailure[]): void {
    const { logger } = this.#options;
    const failures = new Map(failed.map((f) => [f.file, f]));
    for (const issue of issues) {
      if (isWarning(issue)) {
        logger.warn('zone policy warning', { issue: formatZoneIssue(issue) });
        continue;
      }
      const failure = failures.get(issue.file);
      logger.error(failure === undefined ? 'zone policy invalid' : FAILURE_LOG[failure.serving], {
        file: issue.file,
        ...(failure?.zone === undefined ? {} : { zone: failure.zone }),
        ...(failure?.serial === undefined ? {} : { servingSerial: failure.serial }),
        issue: formatZoneIssue(issue),
      });
    }
  }
}

const FAILURE_LOG: Readonly<Record<ZoneFileFailure['serving'], string>> = {
  'last-good': 'zone policy invalid; serving the last good revision of its zone',
  servfail: 'zone policy invalid; answering SERVFAIL for its zone',
  none: 'zone policy invalid; nothing is served from this file',
};

/**
 * A load that is not applied at all: one that read no file (the directory is unreadable or empty), or, with
 * `strict`, any problem.
 */
export function rejectedWhole(result: ZoneLoadResult, strict: boolean): boolean {
  if (strict) return blockingIssues(result.issues, true).length > 0;
  return !result.ok && result.failed.length === 0;
}

function outcome(result: ZoneLoadResult, zones: readonly ZoneConfig[]): ReloadOutcome {
  return { ok: result.ok, at: new Date().toISOString(), issues: result.issues.map(formatZoneIssue), serials: serialsOf(zones) };
}

function serialsOf(zones: readonly ZoneConfig[]): Record<string, number> {
  return Object.fromEntries(zones.map((zone) => [zone.zone, zone.soa.serial]));
}
