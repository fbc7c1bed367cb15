// Scale: 10,000 balanced records over 20,000 target addresses, every address probed over TCP every 5 s.
//
//   npm run bench -- --only scale        (or: node dist/test/bench/scale.js [auto|address|record] [workers])
//
// Meridian runs as `meridian serve`, every thread of it pinned to CPU 0 (the query thread, the probe thread, the
// zone loader). The probe targets are 20,000 distinct loopback addresses (127.10.x.y) that all reach one TCP
// listener in this process, which runs on CPU 1 with the thread that sends and times the queries. Measured:
// - resident memory once every address has been probed and probing is steady;
// - zone reload time (SIGHUP → "zones reloaded": read, validate and build 10,000 records);
// - answer-table rebuild after one target flips (in-process, the same zone, AnswerTableBuilder.refresh);
// - probe scheduling lateness (actual − planned start), from meridian_probe_lateness_seconds;
// - CPU use while idle: probing only, no queries;
// - query latency while reloads and rebuilds happen (a UDP client at a fixed rate).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { QueryLoadOptions, QueryLoadResult } from './query-load-thread.js';
import { AnswerTableBuilder } from '../../src/answers/build.js';
import type { ResolvedTarget } from '../../src/answers/select.js';
import type { BalancedRecord, ZoneConfig } from '../../src/zone/model.js';
import { checkConfig, zoneOf } from '../helpers/fixture-zone.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { childPids, freePort } from '../helpers/processes.js';
import { makeZoneDir } from '../helpers/zone-files.js';
import { imageNodeOptions } from './peers.js';

const RECORDS = 10_000;
const ZONE = 'scale.test';

export interface ScaleRow {
  readonly measure: string;
  readonly value: string;
  readonly target: string;
  readonly met: string;
}

export interface ScaleResult {
  readonly records: number;
  readonly addresses: number;
  readonly rssMb: number;
  readonly reloadMs: number;
  readonly rebuildAfterFlipMs: { readonly p50: number; readonly p99: number };
  readonly probeLatenessMs: { readonly p50: string; readonly p99: string };
  readonly idleCpuPercent: number;
  readonly probesPerSecond: number;
  readonly queryLatencyDuringReloadsMs: { readonly p50: number; readonly p99: number; readonly max: number; readonly lost: number };
  readonly rows: readonly ScaleRow[];
}

function addressOf(index: number): string {
  return `127.10.${(index >> 8) & 255}.${index & 255}`;
}

