// DNSSEC (issue 19): signing happens when answers are built, never per query. Measured here:
//
// - throughput on one core (Meridian on CPU 0, dnsperf on CPU 1) of the signed bench zone, queries with DO=1
//   beside the same queries with EDNS and DO=0, for an answer and for NXDOMAIN (random names: the NSEC proof is a
//   lookup in the chain), interleaved rounds against one process, with the server's CPU per query; then NXDOMAIN
//   against the zone signed with NSEC3 (two SHA-1 hashes of names per query);
// - in-process: the time to load (parse and validate) and build a zone of 10,000 records signed and unsigned,
//   with the signatures made; and the rebuild after one target flips in that signed zone, first flips (a new
//   answer: one signature made) and flips back (the earlier signature reused), against the 10 ms goal.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AnswerTableBuilder } from '../../src/answers/build.js';
import type { ResolvedTarget } from '../../src/answers/select.js';
import { generateKeyPair } from '../../src/dnssec/keys.js';
import { keySetFingerprint, ZoneSigner } from '../../src/dnssec/zone-signer.js';
import { parseZoneText } from '../../src/zone/load.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { throughputRun, writeQueryFile, type DnsperfSummary, type QueryFile } from './dnsperf.js';
import { measuredRun, median } from './measured-run.js';
import { meridianZone, startMeridian, PRIMARY, SECONDARY, ZONE } from './peers.js';
import { waitForQuietCpus } from './throughput.js';

/** Goals of issue 19. */
export const DNSSEC_GOALS = { throughputRatio: 0.9, rebuildMs: 10 } as const;
const RECORDS = 10_000;
const BIG_ZONE = 'signed-scale.test';

export type DnssecVariant = 'answer, DO=0' | 'answer, DO=1' | 'NXDOMAIN, DO=0' | 'NXDOMAIN, DO=1' | 'NSEC3 NXDOMAIN, DO=0' | 'NSEC3 NXDOMAIN, DO=1';
/** Each variant against a server whose zone uses `denial`; the ratio is to `base`, on the same server. */
const VARIANTS: ReadonlyArray<{
  readonly variant: DnssecVariant;
  readonly file: 'answer' | 'nxdomain';
  readonly dnssecOk: boolean;
  readonly denial: 'nsec' | 'nsec3';
  readonly base: DnssecVariant;
}> = [
  { variant: 'answer, DO=0', file: 'answer', dnssecOk: false, denial: 'nsec', base: 'answer, DO=0' },
  { variant: 'answer, DO=1', file: 'answer', dnssecOk: true, denial: 'nsec', base: 'answer, DO=0' },
  { variant: 'NXDOMAIN, DO=0', file: 'nxdomain', dnssecOk: false, denial: 'nsec', base: 'NXDOMAIN, DO=0' },
  { variant: 'NXDOMAIN, DO=1', file: 'nxdomain', dnssecOk: true, denial: 'nsec', base: 'NXDOMAIN, DO=0' },
  { variant: 'NSEC3 NXDOMAIN, DO=0', file: 'nxdomain', dnssecOk: false, denial: 'nsec3', base: 'NSEC3 NXDOMAIN, DO=0' },
  { variant: 'NSEC3 NXDOMAIN, DO=1', file: 'nxdomain', dnssecOk: true, denial: 'nsec3', base: 'NSEC3 NXDOMAIN, DO=0' },
];

export interface DnssecRun {
  readonly variant: DnssecVariant;
  readonly round: number;
  readonly result?: DnsperfSummary;
  readonly cpuMicrosecondsPerQuery?: number;
  readonly error?: string;
}

export interface DnssecVariantSummary {
  readonly variant: DnssecVariant;
  readonly qps: number | null;
  readonly cpuMicrosecondsPerQuery: number | null;
  /** qps / the same queries' DO=0 qps. */
  readonly ratio: number | null;
}

