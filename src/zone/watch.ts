// Watches the zone directory and reports "something changed" once a burst of events has settled. Editors and
// `git pull` write several files and renames in a row, and a Kubernetes ConfigMap update swaps a `..data`
// symlink; a debounce turns each burst into one reload.

import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../observability/logger.js';

export interface DirectoryWatcher {
  close(): void;
}

export interface WatchOptions {
  readonly debounceMs?: number;
  /** How often to try again when the directory cannot be watched (missing, unreadable). */
  readonly retryMs?: number;
}

export function watchDirectory(dir: string, onChange: () => void, logger: Logger, options: WatchOptions = {}): DirectoryWatcher {
  const debounceMs = options.debounceMs ?? 200;
  const retryMs = options.retryMs ?? 2000;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const changed = () => {
    clearTimeout(debounce);
    debounce = setTimeout(onChange, debounceMs);
  };
  const start = (afterFailure = false) => {
    if (closed) return;
    try {
      watcher = watch(dir, { persistent: false }, changed);
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
  return {
    close() {
      closed = true;
      clearTimeout(debounce);
      clearTimeout(retry);
      watcher?.close();
    },
  };
}
