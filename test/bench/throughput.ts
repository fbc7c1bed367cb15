// UDP query throughput: the Node ceiling, Meridian, gdnsd and PowerDNS, one at a time, each pinned to CPU 0 with
// dnsperf on CPU 1, all serving the same two names with health checks running against two live ingresses.
//
// Per server: start, a warm-up at full load (V8's JIT, and PowerDNS's first health checks), then one full-load
// run per query mix, then a fixed-rate run for latency percentiles, then stop. The ceiling answers one
// precomputed packet whatever the name, so it gets the mixed run only.

import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { cpuIdlePercent, latencyRun, throughputRun, writeQueryFile, type DnsperfSummary, type LatencyPercentiles, type QueryFile } from './dnsperf.js';
import {
  FAILOVER_NAME,
  PRIMARY,
  SECONDARY,
  startCeiling,
  startGdnsd,
  startMeridian,
  sampleAnswers,
  startPdns,
  WEIGHTED_NAME,
  WorkersUnsupported,
  type AnswerSample,
  type BenchServer,
  type ServerKind,
} from './peers.js';

export type QueryMix = 'mixed' | 'weighted' | 'failover';

export const QUERY_MIXES: Readonly<Record<QueryMix, readonly string[]>> = {
  // Alternating lines: half the queries hit each record.
  mixed: [`${WEIGHTED_NAME} A`, `${FAILOVER_NAME} A`],
  weighted: [`${WEIGHTED_NAME} A`],
  failover: [`${FAILOVER_NAME} A`],
};

export interface ThroughputRow {
  readonly server: string;
  readonly kind: ServerKind;
  readonly mix: QueryMix;
  /** Absent when the server could not be measured (see `error`). */
  readonly result?: DnsperfSummary;
  /** Fixed-rate latency percentiles; measured on the mixed query file only. */
  readonly percentiles?: LatencyPercentiles;
  /** Meridian's queries/second divided by this row's, same query mix. */
  readonly meridianRatio?: number;
  /** Why there is no result ('n/a' rows). */
  readonly error?: string;
  /** Per-CPU idle percent over the second before this server started: under ~90 means something else ran. */
  readonly idleBeforePercent?: readonly number[];
}

export interface ThroughputResult {
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly percentileMethod: string;
  readonly servers: ReadonlyArray<ServerInfo>;
  readonly rows: readonly ThroughputRow[];
}

export interface ServerInfo {
  readonly label: string;
  readonly settings: string;
  /** What it answered before the runs (ingresses up), to show the configurations are equivalent. */
  readonly answers?: AnswerSample;
}

export interface ThroughputOptions {
  /** Seconds per measured dnsperf run. */
  readonly seconds: number;
  readonly warmupSeconds?: number;
  /** Also measure `meridian serve --workers N`. */
  readonly workers?: number;
  readonly log: (message: string) => void;
}

/** Percentile runs use this rate, or half the server's measured maximum if that is lower. */
const PERCENTILE_MAX_RATE = 10_000;
const PERCENTILE_SECONDS = 5;
/** Before each server: wait at most this long for both CPUs to be this idle. */
export const QUIET_WAIT_MS = 10_000;
export const QUIET_IDLE_PERCENT = 90;

interface Candidate {
  readonly label: string;
  readonly kind: ServerKind;
  readonly start: (ingressPort: number) => Promise<BenchServer>;
  readonly mixes: readonly QueryMix[];
}

export async function runThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const warmupSeconds = options.warmupSeconds ?? 3;
  const all: QueryMix[] = ['mixed', 'weighted', 'failover'];
  const candidates: Candidate[] = [
    { label: 'node:dgram ceiling', kind: 'ceiling', mixes: ['mixed'], start: () => startCeiling({ host: '127.0.0.70' }) },
    { label: 'meridian', kind: 'meridian', mixes: all, start: (ingressPort) => startMeridian({ ingressPort, host: '127.0.0.71' }) },
    ...(options.workers === undefined
      ? []
      : [
          {
            label: `meridian --workers ${options.workers}`,
            kind: 'meridian' as const,
            mixes: all,
            start: (ingressPort: number) => startMeridian({ ingressPort, host: '127.0.0.74', workers: options.workers! }),
          },
        ]),
    { label: 'gdnsd', kind: 'gdnsd', mixes: all, start: (ingressPort) => startGdnsd({ ingressPort, host: '127.0.0.72' }) },
    { label: 'powerdns', kind: 'pdns', mixes: all, start: (ingressPort) => startPdns({ ingressPort, host: '127.0.0.73' }) },
  ];

  const files = new Map<QueryMix, QueryFile>();
  let primary: HttpIngress | undefined;
  let secondary: HttpIngress | undefined;
  const rows: ThroughputRow[] = [];
  const servers: ServerInfo[] = [];
  try {
    for (const mix of all) files.set(mix, await writeQueryFile(QUERY_MIXES[mix]));
    primary = await startHttpIngress({ host: PRIMARY });
    secondary = await startHttpIngress({ host: SECONDARY, port: primary.port });
    for (const candidate of candidates) {
      rows.push(...(await measureServer(candidate, primary.port, files, options, warmupSeconds, servers)));
    }
  } finally {
    await primary?.close();
    await secondary?.close();
    for (const file of files.values()) await file.remove();
  }

  // Meridian's ratio to every other row of the same query mix.
  const meridian = new Map(rows.filter((r) => r.server === 'meridian' && r.result).map((r) => [r.mix, r.result!.qps]));
  const withRatios = rows.map((row) => {
    const ours = meridian.get(row.mix);
    if (row.server === 'meridian' || !row.result || ours === undefined || row.result.qps === 0) return row;
    return { ...row, meridianRatio: ours / row.result.qps };
  });

  return {
    durationSeconds: options.seconds,
    warmupSeconds,
    percentileMethod:
      `dnsperf -v at a fixed rate of min(${PERCENTILE_MAX_RATE}, half the measured mixed qps) q/s for ${PERCENTILE_SECONDS} s, ` +
      'mixed queries; nearest-rank percentiles of the per-query latencies it prints; lost queries count as slowest',
    servers,
    rows: withRatios,
  };
}

