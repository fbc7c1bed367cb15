// Drains: targets an operator (or a maintenance window) has taken out of rotation. A drain names a cluster (every
// `cluster:` target of that cluster) or an address (wherever it appears). A manual drain covers every zone served;
// a window's drain only the zone that declares it, so that one zone file cannot take down another's records.
// Manual drains are kept in a small JSON state file so that they survive a restart; window drains come and go
// with their schedule.

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

/** Whether an address of a target of a record of `zone` is drained; read when answers are built. */
export interface DrainView {
  isDrained(zone: string, target: TargetConfig, address: string): boolean;
}

export const NO_DRAINS: DrainView = { isDrained: () => false };

/** Does a drain naming `name` cover this address of this target? */
export function drainCovers(name: string, target: TargetConfig, address: string): boolean {
  return address === name || (target.kind === 'cluster' && target.cluster === name);
}

interface StateFile {
  readonly version: 1;
  readonly drains: readonly Drain[];
}

/** The one check load() makes of a drain read back: entries without a target are skipped. */
function hasTarget(entry: unknown): entry is Drain {
  return typeof (entry as { target?: unknown } | null | undefined)?.target === 'string';
}

/** Manual drains, persisted; plus the drains of maintenance windows that are open now. */
export class DrainSet implements DrainView {
  readonly #file: string | undefined;
  #manual = new Map<string, Drain>();
  /** Keyed by windowKey: the same target may be drained by windows of several zones. */
  #windows = new Map<string, Drain>();
  /** Serialises state file writes: the last one wins, in order. */
  #writing: Promise<void> = Promise.resolve();

  constructor(file: string | undefined) {
    this.#file = file;
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
    if (state.version !== 1 || !Array.isArray(state.drains)) throw Errors.stateFile([this.#file, 'not a Meridian state file (version 1)']);
    const drains: readonly unknown[] = state.drains;
    this.#manual = new Map(drains.filter(hasTarget).map((d) => [d.target, d]));
  }

  /** Adds a manual drain; false when the target was already drained by hand. */
  async drain(target: string, reason: string | undefined, now: Date): Promise<boolean> {
    if (this.#manual.has(target)) return false;
    this.#manual.set(target, { target, since: now.toISOString(), by: 'manual', ...(reason === undefined ? {} : { reason }) });
    await this.#save();
    return true;
  }

  /** Removes a manual drain; false when there was none. */
  async undrain(target: string): Promise<boolean> {
    if (!this.#manual.delete(target)) return false;
    await this.#save();
    return true;
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
    const state: StateFile = { version: 1, drains: [...this.#manual.values()] };
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
