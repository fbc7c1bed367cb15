// Zone policy + targets + health → answer table. Pure: the same inputs always give the same table (up to the
// random sample of `answers: N` draws when there are too many to list).

import { Rcode, RRType } from '../dns/constants.js';
import type { BalancedRecord, ZoneConfig } from '../zone/model.js';
import { selectAnswers, type ResolvedTarget } from './select.js';
import { AnswerTable, type AnswerSet, type NameEntry, type ZoneEntry } from './table.js';
import { encodeResponseTemplate, encodeSoaTail, nameToKey, type ResourceRecord } from './wire.js';

/** Where a balanced record's targets come from, with their current health (discovery + health, later). */
export interface TargetSource {
  resolve(zone: ZoneConfig, record: BalancedRecord): readonly ResolvedTarget[];
}

/** One possible answer section (plus additional records) and how likely it is. */
interface Content {
  readonly probability: number;
  readonly answer: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
}

/** What a name holds before encoding: contents per qtype, or a CNAME. */
interface NameData {
  readonly types: Map<number, readonly Content[]>;
  cname?: ResourceRecord & { readonly type: typeof RRType.CNAME };
}

/** Follow at most this many CNAMEs inside a zone when adding the target's records to an answer. */
const MAX_CHASE = 8;

/** RFC 8482: ANY gets one RRset, the first of these the name has. */
const ANY_PREFERENCE = [RRType.A, RRType.AAAA, RRType.TXT, RRType.SOA, RRType.NS];

export function buildAnswerTable(zones: readonly ZoneConfig[], targets: TargetSource): AnswerTable {
  const zoneEntries = new Map<string, ZoneEntry>();
  const names = new Map<string, NameEntry>();
  for (const zone of zones) {
    const entry = zoneEntry(zone);
    zoneEntries.set(nameToKey(zone.zone), entry);
    const data = zoneData(zone, targets);
    for (const [name, nameData] of data) names.set(nameToKey(name), encodeName(zone, entry, name, nameData, data));
  }
  return new AnswerTable(zoneEntries, names);
}

function negativeTtl(zone: ZoneConfig): number {
  return Math.min(zone.ttl, zone.soa.minimum);
}

function zoneEntry(zone: ZoneConfig): ZoneEntry {
  return {
    name: zone.zone,
    wireLength: nameToKey(zone.zone).length,
    serial: zone.soa.serial,
    soaTail: encodeSoaTail(zone.soa, negativeTtl(zone)),
  };
}

function single(answer: readonly ResourceRecord[], additional: readonly ResourceRecord[] = []): Content[] {
  return [{ probability: 1, answer, additional }];
}

function addressRecords(name: string, ttl: number, addresses: readonly string[]): ResourceRecord[] {
  return addresses.map((address) => ({
    name,
    type: address.includes(':') ? RRType.AAAA : RRType.A,
    ttl,
    address,
  }));
}

/** Every name of the zone with what it holds, including glue names and empty non-terminals. */
function zoneData(zone: ZoneConfig, targets: TargetSource): Map<string, NameData> {
  const data = new Map<string, NameData>();
  const at = (name: string): NameData => {
    let entry = data.get(name);
    if (entry === undefined) {
      entry = { types: new Map() };
      data.set(name, entry);
    }
    return entry;
  };

  const apex = at(zone.zone);
  apex.types.set(RRType.SOA, single([{ name: zone.zone, type: RRType.SOA, ttl: zone.ttl, soa: zone.soa }]));
  const glue = zone.nameservers.flatMap((ns) => addressRecords(ns.name, zone.ttl, ns.addresses));
  apex.types.set(
    RRType.NS,
    single(zone.nameservers.map((ns) => ({ name: zone.zone, type: RRType.NS, ttl: zone.ttl, target: ns.name })), glue),
  );
  for (const ns of zone.nameservers) {
    if (ns.addresses.length === 0) continue;
    const records = addressRecords(ns.name, zone.ttl, ns.addresses);
    setAddressTypes(at(ns.name), records);
  }

  for (const record of zone.records) {
    const entry = at(record.name);
    switch (record.kind) {
      case 'static': {
        setAddressTypes(entry, addressRecords(record.name, record.ttl, [...record.a, ...record.aaaa]));
        if (record.txt.length > 0) {
          entry.types.set(RRType.TXT, single(record.txt.map((text) => ({ name: record.name, type: RRType.TXT, ttl: record.ttl, text }))));
        }
        break;
      }
      case 'cname':
        entry.cname = { name: record.name, type: RRType.CNAME, ttl: record.ttl, target: record.target };
        break;
      case 'balanced': {
        const resolved = targets.resolve(zone, record);
        for (const [type, family] of [[RRType.A, 4], [RRType.AAAA, 6]] as const) {
          const selection = selectAnswers(record, resolved, family);
          if (selection.variants.length === 0) continue;
          entry.types.set(
            type,
            selection.variants.map((variant) => ({
              probability: variant.probability,
              answer: addressRecords(record.name, record.ttl, variant.addresses),
              additional: [],
            })),
          );
        }
        break;
      }
    }
  }

  // Empty non-terminals: `api.eu` makes `eu` exist (NODATA, not NXDOMAIN; RFC 8020).
  for (const name of [...data.keys()]) {
    for (let parent = parentName(name); parent !== undefined && parent.length > zone.zone.length; parent = parentName(parent)) {
      at(parent);
    }
  }
  return data;
}

