// The benchmark suite: `npm run bench` (scripts/bench.sh installs the peers, builds, and runs this).
//
//   node dist/test/bench/run.js [--only throughput|geo|dnssec|failover|group|scale]... [--duration SECONDS] [--workers N] [--trials N]
//
// Runs the sections in order, prints one table and writes it, with every raw number, as JSON to
// test-output/bench/<timestamp>.json and test-output/bench/latest.json, so runs can be compared between commits.
// See docs/performance.md.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runFailover, type FailoverResult, type FailoverStats } from './failover.js';
import { runGeo, type GeoResult } from './geo.js';
import { runDnssec, type DnssecResult } from './dnssec.js';
import { ALONE_LABEL, busyBefore, GROUP_MEMBERS, GROUP_NAMES, runGroup, type GroupMeasurement, type GroupResult } from './group.js';
import { CLIENT_CPU, CLIENTS, cpuIdlePercent } from './dnsperf.js';
import { killAllChildren, PRIMARY, REPO_ROOT, SERVER_CPU } from './peers.js';
import { QUIET_IDLE_PERCENT, QUIET_WAIT_MS, runThroughput, type ThroughputResult } from './throughput.js';

const SECTIONS = ['throughput', 'geo', 'dnssec', 'failover', 'group', 'scale'] as const;
type Section = (typeof SECTIONS)[number];

interface Settings {
  readonly only: readonly Section[];
  readonly durationSeconds: number;
  readonly workers: number | undefined;
  readonly trials: number;
}

function usage(message?: string): never {
  if (message) process.stderr.write(`bench: ${message}\n`);
  process.stderr.write('usage: npm run bench -- [--only throughput|geo|dnssec|failover|group|scale]... [--duration SECONDS] [--workers N] [--trials N]\n');
  process.exit(message ? 2 : 0);
}

