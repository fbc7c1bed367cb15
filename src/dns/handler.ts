// The query path: parse, look up, copy a precomputed response and patch a few bytes. No I/O, no awaits and no
// record encoding happen here; everything that depends on configuration or health was encoded when the
// answer table was built.

import { pickIndex, type AnswerSet, type AnswerTable, type GeoAnswers, type NameEntry, type StickyAnswers, type ZoneEntry } from '../answers/table.js';
import { bucketOf, SourceAddresses } from '../answers/sticky.js';
import { NO_RULE, ruleOf, scopeOf } from '../answers/client-classifier.js';
import { walkFor } from '../answers/geo-map.js';
import {
  CLASSIC_UDP_SIZE,
  ECS_OPTION_FIXED_SIZE,
  EcsFamily,
  FLAG2_AA,
  FLAG2_QR,
  FLAG2_RD,
  FLAG2_TC,
  FLAG3_CD,
  HEADER_SIZE,
  MAX_MESSAGE_SIZE,
  OPT_DO_BIT,
  OPT_RECORD_SIZE,
  OPTION_CODE_ECS,
  Rcode,
  RRClass,
  RRType,
  SERVER_UDP_PAYLOAD,
} from '../base/wire.js';
import { newParsedQuery, parseQuery, QueryStatus, type ParsedQuery } from './query.js';
import type { ResponseKind } from './rrl.js';

export type Transport = 'udp' | 'tcp';

/**
 * Told about every answered query; metrics hang off this. Called on the query path, so its arguments are
 * plain integers (zone id 0 for no zone, transport 0 for UDP and 1 for TCP). Must not throw or block.
 */
export interface QueryObserver {
  onQuery(zoneId: number, qtype: number, rcode: number, transport: number): void;
  /** A geo answer went out with one region's addresses: `slot` is its AnswerSet.regionSlot. */
  onRegionAnswer?(slot: number): void;
}

/** Told when handling one packet or connection threw and only that was dropped (see udp.ts, tcp.ts). Must not throw. */
export interface HandlerErrorObserver {
  onHandlerError(transport: Transport): void;
}

/** The current answer table; swapped whole on reload or health change. */
export interface AnswerTableSource {
  readonly current: AnswerTable;
}

export interface QueryHandlerOptions {
  /** Uniform in [0, 1); injectable so tests can pin weighted picks. */
  readonly random?: () => number;
  readonly observer?: QueryObserver;
}

const OPCODE_BITS = 0x78;
const NO_CUTS = new Int32Array(0);

export class QueryHandler {
  readonly #tables: AnswerTableSource;
  readonly #random: () => number;
  readonly #observer: QueryObserver | undefined;
  /** Reused for every query: the handler is synchronous, so one scratch record per handler suffices. */
  readonly #query: ParsedQuery = newParsedQuery();
  // What the last response was, for response rate limiting (see lastResponseKey). Plain fields, so the query
  // path allocates nothing for it.
  /** The kind of the last response returned by handle(). */
  lastKind: ResponseKind = 'error';
  #lastRcode = 0;
  #lastZone = 0;
  /**
   * The SCOPE PREFIX-LENGTH the response being built echoes in its ECS option (RFC 7871 §7.2.1), when the query
   * had one: how many leading bits of the client's address the answer depends on. Reset to 0 for each query,
   * which says the answer is the same for every client. Whatever chooses an answer by client sets it (geo answers,
   * issue 18, will set the prefix of the rule that decided); writeOpt keeps it within the family and 0 for a /0.
   */
  #scopePrefix = 0;
  /** The packet source of the query being handled, for sticky answers (see handle). */
  #source: string | undefined;
  readonly #sources = new SourceAddresses();
  readonly #stickyScratch = new Uint8Array(17);

  constructor(tables: AnswerTableSource, options: QueryHandlerOptions = {}) {
    this.#tables = tables;
    this.#random = options.random ?? Math.random;
    this.#observer = options.observer;
  }

