// The peer group (issue 17): three `meridian serve` processes on loopback in one peer group, each probing the same
// ingresses from where it runs and serving what the majority of fresh vantage points decides, against one
// instance alone (no peers) as the baseline, in the same run.
//
// - Failover: all four probe the same primary ingress. Each trial breaks it once (killed: refused; frozen: accepted
//   and never answered) at a random phase, and every instance's failover name is queried over UDP every 5 ms
//   until it answers without the primary: per instance, seconds from the outage; per trial, the spread (latest
//   minus earliest of the three group members). Then the primary comes back and every instance must serve it
//   again before the next trial.
// - Throughput: dnsperf against one instance alone and against one instance of a running group of three (links
//   up, heartbeats flowing), with a third record's primary killed and revived every second in both runs so that
//   verdict changes travel over the link while the queries run. The two alternate order from trial to trial to
//   cancel drift; the ratio group / alone is held against the bound (the link may cost at most 5%).

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { StatusDocument } from '../../src/observability/status-document.js';
import { dnsClient, type DnsClient } from '../helpers/dns-client.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { CLIENT_CPU, throughputRun, writeQueryFile, type DnsperfSummary, type QueryFile } from './dnsperf.js';
import { failoverStats, type FailoverStats } from './failover.js';
import {
  CHECK_SETTINGS,
  configDir,
  FAILOVER_NAME,
  meridianCheck,
  meridianZone,
  PRIMARY,
  SECONDARY,
  SERVER_CPU,
  startMeridian,
  ZONE,
  type BenchServer,
} from './peers.js';
import { QUERY_MIXES, QUIET_IDLE_PERCENT, waitForQuietCpus } from './throughput.js';

/** The group's members; each listens on its own loopback address (DNS on DNS_PORT, admin and peer link below). */
export const GROUP_MEMBERS = [
  { instance: 'a', host: '127.0.0.84' },
  { instance: 'b', host: '127.0.0.85' },
  { instance: 'c', host: '127.0.0.86' },
] as const;
/** The instance without peers. */
export const ALONE_HOST = '127.0.0.87';
export const ALONE_LABEL = 'alone';
const ADMIN_PORT = 18053;
const PEER_PORT = 17053;
/** The record whose primary flaps during the throughput runs: other addresses than app's and web's. */
const FLAP_PRIMARY = '127.0.0.65';
const FLAP_SECONDARY = '127.0.0.66';
const FLAP_EVERY_MS = 1_000;
/**
 * A run in which the measured server used less of its core than this had it taken by another process, or waited
 * for a dnsperf that another process slowed down (undisturbed runs measured 0.95-0.98 here).
 */
const UNDISTURBED_CORE_SHARE = 0.9;
/** The bound: the peer link must not cost the query path more than 5%. */
export const GROUP_QPS_BOUND = 0.95;
const POLL_MS = 5;
const DEADLINE_MS = 30_000;
const LINKS_DEADLINE_MS = 20_000;
const WARMUP_SECONDS = 3;
const QUORUM = 'majority';
const STALE_AFTER = '5s';
/** USER_HZ, which /proc/PID/stat counts in: 100 on every Linux build that matters (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

export type GroupFault = 'kill' | 'freeze';

export interface GroupFailoverTrial {
  readonly fault: GroupFault;
  /** Per instance (a, b, c, alone): seconds from the outage to the first answer without the primary; null = deadline. */
  readonly dropSeconds: Readonly<Record<string, number | null>>;
  /** Latest minus earliest drop of the three group members. */
  readonly spreadSeconds: number | null;
  /** Per instance: seconds from the primary's return to it answering the primary again. */
  readonly restoreSeconds: Readonly<Record<string, number | null>>;
  readonly restoreSpreadSeconds: number | null;
  /** What each instance answered first without the primary (the secondary, normally). */
  readonly firstAnswers: Readonly<Record<string, string>>;
}

export interface GroupFailoverSummary {
  readonly of: GroupFault | 'restore';
  readonly perInstance: Readonly<Record<string, FailoverStats>>;
  readonly spread: FailoverStats;
}