/**
 * Waits up to QUIET_WAIT_MS for every CPU to be QUIET_IDLE_PERCENT idle (another process's build or test run to
 * finish), then resolves with the last per-CPU idle percentages either way, so that a table can mark a
 * measurement taken on a busy machine. Call it when none of the benchmark's own servers run.
 */
export async function waitForQuietCpus(): Promise<number[]> {
  let idle = await cpuIdlePercent();
  const waitStarted = performance.now();
  while (idle.some((percent) => percent < QUIET_IDLE_PERCENT) && performance.now() - waitStarted < QUIET_WAIT_MS) {
    idle = await cpuIdlePercent();
  }
  return idle;
}

async function measureServer(
  candidate: Candidate,
  ingressPort: number,
  files: ReadonlyMap<QueryMix, QueryFile>,
  options: ThroughputOptions,
  warmupSeconds: number,
  servers: ServerInfo[],
): Promise<ThroughputRow[]> {
  const failed = (error: string): ThroughputRow[] => candidate.mixes.map((mix) => ({ server: candidate.label, kind: candidate.kind, mix, error }));
  // The previous server is stopped and nothing of ours runs now: whatever keeps the CPUs busy belongs to someone
  // else.
  const idleBeforePercent = await waitForQuietCpus();
  let server: BenchServer;
  try {
    options.log(`throughput: starting ${candidate.label}`);
    server = await candidate.start(ingressPort);
  } catch (error) {
    const message = error instanceof WorkersUnsupported ? error.message : `failed to start: ${(error as Error).message.split('\n')[0]}`;
    options.log(`throughput: ${candidate.label}: ${message}`);
    if (!(error instanceof WorkersUnsupported)) process.stderr.write(`${(error as Error).message}\n`);
    return failed(message);
  }
  const rows: ThroughputRow[] = [];
  try {
    const target = { host: server.host, port: server.port };
    const answers = await sampleAnswers(target).catch((error: Error) => {
      options.log(`throughput: ${server.label}: configuration check failed: ${error.message}`);
      return undefined;
    });
    servers.push({ label: server.label, settings: server.settings, ...(answers ? { answers } : {}) });
    options.log(`throughput: ${server.label}: warm-up ${warmupSeconds} s`);
    await throughputRun({ ...target, queryFile: files.get('mixed')!.path, seconds: warmupSeconds });
    for (const mix of candidate.mixes) {
      options.log(`throughput: ${server.label}: ${mix} queries, ${options.seconds} s`);
      try {
        const result = await throughputRun({ ...target, queryFile: files.get(mix)!.path, seconds: options.seconds });
        if (!server.alive()) throw new Error(`${server.label} exited during the run:\n${server.output()}`);
        rows.push({ server: server.label, kind: server.kind, mix, result, idleBeforePercent });
      } catch (error) {
        rows.push({ server: server.label, kind: server.kind, mix, error: (error as Error).message.split('\n')[0] });
      }
    }
    const mixed = rows.find((r) => r.mix === 'mixed' && r.result);
    if (mixed?.result && mixed.result.qps > 0) {
      // A round rate that the server sustains easily, so the percentiles show service time, not queueing.
      const rate = Math.max(100, Math.min(PERCENTILE_MAX_RATE, Math.floor(mixed.result.qps / 2 / 100) * 100));
      options.log(`throughput: ${server.label}: latency percentiles at ${rate} q/s, ${PERCENTILE_SECONDS} s`);
      try {
        const percentiles = await latencyRun({ ...target, queryFile: files.get('mixed')!.path, seconds: PERCENTILE_SECONDS, rate });
        rows[rows.indexOf(mixed)] = { ...mixed, percentiles };
      } catch (error) {
        options.log(`throughput: ${server.label}: percentile run failed: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  } finally {
    await server.stop();
  }
  return rows;
}
