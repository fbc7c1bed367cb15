// Zone policy + targets with health → answer table.
//
// A full build happens when the zones change. When health changes, `refresh` rebuilds only the records whose
// targets changed, plus the CNAME owners whose answers chase into them, and replaces just those entries.

import type { RecordRef } from '../base/names.js';
import { HEADER_SIZE, MAX_RRSET_OCTETS, Rcode, RRType } from '../base/wire.js';
import { targetIdentity, type BalancedRecord, type StaticRecord, type ZoneConfig } from '../zone/model.js';
import { DEFAULTS } from '../zone/defaults.js';
import { wireLength } from '../base/names.js';
import { selectAnswers, type ResolvedTarget, type Selection } from './select.js';
import { NO_RULE, type GeoIpLookup } from './client-classifier.js';
import { geoMapOf, walkFor, type GeoMap } from './geo-map.js';
import { selectGeo } from './geo-select.js';
import { AnswerTable, type AnswerSet, type NameEntry, type RegionLabels, type StickyAnswers, type ZoneEntry } from './table.js';
import { stickyChoice } from './sticky.js';
import { encodeResponseTemplate, encodeSoaTail, nameToKey, type ResourceRecord, type ResponseContent } from './wire.js';
import type { ParentDs } from './table.js';
import { dsRdata } from '../dnssec/keys.js';
import {
  delegationKeys,
  directChildren,
  encodeNsec,
  negativeTtl,
  signRecords,
  soaSignaturesOf,
  zoneSigning,
  type RRsetSigning,
  type ZoneSignatures,
  type ZoneSigning,
} from './signed-zone.js';

export type { RRsetSigning, SigningKeys, ZoneSignatures } from './signed-zone.js';
import { runInSlices } from '../base/slices.js';
import { Errors } from '../base/errors.js';

/** Where a balanced record's targets come from, with their current health (discovery + health checks). */
export interface TargetSource {
  resolve(zone: ZoneConfig, record: BalancedRecord): readonly ResolvedTarget[];
}

/** One possible answer section (plus additional records) and how likely it is. */
interface Content {
  readonly probability: number;
  readonly answer: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
}

type CnameRecord = ResourceRecord & { readonly type: typeof RRType.CNAME };

/** What a name holds before encoding: contents per qtype, or a CNAME. */
interface NameData {
  readonly types: Map<number, readonly Content[]>;
  /** A geo record's contents per walk of its zone's map (undefined: NODATA for that walk); `types` has the default walk's. */
  geo?: Map<number, GeoContents>;
  /** A sticky record's bucket → content index, per type (for `types`; geo walks carry their own). */
  sticky?: Map<number, StickyAnswers>;
  cname?: CnameRecord;
}

interface GeoContents {
  readonly map: GeoMap;
  readonly byWalk: ReadonlyArray<readonly Content[] | undefined>;
  /** Per walk, for a sticky geo record. */
  readonly stickyByWalk?: ReadonlyArray<StickyAnswers | undefined>;
  /** Per walk, the region answer slot of the region whose addresses answer (see RegionSlots). */
  readonly regionSlotByWalk: ReadonlyArray<number | undefined>;
}

/**
 * Small integers naming (zone, record, region), stable for the life of the process like zone ids, so that the
 * query path counts a geo answer with one increment in a typed array and the labels are made at scrape time.
 */
class RegionSlots {
  readonly #slots = new Map<string, number>();
  readonly labels: RegionLabels[] = [];

  slotOf(zone: string, record: string, region: string): number {
    const key = `${zone}\n${record}\n${region}`;
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = this.labels.length;
      this.#slots.set(key, slot);
      this.labels.push({ zone, record, region });
    }
    return slot;
  }
}

interface ZoneState {
  /** Replaced by an in-place update (see #updateSteps). */
  config: ZoneConfig;
  /** The zone's client map, for its geo records; made again when `config` is replaced. */
  geo: GeoMap | undefined;
  readonly entry: ZoneEntry;
  /** The builder's region answer slots (shared by every zone). */
  readonly regionSlots: RegionSlots;
  readonly data: Map<string, NameData>;
  readonly balanced: Map<string, BalancedRecord>;
  /**
   * The other served zones below this one (child zones served too). Their names are not this zone's, so a
   * CNAME into them is not chased and not denied: the answer stops at the CNAME (see encodeCnameOwner).
   */
  readonly children: readonly string[];
  /** Name → CNAME owners whose answers include that name's records. */
  readonly dependents: Map<string, Set<string>>;
  /** Set once the zone's names are collected, when the zone is signed. */
  signing?: ZoneSigning;
  /** When the zone's parent is served too: DS at the apex, answered from the parent (see #attachParentDs). */
  parentDs?: ParentDs;
}

/** Follow at most this many CNAMEs inside a zone when adding the target's records to an answer. */
const MAX_CHASE = 8;

/** RFC 8482: ANY gets one RRset, the first of these the name has: static data before the apex SOA and NS. */
const ANY_PREFERENCE = [RRType.A, RRType.AAAA, RRType.TXT, RRType.MX, RRType.SRV, RRType.CAA, RRType.SOA, RRType.NS];

