// Drains: targets an operator (or a maintenance window) has taken out of rotation. A drain names a cluster (every
// `cluster:` target of that cluster) or an address (wherever it appears). A manual drain covers every zone served;
// a window's drain only the zone that declares it, so that one zone file cannot take down another's records.
// Manual drains are kept in a small JSON state file so that they survive a restart; window drains come and go
// with their schedule.
//
// In a peer group (issue 17) manual drains travel with the verdicts: each target's latest drain or undrain wins
// everywhere, "latest" by its wall-clock time and then its origin's name, so every instance that has heard the
// same operations holds the same drains, whatever order they arrived in. An undrain is kept as a tombstone,
// so a drain from before it, heard later, does not come back. Alone, an instance has only its own operations.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TargetConfig } from '../zone/model.js';
import { Errors } from '../base/errors.js';

export interface Drain {
  /** A cluster name or an IP address. */
  readonly target: string;
  /** ISO time the drain started. */
  readonly since: string;
  /** Who or what drained it: `manual`, or `maintenance <zone file>` for a window. */
  readonly by: string;
  readonly reason?: string;
  /** For a window: when it ends (ISO). */
  readonly until?: string;
  /** For a window: the zone that declares it, the only zone it drains. A manual drain covers every zone. */
  readonly zone?: string;
}

/** The latest manual drain or undrain of one target, as the state file and the peer link carry it. */
export interface DrainEntry {
  readonly target: string;
  readonly drained: boolean;
  /** Wall-clock ms of the operation: the later one wins. */
  readonly at: number;
  /** The instance where the operator made it ('' alone, or from a state file written before peer groups). */
  readonly origin: string;
  readonly reason?: string;
}

/** Targets with an operation held at most: a peer cannot make this instance hold unbounded drains. */
export const MAX_DRAIN_ENTRIES = 10_000;

/** Whether `a` supersedes `b`: later, or as late and from a greater origin (a tie every instance breaks the same way). */
export function supersedes(a: DrainEntry, b: DrainEntry | undefined): boolean {
  return b === undefined || a.at > b.at || (a.at === b.at && a.origin > b.origin);
}

/** Whether an address of a target of a record of `zone` is drained; read when answers are built. */
export interface DrainView {
  isDrained(zone: string, target: TargetConfig, address: string): boolean;
}

export const NO_DRAINS: DrainView = { isDrained: () => false };

/** Does a drain naming `name` cover this address of this target? */
export function drainCovers(name: string, target: TargetConfig, address: string): boolean {
  return address === name || (target.kind === 'cluster' && target.cluster === name);
}

/** Version 2 keeps every target's latest operation, undrains included; version 1 (drains only) is still read. */
interface StateFile {
  readonly version: 2;
  readonly drains: readonly DrainEntry[];
}

/** The one check load() makes of a drain read back: entries without a target are skipped. */
function hasTarget(entry: unknown): entry is { readonly target: string } {
  return typeof (entry as { target?: unknown } | null | undefined)?.target === 'string';
}

/** An entry read back from a file, either version: what it lacks is filled in so that a later operation wins. */
function entryFromFile(entry: { readonly target: string } & Record<string, unknown>): DrainEntry {
  const since = typeof entry.since === 'string' ? Date.parse(entry.since) : NaN;
  const at = typeof entry.at === 'number' ? entry.at : Number.isFinite(since) ? since : 0;
  return {
    target: entry.target,
    drained: entry.drained !== false,
    at,
    origin: typeof entry.origin === 'string' ? entry.origin : '',
    ...(typeof entry.reason === 'string' ? { reason: entry.reason } : {}),
  };
}

/** Manual drains, persisted; plus the drains of maintenance windows that are open now. */
export class DrainSet implements DrainView {
  readonly #file: string | undefined;
  readonly #origin: string;
  /** Every target's latest manual operation, undrains included. */
  #entries = new Map<string, DrainEntry>();
  /** The drained ones among them, as list() shows them: isDrained reads this on every answer build. */
  #manual = new Map<string, Drain>();
  #onManualChange: (() => void) | undefined;
  /** Keyed by windowKey: the same target may be drained by windows of several zones. */
  #windows = new Map<string, Drain>();
  /** Serialises state file writes: the last one wins, in order. */
  #writing: Promise<void> = Promise.resolve();

  /** `origin`: this instance's name in its peer group, stamped on its own operations ('' alone). */
  constructor(file: string | undefined, origin = '') {
    this.#file = file;
    this.#origin = origin;
  }

  /** Told after every change of the manual drains, local or merged: the peer link sends them on. */
  onManualChange(listener: () => void): void {
    this.#onManualChange = listener;
  }

