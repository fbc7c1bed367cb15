// Policies as pure functions: given a record's targets and their health, which answers can be given, and with
// what probability. The answer table turns each variant into a response template once; per query only one of
// them is picked.

import type { AddressHealth } from '../health/state.js';
import type { Endpoint } from '../zone/endpoints.js';
import type { Policy, TargetConfig, WhenAllDown } from '../zone/model.js';

/** An endpoint as the answer policies see it: with its health. */
export interface TargetAddress extends Endpoint {
  readonly health: AddressHealth;
  /** Taken out of rotation by an operator (`meridian drain`) or a maintenance window. */
  readonly drained?: boolean;
}

export interface ResolvedTarget {
  readonly weight: number;
  /**
   * Its addresses are drained, judged and answered together (a static `addresses:` target, e.g. the IPv4 and
   * IPv6 address of one site): one drained address drains it, one down address takes it down, for both
   * families. A cluster target's discovered addresses are each on their own.
   */
  readonly unit?: boolean;
  readonly addresses: readonly TargetAddress[];
}

/**
 * Whether a configured target is answered as one unit (see ResolvedTarget.unit): a static target names the
 * addresses of one site; a cluster target's addresses are discovered, each its own ingress.
 */
export function answeredAsOne(target: TargetConfig): boolean {
  return target.kind === 'static';
}

/** Whether a resolved target is out of rotation by drains: a unit by any drained address, else by all. */
export function targetDrained(target: ResolvedTarget): boolean {
  if (target.addresses.length === 0) return false;
  return target.unit === true ? target.addresses.some((a) => a.drained === true) : target.addresses.every((a) => a.drained === true);
}

export interface Variant {
  readonly probability: number;
  /** Indexes into the record's targets, in answer order. */
  readonly targets: readonly number[];
  readonly addresses: readonly string[];
}

/**
 * Why the answer is what it is:
 * - `healthy`: chosen among targets with a healthy address of the family
 * - `fail-open`: none was healthy and `whenAllDown: all` treats every target as healthy
 * - `all-down`: none was healthy and `whenAllDown: none` answers NODATA
 * - `others-healthy`: none was healthy for the family, but some target is healthy for the other family (it
 *   answers there), so this family answers NODATA rather than fail open or set the drains aside
 * - `no-addresses`: no target has an address of the family at all (NODATA)
 */
export type SelectionRule = 'healthy' | 'fail-open' | 'all-down' | 'others-healthy' | 'no-addresses';

export interface Selection {
  readonly rule: SelectionRule;
  /** Every address of the family was drained, so the drains were set aside rather than answer nothing. */
  readonly drainsIgnored?: boolean;
  /** Empty means NODATA. Probabilities sum to 1. */
  readonly variants: readonly Variant[];
  /** The draws were too many (MAX_VARIANTS): the variants are a random sample of them, not all. */
  readonly sampled?: boolean;
  /** The targets the variants are drawn from, with their weights and addresses: what a sticky record ranks instead. */
  readonly eligible?: readonly Candidate[];
}

export interface SelectionPolicy {
  readonly policy: Policy;
  readonly answers: number;
  readonly whenAllDown: WhenAllDown;
}

/** Above this many distinct ordered draws, `answers: N` keeps a sample of them instead of all. */
export const MAX_VARIANTS = 256;

/** A target that can answer a family: its index in the record, weight, and servable addresses of the family. */
export interface Candidate {
  readonly index: number;
  readonly weight: number;
  readonly addresses: readonly string[];
}

export function selectAnswers(policy: SelectionPolicy, targets: readonly ResolvedTarget[], family: 4 | 6, random: () => number = Math.random): Selection {
  if (!targets.some((t) => t.addresses.some((a) => a.family === family))) return { rule: 'no-addresses', variants: [] };
  const candidates = candidatesOf(targets, family, false);
  if (candidates.healthy.length > 0) return choose(policy, candidates.all, candidates.healthy, random);
  // Setting the drains aside and failing open keep a name from answering nothing. While some target answers
  // the other family healthily, the name is not down: this family answers NODATA instead of a dead or drained
  // address (clients fall back to the other family).
  const other = family === 4 ? 6 : 4;
  if (candidatesOf(targets, other, false).healthy.length > 0) return { rule: 'others-healthy', variants: [] };
  // A drained address is never served, not even by failing open, unless every address of the family is drained:
  // then the drains are set aside, since answering nothing would take the name down by hand.
  if (candidates.all.length === 0) {
    const ignoringDrains = candidatesOf(targets, family, true);
    return { ...choose(policy, ignoringDrains.all, ignoringDrains.healthy, random), drainsIgnored: true };
  }
  return choose(policy, candidates.all, candidates.healthy, random);
}

