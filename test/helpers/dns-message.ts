// Test-side DNS messages: a query builder that can also build the malformed queries a real client never sends,
// and a decoder (dns2's parser) that renders records in zone-file presentation form for readable assertions.

import { Packet } from 'dns2';

// dns2 3.1.1 reads an IPv6 ECS address 16 bits at a time, so an odd number of address octets (a /56 has 7)
// reads past the option and the whole message fails to decode. Without a decoder dns2 skips the option's body;
// decodeResponse reads ECS itself (`ecs`), from the bytes.
(Packet.Resource.EDNS.ECS as { decode?: unknown }).decode = undefined;

export interface QuerySpec {
  readonly name: string;
  readonly type: number;
  readonly id?: number;
  readonly qclass?: number;
  readonly rd?: boolean;
  readonly cd?: boolean;
  readonly qr?: boolean;
  readonly opcode?: number;
  /** Add an OPT record, with `options` (whole {code, length, data} options, e.g. ecsOption()) as its RDATA. */
  readonly edns?: { readonly udp?: number; readonly version?: number; readonly do?: boolean; readonly options?: Buffer };
}

/** Encodes the name exactly as given (keeping its case), unlike most encoders. */
export function encodeName(name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  for (const label of labels) parts.push(Buffer.from([label.length]), Buffer.from(label, 'latin1'));
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function buildQuery(spec: QuerySpec): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(spec.id ?? 0x1234, 0);
  header[2] = (spec.qr ? 0x80 : 0) | ((spec.opcode ?? 0) << 3) | ((spec.rd ?? true) ? 0x01 : 0);
  header[3] = spec.cd ? 0x10 : 0;
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(spec.edns ? 1 : 0, 10);
  const question = Buffer.alloc(4);
  question.writeUInt16BE(spec.type, 0);
  question.writeUInt16BE(spec.qclass ?? 1, 2);
  const parts = [header, encodeName(spec.name), question];
  if (spec.edns) parts.push(optRecord(spec.edns.udp ?? 1232, spec.edns.version ?? 0, spec.edns.do ?? false, spec.edns.options));
  return Buffer.concat(parts);
}

export function optRecord(udp: number, version: number, dnssecOk: boolean, rdata: Buffer = Buffer.alloc(0)): Buffer {
  const opt = Buffer.alloc(11 + rdata.length);
  opt[0] = 0;
  opt.writeUInt16BE(41, 1);
  opt.writeUInt16BE(udp, 3);
  opt[5] = 0;
  opt[6] = version;
  opt.writeUInt16BE(dnssecOk ? 0x8000 : 0, 7);
  opt.writeUInt16BE(rdata.length, 9);
  rdata.copy(opt, 11);
  return opt;
}

/**
 * An EDNS Client Subnet option (RFC 7871 §6), exactly as given: `address` is the ADDRESS octets sent, so a
 * malformed option (wrong length, bits past the prefix, any family) is as easy to build as a correct one.
 */
export function ecsOption(family: number, sourcePrefix: number, scopePrefix: number, address: readonly number[]): Buffer {
  const option = Buffer.alloc(8 + address.length);
  option.writeUInt16BE(8, 0);
  option.writeUInt16BE(4 + address.length, 2);
  option.writeUInt16BE(family, 4);
  option[6] = sourcePrefix;
  option[7] = scopePrefix;
  Buffer.from(address).copy(option, 8);
  return option;
}

/** The ECS option of a response, read from its bytes. */
export interface DecodedEcs {
  readonly family: number;
  readonly sourcePrefix: number;
  readonly scopePrefix: number;
  /** The ADDRESS octets as sent, zero-padded to the family's width and written as an address (192.0.2.0, 2001:db8::). */
  readonly address: string;
  /** How many ADDRESS octets the option carried. */
  readonly addressOctets: number;
  /** RDLENGTH of the OPT record that carries it. */
  readonly optRdlength: number;
}

export interface DecodedResponse {
  readonly id: number;
  /** Full rcode, including the EDNS extended bits. */
  readonly rcode: number;
  readonly flags: { readonly qr: boolean; readonly aa: boolean; readonly tc: boolean; readonly rd: boolean; readonly ra: boolean; readonly cd: boolean };
  readonly opcode: number;
  /** "name type" as sent back, case preserved. */
  readonly question: string[];
  readonly answer: string[];
  readonly authority: string[];
  /** Without the OPT record, which is reported in `opt`. */
  readonly additional: string[];
  readonly opt: { readonly udp: number; readonly version: number; readonly do: boolean; readonly extendedRcode: number } | undefined;
  /** The OPT record's ECS option, when it has one. */
  readonly ecs: DecodedEcs | undefined;
}

const TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  255: 'ANY',
  257: 'CAA',
  252: 'AXFR',
  251: 'IXFR',
};
export const typeName = (type: number) => TYPE_NAMES[type] ?? `TYPE${type}`;

