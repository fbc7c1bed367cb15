// The worker thread of loadZoneDirectoryOffThread.
//
// Only what changed from the zones being served is posted (see load-thread.ts). Records are compared by a hash
// of their JSON: the validator builds every record with its keys in one order, so equal records give equal JSON.
//
// A large result is posted in pieces (each zone without its records, then its records 500 at a time): the
// receiving thread deserialises one message per event-loop turn, so no single turn holds up queries for the
// tens of milliseconds that 10,000 records take to deserialise.

import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { loadZoneDirectory } from './load.js';
import type { LoadMessage, LoadRequest } from './load-thread.js';
import type { RecordConfig } from './model.js';
import { LOADER_THREAD_NICE, lowerOwnThreadPriority } from '../base/thread-priority.js';

const RECORDS_PER_MESSAGE = 500;

// Loading is background work. On a machine with one core for the whole process, the kernel would otherwise
// give this thread whole time slices while queries wait; at the lowest priority it runs when the query thread
// is idle. Linux only; elsewhere it runs at normal priority.
lowerOwnThreadPriority(LOADER_THREAD_NICE);

const request = workerData as LoadRequest;
const result = await loadZoneDirectory(request.dir, {
  ...(request.knownClusters === undefined ? {} : { knownClusters: new Set(request.knownClusters) }),
  ...(request.hasGeoipDatabase === undefined ? {} : { hasGeoipDatabase: request.hasGeoipDatabase }),
  ...(request.dnssecKeys === undefined ? {} : { dnssecKeys: request.dnssecKeys }),
});
const post = (message: LoadMessage) => parentPort!.postMessage(message);
{
  // The zones that loaded are sent whether or not other files failed: a failed file does not stop the others.
  for (const zone of result.zones) {
    const served = request.served?.[zone.zone];
    if (served !== undefined && served.fingerprint === zone.fingerprint && served.file === zone.file) {
      post({ kind: 'same', zone: zone.zone });
      continue;
    }
    const prints = zone.records.map((record) => createHash('sha256').update(JSON.stringify(record)).digest('base64url').slice(0, 22));
    const recordPrints = zone.records.map((record, i) => `${record.name} ${prints[i]}`).join('\n');
    const servedPrints = new Set(served?.recordPrints.split('\n'));
    post({ kind: 'zone', zone: { ...zone, records: [], recordPrints } });
    for (let i = 0; i < zone.records.length; i += RECORDS_PER_MESSAGE) {
      const records: Array<RecordConfig | string> = zone.records
        .slice(i, i + RECORDS_PER_MESSAGE)
        .map((record, j) => (servedPrints.has(`${record.name} ${prints[i + j]}`) ? record.name : record));
      post({ kind: 'records', records });
    }
  }
  post({ kind: 'end', issues: result.issues, ...(result.ok ? {} : { failed: result.failed }) });
}
