// Build-time encoding. dns2 turns records into wire bytes once, when the answer table is built; the query path
// only copies these bytes and patches a few of them (see src/dns/handler.ts).
//
// Names are compressed wherever RFC 1035 allows it (owners, and the names inside NS, CNAME, SOA and MX data,
// §4.1.4), but never the target of an SRV record: RFC 2782 forbids it, and a resolver may follow it literally.

import { Packet, type Question, type Resource, type Writer } from 'dns2';
import { FLAG2_AA, FLAG2_QR, RRClass, RRType } from '../base/wire.js';
import type { SoaConfig } from '../zone/model.js';
import { Errors } from '../base/errors.js';

export type ResourceRecord =
  | { readonly name: string; readonly type: typeof RRType.A | typeof RRType.AAAA; readonly ttl: number; readonly address: string }
  | { readonly name: string; readonly type: typeof RRType.CNAME | typeof RRType.NS; readonly ttl: number; readonly target: string }
  | { readonly name: string; readonly type: typeof RRType.TXT; readonly ttl: number; readonly text: string }
  /** exchange '' is the root name: a null MX (RFC 7505). */
  | { readonly name: string; readonly type: typeof RRType.MX; readonly ttl: number; readonly preference: number; readonly exchange: string }
  /** target '' is the root name: the service is not available (RFC 2782). */
  | {
      readonly name: string;
      readonly type: typeof RRType.SRV;
      readonly ttl: number;
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
    }
  | { readonly name: string; readonly type: typeof RRType.CAA; readonly ttl: number; readonly flags: number; readonly tag: string; readonly value: string }
  | { readonly name: string; readonly type: typeof RRType.SOA; readonly ttl: number; readonly soa: SoaConfig }
  /** DNSSEC records, whose RDATA is made elsewhere (src/dnssec) and written as is: no name in it is compressed. */
  | { readonly name: string; readonly type: RawType; readonly ttl: number; readonly rdata: Buffer };

/** The types written from ready-made RDATA. */
export type RawType =
  | typeof RRType.RRSIG
  | typeof RRType.NSEC
  | typeof RRType.NSEC3
  | typeof RRType.NSEC3PARAM
  | typeof RRType.DNSKEY
  | typeof RRType.DS
  | typeof RRType.CDS
  | typeof RRType.CDNSKEY;

function isRaw(record: ResourceRecord): record is Extract<ResourceRecord, { readonly rdata: Buffer }> {
  return 'rdata' in record;
}

export interface ResponseContent {
  readonly rcode: number;
  readonly answer: readonly ResourceRecord[];
  readonly authority: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
}

/** The character-strings of one TXT record: its text cut into pieces of at most 255 octets (RFC 1035 §3.3). */
export function txtCharacterStrings(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return [Buffer.alloc(0)];
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 255) pieces.push(bytes.subarray(offset, offset + 255));
  return pieces;
}

type Dns2Record = Exclude<ResourceRecord, { readonly type: typeof RRType.SRV } | { readonly rdata: Buffer }>;

function toDns2(record: Dns2Record): Record<string, unknown> {
  const base = { name: record.name, type: record.type, class: RRClass.IN, ttl: record.ttl };
  switch (record.type) {
    case RRType.A:
    case RRType.AAAA:
      return { ...base, address: record.address };
    case RRType.CNAME:
      return { ...base, domain: record.target };
    case RRType.NS:
      return { ...base, ns: record.target };
    case RRType.TXT:
      return { ...base, data: txtCharacterStrings(record.text) };
    case RRType.MX:
      // dns2 calls the preference "priority"; it compresses the exchange like any name it writes.
      return { ...base, priority: record.preference, exchange: record.exchange };
    case RRType.CAA:
      // Tags are ASCII (zone/static-records.ts), so dns2's tag length in characters is the length in octets.
      return { ...base, flags: record.flags, tag: record.tag, value: record.value };
    case RRType.SOA:
      return {
        ...base,
        primary: record.soa.mname,
        admin: record.soa.rname,
        serial: record.soa.serial,
        refresh: record.soa.refresh,
        retry: record.soa.retry,
        expiration: record.soa.expire,
        minimum: record.soa.minimum,
      };
  }
}

/**
 * A complete authoritative response to (qname, qtype, IN) with ID 0, RD clear and no OPT record. The query
 * path overwrites the ID, the RD/CD bits and the question (to echo the asker's case), and may append OPT.
 */
