// Checks across the zones of one load. A zone file may give addresses to a name server outside its zone (zone
// files written for other servers often do); they are ignored, since they are not data of that zone. But when the
// name lies in another zone served here, resolvers will ask that zone for it, and addresses that differ from its
// answer mean that whoever wrote them believes the name server is somewhere it is not: say so.

import type { OutOfZoneGlue, ZoneConfig, ZoneIssue } from './model.js';
import { isSubdomainOf } from '../base/names.js';

export interface LoadedZoneFile {
  readonly zone: ZoneConfig;
  readonly outOfZoneGlue: readonly OutOfZoneGlue[];
}

/** What a zone answers for a name's addresses, as far as it can be known without health. */
type AddressData =
  { readonly kind: 'static'; readonly addresses: readonly string[] } | { readonly kind: 'balanced' } | { readonly kind: 'cname' } | { readonly kind: 'none' };

/**
 * A warning for each out-of-zone name server address list that disagrees with the zone served here that holds
 * the name (the one with the longest matching apex). Sorted by file, then position. Pure.
 */
export function checkGlueAcrossZones(files: readonly LoadedZoneFile[]): ZoneIssue[] {
  const zones = new Map(files.map(({ zone }) => [zone.zone, zone]));
  const issues: ZoneIssue[] = [];
  for (const { zone, outOfZoneGlue } of files) {
    for (const glue of outOfZoneGlue) {
      const holder = longestMatchingZone(glue.name, zones);
      if (holder === undefined || holder === zone) continue;
      const mismatch = disagreement(glue.addresses, addressDataOf(holder, glue.name));
      if (mismatch === undefined) continue;
      issues.push({
        file: zone.file,
        line: glue.line,
        column: glue.column,
        severity: 'warning',
        message: `name server '${glue.name}' is given ${glue.addresses.join(', ')} here, but zone ${holder.zone} (${holder.file}) ${mismatch}`,
      });
    }
  }
  return issues.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

function longestMatchingZone(name: string, zones: ReadonlyMap<string, ZoneConfig>): ZoneConfig | undefined {
  for (let candidate: string | undefined = name; candidate !== undefined; candidate = parentOf(candidate)) {
    const zone = zones.get(candidate);
    if (zone !== undefined) return zone;
  }
  return undefined;
}

function parentOf(name: string): string | undefined {
  const dot = name.indexOf('.');
  return dot < 0 ? undefined : name.slice(dot + 1);
}

function addressDataOf(zone: ZoneConfig, name: string): AddressData {
  for (const ns of zone.nameservers) {
    if (ns.name === name && ns.addresses.length > 0 && isSubdomainOf(name, zone.zone)) return { kind: 'static', addresses: ns.addresses };
  }
  const record = zone.records.find((r) => r.name === name);
  switch (record?.kind) {
    case undefined:
      return { kind: 'none' };
    case 'static':
      return record.a.length + record.aaaa.length === 0 ? { kind: 'none' } : { kind: 'static', addresses: [...record.a, ...record.aaaa] };
    case 'balanced':
      return { kind: 'balanced' };
    case 'cname':
      return { kind: 'cname' };
  }
}

/** How the zone's data differs from the addresses given, or undefined when they agree (as sets). */
function disagreement(given: readonly string[], data: AddressData): string | undefined {
  switch (data.kind) {
    case 'none':
      return 'has no address for it';
    case 'balanced':
      return 'answers it from health-checked targets, not fixed addresses';
    case 'cname':
      return 'makes it a CNAME, which a name server must not be (RFC 2181 §10.3)';
    case 'static': {
      const theirs = new Set(data.addresses);
      const same = theirs.size === new Set(given).size && given.every((address) => theirs.has(address));
      return same ? undefined : `answers ${data.addresses.join(', ')} for it`;
    }
  }
}
