// Handles messages one at a time, in the order they came, each after the one before has finished.

/**
 * Returns a function that queues `message` behind the ones before it. A handler that throws is reported to
 * `onError` and the queue goes on: chained on a rejected promise, every later message would be skipped.
 */
export function serialQueue<M>(handle: (message: M) => Promise<void>, onError: (error: unknown, message: M) => void): (message: M) => void {
  let queue: Promise<void> = Promise.resolve();
  return (message) => {
    queue = queue.then(() => handle(message)).catch((error: unknown) => onError(error, message));
  };
}