function setAddressTypes(entry: NameData, records: readonly ResourceRecord[]): void {
  const a = records.filter((r) => r.type === RRType.A);
  const aaaa = records.filter((r) => r.type === RRType.AAAA);
  if (a.length > 0) entry.types.set(RRType.A, single(a));
  if (aaaa.length > 0) entry.types.set(RRType.AAAA, single(aaaa));
}

function parentName(name: string): string | undefined {
  const dot = name.indexOf('.');
  return dot < 0 ? undefined : name.slice(dot + 1);
}

function toAnswerSet(qname: string, qtype: number, rcode: number, contents: readonly Content[], authority: readonly ResourceRecord[] = []): AnswerSet {
  const templates = contents.map((c) => encodeResponseTemplate(qname, qtype, { rcode, answer: c.answer, authority, additional: c.additional }));
  if (contents.length === 1) return { rcode, templates, cumulative: new Float64Array(0) };
  const cumulative = new Float64Array(contents.length);
  let sum = 0;
  contents.forEach((c, i) => {
    sum += c.probability;
    cumulative[i] = sum;
  });
  // Guard against rounding: the last entry must catch every point below 1.
  cumulative[contents.length - 1] = 1;
  return { rcode, templates, cumulative };
}

function encodeName(zone: ZoneConfig, zoneEntry: ZoneEntry, name: string, entry: NameData, data: ReadonlyMap<string, NameData>): NameEntry {
  const types = new Map<number, AnswerSet>();
  if (entry.cname !== undefined) return encodeCnameOwner(zone, zoneEntry, name, entry.cname, data);

  for (const [type, contents] of entry.types) types.set(type, toAnswerSet(name, type, Rcode.NOERROR, contents));
  const anyType = ANY_PREFERENCE.find((type) => types.has(type));
  if (anyType !== undefined) types.set(RRType.ANY, types.get(anyType)!);
  return { zone: zoneEntry, types, otherwise: undefined };
}

/**
 * A CNAME owner answers CNAME and ANY with the CNAME alone; every other qtype gets the chain of in-zone CNAMEs
 * followed by the final target's records of that type, or by the SOA when the target has none (NODATA) or
 * does not exist (NXDOMAIN, RFC 6604). A target outside the zone is left to the resolver.
 */
function encodeCnameOwner(
  zone: ZoneConfig,
  zoneEntry: ZoneEntry,
  name: string,
  cname: ResourceRecord & { readonly type: typeof RRType.CNAME },
  data: ReadonlyMap<string, NameData>,
): NameEntry {
  const types = new Map<number, AnswerSet>();
  const own = toAnswerSet(name, RRType.CNAME, Rcode.NOERROR, single([cname]));
  types.set(RRType.CNAME, own);
  types.set(RRType.ANY, own);

  const chain: ResourceRecord[] = [cname];
  const seen = new Set([name]);
  let target = cname.target;
  let final = data.get(target);
  while (final?.cname !== undefined && chain.length < MAX_CHASE && !seen.has(target)) {
    seen.add(target);
    chain.push(final.cname);
    target = final.cname.target;
    final = data.get(target);
  }

  const inZone = target === zone.zone || target.endsWith(`.${zone.zone}`);
  if (!inZone || final?.cname !== undefined) {
    return { zone: zoneEntry, types, otherwise: toAnswerSet(name, RRType.CNAME, Rcode.NOERROR, single(chain)) };
  }
  const soa: ResourceRecord = { name: zone.zone, type: RRType.SOA, ttl: negativeTtl(zone), soa: zone.soa };
  if (final === undefined) {
    return { zone: zoneEntry, types, otherwise: toAnswerSet(name, RRType.CNAME, Rcode.NXDOMAIN, single(chain), [soa]) };
  }
  for (const [type, contents] of final.types) {
    const chased = contents.map((c) => ({ probability: c.probability, answer: [...chain, ...c.answer], additional: c.additional }));
    types.set(type, toAnswerSet(name, type, Rcode.NOERROR, chased));
  }
  return { zone: zoneEntry, types, otherwise: toAnswerSet(name, RRType.CNAME, Rcode.NOERROR, single(chain), [soa]) };
}