function positiveInteger(value: string | undefined, flag: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} needs a positive whole number (got '${value}')`);
  return n;
}

function parseSettings(argv: readonly string[]): Settings {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        only: { type: 'string', multiple: true },
        duration: { type: 'string' },
        workers: { type: 'string' },
        trials: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) usage();
  const only = (values.only ?? [...SECTIONS]).flatMap((s) => s.split(','));
  for (const section of only) if (!(SECTIONS as readonly string[]).includes(section)) usage(`unknown section '${section}'`);
  return {
    only: SECTIONS.filter((s) => only.includes(s)),
    durationSeconds: positiveInteger(values.duration, '--duration', 10)!,
    workers: positiveInteger(values.workers, '--workers', undefined),
    trials: positiveInteger(values.trials, '--trials', 4)!,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The machine

interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly kernel: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly loadAverageAtStart: readonly number[];
  /** Per-CPU idle percent over one second before the first measurement. */
  readonly idleAtStartPercent: readonly number[];
  readonly commit: string;
}

function quiet(command: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

async function describeMachine(): Promise<Machine> {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux; keep os.cpus()'s
  }
  const versions: Record<string, string> = {};
  for (const pkg of ['gdnsd', 'pdns-server', 'pdns-backend-bind', 'dnsperf']) {
    versions[pkg] = quiet('dpkg-query', ['-W', '-f', '${Version}', pkg]) || 'not installed';
  }
  const head = quiet('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const dirty = (quiet('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  return {
    cpuModel,
    cores: os.cpus().length,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    versions,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    idleAtStartPercent: await cpuIdlePercent(),
    commit: dirty ? `${head} (with uncommitted changes)` : head,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Scale (written separately, in test/bench/scale.ts; run when it exists)

type RunScale = (options?: { durationSeconds: number; workers?: number; log: (message: string) => void }) => Promise<unknown>;

async function loadScale(): Promise<RunScale | undefined> {
  const file = fileURLToPath(new URL('./scale.js', import.meta.url));
  // Checked first so that an error inside scale.ts is reported, not mistaken for its absence.
  if (!existsSync(file)) return undefined;
  const module = (await import(pathToFileURL(file).href)) as { runScale?: RunScale };
  if (typeof module.runScale !== 'function') throw new Error('test/bench/scale.ts does not export runScale()');
  return module.runScale;
}

// ---------------------------------------------------------------------------------------------------------------
// The table

type Cell = string;

/** Aligns rows of cells into columns: text left, numbers right. */
function columns(header: readonly Cell[], rows: ReadonlyArray<readonly Cell[]>, indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-\d.,kx×%<>/ ]*$|^n\/a$|^lost$|^—$/.test(r[i] ?? '')));
  const line = (cells: readonly Cell[]) =>
    indent +
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

const fixed = (n: number | null | undefined, digits: number) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

/** "101k-112k": the slowest and fastest whole second of a run. */
function perSecondRange(values: readonly number[]): string {
  if (values.length === 0) return '';
  const k = (n: number) => (n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : `${Math.round(n)}`);
  return `${k(Math.min(...values))}-${k(Math.max(...values))}`;
}

function throughputLines(result: ThroughputResult): string[] {
  const header = [
    'server',
    'queries',
    'qps',
    'per second',
    'sent',
    'lost %',
    'avg ms',
    'sd ms',
    'max ms',
    'at q/s',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'meridian ×',
  ];
  const busy = (row: ThroughputResult['rows'][number]) => (row.idleBeforePercent ?? []).some((idle) => idle < QUIET_IDLE_PERCENT);
  const rows = result.rows.map((row) => {
    if (!row.result) return [row.server, row.mix, 'n/a', '', '', '', '', '', '', '', '', '', '', ''];
    const r = row.result;
    const p = row.percentiles;
    const pct = (v: number | null | undefined) => (p === undefined ? '' : v === null ? 'lost' : fixed(v, 3));
    return [
      busy(row) ? `${row.server} *` : row.server,
      row.mix,
      thousands(r.qps),
      perSecondRange(r.qpsPerSecond),
      thousands(r.sent),
      fixed(r.lostPercent, 2),
      fixed(r.latency.avg * 1000, 3),
      fixed(r.latency.stddev * 1000, 3),
      fixed(r.latency.max * 1000, 1),
      p ? thousands(p.rate) : '',
      pct(p?.p50),
      pct(p?.p99),
      pct(p?.p999),
      row.meridianRatio === undefined ? '' : `${row.meridianRatio.toFixed(2)}x`,
    ];
  });
  const notes = result.rows.filter((r) => r.error).map((r) => `  n/a ${r.server} (${r.mix}): ${r.error}`);
  for (const row of result.rows) {
    const other = Object.entries(row.result?.rcodes ?? {}).filter(([rcode]) => rcode !== 'NOERROR');
    if (other.length > 0) notes.push(`  ! ${row.server} (${row.mix}) answered ${other.map(([rcode, n]) => `${rcode} ${n}`).join(', ')}`);
  }
  const busyServers = [...new Map(result.rows.filter(busy).map((r) => [r.server, r.idleBeforePercent!])).entries()];
  if (busyServers.length > 0) {
    notes.push(
      `  * other processes were still using the CPUs after waiting up to ${QUIET_WAIT_MS / 1000} s before these runs (idle % per CPU): ${busyServers.map(([s, idle]) => `${s} ${idle.join('/')}`).join(', ')}; expect noise`,
    );
  }
  return [
    `THROUGHPUT  UDP; dnsperf -l ${result.durationSeconds} per run (${CLIENTS} client sockets, 100 queries outstanding, unanswered after 1 s = lost) after a ${result.warmupSeconds} s warm-up; each server pinned to CPU ${SERVER_CPU}, dnsperf to CPU ${CLIENT_CPU}`,
    ...columns(header, rows),
    `  queries: mixed = app (weighted 3:1) and web (failover) alternating; weighted / failover = that name alone`,
    `  per second: slowest-fastest whole second of the run (a wide range means something else ran). avg/sd/max: dnsperf's`,
    `  latency summary at full load. meridian ×: Meridian's qps / this row's qps, same queries`,
    `  p50/p99/p99.9: ${result.percentileMethod}`,
    `  configuration check, ${result.servers[0]?.answers?.queries ?? 0} queries of each name before the runs (app is 3:1, so ~75% primary; web should answer ${PRIMARY}):`,
    ...result.servers
      .filter((s) => s.answers && s.label !== 'node:dgram ceiling')
      .map((s) => `    ${s.label}: app ${(100 * s.answers!.weightedPrimaryShare).toFixed(0)}% primary, web ${s.answers!.failoverAnswers.join(' + ')}`),
    ...[...new Set(notes)],
  ];
}

