// Exponential backoff with jitter, as client-go's: each failure doubles the delay up to a ceiling, and a
// random half of it is jittered so that many watchers restarting together do not hit the API server in step.

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000 };

export class Backoff {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  #failures = 0;

  constructor(policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  /** The delay before the next attempt, and counts this failure. Uniform in [ceiling/2, ceiling]. */
  next(): number {
    const ceiling = Math.min(this.#policy.maxMs, this.#policy.initialMs * 2 ** this.#failures);
    this.#failures = Math.min(this.#failures + 1, 30);
    return ceiling / 2 + this.#random() * (ceiling / 2);
  }

  reset(): void {
    this.#failures = 0;
  }

  get failures(): number {
    return this.#failures;
  }
}