export interface GroupMeasurement {
  readonly setup: 'alone' | 'group';
  readonly result?: DnsperfSummary;
  readonly error?: string;
  /** Per-CPU idle percent before its servers started (under QUIET_IDLE_PERCENT: something else ran). */
  readonly idleBeforePercent: readonly number[];
  /** CPU seconds the measured server's process (all its threads) used during the dnsperf run. */
  readonly cpuSeconds?: number;
  /**
   * Its CPU per answered query, in microseconds: unlike qps, hardly moved by another process taking a share of
   * the core, so it tells the link's cost apart from noise.
   */
  readonly cpuMicrosecondsPerQuery?: number;
  /** cpuSeconds / the run's length: ~1 when the server had its core to itself, less when something else ran on it. */
  readonly coreShare?: number;
  /** Health changes of the flapping record on the measured instance during the dnsperf run. */
  readonly flapTransitions?: number;
  /** Group only: whether both peer links were still connected and fresh after the run. */
  readonly linksUpAfter?: boolean;
}

export interface GroupThroughputTrial {
  readonly order: ReadonlyArray<'alone' | 'group'>;
  readonly alone: GroupMeasurement;
  readonly group: GroupMeasurement;
  /** group qps / alone qps. */
  readonly ratio: number | null;
  /** group CPU per query / alone CPU per query. */
  readonly cpuPerQueryRatio: number | null;
  /** Either run's core share under UNDISTURBED_CORE_SHARE: left out of the medians and the verdict. */
  readonly disturbed: boolean;
}

export interface GroupResult {
  readonly instances: readonly string[];
  readonly quorum: string;
  readonly staleAfter: string;
  readonly checkSettings: string;
  readonly failover: {
    readonly trialsPerFault: number;
    readonly pollIntervalMs: number;
    readonly deadlineSeconds: number;
    readonly idleBeforePercent: readonly number[];
    readonly trials: readonly GroupFailoverTrial[];
    readonly summary: readonly GroupFailoverSummary[];
    readonly error?: string;
  };
  readonly throughput: {
    readonly durationSeconds: number;
    readonly warmupSeconds: number;
    readonly flapEveryMs: number;
    readonly trials: readonly GroupThroughputTrial[];
    readonly medianAloneQps: number | null;
    readonly medianGroupQps: number | null;
    /**
     * The median of the per-trial ratios (each compares two runs taken one right after the other), over the
     * undisturbed trials; the qps and CPU medians too.
     */
    readonly medianRatio: number | null;
    readonly medianCpuPerQueryRatio: number | null;
    readonly undisturbedCoreShare: number;
    readonly undisturbedTrials: number;
    readonly bound: number;
    readonly boundMet: boolean | null;
    readonly error?: string;
  };
}

