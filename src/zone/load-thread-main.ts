// The worker thread of loadZoneDirectoryOffThread.
//
// A large result is posted in pieces (each zone without its records, then its records 500 at a time): the
// receiving thread deserialises one message per event-loop turn, so no single turn holds up queries for the
// tens of milliseconds that 10,000 records take to deserialise.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadZoneDirectory } from './load.js';
import type { LoadMessage, LoadRequest } from './load-thread.js';

const RECORDS_PER_MESSAGE = 500;

// Loading is background work. On a machine with one core for the whole process, the kernel would otherwise
// give this thread whole time slices while queries wait; at the lowest priority it runs when the query thread
// is idle. Linux only (a thread's id comes from /proc/thread-self); elsewhere it runs at normal priority.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 19);
} catch {
  // Not Linux, or not permitted: load at normal priority.
}

const request = workerData as LoadRequest;
const result = await loadZoneDirectory(request.dir, request.knownClusters === undefined ? {} : { knownClusters: new Set(request.knownClusters) });
const post = (message: LoadMessage) => parentPort!.postMessage(message);
if (!result.ok) {
  post({ kind: 'invalid', issues: result.issues });
} else {
  for (const zone of result.zones) {
    post({ kind: 'zone', zone: { ...zone, records: [] } });
    for (let i = 0; i < zone.records.length; i += RECORDS_PER_MESSAGE) post({ kind: 'records', records: zone.records.slice(i, i + RECORDS_PER_MESSAGE) });
  }
  post({ kind: 'end' });
}
