// Reads a DNS message's records for DNSSEC checks: owners and the names inside RDATA expanded from compression
// and lowercased, so each RDATA comes out in canonical form (RFC 4034 §6.2) and signatures can be verified over
// it. Written here rather than taken from dns2, whose parser does not know RRSIG, NSEC or DNSKEY.

import { nameWire } from '../../src/dnssec/sign.js';

export interface WireRecord {
  readonly owner: string;
  readonly type: number;
  readonly ttl: number;
  /** Canonical: names uncompressed and lowercase. */
  readonly rdata: Buffer;
}

export interface WireMessage {
  readonly rcode: number;
  readonly flags: { readonly aa: boolean; readonly tc: boolean; readonly ad: boolean };
  readonly answer: readonly WireRecord[];
  readonly authority: readonly WireRecord[];
  readonly additional: readonly WireRecord[];
}

/** The name at `offset` (following pointers), and where the name ends in the message itself. */
function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let end = -1;
  let at = offset;
  for (let hops = 0; hops < 128; hops++) {
    const length = msg[at];
    if ((length & 0xc0) === 0xc0) {
      if (end < 0) end = at + 2;
      at = ((length & 0x3f) << 8) | msg[at + 1];
      continue;
    }
    if (length === 0) return { name: labels.join('.').toLowerCase(), end: end < 0 ? at + 1 : end };
    labels.push(msg.toString('latin1', at + 1, at + 1 + length));
    at += 1 + length;
  }
  throw new Error('name loop');
}

/** RDATA with its embedded names expanded (NS, CNAME, SOA, MX, NSEC next name, RRSIG signer). */
function canonicalRdata(msg: Buffer, type: number, start: number, length: number): Buffer {
  const raw = msg.subarray(start, start + length);
  switch (type) {
    case 2:
    case 5:
      return nameWire(readName(msg, start).name);
    case 6: {
      const mname = readName(msg, start);
      const rname = readName(msg, mname.end);
      return Buffer.concat([nameWire(mname.name), nameWire(rname.name), msg.subarray(rname.end, start + length)]);
    }
    case 15:
      return Buffer.concat([raw.subarray(0, 2), nameWire(readName(msg, start + 2).name)]);
    default:
      return Buffer.from(raw);
  }
}

export function readMessage(msg: Buffer): WireMessage {
  const counts = [msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)];
  let at = 12;
  for (let q = 0; q < counts[0]; q++) at = readName(msg, at).end + 4;
  const sections: WireRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let r = 0; r < counts[s + 1]; r++) {
      const owner = readName(msg, at);
      at = owner.end;
      const type = msg.readUInt16BE(at);
      const ttl = msg.readUInt32BE(at + 4);
      const length = msg.readUInt16BE(at + 8);
      at += 10;
      if (type !== 41) sections[s].push({ owner: owner.name, type, ttl, rdata: canonicalRdata(msg, type, at, length) });
      at += length;
    }
  }
  return {
    rcode: msg[3] & 0x0f,
    flags: { aa: (msg[2] & 0x04) !== 0, tc: (msg[2] & 0x02) !== 0, ad: (msg[3] & 0x20) !== 0 },
    answer: sections[0],
    authority: sections[1],
    additional: sections[2],
  };
}

/** The types an NSEC RDATA's bitmap lists, and its next owner name. */
export function readNsec(rdata: Buffer): { next: string; types: number[] } {
  const next = readName(rdata, 0);
  const types: number[] = [];
  for (let at = next.end; at < rdata.length;) {
    const window = rdata[at];
    const length = rdata[at + 1];
    for (let i = 0; i < length; i++) for (let bit = 0; bit < 8; bit++) if (rdata[at + 2 + i] & (0x80 >> bit)) types.push(window * 256 + i * 8 + bit);
    at += 2 + length;
  }
  return { next: next.name, types };
}

/** The fields of an RRSIG RDATA that the tests look at. */
export function readRrsig(rdata: Buffer): {
  typeCovered: number;
  algorithm: number;
  labels: number;
  originalTtl: number;
  expiration: number;
  inception: number;
  keyTag: number;
  signer: string;
} {
  return {
    typeCovered: rdata.readUInt16BE(0),
    algorithm: rdata[2],
    labels: rdata[3],
    originalTtl: rdata.readUInt32BE(4),
    expiration: rdata.readUInt32BE(8),
    inception: rdata.readUInt32BE(12),
    keyTag: rdata.readUInt16BE(16),
    signer: readName(rdata, 18).name,
  };
}