/** The scale zone; `weight` is record r0's first weight, changed to make a reload change something. */
function zoneYaml(port: number, weight = 1): string {
  const lines = [`zone: ${ZONE}`, 'soa: { rname: hostmaster.scale.test }', `nameservers: { ns1.${ZONE}: [127.0.0.1] }`, 'records:'];
  for (let i = 0; i < RECORDS; i++) {
    const policy = i % 2 === 0 ? 'weighted' : 'failover';
    lines.push(`  r${i}:`, `    policy: ${policy}`, `    check: { protocol: tcp, port: ${port}, interval: 5s, timeout: 2s }`);
    lines.push(
      `    targets: [ { address: ${addressOf(2 * i)}${i === 0 && weight !== 1 ? `, weight: ${weight}` : ''} }, { address: ${addressOf(2 * i + 1)} } ]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * Pins every thread of `pid` to `cpus`. taskset -a fails when a thread ends while it walks them (a zone loader
 * thread, say), so it tries again.
 */
function pinAllThreads(pid: number, cpus: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('taskset', ['-apc', cpus, String(pid)], { stdio: 'ignore' });
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

/** utime + stime of a process, in seconds (from /proc/PID/stat; clock ticks are 100 Hz on Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

function histogramBuckets(metrics: string, name: string): Array<readonly [string, number]> {
  return [...metrics.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1], Number(m[2])] as const);
}

/** A quantile of a Prometheus histogram over a window (end − start), as the bucket bound it falls under. */
function histogramQuantile(start: string, end: string, name: string, q: number): string {
  const before = new Map(histogramBuckets(start, name));
  const buckets = histogramBuckets(end, name).map(([le, count]) => [le, count - (before.get(le) ?? 0)] as const);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return 'no samples';
  const bucket = buckets.find(([, count]) => count >= q * total);
  return bucket === undefined || bucket[0] === '+Inf' ? '> 2.5 s' : `≤ ${Number(bucket[0]) * 1000} ms`;
}

function syntheticZone(): ZoneConfig {
  const check = checkConfig({ intervalMs: 5000, timeoutMs: 2000 });
  const records: BalancedRecord[] = Array.from({ length: RECORDS }, (_, i) => ({
    kind: 'balanced',
    name: `r${i}.${ZONE}`,
    policy: i % 2 === 0 ? 'weighted' : 'failover',
    ttl: 30,
    answers: 1,
    whenAllDown: 'all',
    check,
    targets: [
      { kind: 'static', addresses: [addressOf(2 * i)], weight: 1 },
      { kind: 'static', addresses: [addressOf(2 * i + 1)], weight: 1 },
    ],
  }));
  return zoneOf(ZONE, records);
}

/** Partial rebuild time after one address flips, on the same 10,000-record zone, in this process. */
function rebuildAfterFlip(): { p50: number; p99: number } {
  const down = new Set<string>();
  const builder = new AnswerTableBuilder({
    resolve: (_zone, record): ResolvedTarget[] =>
      record.targets.map((target) => ({
        weight: target.weight,
        addresses: (target.kind === 'static' ? target.addresses : []).map((address) => ({ address, family: 4, health: down.has(address) ? 'down' : 'up' })),
      })),
  });
  builder.build([syntheticZone()]);
  const times: number[] = [];
  for (let i = 0; i < 500; i++) {
    const index = Math.floor(Math.random() * RECORDS);
    const address = addressOf(2 * index);
    if (down.has(address)) down.delete(address);
    else down.add(address);
    const started = performance.now();
    builder.refresh([{ zone: ZONE, name: `r${index}.${ZONE}` }]);
    times.push(performance.now() - started);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** Queries at 2,000 a second from a worker thread (query-load-thread.ts) while `during` runs, then for the rest of `durationMs`. */
async function measureQueries(server: ServerProcess, durationMs: number, during: () => Promise<void>) {
  const load: QueryLoadOptions = { host: server.host, port: server.port, prefix: 'r', suffix: `.${ZONE}`, names: RECORDS };
  const worker = new Worker(new URL('./query-load-thread.js', import.meta.url), { workerData: load });
  await new Promise((resolve) => worker.once('online', resolve));
  const started = performance.now();
  await during();
  const left = durationMs - (performance.now() - started);
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  worker.postMessage('stop');
  const { latenciesMs, lost } = await new Promise<QueryLoadResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99), max: Math.max(...latenciesMs), lost };
}

export async function runScale(
  options: { durationSeconds?: number; log?: (message: string) => void; probeMetrics?: 'auto' | 'address' | 'record'; workers?: number } = {},
): Promise<ScaleResult> {
  const workers = options.workers ?? 1;
  // The default: at 20,000 addresses, probe results are labelled per record (per-address histograms would make
  // every scrape ~45 MB); see docs/metrics.md.
  const probeMetrics = options.probeMetrics ?? 'auto';
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const steadySeconds = Math.max(20, options.durationSeconds ?? 20);
  // This process (the probe targets' listener and the query thread) on CPU 1, away from the server on CPU 0.
  const affinity = /list: (\S+)/.exec(execFileSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' }))?.[1] ?? '0-1';
  pinAllThreads(process.pid, '1');
  // One listener for every probe target: connections to any 127.10.x.y arrive here, on CPU 1.
  const listener = net.createServer((socket) => socket.destroy());
  listener.maxConnections = 100_000;
  await new Promise<void>((resolve) => listener.listen({ port: 0, host: '0.0.0.0', backlog: 4096 }, resolve));
  const port = (listener.address() as net.AddressInfo).port;
  let accepted = 0;
  listener.on('connection', () => accepted++);
  const zones = await makeZoneDir({ [`${ZONE}.yaml`]: zoneYaml(port) });
  // Run Meridian with the Node options its container image sets, as an operator would.
  const previousNodeOptions = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = imageNodeOptions();
  // With workers the ports are shared, so they must be explicit.
  const server = await startServerProcess({
    zonesDir: zones.dir,
    args: ['--log-level', 'info', '--probe-metrics', probeMetrics, ...(workers > 1 ? ['--workers', String(workers)] : [])],
    ...(workers > 1 ? { port: await freePort() } : {}),
    startTimeoutMs: 60_000,
  });
  try {
    // The server and its workers on CPU 0, as in the throughput runs.
    for (const pid of [server.child.pid!, ...childPids(server.child.pid!)]) pinAllThreads(pid, '0');
    log(`scale: ${RECORDS} records, ${2 * RECORDS} addresses loaded; waiting for the first probe round`);
    const admin = `http://127.0.0.1:${server.adminPort}`;
    const readyStart = performance.now();
    for (;;) {
      if ((await fetch(`${admin}/readyz`)).status === 200) break;
      if (performance.now() - readyStart > 60_000) throw new Error('not ready within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    log(`scale: ready after ${((performance.now() - readyStart) / 1000).toFixed(1)} s; steady probing for ${steadySeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const metricsBefore = await (await fetch(`${admin}/metrics`)).text();
    const cpuBefore = cpuSeconds(server.child.pid!);
    const acceptedBefore = accepted;
    const windowStart = performance.now();
    // Resident memory moves with every GC: sample it through the window and report the median and the peak.
    const rssSamples: number[] = [];
    const sampler = setInterval(() => rssSamples.push(rssMb(server.child.pid!)), 1000);
    await new Promise((resolve) => setTimeout(resolve, steadySeconds * 1000));
    clearInterval(sampler);
    const windowSeconds = (performance.now() - windowStart) / 1000;
    const idleCpuPercent = ((cpuSeconds(server.child.pid!) - cpuBefore) / windowSeconds) * 100;
    const probesPerSecond = (accepted - acceptedBefore) / windowSeconds;
    const rss = percentile(rssSamples, 50);
    const rssPeak = Math.max(...rssSamples);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    const failedProbes = (text: string) =>
      [...text.matchAll(/^meridian_probe_results_total\{[^}]*result="([a-z]+)"[^}]*\} (\S+)$/gm)]
        .filter((m) => m[1] !== 'ok')
        .reduce((sum, m) => sum + Number(m[2]), 0);
    const failuresInWindow = failedProbes(metrics) - failedProbes(metricsBefore);
    // Steady state only: the window between the two scrapes.
    const lateness = {
      p50: histogramQuantile(metricsBefore, metrics, 'meridian_probe_lateness_seconds', 0.5),
      p99: histogramQuantile(metricsBefore, metrics, 'meridian_probe_lateness_seconds', 0.99),
    };

    // A reload with nothing changed keeps every answer as it is (zone fingerprints); time it apart.
    const unchangedStarted = performance.now();
    const unchangedSeen = server.logs.length;
    server.child.kill('SIGHUP');
    await server.waitForLog((l) => server.logs.indexOf(l) >= unchangedSeen && l.msg === 'zones reloaded, unchanged', 30_000);
    const unchangedReloadMs = performance.now() - unchangedStarted;

    log('scale: reloads (one record changed each time, SIGHUP) while querying at 2,000 qps');
    // Written before the clock starts: building a 10,000-record file here would hold up this process.
    const changedZones = [2, 3, 4].map((weight) => zoneYaml(port, weight));
    const reloads: number[] = [];
    const queries = await measureQueries(server, 12_000, async () => {
      for (const text of changedZones) {
        // One record's weights change, so the 10,000-record zone is encoded again: the expensive case.
        await zones.write(`${ZONE}.yaml`, text);
        const seen = server.logs.length;
        const started = performance.now();
        server.child.kill('SIGHUP');
        await server.waitForLog((l) => server.logs.indexOf(l) >= seen && l.msg === 'zones reloaded', 30_000);
        reloads.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    });
    const reloadMs = percentile(reloads, 50);
    const rebuild = rebuildAfterFlip();

    const ms = (v: number) => `${v.toFixed(3)} ms`;
    const rows: ScaleRow[] = [
      {
        measure: `resident memory median / peak (--probe-metrics ${probeMetrics})`,
        value: `${rss.toFixed(0)} MB / ${rssPeak.toFixed(0)} MB`,
        target: '< 300 MB',
        met: rssPeak < 300 ? 'yes' : 'NO',
      },
      {
        measure: 'zone reload, one record changed (read, validate, build)',
        value: `${reloadMs.toFixed(0)} ms`,
        target: '< 2 s',
        met: reloadMs < 2000 ? 'yes' : 'NO',
      },
      { measure: 'zone reload, nothing changed', value: `${unchangedReloadMs.toFixed(0)} ms`, target: '—', met: '—' },
      { measure: 'rebuild after one flip, p50 / p99', value: `${ms(rebuild.p50)} / ${ms(rebuild.p99)}`, target: '< 5 ms', met: rebuild.p99 < 5 ? 'yes' : 'NO' },
      {
        measure: 'probe lateness p50 / p99',
        value: `${lateness.p50} / ${lateness.p99}`,
        target: 'p99 < 250 ms',
        met: /≤ (\d+(\.\d+)?) ms/.test(lateness.p99) && Number(/≤ (\S+) ms/.exec(lateness.p99)![1]) <= 250 ? 'yes' : 'NO',
      },
      { measure: 'CPU while idle (probing only)', value: `${idleCpuPercent.toFixed(1)} % of a core`, target: '—', met: '—' },
      { measure: 'probes per second', value: probesPerSecond.toFixed(0), target: `${(2 * RECORDS) / 5} (20,000 / 5 s)`, met: '—' },
      { measure: 'failed probes in the window', value: String(failuresInWindow), target: '0', met: failuresInWindow === 0 ? 'yes' : 'NO' },
      {
        measure: `query latency during reloads p50 / p99 / max${workers > 1 ? ` (--workers ${workers})` : ''}`,
        value: `${ms(queries.p50)} / ${ms(queries.p99)} / ${ms(queries.max)}, lost ${queries.lost}`,
        target: 'p99 < 10 ms',
        met: queries.p99 < 10 ? 'yes' : 'NO',
      },
    ];
    return {
      records: RECORDS,
      addresses: 2 * RECORDS,
      rssMb: rss,
      reloadMs,
      rebuildAfterFlipMs: rebuild,
      probeLatenessMs: lateness,
      idleCpuPercent,
      probesPerSecond,
      queryLatencyDuringReloadsMs: queries,
      rows,
    };
  } finally {
    if (previousNodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = previousNodeOptions;
    await server.stop();
    listener.close();
    await zones.remove();
    pinAllThreads(process.pid, affinity);
  }
}

// Run on its own: node dist/test/bench/scale.js
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const setting = process.argv[2];
  const result = await runScale({ probeMetrics: setting === 'address' || setting === 'record' ? setting : 'auto', workers: Number(process.argv[3] ?? 1) });
  for (const row of result.rows) process.stdout.write(`${row.measure.padEnd(46)} ${row.value.padEnd(42)} ${row.target.padEnd(26)} ${row.met}\n`);
}
