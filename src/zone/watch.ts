// Watches the zone directory and reports "something changed" once a burst of events has settled. Editors and
// `git pull` write several files and renames in a row, and a Kubernetes ConfigMap update swaps a `..data`
// symlink; a debounce turns each burst into one reload.

import { readdir, realpath } from 'node:fs/promises';
import { readdirSync, realpathSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../base/logger.js';

export interface DirectoryWatcher {
  /** Compares what the directory and its symlinks lead to now with what the watch was set on; reloads if they differ. */
  check(): void;
  close(): void;
}

export interface WatchOptions {
  readonly debounceMs?: number;
  /** How often to try again when the directory cannot be watched (missing, unreadable). */
  readonly retryMs?: number;
  /**
   * How often to check whether the path, or a symlink in the directory, now leads elsewhere. git-sync publishes
   * each commit by pointing a symlink (`--link`) at a new worktree and deleting the old one: a watch on the old
   * directory would never fire again, and a re-pointed link outside the directory fires no event at all.
   * 1 s, so that with the debounce and the load a new revision is served within the 2 s operations.md promises.
   */
  readonly relinkCheckMs?: number;
}

/**
 * Calls `onChange` once a burst of changes has settled, with when the burst's last event arrived
 * (performance.now()): a reload that began reading the files after that has already seen every change in it.
 */
export function watchDirectory(dir: string, onChange: (lastEventAt: number) => void, logger: Logger, options: WatchOptions = {}): DirectoryWatcher {
  const debounceMs = options.debounceMs ?? 200;
  const retryMs = options.retryMs ?? 2000;
  const relinkCheckMs = options.relinkCheckMs ?? 1000;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let watched: string | undefined; // what the directory and its symlinks resolved to just before the watch was set

  const changed = () => {
    const at = performance.now();
    if (debounce === undefined) logger.debug('zone directory changed; reloading once it settles', { dir, debounceMs });
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      onChange(at);
    }, debounceMs);
  };
  const start = (afterFailure = false) => {
    if (closed) return;
    try {
      // Resolved before the watch is set, synchronously: a swap after this point makes the next check differ.
      // Resolved after, a swap in between left the watch on the old worktree while the checks saw nothing new.
      watched = resolvedSync(dir);
      watcher = watch(dir, { persistent: false }, changed);
      logger.debug('watching the zone directory', { dir });
      // The directory may have changed while it could not be watched.
      if (afterFailure) changed();
      watcher.on('error', (error) => {
        logger.warn('zone directory watch failed; retrying', { dir, error });
        watcher?.close();
        watcher = undefined;
        changed();
        retry = setTimeout(start, retryMs, true);
      });
    } catch (error) {
      logger.warn('cannot watch zone directory; retrying', { dir, error });
      retry = setTimeout(start, retryMs, true);
    }
  };
  start();
  const check = () => {
    if (watcher === undefined) return;
    const was = watched; // undefined if it could not be resolved then: anything resolved now differs
    resolved(dir).then(
      (now) => {
        if (closed || watcher === undefined || watched !== was || now === was) return;
        logger.info('zone directory, or a symlink in it, now leads elsewhere; watching anew', { dir, path: (JSON.parse(now) as string[])[0] });
        watcher.close();
        watcher = undefined;
        start(true);
      },
      () => {}, // gone for a moment: the watch's own error handling retries
    );
  };
  const relink = setInterval(check, relinkCheckMs);
  relink.unref();
  return {
    check,
    close() {
      closed = true;
      clearTimeout(debounce);
      clearTimeout(retry);
      clearInterval(relink);
      watcher?.close();
    },
  };
}

/**
 * What `dir` and every entry in it resolve to, as one string: changes when the path leads to another directory
 * or a symlink in it is re-pointed, even where no watch event comes. Entries that cannot be resolved (a link
 * dangling for a moment) count as themselves. Throws when `dir` itself cannot be resolved.
 */
async function resolved(dir: string): Promise<string> {
  const real = await realpath(dir);
  const names = (await readdir(real)).sort();
  const targets = await Promise.all(names.map((name) => realpath(join(real, name)).catch(() => name)));
  return JSON.stringify([real, ...targets]);
}

function resolvedSync(dir: string): string | undefined {
  try {
    const real = realpathSync(dir);
    const names = readdirSync(real).sort();
    return JSON.stringify([
      real,
      ...names.map((name) => {
        try {
          return realpathSync(join(real, name));
        } catch {
          return name;
        }
      }),
    ]);
  } catch {
    return undefined; // the watch below fails too, and its retry resolves again
  }
}