  /** Reads the state file; a missing file means no drains. A corrupt one is an error (never silently undrain). */
  async load(): Promise<void> {
    if (this.#file === undefined) return;
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    // Untrusted until checked: the file may have been edited by hand.
    const state = JSON.parse(text) as { readonly version?: unknown; readonly drains?: unknown };
    if ((state.version !== 1 && state.version !== 2) || !Array.isArray(state.drains)) {
      throw Errors.stateFile([this.#file, 'not a Meridian state file (version 1 or 2)']);
    }
    const drains: readonly unknown[] = state.drains;
    this.#entries = new Map(
      drains.filter(hasTarget).map((d) => {
        const entry = entryFromFile(d);
        return [entry.target, entry];
      }),
    );
    this.#refreshManual();
  }

  /** Adds a manual drain; false when the target was already drained by hand. */
  async drain(target: string, reason: string | undefined, now: Date): Promise<boolean> {
    if (this.#manual.has(target)) return false;
    await this.#record({ target, drained: true, at: this.#nextAt(target, now), origin: this.#origin, ...(reason === undefined ? {} : { reason }) });
    return true;
  }

  /** Removes a manual drain; false when there was none. */
  async undrain(target: string, now: Date): Promise<boolean> {
    if (!this.#manual.has(target)) return false;
    await this.#record({ target, drained: false, at: this.#nextAt(target, now), origin: this.#origin });
    return true;
  }

  /** Every target's latest manual operation, undrains included: what a peer is sent. */
  entries(): DrainEntry[] {
    return [...this.#entries.values()];
  }

  /**
   * Merges a peer's entries: each one later than what is held replaces it. Returns the targets whose drained
   * state changed (to rebuild their records); saves and tells onManualChange when anything was replaced.
   */
  async merge(entries: readonly DrainEntry[]): Promise<string[]> {
    const changed: string[] = [];
    let replaced = false;
    for (const entry of entries) {
      const held = this.#entries.get(entry.target);
      if (!supersedes(entry, held) || (held === undefined && this.#entries.size >= MAX_DRAIN_ENTRIES)) continue;
      replaced = true;
      if ((held?.drained ?? false) !== entry.drained) changed.push(entry.target);
      this.#entries.set(entry.target, entry);
    }
    if (!replaced) return changed;
    this.#refreshManual();
    this.#onManualChange?.();
    await this.#save();
    return changed;
  }

  /**
   * A local operation's time: now, or just after the operation it replaces when that one is stamped later (a
   * peer's clock ahead of ours), so that what the operator did last here wins everywhere.
   */
  #nextAt(target: string, now: Date): number {
    return Math.max(now.getTime(), (this.#entries.get(target)?.at ?? -1) + 1);
  }

  async #record(entry: DrainEntry): Promise<void> {
    this.#entries.set(entry.target, entry);
    this.#refreshManual();
    this.#onManualChange?.();
    await this.#save();
  }

  #refreshManual(): void {
    const manual = new Map<string, Drain>();
    for (const entry of this.#entries.values()) {
      if (!entry.drained) continue;
      const by = entry.origin === '' || entry.origin === this.#origin ? 'manual' : `manual at ${entry.origin}`;
      manual.set(entry.target, {
        target: entry.target,
        since: new Date(entry.at).toISOString(),
        by,
        ...(entry.reason === undefined ? {} : { reason: entry.reason }),
      });
    }
    this.#manual = manual;
  }

  /** The drains of the maintenance windows open now, replacing the previous set. */
  setWindows(drains: readonly Drain[]): void {
    this.#windows = new Map(drains.map((d) => [windowKey(d.zone ?? '', d.target), d]));
  }

  /** The window drains open now, manually drained targets included. */
  windows(): Drain[] {
    return [...this.#windows.values()];
  }

  list(): Drain[] {
    return [...this.#manual.values(), ...[...this.#windows.values()].filter((d) => !this.#manual.has(d.target))];
  }

  isDrained(zone: string, target: TargetConfig, address: string): boolean {
    if (this.#manual.size === 0 && this.#windows.size === 0) return false;
    if (this.#manual.has(address) || this.#windows.has(windowKey(zone, address))) return true;
    return target.kind === 'cluster' && (this.#manual.has(target.cluster) || this.#windows.has(windowKey(zone, target.cluster)));
  }

  #save(): Promise<void> {
    const file = this.#file;
    if (file === undefined) return Promise.resolve();
    const state: StateFile = { version: 2, drains: [...this.#entries.values()] };
    const text = `${JSON.stringify(state, null, 2)}\n`;
    // Write then rename: a crash mid-write leaves the old file, never half of one.
    this.#writing = this.#writing.then(async () => {
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, text, { mode: 0o644 });
      await rename(temporary, file);
    });
    return this.#writing;
  }
}

/** A window drain's key: its zone and target (a newline is in neither). */
export function windowKey(zone: string, target: string): string {
  return `${zone}\n${target}`;
}
