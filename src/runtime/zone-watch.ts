// Watching the zone directory from before the first read: a change (or a git-sync swap) while the server starts
// would otherwise be missed until the next one. Changes are held until the server is up, then handed on; the
// reload queue skips one whose events all predate the read that already saw them.

import type { Logger } from '../base/logger.js';
import { watchDirectory, type DirectoryWatcher } from '../zone/watch.js';

export interface ZoneWatchSettings {
  readonly zonesDir: string;
  /** Watch the zone directory and reload on change (default true). */
  readonly watch?: boolean;
}

export class HeldZoneWatch {
  readonly #watcher: DirectoryWatcher | undefined;
  #onChange: ((lastEventAt: number) => void) | undefined;
  #heldSince: number | undefined;

  /** `watch` false: no watching at all (reloads come only from SIGHUP and the admin API). */
  constructor(settings: ZoneWatchSettings, logger: Logger) {
    this.#watcher = (settings.watch ?? true) ? watchDirectory(settings.zonesDir, (lastEventAt) => this.#changed(lastEventAt), logger) : undefined;
  }

  /** From now on every change goes to `onChange`, starting with one held since the watch began. */
  release(onChange: (lastEventAt: number) => void): void {
    this.#onChange = onChange;
    if (this.#heldSince !== undefined) onChange(this.#heldSince);
    // What was loaded against what is there now: a swap since the watch was set is reloaded now, not in a second.
    this.#watcher?.check();
  }

  /** Stops watching (also as one of the parts a drain stops). */
  stop(): void {
    this.#watcher?.close();
  }

  #changed(lastEventAt: number): void {
    if (this.#onChange !== undefined) this.#onChange(lastEventAt);
    else this.#heldSince = Math.max(this.#heldSince ?? -Infinity, lastEventAt);
  }
}