function dnssecLines(result: DnssecResult): string[] {
  const summary = columns(
    ['queries', 'qps', 'CPU µs/query', '× DO=0 (qps)'],
    result.summary.map((s) => [
      s.variant,
      s.qps === null ? 'n/a' : thousands(s.qps),
      fixed(s.cpuMicrosecondsPerQuery, 2),
      s.ratio === null ? 'n/a' : `${s.ratio.toFixed(3)}x`,
    ]),
  );
  const signed = result.summary.find((s) => s.variant === 'answer, DO=1');
  const ms = (v: number) => `${v.toFixed(3)} ms`;
  const load = result.loadMs;
  const flip = result.rebuildAfterFlipMs;
  return [
    `DNSSEC  one meridian on CPU ${SERVER_CPU} (the bench zone, signed with one P-256 key), dnsperf on CPU ${CLIENT_CPU}; ${result.rounds} interleaved rounds of dnsperf -l ${result.durationSeconds} (medians); NXDOMAIN over 1,000 random names; the NSEC3 rows against the zone signed with NSEC3 (a second process)`,
    ...summary,
    `  × DO=0: this row's qps / the same queries' with EDNS and DO=0, same process, same run`,
    `  goal (issue 19): DO=1 >= ${result.goals.throughputRatio}x of DO=0: ${result.throughputGoalMet === null ? 'not judged' : result.throughputGoalMet ? 'met' : 'NOT met'} (${signed?.ratio === null || signed?.ratio === undefined ? 'n/a' : `${signed.ratio.toFixed(3)}x`})`,
    `  ${thousands(result.records)} records, in-process: parse and validate ${ms(load.parse)}; build unsigned ${ms(load.buildUnsigned)}, signed ${ms(load.buildSigned)} (${thousands(load.signatures)} signatures)`,
    `  rebuild after one target flips (signed zone): new answer p50 ${ms(flip.newSignature.p50)} p99 ${ms(flip.newSignature.p99)}; back to a signed one p50 ${ms(flip.reused.p50)} p99 ${ms(flip.reused.p99)}; goal < ${result.goals.rebuildMs} ms: ${result.rebuildGoalMet ? 'met' : 'NOT met'}`,
    `  per run: ${result.runs.map((r) => `${r.variant} #${r.round} ${r.result ? thousands(r.result.qps) : `failed (${r.error ?? ''})`}`).join(', ')}`,
  ];
}

function geoLines(result: GeoResult): string[] {
  const summary = columns(
    ['queries', 'qps', 'CPU µs/query', '× weighted (qps)', '× weighted (CPU)'],
    result.summary.map((s) => [
      s.variant,
      s.qps === null ? 'n/a' : thousands(s.qps),
      fixed(s.cpuMicrosecondsPerQuery, 2),
      s.ratio === null ? 'n/a' : `${s.ratio.toFixed(3)}x`,
      s.cpuRatio === null ? 'n/a' : `${s.cpuRatio.toFixed(3)}x`,
    ]),
  );
  const geo = result.summary.find((s) => s.variant === 'geo + ECS');
  const lines = [
    `GEO  one meridian on CPU ${SERVER_CPU}, dnsperf on CPU ${CLIENT_CPU}; ${result.rounds} interleaved rounds of dnsperf -l ${result.durationSeconds} per kind of query (medians); a client map of ${result.subnetRules} subnet rules, ECS client ${result.ecsClient}`,
    ...summary,
    `  × weighted: this row's qps / the plain weighted row's (CPU: its CPU per query / this row's), same process, same run`,
    `  goal (issue 18): geo + ECS >= ${result.goal}x of weighted: ${result.goalMet === null ? 'not judged' : result.goalMet ? 'met' : 'NOT met'} (${geo?.ratio === null || geo?.ratio === undefined ? 'n/a' : `${geo.ratio.toFixed(3)}x`})`,
    `  answers before the runs (dig): ${result.check.join('; ')}`,
    `  per run: ${result.runs.map((r) => `${r.variant} #${r.round} ${r.result ? thousands(r.result.qps) : `failed (${r.error ?? ''})`}`).join(', ')}`,
  ];
  if (result.idleBeforePercent.some((idle) => idle < QUIET_IDLE_PERCENT)) {
    lines.push(`  * other processes were using the CPUs before the runs (idle % per CPU): ${result.idleBeforePercent.join('/')}; expect noise`);
  }
  return lines;
}

