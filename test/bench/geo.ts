// Geo answers on the query path (issue 18): one Meridian on one core (CPU 0, dnsperf on CPU 1) serves a plain
// weighted record and geo records side by side, and each kind of query is measured against that same process in
// turn, the rounds interleaved so that noise on the machine falls on every variant alike:
//
//   weighted            the plain weighted record, no EDNS: the baseline
//   weighted + ECS      the same record with an ECS option: the option is parsed and echoed, scope 0
//   geo + ECS           a geo record; the ECS address walks a trie of 512 subnet rules down to a /24
//   geo by source       the geo record without EDNS: the client is the packet's source (cached by address text)
//   sticky geo + ECS    a sticky geo record: the /24 hashed to a bucket on top of the walk
//
// dnsperf sends one fixed ECS option per run (-E), so every query of a run names the same client subnet. That is
// enough to measure the query path: the trie is walked for every ECS query (no cache in front of it), and the
// answer templates were built at load either way. What it does not show is a resolver population's spread over
// many subnets, which costs nothing more per query here, since nothing is computed per client beyond that walk.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { throughputRun, writeQueryFile, type DnsperfSummary, type QueryFile } from './dnsperf.js';
import { measuredRun, median } from './measured-run.js';
import { meridianZone, PRIMARY, SECONDARY, startMeridian, ZONE } from './peers.js';
import { waitForQuietCpus } from './throughput.js';

const run = promisify(execFile);

export const GEO_NAMES = { weighted: `app.${ZONE}`, geo: `near.${ZONE}`, sticky: `stick.${ZONE}` } as const;
/** The geo records' two regions: eu-west answers clients of 10.X.0.0/16 with X even, us-east the rest. */
const EU = ['198.51.100.1', '198.51.100.2'];
const US = ['198.51.100.11', '198.51.100.12'];
/** The client subnet of the ECS runs: a /24 rule (eu-west) below a /16 one, so the walk goes 24 bits deep. */
const ECS_CLIENT = { address: [10, 42, 7], prefix: 24 };
/** dnsperf -E: option 8 (ECS), family 1, source prefix, scope 0, the address octets the prefix covers. */
const ECS_OPTION = `8:${Buffer.from([0, 1, ECS_CLIENT.prefix, 0, ...ECS_CLIENT.address]).toString('hex')}`;
/** The goal of issue 18: geo with ECS at least this share of the plain weighted rate. */
export const GEO_GOAL = 0.85;

export type GeoVariant = 'weighted' | 'weighted + ECS' | 'geo + ECS' | 'geo by source' | 'sticky geo + ECS';

const VARIANTS: ReadonlyArray<{ readonly variant: GeoVariant; readonly name: string; readonly ecs: boolean }> = [
  { variant: 'weighted', name: GEO_NAMES.weighted, ecs: false },
  { variant: 'weighted + ECS', name: GEO_NAMES.weighted, ecs: true },
  { variant: 'geo + ECS', name: GEO_NAMES.geo, ecs: true },
  { variant: 'geo by source', name: GEO_NAMES.geo, ecs: false },
  { variant: 'sticky geo + ECS', name: GEO_NAMES.sticky, ecs: true },
];

export interface GeoRun {
  readonly variant: GeoVariant;
  readonly round: number;
  readonly result?: DnsperfSummary;
  /** The server's user + system CPU microseconds per answered query in this run. */
  readonly cpuMicrosecondsPerQuery?: number;
  readonly error?: string;
}

export interface GeoVariantSummary {
  readonly variant: GeoVariant;
  /** Median over the rounds. */
  readonly qps: number | null;
  readonly cpuMicrosecondsPerQuery: number | null;
  /** qps / the weighted baseline's (medians of the same run). */
  readonly ratio: number | null;
  /** The baseline's CPU per query / this one's: the same ratio, measured by the server's own time. */
  readonly cpuRatio: number | null;
}

export interface GeoResult {
  readonly durationSeconds: number;
  readonly rounds: number;
  readonly subnetRules: number;
  readonly ecsClient: string;
  /** What dig saw before the runs: each client's answer and ECS scope. */
  readonly check: readonly string[];
  readonly runs: readonly GeoRun[];
  readonly summary: readonly GeoVariantSummary[];
  readonly goal: number;
  readonly goalMet: boolean | null;
  readonly idleBeforePercent: readonly number[];
}

/** 512 rules: every 10.X.0.0/16, and a /24 inside each (10.X.7.0/24) preferring the other region. */
export function geoBenchZone(options: { ingressPort: number; host: string }): { zone: string; subnetRules: number } {
  const rules: string[] = [];
  for (let x = 0; x < 256; x++) {
    const [near, far] = x % 2 === 0 ? ['eu-west', 'us-east'] : ['us-east', 'eu-west'];
    rules.push(`    - { subnets: [10.${x}.0.0/16], prefer: [${near}, ${far}] }`);
    rules.push(`    - { subnets: [10.${x}.7.0/24], prefer: [${far}, ${near}] }`);
  }
  const targets = [...EU.map((a) => `{ address: ${a}, region: eu-west }`), ...US.map((a) => `{ address: ${a}, region: us-east }`)].join(', ');
  const zone = meridianZone({
    ...options,
    head: `geo:
  clients:
${rules.join('\n')}
  default: [us-east, eu-west]
`,
    // Unchecked (every target healthy): the query path is the same whatever the probes say, and the benchmark
    // must send nothing beyond loopback.
    records: `  near:
    policy: geo
    targets: [ ${targets} ]
  stick:
    policy: geo
    sticky: true
    targets: [ ${targets} ]
`,
  });
  return { zone, subnetRules: rules.length };
}

