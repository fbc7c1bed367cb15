// Time as every layer sees it: injectable, so tests run without real waiting (discovery's backoff, the health
// scheduler, the batching of rebuilds and the status document all read this, never Date.now directly).

/**
 * Whatever a clock's setTimer returns (a Node Timeout, a fake clock's number), to give back to its clearTimer.
 * Never undefined or null, so `TimerHandle | undefined` can stand for "no timer set".
 */
export type TimerHandle = NonNullable<unknown>;

/** Milliseconds to three decimals (a microsecond), for log fields: enough to compare, short to read. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export interface Clock {
  /** Milliseconds, monotonic within a process. */
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    // Probing alone must not keep a process alive (tests, the validate command).
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
