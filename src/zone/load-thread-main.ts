// The worker thread of loadZoneDirectoryOffThread.

import { parentPort, workerData } from 'node:worker_threads';
import { loadZoneDirectory } from './load.js';
import type { LoadRequest } from './load-thread.js';

const request = workerData as LoadRequest;
const result = await loadZoneDirectory(request.dir, request.knownClusters === undefined ? {} : { knownClusters: new Set(request.knownClusters) });
parentPort!.postMessage(result);
