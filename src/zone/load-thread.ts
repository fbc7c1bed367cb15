// Zone files are read, parsed and validated in a worker thread: the query path's event loop stays free while a
// large zone set loads, and the parser's garbage dies with the thread instead of swelling the server's heap.

import { Worker } from 'node:worker_threads';
import type { ValidationOptions } from './validate.js';
import type { RecordConfig, ZoneConfig, ZoneIssue, ZoneLoadResult } from './model.js';

export interface LoadRequest {
  readonly dir: string;
  readonly knownClusters?: readonly string[];
}

/** What the loader thread posts: a zone, its records in pieces, and the end; or the issues of an invalid set. */
export type LoadMessage =
  | { readonly kind: 'invalid'; readonly issues: readonly ZoneIssue[] }
  | { readonly kind: 'zone'; readonly zone: ZoneConfig }
  | { readonly kind: 'records'; readonly records: readonly RecordConfig[] }
  | { readonly kind: 'end' };

export async function loadZoneDirectoryOffThread(dir: string, options: ValidationOptions = {}): Promise<ZoneLoadResult> {
  const request: LoadRequest = { dir, ...(options.knownClusters === undefined ? {} : { knownClusters: [...options.knownClusters] }) };
  const worker = new Worker(new URL('./load-thread-main.js', import.meta.url), { workerData: request });
  try {
    return await new Promise<ZoneLoadResult>((resolve, reject) => {
      const zones: Array<ZoneConfig & { records: RecordConfig[] }> = [];
      worker.on('message', (message: LoadMessage) => {
        switch (message.kind) {
          case 'invalid':
            return resolve({ ok: false, issues: message.issues });
          case 'zone':
            return void zones.push({ ...message.zone, records: [] });
          case 'records':
            return void zones.at(-1)!.records.push(...message.records);
          case 'end':
            return resolve({ ok: true, zones });
        }
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the zone loader thread exited (${code}) without a result`)));
    });
  } finally {
    void worker.terminate();
  }
}