  /**
   * The response to send, or null to send nothing. Never throws for any input. `source` is the packet's source
   * address as the socket gives it: the client of a geo answer when the query carries no ECS address.
   */
  handle(msg: Buffer, transport: Transport, source?: string): Buffer | null {
    const query = this.#query;
    parseQuery(msg, query);
    this.#scopePrefix = 0;
    this.#source = source;
    switch (query.status) {
      case QueryStatus.DROP:
        return null;
    }
    this.lastKind = 'error';
    switch (query.status) {
      case QueryStatus.FORMERR:
        return this.#bare(msg, query, Rcode.FORMERR, 0, transport, 0);
      case QueryStatus.NOTIMP:
        return this.#bare(msg, query, Rcode.NOTIMP, 0, transport, 0);
      case QueryStatus.BADVERS:
        return this.#bare(msg, query, Rcode.BADVERS, 0, transport, 0);
    }

    const table = this.#tables.current;
    if (query.qclass !== RRClass.IN || query.qtype === RRType.AXFR || query.qtype === RRType.IXFR) {
      // Meridian serves class IN only and never transfers zones.
      const zone = table.zoneFor(query.key);
      return this.#bare(msg, query, Rcode.REFUSED, 0, transport, zone?.id ?? 0);
    }
    if (table.hasFailedZones) {
      // A zone whose file failed to load, with nothing to serve: SERVFAIL, not NXDOMAIN, which resolvers would
      // cache as "no such name" for the negative TTL; a server failure is cached briefly if at all (RFC 2308 §7.1).
      const failedZone = table.failedZoneFor(query.key);
      if (failedZone !== 0) return this.#bare(msg, query, Rcode.SERVFAIL, 0, transport, failedZone);
    }
    const entry = table.name(query.key);
    if (entry?.ds !== undefined && query.qtype === RRType.DS) {
      // A child apex: DS is the parent's data (RFC 4035 §3.1.4.1).
      const ds = entry.ds;
      this.#lastZone = ds.zone.id;
      if (ds.set !== undefined) {
        this.lastKind = 'answer';
        return this.#fromTemplate(msg, query, ds.set, transport, ds.zone.id);
      }
      this.lastKind = 'nodata';
      return this.#negative(msg, query, ds.zone, Rcode.NOERROR, transport, ds.nodata);
    }
    if (entry !== undefined) {
      let set = entry.types.get(query.qtype) ?? entry.otherwise;
      this.#lastZone = entry.zone.id;
      if (set?.geo !== undefined) set = this.#forClient(set.geo, query, source);
      if (set !== undefined) {
        this.lastKind = 'answer';
        return this.#fromTemplate(msg, query, set, transport, entry.zone.id, entry.zone);
      }
      this.lastKind = 'nodata';
      return this.#negative(msg, query, entry.zone, Rcode.NOERROR, transport, entry);
    }
    const zone = table.zoneFor(query.key);
    if (zone !== undefined) {
      this.lastKind = 'nxdomain';
      this.#lastZone = zone.id;
      return this.#negative(msg, query, zone, Rcode.NXDOMAIN, transport);
    }
    return this.#bare(msg, query, Rcode.REFUSED, 0, transport, 0);
  }

