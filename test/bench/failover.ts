// Failover time: Meridian, gdnsd and PowerDNS run side by side, all probing the same two ingresses
// (127.0.0.61 and .62, one port), each at its tightest comparable settings (peers.ts). Every trial breaks the
// primary once, for all three at the same instant, and each server's failover name is queried every 20 ms
// until its answer changes:
//
// - kill:    the primary stops listening (connections are refused) → seconds until the secondary answers
// - freeze:  the primary accepts connections and never answers     → seconds until the secondary answers
// - restore: the primary serves again                               → seconds until the primary answers again
//
// Faults alternate kill/freeze. Every fault and every restore comes after a random pause of 0.3-2.3 s, so it lands
// at a random phase of the probe intervals (gdnsd's is 2 s, the others' 1 s), as a real outage would.

import { dnsClient, type DnsClient } from '../helpers/dns-client.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { FAILOVER_NAME, PRIMARY, SECONDARY, startGdnsd, startMeridian, startPdns, type BenchServer } from './peers.js';

export interface FailoverStats {
  /** Seconds, one per trial that finished in time. */
  readonly samples: readonly number[];
  readonly median: number | null;
  readonly max: number | null;
  /** Trials in which the answer did not change within the deadline. */
  readonly timeouts: number;
}

export interface FailoverRow {
  readonly server: string;
  readonly settings?: string;
  readonly kill?: FailoverStats;
  readonly freeze?: FailoverStats;
  readonly restore?: FailoverStats;
  readonly error?: string;
}

export interface FailoverResult {
  readonly trialsPerFault: number;
  readonly pollIntervalMs: number;
  readonly deadlineSeconds: number;
  readonly rows: readonly FailoverRow[];
}

export interface FailoverOptions {
  /** Trials per fault kind (default 4: 4 kills and 4 freezes, each followed by a restore). */
  readonly trials?: number;
  readonly log: (message: string) => void;
}

const POLL_MS = 20;
const DEADLINE_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the failover name until it answers `expected`; resolves with the seconds since `since`, or null. */
async function pollUntil(dns: DnsClient, expected: string, since: number): Promise<number | null> {
  for (;;) {
    try {
      // Short query timeout: a lost datagram should cost one poll, not two seconds of resolution.
      if ((await dns.query(FAILOVER_NAME, 1, 500)).answer.map((a) => a.split(' ').at(-1)).join(',') === expected) {
        return (performance.now() - since) / 1000;
      }
    } catch {
      // no answer this time; keep polling
    }
    if (performance.now() - since > DEADLINE_MS) return null;
    await sleep(POLL_MS);
  }
}

/** Median and max of the trials that finished; the others count as timeouts. */
export function failoverStats(samples: ReadonlyArray<number | null>): FailoverStats {
  const done = samples.filter((s): s is number => s !== null).sort((a, b) => a - b);
  const middle = done.length >> 1;
  const median = done.length === 0 ? null : done.length % 2 === 1 ? done[middle] : (done[middle - 1] + done[middle]) / 2;
  return { samples: done, median, max: done.length === 0 ? null : done.at(-1)!, timeouts: samples.length - done.length };
}

interface Subject {
  readonly server: BenchServer;
  readonly dns: DnsClient;
  readonly kill: Array<number | null>;
  readonly freeze: Array<number | null>;
  readonly restore: Array<number | null>;
  /** Set after a timeout: the server is left out of later trials (each would cost the whole deadline). */
  gaveUp: boolean;
}

export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const trials = options.trials ?? 4;
  let primary: HttpIngress | undefined;
  let secondary: HttpIngress | undefined;
  const subjects: Subject[] = [];
  const rows: FailoverRow[] = [];
  try {
    primary = await startHttpIngress({ host: PRIMARY });
    secondary = await startHttpIngress({ host: SECONDARY, port: primary.port });
    const ingressPort = primary.port;
    const starters: Array<[string, () => Promise<BenchServer>]> = [
      ['meridian', () => startMeridian({ ingressPort, host: '127.0.0.81' })],
      ['gdnsd', () => startGdnsd({ ingressPort, host: '127.0.0.82' })],
      ['powerdns', () => startPdns({ ingressPort, host: '127.0.0.83' })],
    ];
    for (const [label, start] of starters) {
      try {
        options.log(`failover: starting ${label}`);
        const server = await start();
        subjects.push({ server, dns: await dnsClient({ host: server.host, port: server.port }), kill: [], freeze: [], restore: [], gaveUp: false });
      } catch (error) {
        options.log(`failover: ${label} failed to start`);
        process.stderr.write(`${(error as Error).message}\n`);
        rows.push({ server: label, error: `failed to start: ${(error as Error).message.split('\n')[0]}` });
      }
    }
    // Let every checker settle on "primary up" (PowerDNS answers at random until its first checks are done).
    await sleep(3_000);
    for (const subject of subjects) {
      if ((await pollUntil(subject.dns, PRIMARY, performance.now())) === null) subject.gaveUp = true;
    }

    for (let trial = 0; trial < 2 * trials; trial++) {
      const active = subjects.filter((s) => !s.gaveUp);
      if (active.length === 0) break;
      const fault = trial % 2 === 0 ? 'kill' : 'freeze';
      await sleep(300 + Math.random() * 2_000);
      options.log(`failover: trial ${trial + 1}/${2 * trials}: ${fault}`);
      let since = performance.now();
      if (fault === 'kill') await primary.kill();
      else primary.freeze();
      const dropped = await Promise.all(active.map((s) => pollUntil(s.dns, SECONDARY, since)));
      active.forEach((s, i) => s[fault].push(dropped[i]));

      // Restore at a random phase too: right away, it would land at the same point of every server's probe
      // cycle each time (just after the slowest server noticed the fault), and every restore would read the same.
      await sleep(300 + Math.random() * 2_000);
      since = performance.now();
      if (fault === 'kill') await primary.revive();
      else primary.thaw();
      const restored = await Promise.all(active.map((s) => pollUntil(s.dns, PRIMARY, since)));
      active.forEach((s, i) => {
        s.restore.push(restored[i]);
        if (dropped[i] === null || restored[i] === null) {
          s.gaveUp = true;
          options.log(
            `failover: ${s.server.label} did not ${dropped[i] === null ? 'drop the primary' : 'restore the primary'} within ${DEADLINE_MS / 1000} s; leaving it out of later trials`,
          );
        }
      });
    }
  } finally {
    for (const subject of subjects) {
      subject.dns.close();
      await subject.server.stop();
    }
    await primary?.close();
    await secondary?.close();
  }
  for (const s of subjects) {
    rows.push({
      server: s.server.label,
      settings: s.server.settings,
      kill: failoverStats(s.kill),
      freeze: failoverStats(s.freeze),
      restore: failoverStats(s.restore),
    });
  }
  const order = ['meridian', 'gdnsd', 'powerdns'];
  rows.sort((a, b) => order.indexOf(a.server) - order.indexOf(b.server));
  return { trialsPerFault: trials, pollIntervalMs: POLL_MS, deadlineSeconds: DEADLINE_MS / 1000, rows };
}
