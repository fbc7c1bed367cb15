// Watches the zone directory and reports "something changed" once a burst of events has settled. Editors and
// `git pull` write several files and renames in a row, and a Kubernetes ConfigMap update swaps a `..data`
// symlink; a debounce turns each burst into one reload.

import { realpath } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../observability/logger.js';

export interface DirectoryWatcher {
  close(): void;
}

export interface WatchOptions {
  readonly debounceMs?: number;
  /** How often to try again when the directory cannot be watched (missing, unreadable). */
  readonly retryMs?: number;
  /**
   * How often to check whether the path now leads to another directory. git-sync publishes each commit by
   * pointing a symlink (`--link`) at a new worktree and deleting the old one: a watch on the old directory would
   * never fire again.
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
  const relinkCheckMs = options.relinkCheckMs ?? 2000;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let watched: string | undefined; // the real path the current watch is on

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
      watcher = watch(dir, { persistent: false }, changed);
      logger.debug('watching the zone directory', { dir });
      void realpath(dir).then((path) => (watched = path), () => (watched = undefined));
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
  const relink = setInterval(() => {
    if (watcher === undefined || watched === undefined) return;
    realpath(dir).then(
      (path) => {
        if (closed || watcher === undefined || path === watched) return;
        logger.info('zone directory now leads elsewhere; watching the new one', { dir, path });
        watcher.close();
        watcher = undefined;
        start(true);
      },
      () => {}, // gone for a moment: the watch's own error handling retries
    );
  }, relinkCheckMs);
  relink.unref();
  return {
    close() {
      closed = true;
      clearTimeout(debounce);
      clearTimeout(retry);
      clearInterval(relink);
      watcher?.close();
    },
  };
}
