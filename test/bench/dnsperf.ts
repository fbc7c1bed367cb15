// dnsperf, pinned to CPU 1 (the servers are on CPU 0), and the parsing of what it prints.
//
// Two kinds of run:
// - throughput: as many queries as the server takes (dnsperf's default 100 outstanding), for `seconds`;
//   dnsperf's own summary gives qps, sent, lost and average/min/max/stddev latency.
// - latency: a fixed, moderate rate (-Q) with -v, which prints one line per query with its latency; the
//   percentiles are computed from those lines. dnsperf 2.10 prints no percentiles itself, and percentiles at
//   full load would only measure the length of the queue dnsperf keeps full.

import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const CLIENT_CPU = '1';
/** A query not answered within this long counts as lost (loopback: anything slower is a drop). */
const TIMEOUT_SECONDS = 1;
/**
 * dnsperf's simulated clients, each with its own socket (source port), like the many resolvers and ports of real
 * traffic. It matters for servers with several SO_REUSEPORT sockets (gdnsd's threads, Meridian's --workers): the
 * kernel spreads datagrams by source address and port, so a single client would reach one of them only.
 */
export const CLIENTS = 16;

export interface DnsperfSummary {
  readonly sent: number;
  readonly completed: number;
  readonly lost: number;
  readonly lostPercent: number;
  readonly qps: number;
  /** Queries/second in each whole second of the run (dnsperf -S 1): how steady it was, and whether noise hit. */
  readonly qpsPerSecond: readonly number[];
  readonly runSeconds: number;
  /** Seconds, as dnsperf prints them. */
  readonly latency: { readonly avg: number; readonly min: number; readonly max: number; readonly stddev: number };
  /** e.g. { NOERROR: 123 } */
  readonly rcodes: Readonly<Record<string, number>>;
}

export interface LatencyPercentiles {
  /** The fixed rate asked of dnsperf (queries/second). */
  readonly rate: number;
  readonly seconds: number;
  readonly answered: number;
  readonly lost: number;
  /** Milliseconds; null when the percentile falls on a lost query. */
  readonly p50: number | null;
  readonly p99: number | null;
  readonly p999: number | null;
}

export interface QueryFile {
  readonly path: string;
  remove(): Promise<void>;
}

/** A dnsperf data file: one "name type" per line; dnsperf cycles through it. */
export async function writeQueryFile(lines: readonly string[]): Promise<QueryFile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-dnsperf-'));
  const file = path.join(dir, 'queries.txt');
  await writeFile(file, `${lines.join('\n')}\n`);
  return { path: file, remove: () => rm(dir, { recursive: true, force: true }) };
}

interface RunOptions {
  readonly host: string;
  readonly port: number;
  readonly queryFile: string;
  readonly seconds: number;
  /** Fixed rate (-Q). */
  readonly rate?: number;
  /** Queries outstanding at once (-q; dnsperf's default is 100). */
  readonly outstanding?: number;
  /** The CPU dnsperf is pinned to (default CLIENT_CPU). */
  readonly cpu?: string;
  readonly verbose?: boolean;
  /** EDNS options to send with every query, as dnsperf's -E takes them ("code:hex"); they imply -e (EDNS0). */
  readonly ednsOptions?: readonly string[];
  /** Send EDNS0 (-e) with every query. */
  readonly edns?: boolean;
  /** Set the DNSSEC OK bit (-D; implies EDNS0). */
  readonly dnssecOk?: boolean;
  /** Called with each stdout line (verbose runs print one per query). */
  readonly onLine?: (line: string) => void;
}

/**
 * Runs dnsperf and resolves with its summary, handing each per-query line ("> ...") to `onLine`. Its stdout goes
 * to a file, read afterwards: through a pipe, a reader that falls behind would stall dnsperf and show up as
 * latency. Bounded by `seconds` + the query timeout + a margin.
 */
async function runDnsperf(options: RunOptions): Promise<string> {
  const args = [
    '-c',
    options.cpu ?? CLIENT_CPU,
    'dnsperf',
    '-s',
    options.host,
    '-p',
    String(options.port),
    '-d',
    options.queryFile,
    '-l',
    String(options.seconds),
    '-t',
    String(TIMEOUT_SECONDS),
    '-c',
    String(CLIENTS),
    '-S',
    '1',
  ];
  if (options.rate !== undefined) args.push('-Q', String(options.rate));
  if (options.outstanding !== undefined) args.push('-q', String(options.outstanding));
  if (options.verbose) args.push('-v');
  if (options.ednsOptions !== undefined) args.push('-e', ...options.ednsOptions.flatMap((option) => ['-E', option]));
  else if (options.edns === true) args.push('-e');
  if (options.dnssecOk === true) args.push('-D');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-dnsperf-out-'));
  const outFile = path.join(dir, 'stdout.txt');
  try {
    const out = await open(outFile, 'w');
    let stderr = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn('taskset', args, { stdio: ['ignore', out.fd, 'pipe'] });
        child.stderr!.setEncoding('utf8');
        child.stderr!.on('data', (chunk: string) => (stderr += chunk));
        const killer = setTimeout(() => child.kill('SIGKILL'), (options.seconds + TIMEOUT_SECONDS + 15) * 1000);
        child.once('error', (error) => {
          clearTimeout(killer);
          reject(error);
        });
        child.once('close', (code, signal) => {
          clearTimeout(killer);
          if (code === 0) resolve();
          else reject(new Error(`dnsperf exited with ${code ?? signal}:\n${stderr}`));
        });
      });
    } finally {
      await out.close();
    }
    let summary = '';
    for (const line of (await readFile(outFile, 'utf8')).split('\n')) {
      if (line.startsWith('> ')) options.onLine?.(line);
      else summary += `${line}\n`;
    }
    return summary;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function number(text: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(text);
  if (!match) throw new Error(`dnsperf output has no ${what}:\n${text}`);
  return Number(match[1]);
}