export interface DnssecResult {
  readonly durationSeconds: number;
  readonly rounds: number;
  readonly runs: readonly DnssecRun[];
  readonly summary: readonly DnssecVariantSummary[];
  readonly records: number;
  readonly loadMs: { readonly parse: number; readonly buildUnsigned: number; readonly buildSigned: number; readonly signatures: number };
  readonly rebuildAfterFlipMs: { readonly newSignature: { p50: number; p99: number }; readonly reused: { p50: number; p99: number } };
  readonly goals: typeof DNSSEC_GOALS;
  readonly throughputGoalMet: boolean | null;
  readonly rebuildGoalMet: boolean;
  readonly idleBeforePercent: readonly number[];
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** A key directory with one P-256 key for `zone`, as `meridian dnssec keygen` writes it. */
async function keyDirectory(zone: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-bench-keys-'));
  const pair = generateKeyPair(zone, 'ecdsap256sha256', { ksk: true, now: new Date() });
  await writeFile(path.join(dir, `${pair.basename}.key`), pair.keyText);
  await writeFile(path.join(dir, `${pair.basename}.private`), pair.privateText, { mode: 0o600 });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** 10,000 balanced records of two static targets each (no checks: every address up), signed. */
function bigZoneYaml(): string {
  const lines = [
    `zone: ${BIG_ZONE}`,
    'soa: { rname: hostmaster.signed-scale.test }',
    `nameservers: { ns1.${BIG_ZONE}: [127.0.0.1] }`,
    'dnssec: {}',
    'records:',
  ];
  for (let i = 0; i < RECORDS; i++) {
    lines.push(`  r${i}:`, `    policy: ${i % 2 === 0 ? 'weighted' : 'failover'}`);
    lines.push(`    targets: [ { address: 10.${(i >> 8) & 255}.${i & 255}.1 }, { address: 10.${(i >> 8) & 255}.${i & 255}.2 } ]`);
  }
  return `${lines.join('\n')}\n`;
}

function inProcess(): Pick<DnssecResult, 'loadMs' | 'rebuildAfterFlipMs'> {
  const pair = generateKeyPair(BIG_ZONE, 'ecdsap256sha256', { ksk: true, now: new Date() });
  const signing = [{ algorithm: pair.key.algorithm, keyTag: pair.key.keyTag, privateKey: pair.key.privateKey! }];
  const dnskeys = [pair.key.dnskeyRdata];
  const signer = new ZoneSigner(new Map([[BIG_ZONE, { dnskeys, signing, fingerprint: keySetFingerprint(dnskeys, signing) }]]));
  const text = bigZoneYaml();
  let started = performance.now();
  const { zone, issues } = parseZoneText(text, 'bench.yaml', () => undefined, {
    dnssecKeys: { dir: 'bench', usable: new Set([BIG_ZONE]), problems: new Map() },
  });
  const parse = performance.now() - started;
  if (zone === undefined) throw new Error(`the bench zone did not load: ${JSON.stringify(issues.slice(0, 3))}`);
  const down = new Set<string>();
  const targets = {
    resolve: (_zone: unknown, record: { targets: readonly { weight: number; kind: string; addresses?: readonly string[] }[] }): ResolvedTarget[] =>
      record.targets.map((target) => ({
        weight: target.weight,
        addresses: (target.addresses ?? []).map((address) => ({
          address,
          family: 4 as const,
          health: down.has(address) ? ('down' as const) : ('up' as const),
        })),
      })),
  };
  started = performance.now();
  new AnswerTableBuilder(targets).build([{ ...zone, dnssec: undefined }]);
  const buildUnsigned = performance.now() - started;
  const builder = new AnswerTableBuilder(targets, { signer });
  started = performance.now();
  builder.build([zone]);
  const buildSigned = performance.now() - started;
  const signatures = signer.signaturesMade;

  const flip = (index: number) => {
    const address = `10.${(index >> 8) & 255}.${index & 255}.1`;
    if (down.has(address)) down.delete(address);
    else down.add(address);
    const at = performance.now();
    builder.refresh([{ zone: BIG_ZONE, name: `r${index}.${BIG_ZONE}` }]);
    return performance.now() - at;
  };
  const fresh: number[] = [];
  const reused: number[] = [];
  for (let i = 0; i < 300; i++) {
    const index = 1 + 2 * i; // failover records: down moves the answer to the second target
    fresh.push(flip(index)); // a new answer: signed now
    reused.push(flip(index)); // back: the earlier signature
  }
  return {
    loadMs: { parse, buildUnsigned, buildSigned, signatures },
    rebuildAfterFlipMs: {
      newSignature: { p50: percentile(fresh, 50), p99: percentile(fresh, 99) },
      reused: { p50: percentile(reused, 50), p99: percentile(reused, 99) },
    },
  };
}

export async function runDnssec(options: { seconds: number; rounds?: number; warmupSeconds?: number; log: (message: string) => void }): Promise<DnssecResult> {
  const rounds = options.rounds ?? 3;
  const host = '127.0.0.76';
  const runs: DnssecRun[] = [];
  const files = new Map<string, QueryFile>();
  let primary: HttpIngress | undefined;
  let secondary: HttpIngress | undefined;
  const keys = await keyDirectory(ZONE);
  let idleBeforePercent: number[];
  try {
    files.set('answer', await writeQueryFile([`app.${ZONE} A`]));
    files.set('nxdomain', await writeQueryFile(Array.from({ length: 1000 }, (_, i) => `nx${(i * 7919) % 100_000}.${ZONE} A`)));
    primary = await startHttpIngress({ host: PRIMARY });
    secondary = await startHttpIngress({ host: SECONDARY, port: primary.port });
    idleBeforePercent = await waitForQuietCpus();
    for (const denial of ['nsec', 'nsec3'] as const) {
      options.log(`dnssec: starting meridian with the zone signed, ${denial} denial`);
      const zone = meridianZone({ ingressPort: primary.port, host, head: `dnssec: { denial: ${denial} }\n` });
      const server = await startMeridian({
        ingressPort: primary.port,
        host,
        zone,
        label: `meridian (dnssec, ${denial})`,
        extraArgs: ['--dnssec-keys', keys.dir],
      });
      try {
        const target = { host: server.host, port: server.port };
        await throughputRun({ ...target, queryFile: files.get('answer')!.path, seconds: options.warmupSeconds ?? 3, dnssecOk: true });
        for (let round = 1; round <= rounds; round++) {
          for (const { variant, file, dnssecOk } of VARIANTS.filter((v) => v.denial === denial)) {
            options.log(`dnssec: round ${round}/${rounds}: ${variant}, ${options.seconds} s`);
            runs.push({
              variant,
              round,
              ...(await measuredRun(server, () =>
                throughputRun({ ...target, queryFile: files.get(file)!.path, seconds: options.seconds, edns: true, dnssecOk }),
              )),
            });
          }
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await primary?.close();
    await secondary?.close();
    for (const file of files.values()) await file.remove();
    await keys.remove();
  }
  options.log('dnssec: loading, signing and flipping a 10,000-record zone in-process');
  const local = inProcess();

  const of = (variant: DnssecVariant) => runs.filter((r) => r.variant === variant && r.result !== undefined);
  const qpsOf = (variant: DnssecVariant) => median(of(variant).map((r) => r.result!.qps));
  const summary = VARIANTS.map(({ variant, base: baseVariant }): DnssecVariantSummary => {
    const qps = qpsOf(variant);
    const base = qpsOf(baseVariant);
    return {
      variant,
      qps,
      cpuMicrosecondsPerQuery: median(of(variant).flatMap((r) => (r.cpuMicrosecondsPerQuery === undefined ? [] : [r.cpuMicrosecondsPerQuery]))),
      ratio: qps === null || base === null || base === 0 ? null : qps / base,
    };
  });
  const signedRatio = summary.find((s) => s.variant === 'answer, DO=1')?.ratio ?? null;
  return {
    durationSeconds: options.seconds,
    rounds,
    runs,
    summary,
    records: RECORDS,
    ...local,
    goals: DNSSEC_GOALS,
    throughputGoalMet: signedRatio === null ? null : signedRatio >= DNSSEC_GOALS.throughputRatio,
    rebuildGoalMet: local.rebuildAfterFlipMs.newSignature.p99 < DNSSEC_GOALS.rebuildMs,
    idleBeforePercent,
  };
}