function failoverLines(result: FailoverResult): string[] {
  const cell = (s: FailoverStats | undefined) => {
    if (!s) return 'n/a';
    const core = s.median === null ? '—' : `${s.median.toFixed(2)} / ${s.max!.toFixed(2)}`;
    return s.timeouts > 0 ? `${core} (${s.timeouts} > ${result.deadlineSeconds} s)` : core;
  };
  const header = ['server', 'drop killed s', 'drop frozen s', 'restore s', 'trials', 'health checks'];
  const rows = result.rows.map((row) =>
    row.error
      ? [row.server, 'n/a', 'n/a', 'n/a', '', row.error]
      : [
          row.server,
          cell(row.kill),
          cell(row.freeze),
          cell(row.restore),
          `${row.kill?.samples.length ?? 0}+${row.freeze?.samples.length ?? 0}`,
          row.settings ?? '',
        ],
  );
  return [
    `FAILOVER  median / max seconds from the fault to the failover name's answer changing; all three probe the same two ingresses at once`,
    ...columns(header, rows),
    `  killed = primary ingress stops listening (refused); frozen = accepts, never answers; restore = primary serves again.`,
    `  ${result.trialsPerFault} kills + ${result.trialsPerFault} freezes at a random phase, each followed by a restore; answers polled every ${result.pollIntervalMs} ms.`,
  ];
}

function groupLines(result: GroupResult): string[] {
  const members = GROUP_MEMBERS.map((m) => m.instance);
  const labels = [...members, ALONE_LABEL];
  const seconds = (n: number | null | undefined) => fixed(n, 3);
  const cell = (s: FailoverStats | undefined) => {
    if (!s) return 'n/a';
    const core = s.median === null ? '—' : `${s.median.toFixed(3)} / ${s.max!.toFixed(3)}`;
    return s.timeouts > 0 ? `${core} (${s.timeouts} > ${result.failover.deadlineSeconds} s)` : core;
  };
  const f = result.failover;
  const lines = [
    `GROUP  a peer group of three (${members.join(', ')}; quorum ${result.quorum}, stale after ${result.staleAfter}) on loopback, and one instance ${ALONE_LABEL} (no peers); health checks ${result.checkSettings}`,
    `  failover: seconds from the outage to the first answer of ${GROUP_NAMES.failover} without the primary; all four probe the same ingress, each polled over UDP every ${f.pollIntervalMs} ms`,
    ...columns(
      ['trial', 'fault', ...labels, 'spread a-c'],
      f.trials.map((t, i) => [String(i + 1), t.fault, ...labels.map((l) => seconds(t.dropSeconds[l])), seconds(t.spreadSeconds)]),
    ),
    `  median / max over the trials (restore: from the primary's return to every instance answering it again)`,
    ...columns(
      ['', ...labels, 'spread a-c'],
      f.summary.map((s) => [
        s.of === 'kill' ? 'killed' : s.of === 'freeze' ? 'frozen' : 'restore',
        ...labels.map((l) => cell(s.perInstance[l])),
        cell(s.spread),
      ]),
    ),
    `  killed = the primary ingress stops listening (refused); frozen = it accepts and never answers. ${f.trialsPerFault} of each at a random phase; spread = latest minus earliest of ${members.join(', ')}.`,
  ];
  if (f.error) lines.push(`  ! failover stopped early: ${f.error}`);
  if (busyBefore(f.idleBeforePercent)) lines.push(`  * the CPUs were busy before the failover trials (idle % per CPU): ${f.idleBeforePercent.join('/')}`);

  const t = result.throughput;
  const qps = (m: GroupMeasurement) => (m.result ? `${thousands(m.result.qps)}${busyBefore(m.idleBeforePercent) ? ' *' : ''}` : 'n/a');
  lines.push(
    `  throughput: dnsperf -l ${t.durationSeconds}, mixed queries, after a ${t.warmupSeconds} s warm-up, against instance a of the group and against the instance ${ALONE_LABEL}; the measured one pinned to CPU ${SERVER_CPU}, dnsperf and b, c to CPU ${CLIENT_CPU}`,
    `  (${GROUP_NAMES.flap}'s primary killed and revived every ${t.flapEveryMs / 1000} s in both, so that verdict changes travel over the links during the run)`,
    ...columns(
      [
        'trial',
        'order',
        `${ALONE_LABEL} qps`,
        'per second',
        'group qps',
        'per second',
        'group / alone',
        'CPU µs/query alone/group',
        'group / alone',
        'core share alone/group',
        'lost % alone/group',
        'flips alone/group',
        'links up after',
      ],
      t.trials.map((trial, i) => [
        trial.disturbed ? `${i + 1} !` : String(i + 1),
        trial.order.join(' then '),
        qps(trial.alone),
        perSecondRange(trial.alone.result?.qpsPerSecond ?? []),
        qps(trial.group),
        perSecondRange(trial.group.result?.qpsPerSecond ?? []),
        trial.ratio === null ? 'n/a' : `${trial.ratio.toFixed(3)}x`,
        `${fixed(trial.alone.cpuMicrosecondsPerQuery, 2)} / ${fixed(trial.group.cpuMicrosecondsPerQuery, 2)}`,
        trial.cpuPerQueryRatio === null ? 'n/a' : `${trial.cpuPerQueryRatio.toFixed(3)}x`,
        `${fixed(trial.alone.coreShare, 2)} / ${fixed(trial.group.coreShare, 2)}`,
        `${fixed(trial.alone.result?.lostPercent, 2)} / ${fixed(trial.group.result?.lostPercent, 2)}`,
        `${trial.alone.flapTransitions ?? '—'} / ${trial.group.flapTransitions ?? '—'}`,
        trial.group.linksUpAfter === undefined ? '—' : trial.group.linksUpAfter ? 'yes' : 'NO',
      ]),
    ),
    `  ! = disturbed: a run's core share was under ${t.undisturbedCoreShare} (its core or dnsperf's taken by another process); left out of the medians below (${t.undisturbedTrials} of ${t.trials.length} trials count)`,
    `  median: ${ALONE_LABEL} ${t.medianAloneQps === null ? 'n/a' : thousands(t.medianAloneQps)} qps, group ${t.medianGroupQps === null ? 'n/a' : thousands(t.medianGroupQps)} qps; group / alone (median of the trials' ratios) ${fixed(t.medianRatio, 3)}x`,
    `  CPU per query (user + system time of the measured process, all threads, per answered query): group / alone ${fixed(t.medianCpuPerQueryRatio, 3)}x (median of the trials'); core share = its CPU seconds / the run's seconds: a run well below the others did not have its core to itself`,
    `  bound: the peer link may cost the query path at most ${Math.round((1 - t.bound) * 100)}% (group / alone >= ${t.bound}): ${t.boundMet === null ? 'not judged (no undisturbed trial)' : t.boundMet ? 'met' : 'NOT met'}`,
  );
  for (const trial of t.trials) {
    for (const m of [trial.alone, trial.group]) if (m.error) lines.push(`  ! ${m.setup}: ${m.error}`);
  }
  if (t.error) lines.push(`  ! throughput failed: ${t.error}`);
  if (t.trials.some((trial) => busyBefore(trial.alone.idleBeforePercent) || busyBefore(trial.group.idleBeforePercent))) {
    lines.push(`  * other processes were still using the CPUs after waiting up to ${QUIET_WAIT_MS / 1000} s before this run; expect noise`);
  }
  return lines;
}