export function parseSummary(text: string): DnsperfSummary {
  const rcodes: Record<string, number> = {};
  const rcodeLine = /Response codes:\s*(.*)/.exec(text)?.[1] ?? '';
  for (const match of rcodeLine.matchAll(/([A-Z]+) (\d+)/g)) rcodes[match[1]] = Number(match[2]);
  const latency = /Average Latency \(s\):\s*([\d.]+) \(min ([\d.]+), max ([\d.]+)\)/.exec(text);
  return {
    sent: number(text, /Queries sent:\s*(\d+)/, 'queries sent'),
    completed: number(text, /Queries completed:\s*(\d+)/, 'queries completed'),
    lost: number(text, /Queries lost:\s*(\d+)/, 'queries lost'),
    lostPercent: number(text, /Queries lost:\s*\d+ \(([\d.]+)%\)/, 'loss percentage'),
    qps: number(text, /Queries per second:\s*([\d.]+)/, 'queries per second'),
    // "1795267869.684075: 92617.637364", one line per interval
    qpsPerSecond: [...text.matchAll(/^\d+\.\d+: ([\d.]+)$/gm)].map((m) => Number(m[1])),
    runSeconds: number(text, /Run time \(s\):\s*([\d.]+)/, 'run time'),
    latency: {
      avg: Number(latency?.[1] ?? NaN),
      min: Number(latency?.[2] ?? NaN),
      max: Number(latency?.[3] ?? NaN),
      // Absent when nothing was answered.
      stddev: Number(/Latency StdDev \(s\):\s*([\d.]+)/.exec(text)?.[1] ?? NaN),
    },
    rcodes,
  };
}

/** Full-load run: dnsperf's summary. */
export async function throughputRun(options: Omit<RunOptions, 'rate' | 'verbose' | 'onLine'>): Promise<DnsperfSummary> {
  return parseSummary(await runDnsperf(options));
}

/** Fixed-rate run (-Q) without per-query lines: dnsperf's summary. With enough outstanding queries (-q), it keeps
 * sending at the rate whatever the server answers, which is how an overload is made. */
export async function rateRun(options: Omit<RunOptions, 'verbose' | 'onLine'> & { rate: number }): Promise<DnsperfSummary> {
  return parseSummary(await runDnsperf(options));
}

/** The value at percentile p of `sorted`, lost queries counted as slower than any answer (null). */
function percentile(sorted: Float64Array, lost: number, p: number): number | null {
  const total = sorted.length + lost;
  if (total === 0) return null;
  const index = Math.min(total - 1, Math.ceil((p / 100) * total) - 1);
  return index < sorted.length ? sorted[index] * 1000 : null;
}

/**
 * Fixed-rate run with per-query latencies: p50/p99/p99.9 in milliseconds (nearest-rank). Lost queries count as
 * the slowest, so a percentile that lands on one reads "lost" instead of looking good.
 */
export async function latencyRun(options: Omit<RunOptions, 'verbose' | 'onLine'> & { rate: number }): Promise<LatencyPercentiles> {
  const latencies: number[] = [];
  let timedOut = 0;
  // "> NOERROR app.bench.test A 0.000123" for an answer, "> T app.bench.test A" for a timeout.
  const onLine = (line: string) => {
    if (line.startsWith('> T ')) {
      timedOut += 1;
      return;
    }
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) latencies.push(value);
  };
  const summary = parseSummary(await runDnsperf({ ...options, verbose: true, onLine }));
  const sorted = Float64Array.from(latencies).sort();
  // Queries still outstanding when the run ended are in the summary's lost count but have no "T" line.
  const lost = Math.max(timedOut, summary.lost);
  return {
    rate: options.rate,
    seconds: options.seconds,
    answered: sorted.length,
    lost,
    p50: percentile(sorted, lost, 50),
    p99: percentile(sorted, lost, 99),
    p999: percentile(sorted, lost, 99.9),
  };
}

/**
 * Percent of time each CPU was idle over the next `ms` milliseconds (Linux /proc/stat), to tell whether something
 * else was running on the machine when a measurement started. Empty when /proc/stat cannot be read.
 */
export async function cpuIdlePercent(ms = 1_000): Promise<number[]> {
  const sample = async (): Promise<Array<{ idle: number; total: number }>> => {
    try {
      const text = await readFile('/proc/stat', 'utf8');
      return text
        .split('\n')
        .filter((line) => /^cpu\d+ /.test(line))
        .map((line) => {
          const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
          // user nice system idle iowait irq softirq steal
          return { idle: fields[3] + fields[4], total: fields.reduce((a, b) => a + b, 0) };
        });
    } catch {
      return [];
    }
  };
  const before = await sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await sample();
  return after
    .map((a, i) => {
      const b = before[i];
      const total = a.total - (b?.total ?? 0);
      return b && total > 0 ? Math.round((100 * (a.idle - b.idle)) / total) : 0;
    })
    .slice(0, before.length);
}
