// The DNS listeners: in this process, or, with `workers` > 1, in DNS worker processes that share the listen
// ports (SO_REUSEPORT) and are sent the answer table's inputs. Either way the query path reads a prebuilt table.

import type { Logger, LogLevel } from '../base/logger.js';
import type { ListenEndpoint } from '../dns/endpoint.js';
import { QueryHandler } from '../dns/handler.js';
import { ResponseRateLimiter, type RrlConfig } from '../dns/rrl.js';
import { startDnsServer } from '../dns/server.js';
import type { TcpLimits } from '../dns/tcp.js';
import type { MeridianMetrics } from '../observability/metrics.js';
import { WorkerPool } from '../workers/pool.js';
import type { ZoneConfig } from '../zone/model.js';
import type { AnswerPipeline } from './answer-pipeline.js';

/** The settings the DNS listeners read (part of MeridianOptions). */
export interface DnsServingSettings {
  readonly listen: readonly ListenEndpoint[];
  /**
   * DNS worker processes sharing the listen ports (SO_REUSEPORT). 1 (the default) serves DNS in this process;
   * with more, this process probes, watches and decides, and the workers only answer.
   */
  readonly workers?: number;
  readonly workerLogLevel?: LogLevel;
  readonly tcpLimits?: TcpLimits;
  /** Response rate limiting for UDP answers (BIND-style); off when omitted. */
  readonly rrl?: RrlConfig;
  /** The GeoIP database (--geoip-db) geo answers place clients with; DNS workers open it too. */
  readonly geoipDb?: string;
  /** The DNSSEC key directory (--dnssec-keys); each DNS worker reads it before each build and signs itself. */
  readonly dnssecKeys?: string;
}

export interface DnsServingDeps {
  readonly pipeline: AnswerPipeline;
  /** The zones served now, for the workers' first table. */
  readonly zones: { readonly zones: readonly ZoneConfig[]; readonly servfailZones: readonly string[] };
  readonly metrics: MeridianMetrics;
  readonly logger: Logger;
}

export interface DnsServing {
  readonly endpoints: readonly ListenEndpoint[];
  /** Every worker has built its first table (always true without workers). */
  ready(): boolean;
  /** Closes the listeners, letting TCP connections finish the message they are in for up to `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDnsServing(settings: DnsServingSettings, deps: DnsServingDeps): Promise<DnsServing> {
  const { listen } = settings;
  const { metrics, logger, pipeline } = deps;
  const workers = settings.workers ?? 1;
  const tcpLimits = settings.tcpLimits === undefined ? {} : { tcpLimits: settings.tcpLimits };
  if (workers > 1) {
    const rrl = settings.rrl === undefined ? {} : { rrl: settings.rrl };
    const geoipDb = settings.geoipDb === undefined ? {} : { geoipDb: settings.geoipDb };
    const dnssecKeys = settings.dnssecKeys === undefined ? {} : { dnssecKeys: settings.dnssecKeys };
    const pool = await WorkerPool.start({
      count: workers,
      endpoints: listen,
      logLevel: settings.workerLogLevel ?? 'info',
      logger,
      ...tcpLimits,
      ...rrl,
      ...geoipDb,
      ...dnssecKeys,
    });
    pipeline.setReplicas(pool, deps.zones.zones, deps.zones.servfailZones);
    metrics.addQueryCounts(() => pool.queryCounts());
    metrics.addRegionCounts(() => pool.regionCounts());
    metrics.observeRrl(() => pool.rrlCounts());
    logger.info('listening', { workers, endpoints: listen, transports: ['udp', 'tcp'], port: listen[0].port, address: listen[0].host });
    return { endpoints: listen, ready: () => pool.ready(), drain: (timeoutMs) => pool.stop(timeoutMs), close: () => pool.stop() };
  }
  const handler = new QueryHandler(pipeline, { observer: metrics });
  const rrl = settings.rrl === undefined ? undefined : new ResponseRateLimiter(settings.rrl, () => performance.now());
  const dns = await startDnsServer({ endpoints: listen, handler, logger, handlerErrors: metrics, ...(rrl ? { rrl } : {}), ...tcpLimits });
  if (rrl !== undefined) metrics.observeRrl(() => rrl.stats.counts());
  return { endpoints: dns.endpoints, ready: () => true, drain: (timeoutMs) => dns.drain(timeoutMs), close: () => dns.close() };
}
