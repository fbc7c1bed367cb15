// Zone files are read, parsed and validated in a worker thread: the query path's event loop stays free while a
// large zone set loads, and the parser's garbage dies with the thread instead of swelling the server's heap.
//
// A reload passes the thread what the zones being served look like (each zone's fingerprint and a hash per
// record), and the thread sends back only what changed: a zone that is the same is named, not sent, and in a
// changed zone an unchanged record is named and the one being served is kept. So a reload that changes one
// record of 10,000 moves one record between the threads, and the objects the server already holds (and the
// answers and probes built from them) stay as they are.

import { Errors } from '../base/errors.js';
import { Worker } from 'node:worker_threads';
import type { ValidationOptions } from './validate.js';
import type { DnssecKeysValidation } from './check-context.js';
import type { FailedZoneFile, RecordConfig, ZoneConfig, ZoneIssue, ZoneLoadResult } from './model.js';
import { LOADER_THREAD_NICE, startThreadBelow } from '../base/thread-priority.js';

/** A zone being served, as the thread needs to know it to send only what changed. */
export interface ServedZone {
  readonly file: string;
  readonly fingerprint: string;
  readonly recordPrints: string;
}

export interface LoadRequest {
  readonly dir: string;
  readonly knownClusters?: readonly string[];
  readonly hasGeoipDatabase?: boolean;
  /** Sets and maps survive the structured clone to the thread as they are. */
  readonly dnssecKeys?: DnssecKeysValidation;
  /** By zone name. */
  readonly served?: Readonly<Record<string, ServedZone>>;
}

/**
 * What the loader thread posts, for each zone that loaded: a zone unchanged from the one served, or a zone
 * (without its records) and then its records in pieces, each one either a record or the name of a served
 * record that is unchanged. Then the end, with every issue, and the files that failed when any did.
 */
export type LoadMessage =
  | { readonly kind: 'same'; readonly zone: string }
  | { readonly kind: 'zone'; readonly zone: ZoneConfig }
  | { readonly kind: 'records'; readonly records: ReadonlyArray<RecordConfig | string> }
  | { readonly kind: 'end'; readonly issues: readonly ZoneIssue[]; readonly failed?: readonly FailedZoneFile[] };

/** Loads `dir` in a worker thread. With `served` (the zones being served), unchanged zones and records are those same objects. */
export async function loadZoneDirectoryOffThread(dir: string, options: ValidationOptions = {}, served: readonly ZoneConfig[] = []): Promise<ZoneLoadResult> {
  const servedByName = new Map(served.map((zone) => [zone.zone, zone]));
  const servedInfo: Record<string, ServedZone> = {};
  for (const zone of served) {
    if (zone.fingerprint !== undefined && zone.recordPrints !== undefined)
      servedInfo[zone.zone] = { file: zone.file, fingerprint: zone.fingerprint, recordPrints: zone.recordPrints };
  }
  const request: LoadRequest = {
    dir,
    ...(options.knownClusters === undefined ? {} : { knownClusters: [...options.knownClusters] }),
    ...(options.hasGeoipDatabase === undefined ? {} : { hasGeoipDatabase: options.hasGeoipDatabase }),
    ...(options.dnssecKeys === undefined ? {} : { dnssecKeys: options.dnssecKeys }),
    served: servedInfo,
  };
  const worker = startThreadBelow(LOADER_THREAD_NICE, () => new Worker(new URL('./load-thread-main.js', import.meta.url), { workerData: request }));
  try {
    return await new Promise<ZoneLoadResult>((resolve, reject) => {
      const zones: ZoneConfig[] = [];
      let records: RecordConfig[] = [];
      let servedRecords: Map<string, RecordConfig> | undefined;
      worker.on('message', (message: LoadMessage) => {
        switch (message.kind) {
          case 'same':
            return void zones.push(servedByName.get(message.zone)!);
          case 'zone':
            records = [];
            servedRecords = undefined;
            return void zones.push({ ...message.zone, records });
          case 'records':
            for (const record of message.records) {
              if (typeof record !== 'string') {
                records.push(record);
                continue;
              }
              servedRecords ??= new Map(servedByName.get(zones.at(-1)!.zone)!.records.map((r) => [r.name, r]));
              records.push(servedRecords.get(record)!);
            }
            return;
          case 'end':
            return resolve(
              message.failed === undefined ? { ok: true, zones, issues: message.issues } : { ok: false, zones, issues: message.issues, failed: message.failed },
            );
        }
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(Errors.zoneLoaderExited([code])));
    });
  } finally {
    void worker.terminate();
  }
}
