// Reload serialisation. Reloads never overlap: a request during a reload joins it and makes it run once more
// after, with the newest files, under the reasons that joined. A file change whose events all came before a reload began reading (files
// written, then SIGHUP) is already in that reload, so it does not start another.

import type { Logger } from '../base/logger.js';
import type { ReloadOutcome } from '../observability/status.js';

export interface ReloadQueueOptions {
  /** One reload: reads the files and applies them. */
  readonly reloadOnce: (reason: string) => Promise<ReloadOutcome>;
  /** A reload that threw (not a zone issue: the loader died, or applying failed). */
  readonly onFailure: (reason: string, error: unknown) => void;
  /** The outcome of the last reload, the first load included. */
  readonly lastOutcome: () => ReloadOutcome;
  readonly logger: Logger;
  /** performance.now() by default: the clock file-change times are measured on. */
  readonly now?: () => number;
}

export class ReloadQueue {
  readonly #options: ReloadQueueOptions;
  readonly #now: () => number;
  #running: Promise<ReloadOutcome> | undefined;
  /** Reasons of the requests that joined the running reload, in arrival order: the next run's reason. */
  readonly #joined = new Set<string>();
  /** When the running or last reload (the first load included) began reading the files. */
  #lastReadStartedAt: number;

  constructor(options: ReloadQueueOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#lastReadStartedAt = this.#now();
  }

  /** Marks the start of a read of the files: a change before it is in what that read sees. */
  readStarting(): void {
    this.#lastReadStartedAt = this.#now();
  }

  /** Requests a reload; `changedAt` (on the `now` clock) is when the change that asks for it was last seen. */
  request(reason: string, changedAt?: number): Promise<ReloadOutcome> {
    if (changedAt !== undefined && changedAt < this.#lastReadStartedAt) {
      this.#options.logger.debug('zone files changed before the last reload read them; not reloading again', { reason });
      return this.#running ?? Promise.resolve(this.#options.lastOutcome());
    }
    if (this.#running !== undefined) {
      this.#joined.add(reason);
      return this.#running;
    }
    this.#running = this.#run(reason);
    return this.#running;
  }

  async #run(firstReason: string): Promise<ReloadOutcome> {
    let reason = firstReason;
    try {
      for (;;) {
        try {
          const outcome = await this.#options.reloadOnce(reason);
          if (this.#joined.size === 0) return outcome;
        } catch (error) {
          this.#options.onFailure(reason, error);
          // A request that joined this reload wants the files as they are now: it still gets its run.
          if (this.#joined.size === 0) throw error;
        }
        reason = [...this.#joined].join(', ');
        this.#joined.clear();
      }
    } finally {
      // Also after a failure: a reload left running would hand every later request the same rejection.
      this.#running = undefined;
    }
  }
}