export function encodeResponseTemplate(qname: string, qtype: number, content: ResponseContent): Buffer {
  // What dns2's Packet.toBuffer does, record by record, so that SRV records can be written by encodeSrv.
  const writer = new Packet.Writer();
  // With this map on the writer, dns2 compresses every name it writes against the names before it.
  (writer as Writer & { names?: Map<string, number> }).names = new Map();
  new Packet.Header({
    qr: 1,
    aa: 1,
    rcode: content.rcode,
    qdcount: 1,
    ancount: content.answer.length,
    nscount: content.authority.length,
    arcount: content.additional.length,
  }).toBuffer(writer);
  Packet.Question.encode({ name: qname, type: qtype, class: RRClass.IN } as unknown as Question, writer);
  for (const record of [...content.answer, ...content.authority, ...content.additional]) {
    if (isRaw(record)) encodeRaw(record, writer);
    else if (record.type === RRType.SRV) encodeSrv(record, writer);
    else Packet.Resource.encode(toDns2(record) as unknown as Resource, writer);
  }
  const bytes = writer.toBuffer();
  // Sanity: the flags the query path relies on are in place.
  if ((bytes[2] & (FLAG2_QR | FLAG2_AA)) !== (FLAG2_QR | FLAG2_AA)) throw Errors.internal(['template header flags not set']);
  return bytes;
}

/**
 * One SRV record: the owner compressed as usual, the target written in full (RFC 2782: "name compression is not
 * to be used for this field"). dns2's own SRV encoder would compress it against the question.
 */
function encodeSrv(record: Extract<ResourceRecord, { readonly type: typeof RRType.SRV }>, writer: Writer): void {
  Packet.Name.encode(record.name, writer);
  // Encoded on a writer of its own, without a names map: no compression, and no later name points into it.
  const target = Packet.Name.encode(record.target);
  writer.write(RRType.SRV, 16);
  writer.write(RRClass.IN, 16);
  writer.write(record.ttl, 32);
  writer.write(6 + target.length, 16);
  writer.write(record.priority, 16);
  writer.write(record.weight, 16);
  writer.write(record.port, 16);
  for (const octet of target) writer.write(octet, 8);
}

/** A record with ready-made RDATA: the owner compressed as usual, the RDATA as it is. */
function encodeRaw(record: Extract<ResourceRecord, { readonly rdata: Buffer }>, writer: Writer): void {
  Packet.Name.encode(record.name, writer);
  writer.write(record.type, 16);
  writer.write(RRClass.IN, 16);
  writer.write(record.ttl, 32);
  writer.write(record.rdata.length, 16);
  for (const octet of record.rdata) writer.write(octet, 8);
}

/**
 * Records written whole, owners and all names uncompressed: bytes that can be spliced anywhere in a message
 * (the NSEC proofs and SOA signatures of negative answers, added per query).
 */
export function encodeStandalone(records: readonly ResourceRecord[]): Buffer {
  const writer = new Packet.Writer();
  for (const record of records) {
    if (isRaw(record)) encodeRaw(record, writer);
    else if (record.type === RRType.SRV) encodeSrv(record, writer);
    else Packet.Resource.encode(toDns2(record) as unknown as Resource, writer);
  }
  return writer.toBuffer();
}

/**
 * A record's RDATA in canonical form (RFC 4034 §6.2): uncompressed, the names in it lowercase. What is signed.
 * Zone names are lowercase already (the loader normalises them); the text of TXT and CAA keeps its case.
 */
export function canonicalRdata(record: ResourceRecord): Buffer {
  if (isRaw(record)) return record.rdata;
  const whole = encodeStandalone([{ ...record, name: '' }]);
  // The root owner (1 octet), then TYPE, CLASS, TTL (8) and RDLENGTH (2).
  return whole.subarray(11);
}

/**
 * The SOA record of a negative answer, minus its owner name: TYPE, CLASS, TTL, RDLENGTH and RDATA, with the
 * names inside RDATA written in full. The owner is added per query as a compression pointer to the zone apex
 * inside the echoed question, so one tail serves every name in the zone.
 */
export function encodeSoaTail(soa: SoaConfig, ttl: number): Buffer {
  const writer = new Packet.Writer();
  // No `names` map on the writer: dns2 then writes every name uncompressed, which the tail needs because it
  // is spliced into messages whose offsets differ.
  Packet.Resource.encode(toDns2({ name: '', type: RRType.SOA, ttl, soa }) as unknown as Resource, writer);
  const bytes = writer.toBuffer();
  return bytes.subarray(1); // drop the root owner name
}

/** "app.example.com" → "\x03app\x07example\x03com\x00" as a latin1 string: the table's key form. */
export function nameToKey(name: string): string {
  if (name === '') return '\0';
  let key = '';
  for (const label of name.toLowerCase().split('.')) key += String.fromCharCode(label.length) + label;
  return key + '\0';
}
