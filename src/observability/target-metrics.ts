// The per-target metric families (health, transitions, probe results and durations) kept outside prom-client.
//
// At 20,000 probed addresses these families hold hundreds of thousands of series. In prom-client each series
// is a labels object with a hashed key, and a scrape formats every label of every series again: about 300 ms
// of blocked event loop per scrape at that size, during which neither queries nor probes are served. Here a
// series is a slot with its label text rendered once, when the address is first tracked, and a scrape renders
// in chunks, yielding to the event loop between them, so it never stalls the process for more than a few
// milliseconds. The exposition format is the same as prom-client's.

import type { TrackedRef } from '../health/probe-plan.js';
import type { Health, ObservedResult } from '../health/state.js';
import type { ProbeFailure } from '../health/types.js';
import { Errors } from '../base/errors.js';

/** `address`: probe results and durations per probed address; `record`: aggregated per record. */
export type ProbeMetricsDetail = 'address' | 'record';
/** What `--probe-metrics` accepts: a detail, or `auto` (see probeMetricsDetailFor). */
export type ProbeMetricsSetting = ProbeMetricsDetail | 'auto';

/**
 * Above this many probed addresses, `auto` aggregates probe results and durations per record: per address they
 * are 16 series each, and at 20,000 addresses a scrape is about 45 MB.
 */
export const AUTO_PER_ADDRESS_LIMIT = 2_000;

export function probeMetricsDetailFor(setting: ProbeMetricsSetting, probedAddresses: number): ProbeMetricsDetail {
  if (setting !== 'auto') return setting;
  return probedAddresses > AUTO_PER_ADDRESS_LIMIT ? 'record' : 'address';
}

export const TARGET_HEALTH = 'meridian_target_health';
export const HEALTH_TRANSITIONS = 'meridian_health_transitions_total';
export const PROBE_RESULTS = 'meridian_probe_results_total';
export const PROBE_DURATION = 'meridian_probe_duration_seconds';

const HEALTH_VALUE: Readonly<Record<Health, number>> = { down: 0, up: 1, unknown: -1 };
const HEALTH_SLOTS: readonly Health[] = ['up', 'down', 'unknown'];
const RESULT_SLOTS: ReadonlyArray<'ok' | ProbeFailure> = ['ok', 'refused', 'reset', 'timeout', 'status', 'body', 'tls', 'unreachable', 'error'];
const RESULT_SLOT: Readonly<Record<string, number>> = Object.fromEntries(RESULT_SLOTS.map((r, i) => [r, i]));
export const PROBE_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
const BUCKET_LABELS = [...PROBE_DURATION_BUCKETS.map(String), '+Inf'];

/** Series rendered per yield to the event loop: a few milliseconds of work. */
const SERIES_PER_CHUNK = 2_000;

interface ProbeSeries {
  readonly labels: string;
  // Plain arrays of small integers, not typed arrays: tens of thousands of tiny typed arrays cost far more
  // (an ArrayBuffer and a backing store each) than the numbers in them.
  readonly results: number[];
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  readonly buckets: number[];
  sum: number;
  count: number;
  /** Addresses feeding this series (several in `record` mode). */
  users: number;
}

interface AddressSeries {
  readonly labels: string;
  health: number;
  readonly transitions: number[];
  readonly probe: ProbeSeries;
  readonly probeKey: string;
}

export const TARGET_FAMILY_HELP: Readonly<Record<string, string>> = {
  [TARGET_HEALTH]: 'Health of each probed target address: 1 up, 0 down, -1 unknown (not probed yet).',
  [HEALTH_TRANSITIONS]: 'Changes of health of a target address, by the state it changed to.',
  [PROBE_RESULTS]: 'Health probe results by record, target and address (or by record: see --probe-metrics); result is ok or the failure kind.',
  [PROBE_DURATION]: 'Health probe duration, including connect, TLS and response (by address, or by record: see --probe-metrics).',
};

export class TargetMetrics {
  #detail: ProbeMetricsDetail;
  /** Keyed by the monitor's ref object, which stays the same for as long as the address is tracked. */
  readonly #addresses = new Map<TrackedRef, AddressSeries>();
  readonly #probes = new Map<string, ProbeSeries>();

  constructor(detail: ProbeMetricsDetail) {
    this.#detail = detail;
  }

  get detail(): ProbeMetricsDetail {
    return this.#detail;
  }