  /**
   * A geo answer's set for this client: by the ECS address when the query names the client's network, else by
   * the packet source. Sets the ECS scope to the bits that decided (an answer for the source address is not
   * about the ECS network: scope 0). Undefined: the client's walk answers NODATA.
   */
  #forClient(geo: GeoAnswers, query: ParsedQuery, source: string | undefined): AnswerSet | undefined {
    const classifier = geo.map.classifier;
    let packed: number;
    if (query.clientFromEcs) {
      packed = classifier.matchBytes(query.ecsFamily === EcsFamily.IPV6 ? 6 : 4, query.ecsAddress);
      this.#scopePrefix = scopeOf(packed);
    } else {
      packed = source === undefined ? NO_RULE * 256 : classifier.matchSource(source);
    }
    const set = geo.sets[walkFor(geo.map, ruleOf(packed))];
    if (set?.regionSlot !== undefined) this.#observer?.onRegionAnswer?.(set.regionSlot);
    return set;
  }

  /**
   * A sticky set's template for this client: its subnet (ECS address, else the packet source) hashed to a bucket.
   * With ECS, the answer holds for that subnet: the scope is at least the hashed prefix.
   */
  #stickyIndex(sticky: StickyAnswers, query: ParsedQuery): number {
    let family: 4 | 6;
    let bytes: ArrayLike<number>;
    if (query.clientFromEcs) {
      family = query.ecsFamily === EcsFamily.IPV6 ? 6 : 4;
      bytes = query.ecsAddress;
    } else {
      const source = this.#source === undefined ? undefined : this.#sources.of(this.#source);
      if (source === undefined) return 0;
      family = source.family;
      bytes = source.bytes;
    }
    const prefix = family === 4 ? sticky.ipv4Prefix : sticky.ipv6Prefix;
    if (query.clientFromEcs && prefix > this.#scopePrefix) this.#scopePrefix = prefix;
    return sticky.buckets[bucketOf(family, bytes, prefix, this.#stickyScratch)];
  }

  #observe(zoneId: number, qtype: number, rcode: number, transport: Transport): void {
    this.#lastRcode = rcode;
    this.#observer?.onQuery(zoneId, qtype, rcode, transport === 'udp' ? 0 : 1);
  }

  /**
   * Which response the last handle() returned, as BIND's RRL tells them apart: an answer by name and type,
   * NODATA by name, NXDOMAIN by zone, errors all alike. Called only when rate limiting is on.
   */
  lastResponseKey(): number {
    switch (this.lastKind) {
      case 'answer':
        return (fnv1a(this.#query.key) ^ (this.#query.qtype * 0x9e3779b1)) >>> 0;
      case 'nodata':
        return fnv1a(this.#query.key);
      case 'nxdomain':
        return this.#lastZone;
      default:
        return 0;
    }
  }

  /**
   * A truncated (TC=1) reply to the query last handled, with no records: what RRL "slips" instead of a limited
   * response, so a real client behind a limited prefix retries over TCP, which a spoofed source cannot.
   */
  truncatedReply(msg: Buffer): Buffer {
    const query = this.#query;
    const questionEnd = query.questionEnd;
    const hasQuestion = questionEnd > 0;
    const optSize = optRecordSize(query);
    const bodyEnd = hasQuestion ? questionEnd : HEADER_SIZE;
    const out = Buffer.allocUnsafe(bodyEnd + optSize);
    writeHeader(out, msg, this.#lastRcode & 0x0f, FLAG2_AA | FLAG2_TC, hasQuestion ? 1 : 0, 0, 0, optSize > 0 ? 1 : 0);
    if (hasQuestion) msg.copy(out, HEADER_SIZE, HEADER_SIZE, questionEnd);
    if (optSize > 0) writeOpt(out, bodyEnd, this.#lastRcode >> 4, query, this.#scopePrefix);
    return out;
  }

  #fromTemplate(msg: Buffer, query: ParsedQuery, set: AnswerSet, transport: Transport, zone: number, zoneEntry?: ZoneEntry): Buffer {
    // A sticky set answers by the client's bucket; otherwise only weighted sets with several templates draw.
    const index = set.sticky !== undefined ? this.#stickyIndex(set.sticky, query) : set.cumulative.length === 0 ? 0 : pickIndex(set, this.#random());
    // With DO, a signed zone's response carries the signatures (RFC 4035 §3.1.1); it has no additional section.
    const signed = query.dnssecOk ? set.signed : undefined;
    const template = (signed ?? set.templates)[index];
    // A signed chase into a name that does not exist (or lacks the type): its NSEC proofs follow the SOA.
    const dnssec = signed !== undefined && set.denialOf !== undefined ? zoneEntry?.dnssec : undefined;
    const proofs = dnssec === undefined ? undefined : this.#tables.current.denialProofs(zoneEntry!, set.denialOf!, this.#tables.current.name(set.denialOf!));
    let proofOctets = 0;
    let proofCount = 0;
    if (dnssec !== undefined && proofs !== undefined)
      for (const i of proofs) {
        proofOctets += dnssec.chain.proofs[i]?.bytes.length ?? 0;
        proofCount += dnssec.chain.proofs[i]?.count ?? 0;
      }
    const optSize = optRecordSize(query) + proofOctets;
    let length = template.length;
    let arcount = -1;
    // Over TCP the bound is one message. The build leaves room beside every answer for our OPT record without
    // options (wire.ts MAX_RRSET_OCTETS), not for an echoed ECS option, so the largest answers get the same cuts.
    const sizeLimit = transport === 'udp' ? udpLimit(query) : MAX_MESSAGE_SIZE;
    if (length + optSize > sizeLimit) {
      // Drop trailing additional RRsets (precomputed cuts) before giving up on the answer with TC.
      const limit = sizeLimit - optSize;
      const cuts = signed === undefined ? set.cuts[index] : NO_CUTS;
      let k = 0;
      while (k < cuts.length && cuts[k] > limit) k += 2;
      if (k === cuts.length) return this.#bare(msg, query, set.rcode, FLAG2_AA | FLAG2_TC, transport, zone);
      length = cuts[k]!;
      arcount = cuts[k + 1]!;
    }
    const out = Buffer.allocUnsafe(length + optSize);
    template.copy(out, 0, 0, length);
    out[0] = msg[0];
    out[1] = msg[1];
    out[2] = out[2] | (msg[2] & FLAG2_RD);
    out[3] = out[3] | (msg[3] & FLAG3_CD);
    // Echo the question as asked, keeping the asker's 0x20 case pattern; it has the template's length.
    msg.copy(out, HEADER_SIZE, HEADER_SIZE, query.questionEnd);
    if (arcount >= 0) out.writeUInt16BE(arcount, 10);
    // Signed templates have no additional section, so the proofs go right after the authority section.
    if (dnssec !== undefined && proofs !== undefined) {
      for (const i of proofs) length += dnssec.chain.proofs[i]?.bytes.copy(out, length) ?? 0;
      out.writeUInt16BE(out.readUInt16BE(8) + proofCount, 8);
    }
    if (optSize > proofOctets) {
      writeOpt(out, length, 0, query, this.#scopePrefix);
      out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
    }
    this.#observe(zone, query.qtype, set.rcode, transport);
    return out;
  }

  /**
   * NXDOMAIN or NODATA: the question as asked, and the zone SOA whose owner points into that question. In a
   * signed zone with DO set, the SOA's signatures and the NSEC records that deny the name follow (RFC 4035
   * §3.1.3), all precomputed: which of them is a lookup in the zone's chain.
   */
  #negative(msg: Buffer, query: ParsedQuery, zone: ZoneEntry, rcode: number, transport: Transport, entry?: NameEntry): Buffer {
    const optSize = optRecordSize(query);
    const questionEnd = query.questionEnd;
    const dnssec = query.dnssecOk ? zone.dnssec : undefined;
    let proofOctets = 0;
    let proofCount = 0;
    let proofs: number[] | undefined;
    if (dnssec !== undefined) {
      proofs = this.#tables.current.denialProofs(zone, query.key, entry);
      proofOctets = dnssec.soaSignatures.bytes.length;
      proofCount = dnssec.soaSignatures.count;
      for (const index of proofs) {
        const block = dnssec.chain.proofs[index];
        if (block === undefined) continue;
        proofOctets += block.bytes.length;
        proofCount += block.count;
      }
    }
    const size = questionEnd + 2 + zone.soaTail.length + proofOctets + optSize;
    if (transport === 'udp' && size > udpLimit(query)) {
      return this.#bare(msg, query, rcode, FLAG2_AA | FLAG2_TC, transport, zone.id);
    }
    const out = Buffer.allocUnsafe(size);
    writeHeader(out, msg, rcode, FLAG2_AA, 1, 0, 1 + proofCount, optSize > 0 ? 1 : 0);
    msg.copy(out, HEADER_SIZE, HEADER_SIZE, questionEnd);
    out.writeUInt16BE(0xc000 | (HEADER_SIZE + query.qnameLength - zone.wireLength), questionEnd);
    zone.soaTail.copy(out, questionEnd + 2);
    let offset = questionEnd + 2 + zone.soaTail.length;
    if (dnssec !== undefined && proofs !== undefined) {
      offset += dnssec.soaSignatures.bytes.copy(out, offset);
      for (const index of proofs) offset += dnssec.chain.proofs[index]?.bytes.copy(out, offset) ?? 0;
    }
    if (optSize > 0) writeOpt(out, offset, 0, query, this.#scopePrefix);
    this.#observe(zone.id, query.qtype, rcode, transport);
    return out;
  }

  /** Header, the question when there is one, and OPT when the query had one: errors and truncated answers. */
  #bare(msg: Buffer, query: ParsedQuery, rcode: number, flags: number, transport: Transport, zone: number): Buffer {
    const questionEnd = query.questionEnd;
    const hasQuestion = questionEnd > 0;
    const optSize = optRecordSize(query);
    const bodyEnd = hasQuestion ? questionEnd : HEADER_SIZE;
    const out = Buffer.allocUnsafe(bodyEnd + optSize);
    writeHeader(out, msg, rcode & 0x0f, flags, hasQuestion ? 1 : 0, 0, 0, optSize > 0 ? 1 : 0);
    if (hasQuestion) msg.copy(out, HEADER_SIZE, HEADER_SIZE, questionEnd);
    if (optSize > 0) writeOpt(out, bodyEnd, rcode >> 4, query, this.#scopePrefix);
    this.#observe(zone, query.qtype, rcode, transport);
    return out;
  }
}

/** FNV-1a over a latin1 key: cheap, allocation-free, and plenty to tell names apart for rate limiting. */
function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** What fits in a UDP response: 512 without EDNS, else the asker's size capped at ours (RFC 6891 §6.2.5). */
function udpLimit(query: ParsedQuery): number {
  if (!query.edns) return CLASSIC_UDP_SIZE;
  return query.udpPayload < SERVER_UDP_PAYLOAD ? query.udpPayload : SERVER_UDP_PAYLOAD;
}

function writeHeader(out: Buffer, msg: Buffer, rcode: number, flags: number, qd: number, an: number, ns: number, ar: number): void {
  out[0] = msg[0];
  out[1] = msg[1];
  // Echo the opcode (it matters for NOTIMP), RD and CD; RA stays clear: Meridian does not recurse.
  out[2] = FLAG2_QR | (msg[2] & (OPCODE_BITS | FLAG2_RD)) | flags;
  out[3] = (msg[3] & FLAG3_CD) | (rcode & 0x0f);
  out.writeUInt16BE(qd, 4);
  out.writeUInt16BE(an, 6);
  out.writeUInt16BE(ns, 8);
  out.writeUInt16BE(ar, 10);
}

/** Octets of the OPT record a response to `query` carries: none without EDNS, plus the ECS echo when asked. */
function optRecordSize(query: ParsedQuery): number {
  if (!query.edns) return 0;
  return query.ecs ? OPT_RECORD_SIZE + ECS_OPTION_FIXED_SIZE + query.ecsAddressLength : OPT_RECORD_SIZE;
}

/**
 * Our OPT record: root owner, payload 1232, extended rcode and version 0, DO echoed (RFC 3225 §3). Its one
 * option is the ECS echo when the query had ECS (RFC 7871 §7.2.1): FAMILY, SOURCE PREFIX-LENGTH and ADDRESS as
 * sent, with our scope. A source prefix of 0 gets scope 0 whatever the answer: the option names no network the
 * answer could be meant for, and resolvers keep such answers for other /0 queries only (§7.3.1).
 */
function writeOpt(out: Buffer, offset: number, extendedRcode: number, query: ParsedQuery, scopePrefix: number): void {
  out[offset] = 0;
  out.writeUInt16BE(RRType.OPT, offset + 1);
  out.writeUInt16BE(SERVER_UDP_PAYLOAD, offset + 3);
  out[offset + 5] = extendedRcode;
  out[offset + 6] = 0;
  out.writeUInt16BE(query.dnssecOk ? OPT_DO_BIT : 0, offset + 7);
  if (!query.ecs) {
    out.writeUInt16BE(0, offset + 9);
    return;
  }
  const addressLength = query.ecsAddressLength;
  const maxScope = query.ecsFamily === EcsFamily.IPV4 ? 32 : 128;
  const scope = query.ecsSourcePrefix === 0 ? 0 : scopePrefix > maxScope ? maxScope : scopePrefix;
  out.writeUInt16BE(ECS_OPTION_FIXED_SIZE + addressLength, offset + 9);
  out.writeUInt16BE(OPTION_CODE_ECS, offset + 11);
  out.writeUInt16BE(4 + addressLength, offset + 13);
  out.writeUInt16BE(query.ecsFamily, offset + 15);
  out[offset + 17] = query.ecsSourcePrefix;
  out[offset + 18] = scope;
  const address = query.ecsAddress;
  for (let i = 0; i < addressLength; i++) out[offset + 19 + i] = address[i];
}