/**
 * The targets that can answer `family`: `all` with every address not drained, `healthy` with those of them
 * judged healthy, each with its servable addresses. A unit target is drained by any drained address and down
 * by any down address, whatever their family; `pending` addresses are not served and do not judge it.
 */
function candidatesOf(targets: readonly ResolvedTarget[], family: 4 | 6, ignoreDrains: boolean): { all: Candidate[]; healthy: Candidate[] } {
  const all: Candidate[] = [];
  const healthy: Candidate[] = [];
  targets.forEach((target, index) => {
    if (target.unit === true && !ignoreDrains && target.addresses.some((a) => a.drained === true)) return;
    const ofFamily = target.addresses.filter((a) => a.family === family && (ignoreDrains || a.drained !== true));
    if (ofFamily.length === 0) return;
    all.push({ index, weight: target.weight, addresses: ofFamily.map((a) => a.address) });
    if (target.unit === true && target.addresses.some((a) => a.health === 'down')) return;
    const up = ofFamily.filter((a) => a.health === 'up' || a.health === 'unknown');
    if (up.length > 0) healthy.push({ index, weight: target.weight, addresses: up.map((a) => a.address) });
  });
  return { all, healthy };
}

function choose(policy: SelectionPolicy, all: readonly Candidate[], healthy: readonly Candidate[], random: () => number): Selection {
  let rule: SelectionRule = 'healthy';
  let eligible = healthy;
  if (eligible.length === 0) {
    if (policy.whenAllDown === 'none') return { rule: 'all-down', variants: [] };
    rule = 'fail-open';
    eligible = all;
  }

  if (policy.policy === 'failover') {
    const first = eligible[0];
    return { rule, variants: [{ probability: 1, targets: [first.index], addresses: first.addresses }] };
  }
  const draws = Math.min(policy.answers, eligible.length);
  if (draws === 1) return { rule, variants: singleDraws(eligible), eligible };
  if (orderedDrawCount(eligible.length, draws) > MAX_VARIANTS) return { rule, variants: sampledDraws(eligible, draws, random), sampled: true, eligible };
  return { rule, variants: multiDraws(eligible, draws), eligible };
}

function singleDraws(eligible: readonly Candidate[]): Variant[] {
  const total = eligible.reduce((sum, c) => sum + c.weight, 0);
  return eligible.map((c) => ({ probability: c.weight / total, targets: [c.index], addresses: c.addresses }));
}

function orderedDrawCount(n: number, k: number): number {
  let count = 1;
  for (let i = 0; i < k; i++) count *= n - i;
  return count;
}

/** Every ordered draw of `k` distinct targets without replacement, with its exact probability. */
function multiDraws(eligible: readonly Candidate[], k: number): Variant[] {
  const variants: Variant[] = [];
  const walk = (chosen: Candidate[], remaining: Candidate[], probability: number) => {
    if (chosen.length === k) {
      variants.push(toVariant(chosen, probability));
      return;
    }
    const left = remaining.reduce((sum, c) => sum + c.weight, 0);
    remaining.forEach((candidate, i) => {
      const rest = remaining.slice(0, i).concat(remaining.slice(i + 1));
      walk([...chosen, candidate], rest, (probability * candidate.weight) / left);
    });
  };
  walk([], [...eligible], 1);
  return variants;
}

/** A sample of MAX_VARIANTS draws, each equally likely: the sample itself follows the weights. */
function sampledDraws(eligible: readonly Candidate[], k: number, random: () => number): Variant[] {
  const variants: Variant[] = [];
  for (let n = 0; n < MAX_VARIANTS; n++) {
    const remaining = [...eligible];
    const chosen: Candidate[] = [];
    while (chosen.length < k) {
      const total = remaining.reduce((sum, c) => sum + c.weight, 0);
      let point = random() * total;
      let pick = remaining.length - 1;
      for (let i = 0; i < remaining.length; i++) {
        point -= remaining[i].weight;
        if (point < 0) {
          pick = i;
          break;
        }
      }
      chosen.push(remaining.splice(pick, 1)[0]);
    }
    variants.push(toVariant(chosen, 1 / MAX_VARIANTS));
  }
  return variants;
}

function toVariant(chosen: readonly Candidate[], probability: number): Variant {
  const addresses = [...new Set(chosen.flatMap((c) => c.addresses))];
  return { probability, targets: chosen.map((c) => c.index), addresses };
}
