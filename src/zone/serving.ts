// What to serve after a load in which some zone files failed (issue 15). One team's broken file must not take
// every other zone down, as BIND and Knot do not: every zone that loaded is served; a failed file keeps the last
// good revision of its zone when there is one; a zone whose file failed with nothing to fall back on answers
// SERVFAIL (not NXDOMAIN, which resolvers would cache as "this name does not exist"). Pure.

import type { FailedZoneFile, ZoneConfig, ZoneIssue, ZoneLoadResult } from './model.js';

/** A failed file, and what is answered for it. */
export interface ZoneFileFailure {
  readonly file: string;
  /** The zone the file declares, or the zone of its last good revision. */
  readonly zone?: string;
  readonly issues: readonly ZoneIssue[];
  /**
   * `last-good`: the zone of its last good revision is still served (with `serial`); `servfail`: the zone is
   * answered SERVFAIL; `none`: nothing is answered from this file (its zone name is unknown, or another file
   * serves that zone).
   */
  readonly serving: 'last-good' | 'servfail' | 'none';
  readonly serial?: number;
}

export interface ServingSet {
  /** In file order. */
  readonly zones: readonly ZoneConfig[];
  /** In file order. */
  readonly failed: readonly ZoneFileFailure[];
  /** Zones to answer SERVFAIL for (at and below their apex, unless a more specific served zone covers the name). */
  readonly servfailZones: readonly string[];
}

/**
 * The zones to serve after `result`, given the zones served until now. For a load that read no file at all (the
 * directory is unreadable: `result.failed` empty while not ok) the caller keeps what it serves instead.
 */
export function servingSet(previous: readonly ZoneConfig[], result: ZoneLoadResult): ServingSet {
  if (result.ok) return { zones: result.zones, failed: [], servfailZones: [] };
  const loadedNames = new Set(result.zones.map((zone) => zone.zone));
  const previousByFile = new Map(previous.map((zone) => [zone.file, zone]));
  const kept: ZoneConfig[] = [];
  const failed: ZoneFileFailure[] = [];
  const servfail = new Set<string>();
  for (const file of result.failed) {
    const lastGood = previousByFile.get(file.file);
    // A zone that a valid file declares now is served from that file, whatever else happened to it.
    if (lastGood !== undefined && !loadedNames.has(lastGood.zone)) {
      kept.push(lastGood);
      loadedNames.add(lastGood.zone);
      failed.push(failure(file, lastGood.zone, 'last-good', lastGood.soa.serial));
    } else if (file.zone === undefined || loadedNames.has(file.zone)) {
      failed.push(failure(file, file.zone, 'none'));
    } else {
      servfail.add(file.zone);
      failed.push(failure(file, file.zone, 'servfail'));
    }
  }
  // A name both failed without fallback and kept by another failed file's last good revision is served.
  for (const zone of kept) servfail.delete(zone.zone);
  const failedFinal = failed.map((f) => (f.serving === 'servfail' && !servfail.has(f.zone!) ? { ...f, serving: 'none' as const } : f));
  return {
    zones: [...result.zones, ...kept].sort(byFile),
    failed: failedFinal.sort(byFile),
    servfailZones: [...servfail].sort(),
  };
}

function failure(file: FailedZoneFile, zone: string | undefined, serving: ZoneFileFailure['serving'], serial?: number): ZoneFileFailure {
  return { file: file.file, ...(zone === undefined ? {} : { zone }), issues: file.issues, serving, ...(serial === undefined ? {} : { serial }) };
}

function byFile(a: { readonly file: string }, b: { readonly file: string }): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}