export class AnswerTableBuilder {
  readonly #targets: TargetSource;
  /** Zone name → id, stable across rebuilds; index 0 stands for "no zone". */
  readonly #zoneIds = new Map<string, number>();
  readonly #zoneNames: string[] = [''];
  readonly #regionSlots = new RegionSlots();
  #zones = new Map<string, ZoneState>();
  #table: AnswerTable = AnswerTable.empty();
  readonly #reuseUnchangedZones: boolean;
  readonly #geoip: GeoIpLookup | undefined;
  readonly #signer: RRsetSigning | undefined;

  /**
   * With `reuseUnchangedZones`, a build keeps the current answers of every zone whose fingerprint is unchanged
   * instead of encoding them again: they are already up to date, since health, drain and endpoint changes
   * refresh them in place. Off when the caller needs every record resolved again (to send DNS workers).
   */
  /** `geoip`: the server's GeoIP database, for the zones' country and continent rules. */
  /** `signer`: the keys of the zones that ask to be signed (--dnssec-keys). */
  constructor(targets: TargetSource, options: { readonly reuseUnchangedZones?: boolean; readonly geoip?: GeoIpLookup; readonly signer?: RRsetSigning } = {}) {
    this.#targets = targets;
    this.#reuseUnchangedZones = options.reuseUnchangedZones ?? false;
    this.#geoip = options.geoip;
    this.#signer = options.signer;
  }

  /**
   * Builds the whole table for a new set of zones. `failedZones` are zones whose file failed to load with no
   * revision to serve: the table answers SERVFAIL for their names.
   */
  build(zones: readonly ZoneConfig[], failedZones: readonly string[] = []): AnswerTable {
    const steps = this.#buildSteps(zones, failedZones);
    let step = steps.next();
    while (!step.done) step = steps.next();
    return step.value;
  }