interface Dns2Record {
  name: string;
  type: number;
  class: number;
  ttl: number;
  address?: string;
  domain?: string;
  ns?: string;
  data?: string[];
  primary?: string;
  admin?: string;
  serial?: number;
  refresh?: number;
  retry?: number;
  expiration?: number;
  minimum?: number;
  priority?: number;
  exchange?: string;
  weight?: number;
  port?: number;
  target?: string;
  flags?: number;
  tag?: string;
  value?: string;
  version?: number;
  doFlag?: boolean;
  extendedRcode?: number;
}

function present(record: Dns2Record): string {
  const owner = `${record.name}.`.replace(/^\.$/, '.');
  const type = typeName(record.type);
  let data: string;
  switch (record.type) {
    case 1:
    case 28:
      data = record.address ?? '';
      break;
    case 5:
      data = `${record.domain}.`;
      break;
    case 2:
      data = `${record.ns}.`;
      break;
    case 16:
      data = (record.data ?? []).map((s) => JSON.stringify(s)).join(' ');
      break;
    case 15:
      data = `${record.priority} ${record.exchange}.`;
      break;
    case 33:
      data = `${record.priority} ${record.weight} ${record.port} ${record.target}.`;
      break;
    case 257:
      data = `${record.flags} ${record.tag} ${JSON.stringify(record.value)}`;
      break;
    case 6:
      data = `${record.primary}. ${record.admin}. ${record.serial} ${record.refresh} ${record.retry} ${record.expiration} ${record.minimum}`;
      break;
    default:
      data = '?';
  }
  return `${owner} ${record.ttl} IN ${type} ${data}`;
}

export function decodeResponse(bytes: Buffer): DecodedResponse {
  const packet = Packet.parse(bytes) as unknown as {
    header: { id: number; qr: number; aa: number; tc: number; rd: number; ra: number; cd: number; rcode: number; opcode: number };
    questions: Array<{ name: string; type: number }>;
    answers: Dns2Record[];
    authorities: Dns2Record[];
    additionals: Dns2Record[];
    errors: unknown[];
  };
  if (packet.errors.length > 0) throw new Error(`response did not decode: ${String(packet.errors[0])}`);
  const opt = packet.additionals.find((r) => r.type === 41);
  const h = packet.header;
  return {
    id: h.id,
    rcode: h.rcode,
    opcode: h.opcode,
    flags: { qr: !!h.qr, aa: !!h.aa, tc: !!h.tc, rd: !!h.rd, ra: !!h.ra, cd: !!h.cd },
    question: packet.questions.map((q) => `${q.name}. ${typeName(q.type)}`),
    answer: packet.answers.map(present),
    authority: packet.authorities.map(present),
    additional: packet.additionals.filter((r) => r.type !== 41).map(present),
    opt: opt === undefined ? undefined : { udp: opt.class, version: opt.version ?? 0, do: !!opt.doFlag, extendedRcode: opt.extendedRcode ?? 0 },
    ecs: opt === undefined ? undefined : readEcs(bytes),
  };
}

/** Skips a possibly compressed name; the message has already decoded, so it is well formed. */
function skipName(bytes: Buffer, start: number): number {
  let offset = start;
  while (bytes[offset] !== 0) {
    if ((bytes[offset] & 0xc0) === 0xc0) return offset + 2;
    offset += bytes[offset] + 1;
  }
  return offset + 1;
}

/** Finds the OPT record and reads its ECS option, if any. */
function readEcs(bytes: Buffer): DecodedEcs | undefined {
  let offset = 12;
  for (let i = 0; i < bytes.readUInt16BE(4); i++) offset = skipName(bytes, offset) + 4;
  const records = bytes.readUInt16BE(6) + bytes.readUInt16BE(8) + bytes.readUInt16BE(10);
  for (let i = 0; i < records; i++) {
    offset = skipName(bytes, offset);
    const type = bytes.readUInt16BE(offset);
    const rdlength = bytes.readUInt16BE(offset + 8);
    const rdata = offset + 10;
    offset = rdata + rdlength;
    if (type !== 41) continue;
    for (let option = rdata; option < rdata + rdlength; option += 4 + bytes.readUInt16BE(option + 2)) {
      if (bytes.readUInt16BE(option) !== 8) continue;
      const family = bytes.readUInt16BE(option + 4);
      const addressOctets = bytes.readUInt16BE(option + 2) - 4;
      const padded = Buffer.alloc(family === 2 ? 16 : 4);
      bytes.copy(padded, 0, option + 8, option + 8 + addressOctets);
      const address =
        family === 2
          ? new URL(`http://[${Array.from({ length: 8 }, (_, k) => padded.readUInt16BE(2 * k).toString(16)).join(':')}]`).hostname.slice(1, -1)
          : [...padded].join('.');
      return { family, sourcePrefix: bytes[option + 6], scopePrefix: bytes[option + 7], address, addressOctets, optRdlength: rdlength };
    }
  }
  return undefined;
}
