// The answer table: everything the query path needs, precomputed as wire bytes. Its entries are immutable. A
// reload that adds, removes or restructures zones builds a new table and swaps it in whole. A health change, or
// a reload that changes only some balanced records, replaces those entries in place, in one synchronous step:
// the query path is synchronous too, so no query can run in the middle of it and see half an update, and
// copying an index of 20,000 names for every change would cost milliseconds for nothing.

import type { GeoMap } from './geo-map.js';
import { canonicalSortKey, coveringIndex } from '../dnssec/nsec.js';
import { nsec3HashHex } from '../dnssec/nsec3.js';

/** The possible responses for one (name, qtype), with how likely each is. */
export interface AnswerSet {
  readonly rcode: number;
  /** Complete response messages with ID 0 (see encodeResponseTemplate). */
  readonly templates: readonly Buffer[];
  /** Cumulative probability per template, ending at 1; empty when there is one template. */
  readonly cumulative: Float64Array;
  /**
   * Per template, the shorter forms that still hold the whole answer and authority sections: pairs of (length,
   * ARCOUNT) with trailing additional RRsets dropped, longest first, ending with no additional records. UDP
   * sends the first prefix that fits rather than setting TC, since additional records are optional (RFC 2181
   * §9). Empty for a template without additional records.
   */
  readonly cuts: readonly Int32Array[];
  /**
   * A geo record's answers (issue 18): the handler classifies the client and answers with its walk's set
   * (undefined: NODATA for that walk). The fields above are then the default list's answers (for readers that
   * do not look at clients).
   */
  readonly geo?: GeoAnswers;
  /**
   * A sticky record's answers (issue 18): the template is the one the client's subnet bucket has (sticky.ts),
   * not a random draw; `cumulative` still holds the shares, for readers.
   */
  readonly sticky?: StickyAnswers;
  /**
   * A geo walk's set: the slot of the (zone, record, region) whose addresses it answers with, for counting
   * answers per region (AnswerTableBuilder.regionLabels names the slots). Absent outside geo records.
   */
  readonly regionSlot?: number;
  /**
   * In a signed zone (issue 19): per template, the same response with every RRset followed by its RRSIGs and
   * no additional section, for queries with DO set (RFC 4035 §3.1). Signed when the set was built.
   */
  readonly signed?: readonly Buffer[];
  /**
   * In a signed zone, a CNAME chase that ends in NXDOMAIN or NODATA: the key of the final target. With DO, the
   * query path appends the NSEC proofs for it to the authority section (they are the zone chain's, which change
   * with health, so they are looked up rather than copied in).
   */
  readonly denialOf?: string;
}

/** Records written whole (no compression pointers), to be spliced into any message, and how many they are. */
export interface RecordBlock {
  readonly bytes: Buffer;
  readonly count: number;
}

/**
 * A signed zone's NSEC chain (RFC 4034 §4): its owners in canonical order, each with its NSEC record and
 * signatures. Proofs are replaced in place when an owner's types change (a health change can empty a family).
 */
export interface NsecChain {
  /** canonicalSortKey of each owner (src/dnssec/nsec.ts), ascending. */
  readonly sortKeys: readonly string[];
  readonly proofs: Array<RecordBlock | undefined>;
}

/** What the query path adds to a signed zone's negative answers when DO is set. */
export interface ZoneDnssec {
  /** NSEC: the chain is in canonical name order. NSEC3: in hash order, its keys the hashes in hex. */
  readonly denial: 'nsec' | 'nsec3';
  readonly chain: NsecChain;
  /** The SOA's RRSIGs, after the SOA of a negative answer; replaced with the serial. */
  soaSignatures: RecordBlock;
}

/** What a region answer slot counts: one geo record's answers from one region. */
export interface RegionLabels {
  readonly zone: string;
  readonly record: string;
  readonly region: string;
}

export interface StickyAnswers {
  /** Bucket (sticky.ts bucketOf) → template index. */
  readonly buckets: Uint16Array;
  /** The client subnet that is hashed, per family (the zone's geo.stickyPrefix). */
  readonly ipv4Prefix: number;
  readonly ipv6Prefix: number;
}

export interface GeoAnswers {
  readonly map: GeoMap;
  /** By walk (GeoMap.walks); undefined where that walk answers NODATA. */
  readonly sets: ReadonlyArray<AnswerSet | undefined>;
}

export interface ZoneEntry {
  /** "gslb.example.com" */
  readonly name: string;
  /** A small integer naming the zone for the lifetime of the process (1, 2, ...), for cheap per-query counting. */
  readonly id: number;
  /** Wire-form length of the zone name, for pointing at it inside an echoed question. */
  readonly wireLength: number;
  readonly serial: number;
  /** The SOA record of negative answers without its owner name (see encodeSoaTail). */
  readonly soaTail: Buffer;
  /** Present when the zone is signed. */
  readonly dnssec?: ZoneDnssec;
}

export interface NameEntry {
  readonly zone: ZoneEntry;
  readonly types: ReadonlyMap<number, AnswerSet>;
  /** Answers every qtype that has no set of its own (a CNAME owner chases them); absent means NODATA. */
  readonly otherwise: AnswerSet | undefined;
  /** In a signed zone, the index of this name's NSEC in the chain; absent for an empty non-terminal. */
  readonly nsecIndex?: number;
  /**
   * A served zone's apex whose parent zone is served too: DS belongs to the parent side of the cut (RFC 4035
   * §3.1.4.1), so a DS query is answered from the parent, with its DS set or its NODATA (and the parent's NSEC).
   */
  readonly ds?: ParentDs;
}

