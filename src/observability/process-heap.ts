// meridian_process_heap_bytes as its name says. prom-client reports VmData there: the size of every private
// writable mapping, reserved or not, which for Node is over a gigabyte (V8 and the thread stacks reserve address
// space up front) while the process holds a tenth of it. What an operator sizing memory wants is the heap that
// is resident: RssAnon, the anonymous memory in RAM (the malloc heap and the V8 heaps of every thread).

import { readFileSync } from 'node:fs';
import { Gauge, type Registry } from 'prom-client';

export const PROCESS_HEAP_BYTES = 'meridian_process_heap_bytes';

/** Bytes of `RssAnon` in a /proc/PID/status text, or undefined when it has none (not Linux). */
export function residentHeapBytes(status: string): number | undefined {
  const match = /^RssAnon:\s+(\d+)\s+kB$/m.exec(status);
  return match === null ? undefined : Number(match[1]) * 1024;
}

/** Replaces prom-client's process heap gauge in `registry` with the resident one. */
export function registerResidentHeap(registry: Registry, readStatus: () => string = () => readFileSync('/proc/self/status', 'utf8')): void {
  registry.removeSingleMetric(PROCESS_HEAP_BYTES);
  const gauge: Gauge = new Gauge({
    name: PROCESS_HEAP_BYTES,
    help: 'Resident heap of the process in bytes: its anonymous memory in RAM (RssAnon), the V8 heaps of every thread included.',
    registers: [registry],
    collect: () => {
      let bytes: number | undefined;
      try {
        bytes = residentHeapBytes(readStatus());
      } catch {
        bytes = undefined; // no /proc: leave the gauge unset rather than report a wrong figure
      }
      if (bytes !== undefined) gauge.set(bytes);
    },
  });
}