/**
 * Renders what runScale() returned: its `rows` (flat objects) as columns when it has them (the other fields are
 * the same numbers, kept for the JSON), anything else as key = value.
 */
function scaleLines(result: unknown): string[] {
  const lines = ['SCALE'];
  const format = (v: unknown): string =>
    typeof v === 'number'
      ? Number.isInteger(v)
        ? thousands(v)
        : v.toFixed(3)
      : v === null || v === undefined
        ? '—'
        : typeof v === 'string'
          ? v
          : // The results are written out as JSON too, so every value here has a JSON form (true, an object).
            JSON.stringify(v);
  const rows = result !== null && typeof result === 'object' ? (result as { rows?: unknown }).rows : undefined;
  if (Array.isArray(rows) && rows.length > 0 && rows.every((r) => r !== null && typeof r === 'object')) {
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r as object)))];
    return [
      ...lines,
      ...columns(
        keys,
        rows.map((r) => keys.map((k) => format((r as Record<string, unknown>)[k]))),
      ),
    ];
  }
  const flat: Array<[string, unknown]> = [];
  const flatten = (value: unknown, prefix: string) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k);
    } else {
      flat.push([prefix || 'result', value]);
    }
  };
  flatten(result, '');
  return [
    ...lines,
    ...columns(
      ['key', 'value'],
      flat.map(([k, v]) => [k, format(v)]),
    ),
  ];
}

// ---------------------------------------------------------------------------------------------------------------