export interface GroupOptions {
  /** Failover trials per fault kind, and throughput trials (pairs of runs). */
  readonly trials: number;
  /** Seconds per dnsperf run. */
  readonly seconds: number;
  readonly log: (message: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Latest minus earliest, or null if any is missing. */
function spreadOf(values: ReadonlyArray<number | null>): number | null {
  if (values.some((v) => v === null)) return null;
  const done = values as number[];
  return Math.max(...done) - Math.min(...done);
}

/** The zone every instance serves: the throughput section's two names, and `flap`, whose primary flaps. */
export function groupZone(ingressPort: number): string {
  return `${meridianZone({ ingressPort, host: GROUP_MEMBERS[0].host })}  flap:
    policy: failover
    check: ${meridianCheck(ingressPort)}
    targets: [ { address: ${FLAP_PRIMARY} }, { address: ${FLAP_SECONDARY} } ]
`;
}

/** Fails if host:port/tcp is taken (a server left over from an earlier run). */
async function assertTcpPortFree(host: string, port: number): Promise<void> {
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (error) {
    throw new Error(
      `${host}:${port}/tcp is already in use (${(error as NodeJS.ErrnoException).code}): a server left over from an earlier run? Stop it first.`,
      {
        cause: error,
      },
    );
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}

interface Instance {
  readonly label: string;
  readonly server: BenchServer;
  readonly admin: string;
}

async function status(instance: Instance): Promise<StatusDocument> {
  const response = await fetch(`http://${instance.admin}/status`, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`${instance.label}: /status answered ${response.status}`);
  return (await response.json()) as StatusDocument;
}

/** Both of its peers connected and fresh, as its /status says. */
async function linksUp(instance: Instance): Promise<boolean> {
  try {
    const peers = (await status(instance)).peerGroup?.peers ?? [];
    return peers.length === GROUP_MEMBERS.length - 1 && peers.every((p) => p.connected && p.fresh && p.unknownVerdicts === 0);
  } catch {
    return false;
  }
}

async function waitForLinks(members: readonly Instance[]): Promise<void> {
  const started = performance.now();
  for (;;) {
    const up = await Promise.all(members.map(linksUp));
    if (up.every(Boolean)) return;
    if (performance.now() - started > LINKS_DEADLINE_MS) {
      const down = members.filter((_, i) => !up[i]).map((m) => m.label);
      throw new Error(`the peer links of ${down.join(', ')} were not all connected and fresh within ${LINKS_DEADLINE_MS / 1000} s`);
    }
    await sleep(100);
  }
}

async function startAlone(ingressPort: number, cpu: string): Promise<Instance> {
  await assertTcpPortFree(ALONE_HOST, ADMIN_PORT);
  const admin = `${ALONE_HOST}:${ADMIN_PORT}`;
  const server = await startMeridian({ ingressPort, host: ALONE_HOST, zone: groupZone(ingressPort), admin, cpu, label: ALONE_LABEL });
  return { label: ALONE_LABEL, server, admin };
}

/**
 * The three members, started at once, each given the same --peer list (oneself is ignored); resolves when every
 * one serves the primary and all six links are connected and fresh. `cpuOf` pins each member.
 */
async function startGroup(ingressPort: number, tokenFile: string, cpuOf: (instance: string) => string): Promise<Instance[]> {
  for (const member of GROUP_MEMBERS) {
    await assertTcpPortFree(member.host, ADMIN_PORT);
    await assertTcpPortFree(member.host, PEER_PORT);
  }
  const peerArgs = GROUP_MEMBERS.flatMap((m) => ['--peer', `${m.instance}=http://${m.host}:${PEER_PORT}`]);
  const started = await Promise.allSettled(
    GROUP_MEMBERS.map(async (member): Promise<Instance> => {
      const admin = `${member.host}:${ADMIN_PORT}`;
      const server = await startMeridian({
        ingressPort,
        host: member.host,
        zone: groupZone(ingressPort),
        admin,
        cpu: cpuOf(member.instance),
        label: member.instance,
        extraArgs: [
          '--instance',
          member.instance,
          ...peerArgs,
          '--peer-listen',
          `${member.host}:${PEER_PORT}`,
          '--peer-token-file',
          tokenFile,
          '--quorum',
          QUORUM,
          '--peer-stale-after',
          STALE_AFTER,
        ],
      });
      return { label: member.instance, server, admin };
    }),
  );
  const members = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s) => s.status === 'rejected');
  try {
    if (failure) throw failure.reason;
    await waitForLinks(members);
    return members;
  } catch (error) {
    await Promise.all(members.map((m) => m.server.stop()));
    throw error;
  }
}

/** Polls the failover name every POLL_MS until `done(answer)`; resolves with the seconds since `since` and the answer. */
async function pollUntil(dns: DnsClient, done: (answer: string) => boolean, since: number): Promise<{ seconds: number | null; answer: string }> {
  let answer = '(none)';
  for (;;) {
    try {
      // A lost datagram costs one poll, not the client's default two seconds.
      answer = (await dns.query(FAILOVER_NAME, 1, 250)).answer
        .map((a) => a.split(' ').at(-1)!)
        .sort()
        .join(',');
      if (done(answer)) return { seconds: (performance.now() - since) / 1000, answer };
    } catch {
      // no answer this time; keep polling
    }
    if (performance.now() - since > DEADLINE_MS) return { seconds: null, answer };
    await sleep(POLL_MS);
  }
}

const withoutPrimary = (answer: string) => !answer.split(',').includes(PRIMARY);
const primaryOnly = (answer: string) => answer === PRIMARY;

async function measureFailover(options: GroupOptions, ingressPort: number, primary: HttpIngress, tokenFile: string): Promise<GroupResult['failover']> {
  const idleBeforePercent = await waitForQuietCpus();
  const trials: GroupFailoverTrial[] = [];
  const instances: Instance[] = [];
  const clients: DnsClient[] = [];
  let error: string | undefined;
  try {
    // Timing, not CPU, is measured here: let every instance use both cores.
    const everywhere = `${SERVER_CPU},${CLIENT_CPU}`;
    options.log('group: failover: starting a, b, c and the instance alone');
    instances.push(...(await startGroup(ingressPort, tokenFile, () => everywhere)));
    instances.push(await startAlone(ingressPort, everywhere));
    for (const instance of instances) clients.push(await dnsClient({ host: instance.server.host, port: instance.server.port }));
    const members = instances.filter((i) => i.label !== ALONE_LABEL);
    const labels = instances.map((i) => i.label);
    const byLabel = (values: readonly number[] | ReadonlyArray<number | null>) => Object.fromEntries(labels.map((l, i) => [l, values[i]]));

    for (let trial = 0; trial < 2 * options.trials; trial++) {
      const fault: GroupFault = trial % 2 === 0 ? 'kill' : 'freeze';
      await waitForLinks(members);
      // A random phase of every instance's probe interval, as a real outage would land.
      await sleep(300 + Math.random() * 2_000);
      options.log(`group: failover: trial ${trial + 1}/${2 * options.trials}: ${fault}`);
      let since = performance.now();
      if (fault === 'kill') await primary.kill();
      else primary.freeze();
      const dropped = await Promise.all(clients.map((dns) => pollUntil(dns, withoutPrimary, since)));

      await sleep(300 + Math.random() * 2_000);
      since = performance.now();
      if (fault === 'kill') await primary.revive();
      else primary.thaw();
      const restored = await Promise.all(clients.map((dns) => pollUntil(dns, primaryOnly, since)));
      const memberIndexes = members.map((m) => instances.indexOf(m));
      trials.push({
        fault,
        dropSeconds: byLabel(dropped.map((d) => d.seconds)),
        spreadSeconds: spreadOf(memberIndexes.map((i) => dropped[i].seconds)),
        restoreSeconds: byLabel(restored.map((r) => r.seconds)),
        restoreSpreadSeconds: spreadOf(memberIndexes.map((i) => restored[i].seconds)),
        firstAnswers: Object.fromEntries(labels.map((l, i) => [l, dropped[i].answer])),
      });
      const stuck = labels.filter((_, i) => restored[i].seconds === null);
      if (stuck.length > 0) throw new Error(`${stuck.join(', ')} did not serve the primary again within ${DEADLINE_MS / 1000} s`);
    }
  } catch (caught) {
    error = (caught as Error).message;
    options.log(`group: failover: ${error}`);
  } finally {
    for (const dns of clients) dns.close();
    await Promise.all(instances.map((i) => i.server.stop()));
  }

  const labels = [...GROUP_MEMBERS.map((m) => m.instance), ALONE_LABEL];
  const summarise = (of: GroupFault | 'restore'): GroupFailoverSummary => {
    const chosen = trials.filter((t) => of === 'restore' || t.fault === of);
    const pick = (t: GroupFailoverTrial, label: string) => (of === 'restore' ? t.restoreSeconds[label] : t.dropSeconds[label]) ?? null;
    return {
      of,
      perInstance: Object.fromEntries(labels.map((l) => [l, failoverStats(chosen.map((t) => pick(t, l)))])),
      spread: failoverStats(chosen.map((t) => (of === 'restore' ? t.restoreSpreadSeconds : t.spreadSeconds))),
    };
  };
  return {
    trialsPerFault: options.trials,
    pollIntervalMs: POLL_MS,
    deadlineSeconds: DEADLINE_MS / 1000,
    idleBeforePercent,
    trials,
    summary: trials.length === 0 ? [] : [summarise('kill'), summarise('freeze'), summarise('restore')],
    ...(error === undefined ? {} : { error }),
  };
}

/** Kills and revives an ingress every `everyMs` until stopped; stopping leaves it listening. */
function flap(ingress: HttpIngress, everyMs: number): { stop(): Promise<void> } {
  let down = false;
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(async () => {
      if (down) await ingress.revive();
      else await ingress.kill();
      down = !down;
    });
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      if (down) await ingress.revive();
    },
  };
}