  /** Sets the detail before the first address is tracked; afterwards series would be keyed both ways. */
  setDetail(detail: ProbeMetricsDetail): void {
    if (detail !== this.#detail && this.#addresses.size > 0) throw Errors.internal(['the probe metrics detail is set before any address is tracked']);
    this.#detail = detail;
  }

  /** `health` is unknown for a new address; a relabelled one keeps the health it had. */
  track(ref: TrackedRef, health: Health = 'unknown'): void {
    if (this.#addresses.has(ref)) return;
    const zoneRecord = [`zone="${escape(ref.zone)}"`, `record="${escape(ref.record)}"`].join(',');
    // The target's identity, not its index: reordering a record's targets must not rename its series.
    const labels = [zoneRecord, `target="${escape(ref.targetId)}"`, `address="${escape(ref.address)}"`].join(',');
    const probeKey = this.#detail === 'address' ? labels : zoneRecord;
    let probe = this.#probes.get(probeKey);
    if (probe === undefined) {
      probe = {
        labels: probeKey,
        results: new Array<number>(RESULT_SLOTS.length).fill(0),
        buckets: new Array<number>(BUCKET_LABELS.length).fill(0),
        sum: 0,
        count: 0,
        users: 0,
      };
      this.#probes.set(probeKey, probe);
    }
    probe.users++;
    this.#addresses.set(ref, { labels, health: HEALTH_VALUE[health], transitions: [0, 0, 0], probe, probeKey });
  }

  /** The address's target got another identity: its series end, and new ones start with its current health. */
  relabel(before: TrackedRef, after: TrackedRef, health: Health): void {
    this.forget(before);
    this.track(after, health);
  }

  forget(ref: TrackedRef): void {
    const series = this.#addresses.get(ref);
    if (series === undefined) return;
    this.#addresses.delete(ref);
    if (--series.probe.users === 0) this.#probes.delete(series.probeKey);
  }

  result(ref: TrackedRef, result: ObservedResult): void {
    const probe = this.#addresses.get(ref)?.probe;
    if (probe === undefined) return;
    probe.results[result.ok ? 0 : (RESULT_SLOT[result.failure ?? 'error'] ?? RESULT_SLOT.error)]++;
    const seconds = result.durationMs / 1000;
    let bucket = 0;
    while (bucket < PROBE_DURATION_BUCKETS.length && seconds > PROBE_DURATION_BUCKETS[bucket]) bucket++;
    probe.buckets[bucket]++;
    probe.sum += seconds;
    probe.count++;
  }

  transition(ref: TrackedRef, to: Health): void {
    const series = this.#addresses.get(ref);
    if (series === undefined) return;
    series.health = HEALTH_VALUE[to];
    series.transitions[HEALTH_SLOTS.indexOf(to)]++;
  }

  /** Current values, for tests and /status: health by address label text. */
  healthOf(ref: TrackedRef): number | undefined {
    return this.#addresses.get(ref)?.health;
  }

  get seriesCount(): number {
    return this.#addresses.size * 2 + this.#probes.size * (RESULT_SLOTS.length + BUCKET_LABELS.length + 2);
  }

  /** The four families in Prometheus text format, in chunks; awaits between chunks so a scrape never blocks. */
  async *render(): AsyncGenerator<string> {
    // Snapshots: series tracked or forgotten while rendering do not disturb the iteration.
    const addresses = [...this.#addresses.values()];
    const probes = [...this.#probes.values()];
    yield* chunked(TARGET_HEALTH, 'gauge', addresses, (s) => `${TARGET_HEALTH}{${s.labels}} ${s.health}\n`);
    yield* chunked(HEALTH_TRANSITIONS, 'counter', addresses, (s) => {
      let text = '';
      for (let i = 0; i < HEALTH_SLOTS.length; i++)
        if (s.transitions[i] > 0) text += `${HEALTH_TRANSITIONS}{${s.labels},to="${HEALTH_SLOTS[i]}"} ${s.transitions[i]}\n`;
      return text;
    });
    yield* chunked(PROBE_RESULTS, 'counter', probes, (p) => {
      let text = '';
      for (let i = 0; i < RESULT_SLOTS.length; i++) if (p.results[i] > 0) text += `${PROBE_RESULTS}{${p.labels},result="${RESULT_SLOTS[i]}"} ${p.results[i]}\n`;
      return text;
    });
    yield* chunked(PROBE_DURATION, 'histogram', probes, (p) => {
      let text = '';
      let cumulative = 0;
      for (let i = 0; i < BUCKET_LABELS.length; i++) {
        cumulative += p.buckets[i];
        text += `${PROBE_DURATION}_bucket{${p.labels},le="${BUCKET_LABELS[i]}"} ${cumulative}\n`;
      }
      return `${text}${PROBE_DURATION}_sum{${p.labels}} ${p.sum}\n${PROBE_DURATION}_count{${p.labels}} ${p.count}\n`;
    });
  }
}

async function* chunked<T>(name: string, type: string, items: readonly T[], line: (item: T) => string): AsyncGenerator<string> {
  let text = `# HELP ${name} ${TARGET_FAMILY_HELP[name]}\n# TYPE ${name} ${type}\n`;
  for (let i = 0; i < items.length; i++) {
    text += line(items[i]);
    if ((i + 1) % SERIES_PER_CHUNK === 0) {
      yield text;
      text = '';
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  yield text;
}

/** Label value escaping of the Prometheus text format. */
function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