const settings = parseSettings(process.argv.slice(2));
const startedAt = new Date();
const log = (message: string) => process.stderr.write(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

// Children are in process groups of their own: make sure none outlives the benchmark, however it ends.
process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    killAllChildren();
    process.exit(130);
  });
}

const machine = await describeMachine();
const results: { throughput?: ThroughputResult; geo?: GeoResult; dnssec?: DnssecResult; failover?: FailoverResult; group?: GroupResult; scale?: unknown } = {};
const errors: Record<string, string> = {};
const skipped: Record<string, string> = {};

for (const section of settings.only) {
  log(`${section}: start`);
  try {
    if (section === 'throughput') {
      results.throughput = await runThroughput({
        seconds: settings.durationSeconds,
        ...(settings.workers === undefined ? {} : { workers: settings.workers }),
        log,
      });
    } else if (section === 'geo') {
      results.geo = await runGeo({ seconds: settings.durationSeconds, log });
    } else if (section === 'dnssec') {
      results.dnssec = await runDnssec({ seconds: settings.durationSeconds, log });
    } else if (section === 'failover') {
      results.failover = await runFailover({ trials: settings.trials, log });
    } else if (section === 'group') {
      results.group = await runGroup({ trials: settings.trials, seconds: settings.durationSeconds, log });
    } else {
      const runScale = await loadScale();
      if (runScale === undefined) skipped.scale = 'test/bench/scale.ts is not there yet';
      // One process even with --workers: the server gets one core here, where DNS workers only compete with the
      // primary for it (docs/performance.md, Multi-core). `node dist/test/bench/scale.js record 2` measures them.
      else results.scale = await runScale({ durationSeconds: settings.durationSeconds, log });
    }
  } catch (error) {
    errors[section] = (error as Error).stack ?? String(error);
    log(`${section}: failed: ${(error as Error).message}`);
  } finally {
    // A section that threw may have left servers running.
    killAllChildren();
  }
}

const finishedAt = new Date();
const elapsedSeconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
const lines = [
  `MERIDIAN BENCHMARK  ${startedAt.toISOString()}  commit ${machine.commit}  (${elapsedSeconds.toFixed(0)} s)`,
  `machine  ${machine.cpuModel}, ${machine.cores} cores, ${machine.kernel}, Node ${machine.node}; at start: load average ${machine.loadAverageAtStart.join(' ')}, CPUs idle ${machine.idleAtStartPercent.map((i) => `${i}%`).join(' / ')}`,
  `peers    gdnsd ${machine.versions.gdnsd}, pdns-server ${machine.versions['pdns-server']} (bind backend), dnsperf ${machine.versions.dnsperf}`,
  '',
];
for (const section of settings.only) {
  if (section === 'throughput' && results.throughput) lines.push(...throughputLines(results.throughput));
  else if (section === 'geo' && results.geo) lines.push(...geoLines(results.geo));
  else if (section === 'dnssec' && results.dnssec) lines.push(...dnssecLines(results.dnssec));
  else if (section === 'failover' && results.failover) lines.push(...failoverLines(results.failover));
  else if (section === 'group' && results.group) lines.push(...groupLines(results.group));
  else if (section === 'scale' && 'scale' in results) lines.push(...scaleLines(results.scale));
  else if (skipped[section]) lines.push(`${section.toUpperCase()}  skipped: ${skipped[section]}`);
  else lines.push(`${section.toUpperCase()}  FAILED: ${errors[section]?.split('\n')[0] ?? 'unknown error'}`);
  lines.push('');
}
const table = lines.join('\n');
process.stdout.write(`\n${table}`);

const report = {
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  elapsedSeconds,
  settings: { ...settings, serverCpu: SERVER_CPU, clientCpu: CLIENT_CPU },
  machine: { ...machine, loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))) },
  ...results,
  skipped,
  errors,
  table,
};
const outDir = path.join(REPO_ROOT, 'test-output', 'bench');
await mkdir(outDir, { recursive: true });
const json = `${JSON.stringify(report, null, 2)}\n`;
const file = path.join(outDir, `${startedAt.toISOString().replace(/:/g, '-')}.json`);
await writeFile(file, json);
await writeFile(path.join(outDir, 'latest.json'), json);
process.stdout.write(`written ${path.relative(REPO_ROOT, file)} and test-output/bench/latest.json\n`);
// Explicit: a stray handle (a socket some peer left half-open) must not keep a finished benchmark waiting.
process.exit(Object.keys(errors).length > 0 ? 1 : 0);