  /**
   * The same build, in slices of at most `sliceMs` of work with the event loop free in between, so queries
   * keep being answered (from the previous table) while a large zone set is encoded. Health changes that
   * arrive meanwhile must be refreshed after it (the caller holds them).
   */
  buildInSlices(zones: readonly ZoneConfig[], failedZones: readonly string[] = [], sliceMs = 4): Promise<AnswerTable> {
    return runInSlices(this.#buildSteps(zones, failedZones), sliceMs);
  }

  /** The build as a sequence of small steps (a zone's data, then every 64 names); the table changes at the end. */
  *#buildSteps(zones: readonly ZoneConfig[], failedZones: readonly string[]): Generator<void, AnswerTable> {
    // Ids like a served zone's, so that the SERVFAIL answers are counted under the zone's name.
    const failed = new Map(failedZones.map((name) => [nameToKey(name), this.#zoneId(name)]));
    const inPlace = yield* this.#inPlaceChanges(zones);
    if (inPlace !== undefined) {
      // The same zones, at most a few balanced records changed: replace their entries in the current table, in
      // one synchronous step, instead of copying an index of every name into a new one.
      const updates = new Map<string, NameEntry>();
      const commits: Array<() => void> = [];
      for (const [state, zone, changed] of inPlace) commits.push(yield* this.#updateZoneSteps(state, zone, changed, updates));
      for (const commit of commits) commit();
      this.#table.replaceEntries(updates);
      this.#table.setFailedZones(failed);
      return this.#table;
    }
    const states = new Map<string, ZoneState>();
    const commits: Array<() => void> = [];
    const zoneEntries = new Map<string, ZoneEntry>();
    const names = new Map<string, NameEntry>();
    const childrenOf = servedChildren(zones);
    for (const zone of zones) {
      const previous = this.#zones.get(zone.zone);
      const children = childrenOf.get(zone.zone) ?? [];
      // A zone whose served child zones changed answers its CNAMEs into them differently: encode it again.
      const sameChildren = previous !== undefined && previous.children.join(' ') === children.join(' ');
      if (
        this.#reuseUnchangedZones &&
        previous !== undefined &&
        sameChildren &&
        this.#signingCurrent(previous, zone) &&
        zone.fingerprint !== undefined &&
        previous.config.fingerprint !== undefined
      ) {
        // Unchanged: keep every entry. Only balanced records changed: keep the rest, encode those again.
        const changed = previous.config.fingerprint === zone.fingerprint ? [] : yield* balancedChanges(previous.config, zone);
        if (changed !== undefined) {
          states.set(zone.zone, previous);
          zoneEntries.set(nameToKey(zone.zone), previous.entry);
          let count = 0;
          for (const name of previous.data.keys()) {
            const key = nameToKey(name);
            const entry = this.#table.name(key);
            if (entry !== undefined) names.set(key, entry);
            if (++count % 1024 === 0) yield;
          }
          if (previous.config.fingerprint !== zone.fingerprint) {
            commits.push(yield* this.#updateZoneSteps(previous, zone, changed, names));
          }
          continue;
        }
      }
      const state: ZoneState = {
        config: zone,
        geo: geoMapOfZone(zone, this.#geoip),
        entry: zoneEntry(zone, this.#zoneId(zone.zone)),
        regionSlots: this.#regionSlots,
        data: new Map(),
        balanced: new Map(zone.records.filter((r): r is BalancedRecord => r.kind === 'balanced').map((r) => [r.name, r])),
        children,
        dependents: new Map(),
      };
      yield* collectZoneData(state, this.#targets);
      const signed = zoneSigning(
        {
          config: zone,
          names: [...state.data].map(([name, data]) => ({ name, owner: data.types.size > 0 || data.cname !== undefined || state.balanced.has(name) })),
          children: state.children,
        },
        this.#signer,
      );
      if (signed !== undefined) {
        state.signing = signed.signing;
        const apex = state.data.get(zone.zone);
        for (const rrset of signed.apex) if (rrset.length > 0) apex?.types.set(rrset[0].type, single(rrset));
        (state as { entry: ZoneEntry }).entry = { ...state.entry, dnssec: signed.signing.dnssec };
      }
      states.set(zone.zone, state);
      zoneEntries.set(nameToKey(zone.zone), state.entry);
      let count = 0;
      // A signed name costs a signature or two (~0.1 ms each): fewer per step keeps each slice within its budget.
      const perStep = state.signing === undefined ? 64 : 4;
      for (const name of state.data.keys()) {
        names.set(nameToKey(name), encodeName(state, name));
        if (++count % perStep === 0) yield;
      }
    }
    this.#zones = states;
    for (const commit of commits) commit();
    this.#attachParentDs(states, names);
    this.#table = new AnswerTable(zoneEntries, names);
    this.#table.setFailedZones(failed);
    return this.#table;
  }

  /**
   * When `zones` are the zones of the current table, each unchanged or changed only in balanced records (see
   * balancedChanges): the zones whose records changed, with the names of those records. Otherwise undefined.
   */
  *#inPlaceChanges(zones: readonly ZoneConfig[]): Generator<void, Array<[ZoneState, ZoneConfig, string[]]> | undefined> {
    if (!this.#reuseUnchangedZones || zones.length !== this.#zones.size) return undefined;
    const changes: Array<[ZoneState, ZoneConfig, string[]]> = [];
    for (const zone of zones) {
      const previous = this.#zones.get(zone.zone);
      if (previous === undefined || zone.fingerprint === undefined || previous.config.fingerprint === undefined) return undefined;
      if (!this.#signingCurrent(previous, zone)) return undefined;
      if (previous.config.fingerprint === zone.fingerprint) continue;
      const changed = yield* balancedChanges(previous.config, zone);
      if (changed === undefined) return undefined;
      changes.push([previous, zone, changed]);
    }
    return changes;
  }

  /**
   * Brings a zone's state up to a new config that differs only in `changed` balanced records (and the serial,
   * and maintenance windows): their answers, the apex (its SOA carries the serial), the CNAME owners (their
   * negative chase answers carry the SOA) and whatever chases into the changed records are encoded again.
   * The new entries go into `updates`. The zone entry's serial and SOA, which negative answers read per query,
   * are changed in place by the function it returns, to be called when the entries are put in the table.
   */
  *#updateZoneSteps(state: ZoneState, zone: ZoneConfig, changed: readonly string[], updates: Map<string, NameEntry>): Generator<void, () => void> {
    state.config = zone;
    state.geo = geoMapOfZone(zone, this.#geoip);
    state.data.get(zone.zone)?.types.set(RRType.SOA, single([{ name: zone.zone, type: RRType.SOA, ttl: zone.ttl, soa: zone.soa }]));
    const again = new Set<string>([zone.zone]);
    const wanted = new Set(changed);
    let count = 0;
    for (const record of zone.records) {
      if (++count % 64 === 0) yield;
      if (record.kind !== 'balanced' || !wanted.has(record.name)) continue;
      state.balanced.set(record.name, record);
      state.data.set(record.name, balancedData(state, record, this.#targets));
      again.add(record.name);
      for (const owner of state.dependents.get(record.name) ?? []) again.add(owner);
    }
    for (const [name, data] of state.data) if (data.cname !== undefined) again.add(name);
    for (const name of again) {
      updates.set(nameToKey(name), encodeName(state, name));
      if (++count % (state.signing === undefined ? 64 : 4) === 0) yield;
    }
    // Negative answers read the serial and SOA from the zone entry per query: change them with the entries.
    const soaTail = encodeSoaTail(zone.soa, negativeTtl(zone));
    const soaSignatures = state.signing === undefined ? undefined : soaSignaturesOf(state.signing, zone);
    return () => {
      Object.assign(state.entry as { serial: number; soaTail: Buffer }, { serial: zone.soa.serial, soaTail });
      if (soaSignatures !== undefined && state.signing !== undefined) state.signing.dnssec.soaSignatures = soaSignatures;
    };
  }

  /**
   * DS at each served child's apex, answered from its served parent (RFC 4035 §3.1.4.1): the DS of the keys
   * delegationKeys names (those of the child's CDS) when the child is signed, else NODATA, with the parent's
   * NSEC for the child's name (NS, and DS when there is one) when the parent is signed. Made again at every full
   * build, since the child's keys may have changed while the parent did not; the signatures come from the cache.
   */
  #attachParentDs(states: ReadonlyMap<string, ZoneState>, names: Map<string, NameEntry>): void {
    for (const parent of states.values()) {
      for (const child of directChildren(parent.children)) {
        const childState = states.get(child);
        if (childState === undefined) continue;
        // The keys the child was built with: its DNSKEY RRset and this DS agree.
        const dnskeys = childState.signing === undefined ? [] : delegationKeys(childState.signing.keys);
        const ttl = parent.config.ttl;
        const ds = dnskeys.map((rdata): ResourceRecord => ({ name: child, type: RRType.DS, ttl, rdata: dsRdata(child, rdata) }));
        const signing = parent.signing;
        if (signing !== undefined) encodeNsec(signing, child, ds.length > 0 ? [RRType.NS, RRType.DS] : [RRType.NS], negativeTtl(parent.config));
        const nsecIndex = signing?.indexOf.get(child);
        const nodata: NameEntry = { zone: parent.entry, types: new Map(), otherwise: undefined, ...(nsecIndex === undefined ? {} : { nsecIndex }) };
        childState.parentDs = {
          zone: parent.entry,
          set: ds.length === 0 ? undefined : toAnswerSet(child, RRType.DS, Rcode.NOERROR, single(ds), [], signing),
          nodata,
        };
        const key = nameToKey(child);
        const apex = names.get(key);
        if (apex !== undefined) names.set(key, { ...apex, ds: childState.parentDs });
      }
    }
  }

  /**
   * Whether a zone built before can keep its signed answers: signed with the keys the signer has for it now, and
   * none of its signatures due to be made again. Otherwise it is built again (unchanged RRsets reuse their
   * cached signatures, so that costs encoding, not signing).
   */
  #signingCurrent(previous: ZoneState, zone: ZoneConfig): boolean {
    const keys = zone.dnssec === undefined ? undefined : this.#signer?.keysOf(zone.zone);
    const had = previous.signing;
    if (keys === undefined || keys.signing.length === 0) return had === undefined;
    if (had === undefined || had.keys.fingerprint !== keys.fingerprint) return false;
    return had.earliestExpiration === undefined || !had.signer.needsRefresh(had.earliestExpiration, had.timing);
  }

  /** Each signed zone's keys and earliest signature expiration, for /status and metrics. */
  signatures(): ZoneSignatures[] {
    return [...this.#zones.values()].flatMap((state) =>
      state.signing === undefined ? [] : [{ zone: state.config.zone, keys: state.signing.keys, earliestExpiration: state.signing.earliestExpiration }],
    );
  }

  /** The zone names by id (index 0 is the empty name, for queries outside every zone). */
  zoneNames(): readonly string[] {
    return this.#zoneNames;
  }

  /** What each region answer slot (AnswerSet.regionSlot) counts. */
  regionLabels(): readonly RegionLabels[] {
    return this.#regionSlots.labels;
  }

  #zoneId(name: string): number {
    let id = this.#zoneIds.get(name);
    if (id === undefined) {
      id = this.#zoneNames.length;
      this.#zoneIds.set(name, id);
      this.#zoneNames.push(name);
    }
    return id;
  }

  /**
   * Rebuilds the given balanced records (their targets or health changed) and every CNAME owner that chases
   * into them, and replaces their entries in the current table (see AnswerTable.replaceEntries).
   */
  refresh(records: Iterable<RecordRef>): AnswerTable {
    const updates = new Map<string, NameEntry>();
    for (const ref of records) {
      const state = this.#zones.get(ref.zone);
      const record = state?.balanced.get(ref.name);
      if (state === undefined || record === undefined) continue;
      state.data.set(record.name, balancedData(state, record, this.#targets));
      updates.set(nameToKey(record.name), encodeName(state, record.name));
      for (const owner of state.dependents.get(record.name) ?? []) updates.set(nameToKey(owner), encodeName(state, owner));
    }
    this.#table.replaceEntries(updates);
    return this.#table;
  }
}

/** Convenience for a one-off build (tests, validation). */
export function buildAnswerTable(zones: readonly ZoneConfig[], targets: TargetSource, failedZones: readonly string[] = []): AnswerTable {
  return new AnswerTableBuilder(targets).build(zones, failedZones);
}

/** Zone name → the served zones below it, found by walking each zone's ancestors (not every pair of zones). */
function servedChildren(zones: readonly ZoneConfig[]): Map<string, string[]> {
  const served = new Set(zones.map((z) => z.zone));
  const children = new Map<string, string[]>();
  for (const { zone } of zones) {
    for (let parent = parentName(zone); parent !== undefined; parent = parentName(parent)) {
      if (!served.has(parent)) continue;
      const list = children.get(parent);
      if (list === undefined) children.set(parent, [zone]);
      else list.push(zone);
    }
  }
  return children;
}

/**
 * The names of the balanced records that differ between two configs of a zone, when nothing else does but the
 * serial and the maintenance windows (which change no answer); undefined when anything else changed.
 */
function* balancedChanges(before: ZoneConfig, after: ZoneConfig): Generator<void, string[] | undefined> {
  const { serial: _s1, ...soaBefore } = before.soa;
  const { serial: _s2, ...soaAfter } = after.soa;
  if (before.zone !== after.zone || before.ttl !== after.ttl || before.records.length !== after.records.length) return undefined;
  if (JSON.stringify(soaBefore) !== JSON.stringify(soaAfter) || JSON.stringify(before.nameservers) !== JSON.stringify(after.nameservers)) return undefined;
  // Signing or its timing changed: every answer is signed again.
  if (JSON.stringify(before.dnssec) !== JSON.stringify(after.dnssec)) return undefined;
  const changed: string[] = [];
  for (let i = 0; i < after.records.length; i++) {
    if (i % 256 === 255) yield;
    const a = before.records[i];
    const b = after.records[i];
    if (a === b) continue; // the loader keeps unchanged records as the same objects
    if (a.name !== b.name || a.kind !== b.kind) return undefined;
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (b.kind !== 'balanced') return undefined;
    changed.push(b.name);
  }
  return changed;
}

function zoneEntry(zone: ZoneConfig, id: number): ZoneEntry {
  return {
    name: zone.zone,
    id,
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

/** A and AAAA contents of a balanced record, as its policy picks them from its targets' current health. */
function balancedData(state: ZoneState, record: BalancedRecord, targets: TargetSource): NameData {
  const types = new Map<number, readonly Content[]>();
  const resolved = targets.resolve(state.config, record);
  const contentsOf = (selection: Selection): Content[] =>
    selection.variants.map((variant) => ({
      probability: variant.probability,
      answer: addressRecords(record.name, record.ttl, variant.addresses),
      additional: [],
    }));
  const prefixes = state.config.geo?.stickyPrefix ?? DEFAULTS.stickyPrefix;
  /** A sticky record's contents: one per distinct bucket winner, with the bucket map; undefined when not sticky. */
  const stickyOf = (selection: Selection): { contents: Content[]; sticky: StickyAnswers } | undefined => {
    if (record.sticky !== true || selection.eligible === undefined || selection.eligible.length === 0) return undefined;
    const candidates = selection.eligible.map((c) => ({ ...c, identity: targetIdentity(record.targets[c.index]) }));
    const choice = stickyChoice(candidates, record.answers);
    const contents = choice.choices.map((c) => ({
      probability: c.share,
      answer: addressRecords(record.name, record.ttl, [...new Set(c.candidates.flatMap((i) => candidates[i].addresses))]),
      additional: [],
    }));
    return { contents, sticky: { buckets: choice.buckets, ipv4Prefix: prefixes.ipv4, ipv6Prefix: prefixes.ipv6 } };
  };
  const map = record.policy === 'geo' ? state.geo : undefined;
  if (map === undefined) {
    const sticky = new Map<number, StickyAnswers>();
    for (const [type, family] of ADDRESS_FAMILIES) {
      const selection = selectAnswers(record, resolved, family);
      if (selection.variants.length === 0) continue;
      const held = stickyOf(selection);
      types.set(type, held?.contents ?? contentsOf(selection));
      if (held !== undefined) sticky.set(type, held.sticky);
    }
    return sticky.size === 0 ? { types } : { types, sticky };
  }
  // Geo: the answers of every distinct walk of the zone's map, built now, so the query path only picks one.
  const geo = new Map<number, GeoContents>();
  const regions = record.targets.map((target) => target.region);
  const defaultWalk = walkFor(map, NO_RULE);
  for (const [type, family] of ADDRESS_FAMILIES) {
    const held = map.walks.map((walk) => {
      const selection = selectGeo(record, resolved, regions, walk, family);
      if (selection.variants.length === 0) return undefined;
      // Fail open too is counted under the region whose addresses went out (selectGeo names it).
      const regionSlot = selection.region === undefined ? undefined : state.regionSlots.slotOf(state.config.zone, record.name, selection.region);
      return { ...(stickyOf(selection) ?? { contents: contentsOf(selection), sticky: undefined }), regionSlot };
    });
    const byWalk = held.map((h) => h?.contents);
    if (byWalk.every((contents) => contents === undefined)) continue;
    const regionSlotByWalk = held.map((h) => h?.regionSlot);
    geo.set(type, { map, byWalk, regionSlotByWalk, ...(record.sticky === true ? { stickyByWalk: held.map((h) => h?.sticky) } : {}) });
    types.set(type, byWalk[defaultWalk] ?? byWalk.find((contents) => contents !== undefined)!);
  }
  return { types, geo };
}

const ADDRESS_FAMILIES = [
  [RRType.A, 4],
  [RRType.AAAA, 6],
] as const;

/** The zone's client map, when it has one. */
function geoMapOfZone(zone: ZoneConfig, geoip: GeoIpLookup | undefined): GeoMap | undefined {
  return zone.geo === undefined ? undefined : geoMapOf(zone.geo, geoip);
}

/** Every name of the zone with what it holds, including glue names and empty non-terminals. */
function* collectZoneData(state: ZoneState, targets: TargetSource): Generator<void> {
  const zone = state.config;
  const data = state.data;
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
    single(
      zone.nameservers.map((ns) => ({ name: zone.zone, type: RRType.NS, ttl: zone.ttl, target: ns.name })),
      glue,
    ),
  );
  for (const ns of zone.nameservers) {
    if (ns.addresses.length > 0) setAddressTypes(at(ns.name), addressRecords(ns.name, zone.ttl, ns.addresses));
  }

  const hosting: StaticRecord[] = [];
  let count = 0;
  for (const record of zone.records) {
    if (++count % 64 === 0) yield;
    const entry = at(record.name);
    switch (record.kind) {
      case 'static': {
        setAddressTypes(entry, addressRecords(record.name, record.ttl, [...record.a, ...record.aaaa]));
        if (record.txt.length > 0) {
          entry.types.set(RRType.TXT, single(record.txt.map((text) => ({ name: record.name, type: RRType.TXT, ttl: record.ttl, text }))));
        }
        if (record.caa !== undefined && record.caa.length > 0) {
          entry.types.set(RRType.CAA, single(record.caa.map((caa) => ({ name: record.name, type: RRType.CAA, ttl: record.ttl, ...caa }))));
        }
        // MX and SRV wait for every name's addresses, which their additional sections carry.
        if ((record.mx?.length ?? 0) + (record.srv?.length ?? 0) > 0) hosting.push(record);
        break;
      }
      case 'cname':
        entry.cname = { name: record.name, type: RRType.CNAME, ttl: record.ttl, target: record.target };
        break;
      case 'balanced': {
        const balanced = balancedData(state, record, targets);
        for (const [type, contents] of balanced.types) entry.types.set(type, contents);
        if (balanced.geo !== undefined) entry.geo = balanced.geo;
        if (balanced.sticky !== undefined) entry.sticky = balanced.sticky;
        break;
      }
    }
  }

  for (const record of hosting) {
    if (++count % 64 === 0) yield;
    const entry = at(record.name);
    const { name, ttl } = record;
    const mx = (record.mx ?? []).map((data): ResourceRecord => ({ name, type: RRType.MX, ttl, ...data }));
    const srv = (record.srv ?? []).map((data): ResourceRecord => ({ name, type: RRType.SRV, ttl, ...data }));
    if (mx.length > 0) entry.types.set(RRType.MX, single(mx, hostAddresses(state, mx)));
    if (srv.length > 0) entry.types.set(RRType.SRV, single(srv, hostAddresses(state, srv)));
  }

  // Empty non-terminals: `api.eu` makes `eu` exist (NODATA, not NXDOMAIN; RFC 8020).
  for (const name of [...data.keys()]) {
    for (let parent = parentName(name); parent !== undefined && parent.length > zone.zone.length; parent = parentName(parent)) {
      at(parent);
    }
  }
}

/** Octets a record takes on the wire with its owner and the names in its data written in full. */
function uncompressedOctets(record: ResourceRecord): number {
  const fixed = wireLength(record.name) + 10;
  switch (record.type) {
    case RRType.A:
      return fixed + 4;
    case RRType.AAAA:
      return fixed + 16;
    case RRType.MX:
      return fixed + 2 + wireLength(record.exchange);
    case RRType.SRV:
      return fixed + 6 + wireLength(record.target);
    default:
      throw Errors.internal([`uncompressedOctets: type ${record.type} is not needed here`]);
  }
}

/**
 * The additional records of an MX or SRV answer (RFC 1035 §3.3.9, RFC 2782): the A and AAAA RRsets of the hosts
 * it names, for hosts of this zone whose addresses are static (static records and name server glue). A balanced
 * record's addresses follow health, so a copy here would go stale between refreshes: resolvers ask for them.
 * RRsets are added whole and in order while the message stays within 65535 octets, whatever is chased before it.
 */
function hostAddresses(state: ZoneState, answer: readonly ResourceRecord[]): ResourceRecord[] {
  const zone = state.config.zone;
  let budget = MAX_RRSET_OCTETS - answer.reduce((sum, record) => sum + uncompressedOctets(record), 0);
  const additional: ResourceRecord[] = [];
  const seen = new Set<string>();
  for (const record of answer) {
    const host = record.type === RRType.MX ? record.exchange : record.type === RRType.SRV ? record.target : '';
    if (host === '' || seen.has(host)) continue;
    seen.add(host);
    const inZone = (host === zone || host.endsWith(`.${zone}`)) && !state.children.some((child) => host === child || host.endsWith(`.${child}`));
    const data = state.data.get(host);
    if (!inZone || data === undefined || data.cname !== undefined || state.balanced.has(host)) continue;
    for (const type of [RRType.A, RRType.AAAA]) {
      const rrset = data.types.get(type)?.[0]?.answer ?? [];
      const octets = rrset.reduce((sum, r) => sum + uncompressedOctets(r), 0);
      if (rrset.length === 0 || octets > budget) continue;
      budget -= octets;
      additional.push(...rrset);
    }
  }
  return additional;
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

const NO_CUTS = new Int32Array(0);

/**
 * The (length, ARCOUNT) pairs of a template with its trailing additional RRsets dropped, one RRset more each
 * time (see AnswerSet.cuts). Each is encoded on its own and must be a prefix of the full template: names only
 * point backwards, so dropping records from the end leaves every earlier byte as it was.
 */
function additionalCuts(qname: string, qtype: number, content: ResponseContent, full: Buffer): Int32Array {
  const additional = content.additional;
  if (additional.length === 0) return NO_CUTS;
  const cuts: number[] = [];
  for (let keep = additional.length - 1; keep >= 0; keep--) {
    const a = additional[keep];
    const b = additional[keep - 1];
    if (b !== undefined && b.name === a.name && b.type === a.type) continue; // inside an RRset
    const cut = encodeResponseTemplate(qname, qtype, { ...content, additional: additional.slice(0, keep) });
    if (!cut.subarray(HEADER_SIZE).equals(full.subarray(HEADER_SIZE, cut.length))) throw Errors.internal(['trimmed template is not a prefix']);
    cuts.push(cut.length, keep);
  }
  return Int32Array.from(cuts);
}

function toAnswerSet(
  qname: string,
  qtype: number,
  rcode: number,
  contents: readonly Content[],
  authority: readonly ResourceRecord[] = [],
  signing?: ZoneSigning,
): AnswerSet {
  const responses = contents.map((c): ResponseContent => ({ rcode, answer: c.answer, authority, additional: c.additional }));
  const templates = responses.map((r) => encodeResponseTemplate(qname, qtype, r));
  const cuts = responses.map((r, i) => additionalCuts(qname, qtype, r, templates[i]));
  // Signed: every RRset with its RRSIGs; additional data is optional (RFC 2181 §9), and left to the resolver.
  const signed =
    signing === undefined
      ? undefined
      : responses.map((r) =>
          encodeResponseTemplate(qname, qtype, { rcode, answer: signRecords(signing, r.answer), authority: signRecords(signing, r.authority), additional: [] }),
        );
  const withSigned = <T extends AnswerSet>(set: T): T => (signed === undefined ? set : { ...set, signed });
  if (contents.length === 1) return withSigned({ rcode, templates, cumulative: new Float64Array(0), cuts });
  const cumulative = new Float64Array(contents.length);
  let sum = 0;
  contents.forEach((c, i) => {
    sum += c.probability;
    cumulative[i] = sum;
  });
  // Guard against rounding: the last entry must catch every point below 1.
  cumulative[contents.length - 1] = 1;
  return withSigned({ rcode, templates, cumulative, cuts });
}

/**
 * A geo record's set: one set per walk (shared where two walks answer alike is left to the walks being
 * distinct already), and the default walk's templates as the set's own, for readers that do not look at clients.
 */
function toGeoAnswerSet(
  name: string,
  type: number,
  geo: GeoContents,
  shape: (contents: readonly Content[]) => readonly Content[],
  signing: ZoneSigning | undefined,
): AnswerSet {
  const sets = geo.byWalk.map((contents, walk) => {
    if (contents === undefined) return undefined;
    const set = withSticky(toAnswerSet(name, type, Rcode.NOERROR, shape(contents), [], signing), geo.stickyByWalk?.[walk]);
    const regionSlot = geo.regionSlotByWalk[walk];
    return regionSlot === undefined ? set : { ...set, regionSlot };
  });
  const own = sets[walkFor(geo.map, NO_RULE)] ?? sets.find((set) => set !== undefined)!;
  return { ...own, geo: { map: geo.map, sets } };
}

function withSticky(set: AnswerSet, sticky: StickyAnswers | undefined): AnswerSet {
  return sticky === undefined ? set : { ...set, sticky };
}

function encodeName(state: ZoneState, name: string): NameEntry {
  const entry = state.data.get(name)!;
  if (entry.cname !== undefined) return encodeCnameOwner(state, name, entry.cname);
  const signing = state.signing;
  const types = new Map<number, AnswerSet>();
  for (const [type, contents] of entry.types) {
    const geo = entry.geo?.get(type);
    types.set(
      type,
      geo === undefined
        ? withSticky(toAnswerSet(name, type, Rcode.NOERROR, contents, [], signing), entry.sticky?.get(type))
        : toGeoAnswerSet(name, type, geo, (c) => c, signing),
    );
  }
  const anyType = ANY_PREFERENCE.find((type) => types.has(type));
  if (anyType !== undefined) types.set(RRType.ANY, types.get(anyType)!);
  const rrsets = [...entry.types].filter(([type]) => type !== RRType.ANY).map(([, contents]) => contents[0]?.answer ?? []);
  const encoded = withNsec(state, name, { zone: state.entry, types, otherwise: undefined }, entry.types.keys(), rrsets);
  return name === state.config.zone && state.parentDs !== undefined ? { ...encoded, ds: state.parentDs } : encoded;
}

/**
 * In a signed zone: the name's NSEC, answered to NSEC queries and kept in the chain for negative answers; and the
 * RRSIGs of its RRsets (`rrsets`: one of each type, as answered by default), answered to RRSIG queries with or
 * without DO: what the name's answers carry.
 */
function withNsec(state: ZoneState, name: string, entry: NameEntry, types: Iterable<number>, rrsets: readonly (readonly ResourceRecord[])[]): NameEntry {
  const signing = state.signing;
  if (signing === undefined) return entry;
  const nsec = encodeNsec(signing, name, types, negativeTtl(state.config));
  if (nsec === undefined) return entry;
  const own = new Map(entry.types);
  // An NSEC3 belongs to its hashed owner, not to this name: only NSEC is answered here.
  const isNsec = nsec.type === RRType.NSEC;
  if (isNsec) own.set(RRType.NSEC, toAnswerSet(name, RRType.NSEC, Rcode.NOERROR, single([nsec]), [], signing));
  // Cached: asking for these signatures again makes no new one.
  const rrsigs = [...rrsets, isNsec ? [nsec] : []]
    .filter((rrset) => rrset.length > 0)
    .flatMap((rrset) => signRecords(signing, rrset).filter((r) => r.type === RRType.RRSIG));
  const rrsigSet = toAnswerSet(name, RRType.RRSIG, Rcode.NOERROR, single(rrsigs));
  own.set(RRType.RRSIG, { ...rrsigSet, signed: rrsigSet.templates });
  return { ...entry, types: own, nsecIndex: signing.indexOf.get(name)! };
}

/**
 * A CNAME owner answers CNAME and ANY with the CNAME alone; every other qtype gets the chain of in-zone CNAMEs
 * followed by the final target's records of that type, or by the SOA when the target has none (NODATA) or
 * does not exist (NXDOMAIN, RFC 6604). A target outside the zone, in a served child zone too, is left to the
 * resolver.
 */
function encodeCnameOwner(state: ZoneState, name: string, cname: CnameRecord): NameEntry {
  const zone = state.config;
  const signing = state.signing;
  const types = new Map<number, AnswerSet>();
  const own = toAnswerSet(name, RRType.CNAME, Rcode.NOERROR, single([cname]), [], signing);
  types.set(RRType.CNAME, own);
  types.set(RRType.ANY, own);

  const chain: ResourceRecord[] = [cname];
  const seen = new Set([name]);
  let target = cname.target;
  let final = state.data.get(target);
  while (final?.cname !== undefined && chain.length < MAX_CHASE && !seen.has(target)) {
    seen.add(target);
    dependOn(state, target, name);
    chain.push(final.cname);
    target = final.cname.target;
    final = state.data.get(target);
  }
  dependOn(state, target, name);

  // A target in a served child zone is outside this zone too: its answers are built with that zone, and
  // following it here would tie this zone's entries to that zone's health refreshes. NOERROR and the CNAME
  // alone are right (RFC 1034 §4.3.2); the resolver asks again for the target.
  const inZone =
    (target === zone.zone || target.endsWith(`.${zone.zone}`)) && !state.children.some((child) => target === child || target.endsWith(`.${child}`));
  if (!inZone || final?.cname !== undefined) {
    return withNsec(
      state,
      name,
      { zone: state.entry, types, otherwise: toAnswerSet(name, RRType.CNAME, Rcode.NOERROR, single(chain), [], signing) },
      [RRType.CNAME],
      [[cname]],
    );
  }
  const soa: ResourceRecord = { name: zone.zone, type: RRType.SOA, ttl: negativeTtl(zone), soa: zone.soa };
  if (final === undefined) {
    return withNsec(
      state,
      name,
      { zone: state.entry, types, otherwise: withDenial(toAnswerSet(name, RRType.CNAME, Rcode.NXDOMAIN, single(chain), [soa], signing), target) },
      [RRType.CNAME],
      [[cname]],
    );
  }
  const chase = (contents: readonly Content[]) =>
    contents.map((c) => ({ probability: c.probability, answer: [...chain, ...c.answer], additional: c.additional }));
  for (const [type, contents] of final.types) {
    const geo = final.geo?.get(type);
    types.set(
      type,
      geo === undefined
        ? withSticky(toAnswerSet(name, type, Rcode.NOERROR, chase(contents), [], signing), final.sticky?.get(type))
        : toGeoAnswerSet(name, type, geo, chase, signing),
    );
  }
  return withNsec(
    state,
    name,
    { zone: state.entry, types, otherwise: withDenial(toAnswerSet(name, RRType.CNAME, Rcode.NOERROR, single(chain), [soa], signing), target) },
    [RRType.CNAME],
    [[cname]],
  );
}

/** A signed negative chase: the target whose denial the query path appends (see AnswerSet.denialOf). */
function withDenial(set: AnswerSet, target: string): AnswerSet {
  return set.signed === undefined ? set : { ...set, denialOf: nameToKey(target) };
}

function dependOn(state: ZoneState, target: string, owner: string): void {
  let owners = state.dependents.get(target);
  if (owners === undefined) {
    owners = new Set();
    state.dependents.set(target, owners);
  }
  owners.add(owner);
}
