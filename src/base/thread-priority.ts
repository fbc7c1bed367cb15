// Thread priorities (Linux). The query thread must win its core whenever a query arrives, so every thread doing
// background work runs below it. On a core of its own a lower priority costs nothing: it only decides who waits
// when threads compete. Elsewhere, or where not permitted, threads keep normal priority.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The probe thread: behind queries, but probing 20,000 addresses every 5 s needs a quarter of a busy core. */
export const PROBE_THREAD_NICE = 5;
/**
 * V8's helper threads: behind queries, level with the probe thread, whose heap they mostly collect. Below it
 * (nice 10 was measured) they fall behind on that work, and the heaps grow by ~20 MB.
 */
export const V8_HELPER_NICE = 5;
/** The zone loader: only when nothing else wants the core. */
export const LOADER_THREAD_NICE = 19;

/** The ids of this process's threads; undefined where /proc is not there. */
function threadIds(): Set<string> | undefined {
  try {
    return new Set(readdirSync('/proc/self/task'));
  } catch {
    return undefined;
  }
}

/** Sets one thread's priority; false if it has ended or this is not permitted. */
function setThreadNice(tid: string | number, nice: number): boolean {
  try {
    setPriority(Number(tid), nice);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `start`, which starts a thread (a Worker starts its thread before its constructor returns), and lowers
 * the new thread's priority at once. Threads inherit their creator's priority, and Node takes tens of
 * milliseconds of CPU to set a thread up before its own code can lower it: at the creator's priority, ahead of
 * queries. The thread lowers its own priority too, in case this did not find it.
 */
export function startThreadBelow<T>(nice: number, start: () => T): T {
  const before = threadIds();
  const started = start();
  if (before === undefined) return started;
  for (const tid of threadIds() ?? []) if (!before.has(tid)) setThreadNice(tid, nice);
  return started;
}

/** Lowers the calling thread's priority to `nice`; false where that is not possible. */
export function lowerOwnThreadPriority(nice: number): boolean {
  try {
    return setThreadNice(readlinkSync('/proc/thread-self').split('/').pop()!, nice);
  } catch {
    return false; // no /proc/thread-self: not Linux
  }
}

/**
 * Lowers the priority of V8's platform threads, named "V8Worker", to `nice`, and returns how many there are.
 * They run the parallel and concurrent parts of garbage collection for every heap of the process. On a shared
 * core, four of them at normal priority collecting the probe thread's or the zone loader's heap take four
 * fifths of it from the query thread; below it, they take what it leaves. When the query thread itself
 * collects, it is waiting for them and competes with nobody.
 */
export function lowerV8HelperPriority(nice: number): number {
  let count = 0;
  for (const tid of threadIds() ?? []) {
    let name: string;
    try {
      name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // the thread has ended
    }
    if (name === 'V8Worker' && setThreadNice(tid, nice)) count++;
  }
  return count;
}
