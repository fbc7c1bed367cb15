// Messages between the primary process (zones, discovery, probing) and its DNS worker processes
// (`meridian serve --workers N`). The primary decides every answer input; a worker only builds the table from
// what it is sent and serves it, so probing and Kubernetes watching happen once, whatever N is.

import type { QueryCountEntry, RegionAnswerEntry } from '../observability/metrics.js';
import type { ResolvedTarget } from '../answers/select.js';
import type { ListenEndpoint } from '../dns/endpoint.js';
import type { RrlConfig, RrlCount } from '../dns/rrl.js';
import type { TcpLimits } from '../dns/tcp.js';
import type { LogLevel } from '../base/logger.js';
import type { ZoneConfig } from '../zone/model.js';

/** What a worker needs to start, passed as JSON in its environment. */
export interface WorkerSettings {
  readonly index: number;
  readonly endpoints: readonly ListenEndpoint[];
  readonly tcpLimits?: TcpLimits;
  readonly logLevel: LogLevel;
  /** Response rate limiting, applied by each worker to the queries it receives; off when absent. */
  readonly rrl?: RrlConfig;
  /** The GeoIP database file, which each worker reads itself (a reader does not cross processes). */
  readonly geoipDb?: string;
  /** The DNSSEC key directory, read by each worker before each build (private keys do not cross processes). */
  readonly dnssecKeys?: string;
}

export const WORKER_SETTINGS_ENV = 'MERIDIAN_WORKER_SETTINGS';

/**
 * New zones arrive in pieces ('zones' with the records left out, then 'records' and 'staged-targets' chunks,
 * then 'build'), so that no single message takes long to deserialise: a worker keeps answering queries
 * between the pieces, even for tens of thousands of records.
 */
export const CHUNK = 500;

export type ToWorker =
  /** A new zone set begins: the zones without their records, and the zones to answer SERVFAIL for (their files failed). */
  | { readonly type: 'zones'; readonly zones: readonly ZoneConfig[]; readonly failedZones: readonly string[] }
  /** Records of one of those zones, in file order. */
  | { readonly type: 'records'; readonly zone: string; readonly records: ZoneConfig['records'] }
  /** Resolved targets of the new zone set's balanced records. */
  | { readonly type: 'staged-targets'; readonly targets: ReadonlyArray<readonly [string, readonly ResolvedTarget[]]> }
  /** Every piece has arrived: build the whole table. */
  | { readonly type: 'build' }
  /** Some records' targets or health changed: rebuild those. */
  | { readonly type: 'targets'; readonly targets: ReadonlyArray<readonly [string, readonly ResolvedTarget[]]> }
  /** Close the listeners (letting TCP connections finish for up to drainMs) and exit. */
  | { readonly type: 'stop'; readonly drainMs?: number };

export type FromWorker =
  | { readonly type: 'listening'; readonly endpoints: readonly ListenEndpoint[] }
  /** The worker could not start (a port taken, say). */
  | { readonly type: 'failed'; readonly message: string }
  /** Cumulative query counts, sent every second, for the primary's /metrics. */
  | { readonly type: 'counts'; readonly counts: readonly QueryCountEntry[]; readonly regions: readonly RegionAnswerEntry[]; readonly rrl: readonly RrlCount[] };
