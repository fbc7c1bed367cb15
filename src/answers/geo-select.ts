// The geo policy as a pure function (issue 18): for one client's preference walk (its rule's `prefer`, then
// every other region in `default` order), the healthy targets of the first region that has any, drawn by weight
// within that region as a weighted record draws. Drained targets do not count, so a drained or maintained
// region is skipped like a down one. When no region has a healthy target, whenAllDown decides, over the first
// region of the walk that has addresses of the family (fail open stays near the client).

import { selectAnswers, type ResolvedTarget, type Selection, type SelectionPolicy } from './select.js';

export interface GeoSelection extends Selection {
  /** The region that answered; undefined for NODATA. */
  readonly region?: string;
  /** Regions before it in the walk, skipped for having no healthy target of the family. */
  readonly skipped: readonly string[];
}

/** The walk for one preference list: the list, then every region of `defaults` not in it, in that order. */
export function preferenceWalk(prefer: readonly string[], defaults: readonly string[]): string[] {
  const walk = [...prefer];
  for (const region of defaults) if (!walk.includes(region)) walk.push(region);
  return walk;
}

/**
 * One region's state for a family, as the walk judges it: `up` when a target of the region has a healthy
 * address in rotation (the walk stops there), `drained` when it would but every such target is drained or in
 * a maintenance window, `none` when the region has no address of the family, `down` otherwise.
 */
export type RegionState = 'up' | 'down' | 'drained' | 'none';

export function regionState(targets: readonly ResolvedTarget[], regions: readonly (string | undefined)[], region: string, family: 4 | 6): RegionState {
  const own = targets.filter((_, i) => regions[i] === region);
  return stateOf(selectAnswers({ policy: 'weighted', answers: 1, whenAllDown: 'none' }, own, family, () => 0));
}

/** A region's state from a selection over its own targets (whenAllDown none): the one judgement selectGeo walks by. */
function stateOf(selection: Selection): RegionState {
  if (selection.rule === 'no-addresses') return 'none';
  // Drains set aside (every target of the region drained) do not make a region healthy: it is skipped.
  if (selection.rule === 'healthy') return selection.drainsIgnored === true ? 'drained' : 'up';
  return 'down';
}

export function selectGeo(
  policy: Pick<SelectionPolicy, 'answers' | 'whenAllDown'>,
  targets: readonly ResolvedTarget[],
  regions: readonly (string | undefined)[],
  walk: readonly string[],
  family: 4 | 6,
  random: () => number = Math.random,
): GeoSelection {
  const weighted = { policy: 'weighted' as const, answers: policy.answers };
  const inRegion = (region: string) => {
    const indexes = targets.map((_, i) => i).filter((i) => regions[i] === region);
    return { indexes, targets: indexes.map((i) => targets[i]) };
  };
  /** A selection over a region's targets, with target indexes back in the record's numbering. */
  const remap = (selection: Selection, indexes: readonly number[]): Selection => ({
    ...selection,
    variants: selection.variants.map((v) => ({ ...v, targets: v.targets.map((t) => indexes[t]) })),
    ...(selection.eligible === undefined ? {} : { eligible: selection.eligible.map((c) => ({ ...c, index: indexes[c.index] })) }),
  });
  const skipped: string[] = [];
  for (const region of walk) {
    const { indexes, targets: own } = inRegion(region);
    const selection = selectAnswers({ ...weighted, whenAllDown: 'none' }, own, family, random);
    if (stateOf(selection) === 'up') return { ...remap(selection, indexes), region, skipped };
    skipped.push(region);
  }
  // No region is healthy for this family. The record as a whole says whether the other family answers (then
  // NODATA here), whether there is nothing of this family at all, or whether to fail open or answer nothing.
  const whole = selectAnswers({ ...weighted, whenAllDown: policy.whenAllDown }, targets, family, random);
  if (whole.variants.length === 0) return { ...whole, skipped };
  for (const region of walk) {
    const { indexes, targets: own } = inRegion(region);
    const selection = selectAnswers({ ...weighted, whenAllDown: policy.whenAllDown }, own, family, random);
    if (selection.variants.length > 0) return { ...remap(selection, indexes), region, skipped: skipped.slice(0, walk.indexOf(region)) };
  }
  return { ...whole, skipped };
}
