// Batching of partial rebuilds. Health changes arrive one probe result at a time, and cluster changes one watch
// event at a time; rebuilding the answer table for each would repeat the same work many times in one burst.
// Both are collected here and applied in one rebuild, and both wait while a full build is under way (it reads
// the latest health and endpoints itself, and what arrives during it is applied right after).

import type { Clock } from '../base/clock.js';
import { recordKey, type RecordRef } from '../base/names.js';

/** Whether a full build is running: a rebuild now would be overwritten by the table it is about to install. */
export interface BuildGate {
  readonly building: boolean;
}

/**
 * Records whose health changed, rebuilt together once the I/O burst that reported them is handled
 * (setImmediate), or, while a full build runs, right after it (flush()).
 */
export class RefreshBatcher {
  readonly #pending = new Map<string, RecordRef>();
  readonly #rebuild: (records: readonly RecordRef[]) => void;
  readonly #gate: BuildGate;
  readonly #defer: (callback: () => void) => void;
  #scheduled = false;

  constructor(options: { rebuild: (records: readonly RecordRef[]) => void; gate: BuildGate; defer?: (callback: () => void) => void }) {
    this.#rebuild = options.rebuild;
    this.#gate = options.gate;
    this.#defer = options.defer ?? setImmediate;
  }

  /** Queues records for the next batch. */
  add(records: Iterable<RecordRef>): void {
    for (const record of records) this.#pending.set(recordKey(record.zone, record.name), record);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#defer(() => {
      this.#scheduled = false;
      this.flush();
    });
  }

  /** Rebuilds these records (and whatever else is pending) now, or right after a build under way. */
  now(records: Iterable<RecordRef>): void {
    for (const record of records) this.#pending.set(recordKey(record.zone, record.name), record);
    this.flush();
  }

  /** Rebuilds what is pending now, unless a full build is running (it calls flush() again when done). */
  flush(): void {
    if (this.#pending.size === 0 || this.#gate.building) return;
    const records = [...this.#pending.values()];
    this.#pending.clear();
    this.#rebuild(records);
  }

  /** Forgets what is pending: a full build about to start reads the latest health of every record. */
  clear(): void {
    this.#pending.clear();
  }

  get pending(): number {
    return this.#pending.size;
  }
}

/**
 * Clusters whose endpoints changed, handled together after a short delay, so that a rollout touching many
 * objects costs one probe sync and one rebuild. While a full build runs the delay starts again.
 */
export class ClusterChangeBatcher {
  readonly #changed = new Set<string>();
  readonly #clock: Clock;
  readonly #gate: BuildGate;
  readonly #apply: (clusters: ReadonlySet<string> | undefined) => void;
  readonly #delayMs: number;
  #scheduled = false;

  /** `apply` gets the clusters that changed, or undefined when any may have (a hostname re-resolved). */
  constructor(options: { clock: Clock; gate: BuildGate; apply: (clusters: ReadonlySet<string> | undefined) => void; delayMs?: number }) {
    this.#clock = options.clock;
    this.#gate = options.gate;
    this.#apply = options.apply;
    this.#delayMs = options.delayMs ?? 20;
  }

  /** A cluster's endpoints changed; undefined: something every cluster target may use changed. */
  changed(cluster: string | undefined): void {
    this.#changed.add(cluster ?? ANY_CLUSTER);
    if (!this.#scheduled) this.#schedule();
  }

  /** Whether changes are waiting: until they are applied, probes for new endpoints have not started. */
  get pending(): boolean {
    return this.#scheduled;
  }

  #schedule(): void {
    this.#scheduled = true;
    this.#clock.setTimer(() => {
      this.#scheduled = false;
      this.#flush();
    }, this.#delayMs);
  }

  #flush(): void {
    // A full build under way reads the endpoints as they are now; this runs again after it.
    if (this.#gate.building) return this.#schedule();
    const clusters = new Set(this.#changed);
    this.#changed.clear();
    this.#apply(clusters.has(ANY_CLUSTER) ? undefined : clusters);
  }
}

/** Not a valid cluster name (registration names are DNS labels), so it cannot collide with one. */
const ANY_CLUSTER = '*';