/** dig's view of one query: the answer addresses and the ECS scope (CLIENT-SUBNET: a.b.c.d/source/scope). */
async function digAnswer(host: string, port: number, name: string, subnet?: string): Promise<string> {
  const args = [`@${host}`, '-p', String(port), name, 'A', '+norec', '+time=2', '+tries=1', ...(subnet === undefined ? [] : [`+subnet=${subnet}`])];
  const { stdout } = await run('dig', args);
  const answers = [...stdout.matchAll(/\tIN\tA\t(\S+)/g)].map((m) => m[1]).sort();
  const scope = /CLIENT-SUBNET: (\S+)/.exec(stdout)?.[1];
  return `${name}${subnet === undefined ? '' : ` +subnet=${subnet}`}: ${answers.join(',') || '(none)'}${scope === undefined ? '' : `, ECS ${scope}`}`;
}

export async function runGeo(options: { seconds: number; rounds?: number; warmupSeconds?: number; log: (message: string) => void }): Promise<GeoResult> {
  const rounds = options.rounds ?? 3;
  const host = '127.0.0.75';
  const files = new Map<string, QueryFile>();
  let primary: HttpIngress | undefined;
  let secondary: HttpIngress | undefined;
  const runs: GeoRun[] = [];
  const check: string[] = [];
  let subnetRules: number;
  let idleBeforePercent: number[];
  try {
    for (const { name } of VARIANTS) if (!files.has(name)) files.set(name, await writeQueryFile([`${name} A`]));
    primary = await startHttpIngress({ host: PRIMARY });
    secondary = await startHttpIngress({ host: SECONDARY, port: primary.port });
    const { zone, subnetRules: rules } = geoBenchZone({ ingressPort: primary.port, host });
    subnetRules = rules;
    idleBeforePercent = await waitForQuietCpus();
    options.log('geo: starting meridian');
    const server = await startMeridian({ ingressPort: primary.port, host, zone, label: 'meridian (geo)' });
    try {
      // The bench measures what it claims only if the server answers by client: show it.
      for (const subnet of [undefined, '10.42.7.0/24', '10.42.0.0/24', '10.43.0.0/24'])
        check.push(await digAnswer(server.host, server.port, GEO_NAMES.geo, subnet));
      check.push(await digAnswer(server.host, server.port, GEO_NAMES.sticky, '10.42.7.0/24'));
      options.log(`geo: ${check.join('; ')}`);
      const target = { host: server.host, port: server.port };
      options.log(`geo: warm-up ${options.warmupSeconds ?? 3} s`);
      await throughputRun({ ...target, queryFile: files.get(GEO_NAMES.geo)!.path, seconds: options.warmupSeconds ?? 3, ednsOptions: [ECS_OPTION] });
      for (let round = 1; round <= rounds; round++) {
        for (const { variant, name, ecs } of VARIANTS) {
          options.log(`geo: round ${round}/${rounds}: ${variant}, ${options.seconds} s`);
          runs.push({
            variant,
            round,
            ...(await measuredRun(server, () =>
              throughputRun({
                ...target,
                queryFile: files.get(name)!.path,
                seconds: options.seconds,
                ...(ecs ? { ednsOptions: [ECS_OPTION] } : {}),
              }),
            )),
          });
        }
      }
    } finally {
      await server.stop();
    }
  } finally {
    await primary?.close();
    await secondary?.close();
    for (const file of files.values()) await file.remove();
  }

  const of = (variant: GeoVariant) => runs.filter((r) => r.variant === variant && r.result !== undefined);
  const base = median(of('weighted').map((r) => r.result!.qps));
  const baseCpu = median(of('weighted').flatMap((r) => (r.cpuMicrosecondsPerQuery === undefined ? [] : [r.cpuMicrosecondsPerQuery])));
  const summary = VARIANTS.map(({ variant }): GeoVariantSummary => {
    const qps = median(of(variant).map((r) => r.result!.qps));
    const cpu = median(of(variant).flatMap((r) => (r.cpuMicrosecondsPerQuery === undefined ? [] : [r.cpuMicrosecondsPerQuery])));
    return {
      variant,
      qps,
      cpuMicrosecondsPerQuery: cpu,
      ratio: qps === null || base === null || base === 0 ? null : qps / base,
      cpuRatio: cpu === null || baseCpu === null || cpu === 0 ? null : baseCpu / cpu,
    };
  });
  const geoRatio = summary.find((s) => s.variant === 'geo + ECS')?.ratio ?? null;
  return {
    durationSeconds: options.seconds,
    rounds,
    subnetRules,
    ecsClient: `${ECS_CLIENT.address.join('.')}.0/${ECS_CLIENT.prefix}`,
    check,
    runs,
    summary,
    goal: GEO_GOAL,
    goalMet: geoRatio === null ? null : geoRatio >= GEO_GOAL,
    idleBeforePercent,
  };
}
