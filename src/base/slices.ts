// Long synchronous work (a full answer build, syncing tens of thousands of probes) runs as a generator of
// small steps, yielding to the event loop every few milliseconds so queries keep being answered meanwhile.

/** Runs `steps` to completion, giving the event loop a turn whenever a slice has run for `sliceMs`. */
export async function runInSlices<T>(steps: Generator<void, T>, sliceMs = 4): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

/** Runs `steps` at once, for callers that need the result synchronously. */
export function runAtOnce<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
