// Small process and port utilities shared by tests and benchmarks.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

/** A TCP port free on 127.0.0.1 right now (for servers that need an explicit port, like --workers). */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The PIDs of a process's children (its DNS workers, say). */
export function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)])
      .toString()
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** A thread's nice value from its /proc stat text: field 19, counted after the command name's ')' (it may hold spaces). */
export function niceFromStat(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** Every thread of a process (Linux), with its name and nice value. */
export function threadsOf(pid: number): Array<{ name: string; nice: number }> {
  return readdirSync(`/proc/${pid}/task`).map((tid) => ({
    name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(),
    nice: niceFromStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')),
  }));
}
