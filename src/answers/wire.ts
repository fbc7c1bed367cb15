// Build-time encoding. dns2 turns records into wire bytes once, when the answer table is built; the query path
// only copies these bytes and patches a few of them (see src/dns/handler.ts).

import { Packet, type Question, type Resource } from 'dns2';
import { FLAG2_AA, FLAG2_QR, RRClass, RRType } from '../dns/constants.js';
import type { SoaConfig } from '../zone/model.js';

export type ResourceRecord =
  | { readonly name: string; readonly type: typeof RRType.A | typeof RRType.AAAA; readonly ttl: number; readonly address: string }
  | { readonly name: string; readonly type: typeof RRType.CNAME | typeof RRType.NS; readonly ttl: number; readonly target: string }
  | { readonly name: string; readonly type: typeof RRType.TXT; readonly ttl: number; readonly text: string }
  | { readonly name: string; readonly type: typeof RRType.SOA; readonly ttl: number; readonly soa: SoaConfig };

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

function toDns2(record: ResourceRecord): Record<string, unknown> {
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
  const packet = new Packet();
  packet.header.qr = 1;
  packet.header.aa = 1;
  packet.header.rcode = content.rcode;
  packet.questions.push({ name: qname, type: qtype, class: RRClass.IN } as unknown as Question);
  for (const record of content.answer) packet.answers.push(toDns2(record) as unknown as Resource);
  for (const record of content.authority) packet.authorities.push(toDns2(record) as unknown as Resource);
  for (const record of content.additional) packet.additionals.push(toDns2(record) as unknown as Resource);
  const bytes = packet.toBuffer();
  // Sanity: the flags the query path relies on are in place.
  if ((bytes[2]! & (FLAG2_QR | FLAG2_AA)) !== (FLAG2_QR | FLAG2_AA)) throw new Error('template header flags not set');
  return bytes;
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

/** Inverse of nameToKey, for logs and metrics. */
export function keyToName(key: string): string {
  const labels: string[] = [];
  let offset = 0;
  while (offset < key.length) {
    const length = key.charCodeAt(offset);
    if (length === 0) break;
    labels.push(key.slice(offset + 1, offset + 1 + length));
    offset += length + 1;
  }
  return labels.join('.');
}
