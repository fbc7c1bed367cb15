// One dnsperf run against a bench server with the server's own CPU time around it, and the median of rounds:
// what the sections that compare kinds of query on one process (geo, dnssec) share.

import type { DnsperfSummary } from './dnsperf.js';
import { cpuSecondsOf } from './group.js';
import type { BenchServer } from './peers.js';

export interface MeasuredRun {
  readonly result?: DnsperfSummary;
  /** The server's user + system CPU microseconds per answered query in this run. */
  readonly cpuMicrosecondsPerQuery?: number;
  readonly error?: string;
}

/** Runs `run` against `server`, with its CPU time per answered query; a failed run is its first error line. */
export async function measuredRun(server: Pick<BenchServer, 'pid' | 'alive' | 'output'>, run: () => Promise<DnsperfSummary>): Promise<MeasuredRun> {
  try {
    const cpuBefore = await cpuSecondsOf(server.pid);
    const result = await run();
    const cpuAfter = await cpuSecondsOf(server.pid);
    if (!server.alive()) throw new Error(`the server exited during the run:\n${server.output()}`);
    const cpu =
      cpuBefore === undefined || cpuAfter === undefined || result.completed === 0
        ? {}
        : { cpuMicrosecondsPerQuery: ((cpuAfter - cpuBefore) * 1e6) / result.completed };
    return { result, ...cpu };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] };
  }
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