/** User + system CPU seconds of a process so far, all threads (Linux /proc; clock ticks of 1/100 s). */
export async function cpuSecondsOf(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // After the command name in parentheses: field 3 (state) onwards; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Transitions of the flapping record's primary between two wall-clock instants, from the instance's /status. */
async function flapTransitions(instance: Instance, from: number, to: number): Promise<number> {
  return (await status(instance)).transitions.filter((t) => t.address === FLAP_PRIMARY && Date.parse(t.at) >= from && Date.parse(t.at) <= to).length;
}

async function measureQps(
  setup: 'alone' | 'group',
  options: GroupOptions,
  ingressPort: number,
  flapPrimary: HttpIngress,
  tokenFile: string,
  queries: QueryFile,
): Promise<GroupMeasurement> {
  // None of our servers runs now: whatever keeps the CPUs busy is someone else's.
  const idleBeforePercent = await waitForQuietCpus();
  let instances: Instance[] = [];
  let flapper: { stop(): Promise<void> } | undefined;
  try {
    options.log(`group: throughput: starting ${setup === 'alone' ? 'the instance alone' : 'a, b and c'}`);
    // The measured instance gets CPU 0 to itself, as in the throughput section; the other two members stand for
    // peers on other machines and share dnsperf's CPU, where their few probes and messages cost the least.
    instances =
      setup === 'alone' ? [await startAlone(ingressPort, SERVER_CPU)] : await startGroup(ingressPort, tokenFile, (i) => (i === 'a' ? SERVER_CPU : CLIENT_CPU));
    const measured = instances[0];
    const target = { host: measured.server.host, port: measured.server.port };
    flapper = flap(flapPrimary, FLAP_EVERY_MS);
    options.log(`group: throughput: ${setup}: warm-up ${WARMUP_SECONDS} s`);
    await throughputRun({ ...target, queryFile: queries.path, seconds: WARMUP_SECONDS });
    options.log(`group: throughput: ${setup}: mixed queries, ${options.seconds} s`);
    const from = Date.now();
    const cpuBefore = await cpuSecondsOf(measured.server.pid);
    const result = await throughputRun({ ...target, queryFile: queries.path, seconds: options.seconds });
    const cpuAfter = await cpuSecondsOf(measured.server.pid);
    const to = Date.now();
    const cpu =
      cpuBefore === undefined || cpuAfter === undefined || result.completed === 0
        ? {}
        : {
            cpuSeconds: cpuAfter - cpuBefore,
            cpuMicrosecondsPerQuery: ((cpuAfter - cpuBefore) * 1e6) / result.completed,
            coreShare: (cpuAfter - cpuBefore) / result.runSeconds,
          };
    for (const instance of instances) if (!instance.server.alive()) throw new Error(`${instance.label} exited during the run:\n${instance.server.output()}`);
    const flaps = await flapTransitions(measured, from, to);
    const linksUpAfter = setup === 'group' ? (await Promise.all(instances.map(linksUp))).every(Boolean) : undefined;
    return { setup, result, idleBeforePercent, ...cpu, flapTransitions: flaps, ...(linksUpAfter === undefined ? {} : { linksUpAfter }) };
  } catch (error) {
    options.log(`group: throughput: ${setup}: ${(error as Error).message.split('\n')[0]}`);
    return { setup, error: (error as Error).message.split('\n')[0], idleBeforePercent };
  } finally {
    await flapper?.stop();
    await Promise.all(instances.map((i) => i.server.stop()));
  }
}

async function measureThroughput(options: GroupOptions, ingressPort: number, flapPrimary: HttpIngress, tokenFile: string): Promise<GroupResult['throughput']> {
  const queries = await writeQueryFile(QUERY_MIXES.mixed);
  const trials: GroupThroughputTrial[] = [];
  try {
    // A disturbed pair says nothing about the link: measure another, up to twice the trials in all.
    for (let trial = 0; trial < 2 * options.trials && trials.filter((t) => !t.disturbed).length < options.trials; trial++) {
      // Alternating which goes first cancels a drift of the machine (thermal, another tenant) between the two.
      const order: Array<'alone' | 'group'> = trial % 2 === 0 ? ['alone', 'group'] : ['group', 'alone'];
      options.log(
        `group: throughput: trial ${trial + 1} (${trials.filter((t) => !t.disturbed).length} of ${options.trials} undisturbed so far): ${order.join(', then ')}`,
      );
      const measured: Partial<Record<'alone' | 'group', GroupMeasurement>> = {};
      for (const setup of order) measured[setup] = await measureQps(setup, options, ingressPort, flapPrimary, tokenFile, queries);
      const alone = measured.alone!;
      const group = measured.group!;
      const ratio = alone.result && group.result && alone.result.qps > 0 ? group.result.qps / alone.result.qps : null;
      const cpuPerQueryRatio =
        alone.cpuMicrosecondsPerQuery !== undefined && group.cpuMicrosecondsPerQuery !== undefined && alone.cpuMicrosecondsPerQuery > 0
          ? group.cpuMicrosecondsPerQuery / alone.cpuMicrosecondsPerQuery
          : null;
      const disturbed = [alone, group].some((m) => m.coreShare === undefined || m.coreShare < UNDISTURBED_CORE_SHARE);
      trials.push({ order, alone, group, ratio, cpuPerQueryRatio, disturbed });
    }
  } finally {
    await queries.remove();
  }
  const judged = trials.filter((t) => !t.disturbed);
  const qps = (setup: 'alone' | 'group') => judged.flatMap((t) => (t[setup].result ? [t[setup].result.qps] : []));
  const medianRatio = median(judged.flatMap((t) => (t.ratio === null ? [] : [t.ratio])));
  return {
    durationSeconds: options.seconds,
    warmupSeconds: WARMUP_SECONDS,
    flapEveryMs: FLAP_EVERY_MS,
    trials,
    medianAloneQps: median(qps('alone')),
    medianGroupQps: median(qps('group')),
    medianRatio,
    medianCpuPerQueryRatio: median(judged.flatMap((t) => (t.cpuPerQueryRatio === null ? [] : [t.cpuPerQueryRatio]))),
    undisturbedCoreShare: UNDISTURBED_CORE_SHARE,
    undisturbedTrials: judged.length,
    bound: GROUP_QPS_BOUND,
    boundMet: medianRatio === null ? null : medianRatio >= GROUP_QPS_BOUND,
  };
}

export async function runGroup(options: GroupOptions): Promise<GroupResult> {
  let primary: HttpIngress | undefined;
  let secondary: HttpIngress | undefined;
  let flapPrimary: HttpIngress | undefined;
  let flapSecondary: HttpIngress | undefined;
  const { dir, cleanup } = await configDir('meridian-bench-group-');
  try {
    const tokenFile = path.join(dir, 'peer-token');
    await writeFile(tokenFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
    primary = await startHttpIngress({ host: PRIMARY });
    const port = primary.port;
    secondary = await startHttpIngress({ host: SECONDARY, port });
    flapPrimary = await startHttpIngress({ host: FLAP_PRIMARY, port });
    flapSecondary = await startHttpIngress({ host: FLAP_SECONDARY, port });
    const failover = await measureFailover(options, port, primary, tokenFile);
    let throughput: GroupResult['throughput'];
    try {
      throughput = await measureThroughput(options, port, flapPrimary, tokenFile);
    } catch (error) {
      throughput = {
        durationSeconds: options.seconds,
        warmupSeconds: WARMUP_SECONDS,
        flapEveryMs: FLAP_EVERY_MS,
        trials: [],
        medianAloneQps: null,
        medianGroupQps: null,
        medianRatio: null,
        medianCpuPerQueryRatio: null,
        undisturbedCoreShare: UNDISTURBED_CORE_SHARE,
        undisturbedTrials: 0,
        bound: GROUP_QPS_BOUND,
        boundMet: null,
        error: (error as Error).message.split('\n')[0],
      };
    }
    return {
      instances: [...GROUP_MEMBERS.map((m) => m.instance), ALONE_LABEL],
      quorum: QUORUM,
      staleAfter: STALE_AFTER,
      checkSettings: CHECK_SETTINGS.meridian,
      failover,
      throughput,
    };
  } finally {
    await primary?.close();
    await secondary?.close();
    await flapPrimary?.close();
    await flapSecondary?.close();
    await cleanup();
  }
}

/** Whether a measurement was taken while other processes still used a CPU. */
export const busyBefore = (idle: readonly number[]) => idle.some((percent) => percent < QUIET_IDLE_PERCENT);

/** For the table: the zone's record names. */
export const GROUP_NAMES = { failover: FAILOVER_NAME, flap: `flap.${ZONE}`, flapPrimary: FLAP_PRIMARY } as const;
