// Zone files are read, parsed and validated in a worker thread: the query path's event loop stays free while a
// large zone set loads, and the parser's garbage dies with the thread instead of swelling the server's heap.

import { Worker } from 'node:worker_threads';
import type { ValidationOptions } from './validate.js';
import type { ZoneLoadResult } from './model.js';

export interface LoadRequest {
  readonly dir: string;
  readonly knownClusters?: readonly string[];
}

export async function loadZoneDirectoryOffThread(dir: string, options: ValidationOptions = {}): Promise<ZoneLoadResult> {
  const request: LoadRequest = { dir, ...(options.knownClusters === undefined ? {} : { knownClusters: [...options.knownClusters] }) };
  const worker = new Worker(new URL('./load-thread-main.js', import.meta.url), { workerData: request });
  try {
    return await new Promise<ZoneLoadResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the zone loader thread exited (${code}) without a result`)));
    });
  } finally {
    void worker.terminate();
  }
}