/** The parent's answer to DS at a child apex. */
export interface ParentDs {
  readonly zone: ZoneEntry;
  /** Undefined: the child is not signed, NODATA from the parent. */
  readonly set: AnswerSet | undefined;
  /** For the parent's NODATA: the child apex's NSEC in the parent's chain. */
  readonly nodata: NameEntry;
}

export class AnswerTable {
  readonly #zones: ReadonlyMap<string, ZoneEntry>;
  readonly #names: Map<string, NameEntry>;
  /** Zones whose file failed to load, with nothing to serve for them: key → zone id. */
  #failed: ReadonlyMap<string, number> = new Map();

  /** Keys are names in wire form, lowercase, as latin1 strings (see nameToKey). */
  constructor(zones: ReadonlyMap<string, ZoneEntry>, names: Map<string, NameEntry>) {
    this.#zones = zones;
    this.#names = names;
  }

  static empty(): AnswerTable {
    return new AnswerTable(new Map(), new Map());
  }

  get zoneCount(): number {
    return this.#zones.size;
  }

  get nameCount(): number {
    return this.#names.size;
  }

  /** Replaces entries of names that already exist (a partial rebuild); must run in one synchronous step. */
  replaceEntries(entries: Iterable<readonly [string, NameEntry]>): void {
    for (const [key, entry] of entries) this.#names.set(key, entry);
  }

  name(key: string): NameEntry | undefined {
    return this.#names.get(key);
  }

  /** Sets the zones answered SERVFAIL (see failedZoneFor); one synchronous step, like replaceEntries. */
  setFailedZones(failed: ReadonlyMap<string, number>): void {
    this.#failed = failed;
  }

  get hasFailedZones(): boolean {
    return this.#failed.size > 0;
  }

  /**
   * The id of the failed zone a name lies in, when that zone is more specific than every served zone that
   * contains the name; 0 otherwise. A served zone below a failed one keeps answering.
   */
  failedZoneFor(key: string): number {
    if (this.#failed.size === 0) return 0;
    for (let offset = 0; offset < key.length; offset += key.charCodeAt(offset) + 1) {
      const suffix = offset === 0 ? key : key.slice(offset);
      if (this.#zones.has(suffix)) return 0;
      const failed = this.#failed.get(suffix);
      if (failed !== undefined) return failed;
    }
    return 0;
  }

  /** The longest configured zone that contains the name, found by trying each label boundary. */
  zoneFor(key: string): ZoneEntry | undefined {
    for (let offset = 0; offset < key.length; offset += key.charCodeAt(offset) + 1) {
      const zone = this.#zones.get(offset === 0 ? key : key.slice(offset));
      if (zone !== undefined) return zone;
    }
    return undefined;
  }

  zones(): IterableIterator<ZoneEntry> {
    return this.#zones.values();
  }

  /**
   * The NSEC records that deny `key` in a signed zone (RFC 4035 §3.1.3): for NXDOMAIN the one covering the name
   * and the one covering the wildcard at its closest encloser (the longest ancestor that exists, empty
   * non-terminals included), the same record once; for NODATA the name's own NSEC, or for an empty non-terminal
   * the one covering it. Indexes into the zone's chain.
   */
  denialProofs(zone: ZoneEntry, key: string, entry: NameEntry | undefined): number[] {
    const dnssec = zone.dnssec!;
    const chain = dnssec.chain;
    if (dnssec.denial === 'nsec3') return this.#nsec3Proofs(zone, key, entry);
    if (entry !== undefined) return [entry.nsecIndex ?? coveringIndex(chain.sortKeys, canonicalSortKey(key))];
    const cover = coveringIndex(chain.sortKeys, canonicalSortKey(key));
    let encloser = key;
    do encloser = encloser.slice(encloser.charCodeAt(0) + 1);
    while (encloser.length > zone.wireLength && !this.#names.has(encloser));
    const wildcard = coveringIndex(chain.sortKeys, canonicalSortKey(`\x01*${encloser}`));
    return wildcard === cover ? [cover] : [cover, wildcard];
  }

  /**
   * NSEC3 (RFC 5155 §7.2): NODATA, the NSEC3 matching the name (empty non-terminals have one too); NXDOMAIN, the
   * closest encloser proof (the NSEC3 matching the closest encloser and the one covering the next closer name)
   * and the NSEC3 covering the wildcard at the closest encloser, each once.
   */
  #nsec3Proofs(zone: ZoneEntry, key: string, entry: NameEntry | undefined): number[] {
    const chain = zone.dnssec!.chain;
    const cover = (name: string) => coveringIndex(chain.sortKeys, nsec3HashHex(name));
    if (entry !== undefined) return [entry.nsecIndex ?? cover(key)];
    let nextCloser = key;
    let encloser = key.slice(key.charCodeAt(0) + 1);
    while (encloser.length > zone.wireLength && !this.#names.has(encloser)) {
      nextCloser = encloser;
      encloser = encloser.slice(encloser.charCodeAt(0) + 1);
    }
    const proofs = [this.#names.get(encloser)?.nsecIndex ?? cover(encloser), cover(nextCloser), cover(`\x01*${encloser}`)];
    return proofs.filter((index, i) => proofs.indexOf(index) === i);
  }
}

/** Picks one template by its probability; `point` is uniform in [0, 1). */
export function pickTemplate(set: AnswerSet, point: number): Buffer {
  return set.templates[pickIndex(set, point)];
}

/** The index of the template pickTemplate would pick. */
export function pickIndex(set: AnswerSet, point: number): number {
  const cumulative = set.cumulative;
  if (cumulative.length === 0) return 0;
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (point < cumulative[middle]) high = middle;
    else low = middle + 1;
  }
  return low;
}
