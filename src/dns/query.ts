// A single-pass reader for incoming queries. It reads only what answering needs (header, the one question,
// the OPT record) and never allocates more than the lookup key. Everything it cannot interpret is classified
// here, so the handler never meets an exception: a too-short message is dropped, anything else malformed is
// FORMERR (RFC 1035 §4.1.1), an EDNS version above 0 is BADVERS whatever the opcode (RFC 6891 §6.1.3) and
// another opcode is NOTIMP. An EDNS Client Subnet option (RFC 7871) is read into the same scratch object; a
// malformed one is FORMERR (§6, §7.2.1).

import { CLASSIC_UDP_SIZE, EcsFamily, HEADER_SIZE, OPT_DO_BIT, OPTION_CODE_ECS, RRType } from '../base/wire.js';

export const QueryStatus = {
  OK: 0,
  /** Not worth an answer: shorter than a header, or an error response (answering those can loop). */
  DROP: 1,
  FORMERR: 2,
  NOTIMP: 3,
  BADVERS: 4,
} as const;
export type QueryStatus = (typeof QueryStatus)[keyof typeof QueryStatus];

/** Mutable so one instance per listener can be reused for every query. */
export interface ParsedQuery {
  status: QueryStatus;
  /** Offset just past QTYPE and QCLASS, or 0 when there is no usable question to echo. */
  questionEnd: number;
  /** Length of the question name in wire form, including the root label. */
  qnameLength: number;
  qtype: number;
  qclass: number;
  /** The question name in wire form, ASCII-lowercased, as a latin1 string: the answer table's key. */
  key: string;
  edns: boolean;
  /** The requestor's UDP payload size (RFC 6891 §6.2.5: values below 512 count as 512). */
  udpPayload: number;
  ednsVersion: number;
  dnssecOk: boolean;
  /**
   * The query carried one well-formed EDNS Client Subnet option (RFC 7871 §6) in an OPT of version 0. Its
   * response must carry the option back (§7.2.1). The ecs* fields below mean something only when this is true.
   */
  ecs: boolean;
  /** ECS FAMILY: 1 for IPv4, 2 for IPv6 (EcsFamily). */
  ecsFamily: number;
  /** ECS SOURCE PREFIX-LENGTH: how many leading bits of ecsAddress the client gave. */
  ecsSourcePrefix: number;
  /**
   * ECS SCOPE PREFIX-LENGTH as sent. RFC 7871 §6 makes it 0 in queries, but says nothing a server must do
   * otherwise, so a nonzero value is kept here and otherwise ignored: the response carries our own scope.
   */
  ecsScopePrefix: number;
  /**
   * The ECS ADDRESS octets, zero-padded to 4 (IPv4) or 16 (IPv6). One 16-octet buffer per ParsedQuery, rewritten
   * by each query with ECS: copy what must outlive the next parseQuery.
   */
  readonly ecsAddress: Buffer;
  /** How many ADDRESS octets the option carried: ceil(ecsSourcePrefix / 8). The echo repeats exactly these. */
  ecsAddressLength: number;
  /**
   * The option names the client's network (ecs with a source prefix above 0): answers chosen per client use
   * ecsFamily, ecsAddress and ecsSourcePrefix. False, the client is the packet's source address: no option, or
   * SOURCE PREFIX-LENGTH 0, by which the client asks that its address not be used (RFC 7871 §7.1.2).
   */
  clientFromEcs: boolean;
}

export function newParsedQuery(): ParsedQuery {
  return {
    status: QueryStatus.DROP,
    questionEnd: 0,
    qnameLength: 0,
    qtype: 0,
    qclass: 0,
    key: '',
    edns: false,
    udpPayload: CLASSIC_UDP_SIZE,
    ednsVersion: 0,
    dnssecOk: false,
    ecs: false,
    ecsFamily: 0,
    ecsSourcePrefix: 0,
    ecsScopePrefix: 0,
    ecsAddress: Buffer.alloc(16),
    ecsAddressLength: 0,
    clientFromEcs: false,
  };
}

const MAX_NAME_WIRE_LENGTH = 255;

/** Parses `msg` into `out`. Never throws. */
export function parseQuery(msg: Buffer, out: ParsedQuery): void {
  out.questionEnd = 0;
  out.qnameLength = 0;
  out.qtype = 0;
  out.qclass = 0;
  out.key = '';
  out.edns = false;
  out.udpPayload = CLASSIC_UDP_SIZE;
  out.ednsVersion = 0;
  out.dnssecOk = false;
  out.ecs = false;
  out.ecsFamily = 0;
  out.ecsSourcePrefix = 0;
  out.ecsScopePrefix = 0;
  out.ecsAddressLength = 0;
  out.clientFromEcs = false;

  const length = msg.length;
  if (length < HEADER_SIZE) {
    out.status = QueryStatus.DROP;
    return;
  }
  const isResponse = (msg[2] & 0x80) !== 0;
  if (isResponse && (msg[3] & 0x0f) !== 0) {
    // An error response aimed at us. Answering it with FORMERR could start a ping-pong between two servers
    // when a source address is spoofed, so it is the one kind of header-complete message we drop.
    out.status = QueryStatus.DROP;
    return;
  }
  const opcode = (msg[2] >> 3) & 0x0f;
  const qdcount = (msg[4] << 8) | msg[5];
  const qnameEnd = qdcount === 1 ? readQuestionName(msg, HEADER_SIZE) : -1;
  if (qnameEnd > 0 && qnameEnd + 4 <= length) {
    out.qnameLength = qnameEnd - HEADER_SIZE;
    out.qtype = (msg[qnameEnd] << 8) | msg[qnameEnd + 1];
    out.qclass = (msg[qnameEnd + 2] << 8) | msg[qnameEnd + 3];
    out.questionEnd = qnameEnd + 4;
    out.key = asciiLowerKey(msg, HEADER_SIZE, qnameEnd);
  }

  // The OPT record is looked for before anything is rejected, so that error responses carry one too when the
  // query did (RFC 6891 §6.1.1). On the error paths only what it found matters, not the status.
  const recordsStart = out.questionEnd > 0 && qdcount === 1 ? out.questionEnd : skipQuestions(msg, qdcount);
  const records = recordsStart < 0 ? QueryStatus.FORMERR : readRecords(msg, recordsStart, out);

  if (isResponse) {
    out.status = QueryStatus.FORMERR;
    return;
  }
  if (records === QueryStatus.BADVERS) {
    // The version decides how the rest of the message is to be read, so it is checked before the opcode and
    // the question (RFC 6891 §6.1.3). A response is not a request, so it has no version to negotiate.
    out.status = QueryStatus.BADVERS;
    return;
  }
  if (opcode !== 0) {
    out.status = QueryStatus.NOTIMP;
    return;
  }
  if (out.questionEnd === 0) {
    out.status = QueryStatus.FORMERR;
    return;
  }
  if (out.qtype === RRType.OPT) {
    // OPT is a pseudo-type that only lives in the additional section (RFC 6891 §6.1.1).
    out.status = QueryStatus.FORMERR;
    return;
  }
  out.status = records;
}

/** Scratch for asciiLowerKey; a question name is at most 255 octets. */
const keyScratch = Buffer.alloc(MAX_NAME_WIRE_LENGTH);

/**
 * The name as a latin1 string with only A–Z folded (RFC 4343 §3). String toLowerCase would also fold latin1
 * letters 0xC0–0xDE, making names that differ in those octets equal. Length octets are at most 63, below 'A'.
 */
function asciiLowerKey(msg: Buffer, start: number, end: number): string {
  const length = end - start;
  for (let index = 0; index < length; index++) {
    const octet = msg[start + index];
    keyScratch[index] = octet >= 0x41 && octet <= 0x5a ? octet | 0x20 : octet;
  }
  return keyScratch.toString('latin1', 0, length);
}

/**
 * Reads the first question's name. The only question of a query cannot legally hold a compression pointer
 * (nothing precedes it to point at), so a pointer is as malformed as a label that runs past the end.
 * Returns the offset just past the name, or -1.
 */
function readQuestionName(msg: Buffer, start: number): number {
  const length = msg.length;
  let offset = start;
  for (;;) {
    if (offset >= length) return -1;
    const labelLength = msg[offset];
    if (labelLength === 0) {
      offset += 1;
      return offset - start > MAX_NAME_WIRE_LENGTH ? -1 : offset;
    }
    if (labelLength > 63) return -1;
    offset += labelLength + 1;
    if (offset - start > MAX_NAME_WIRE_LENGTH) return -1;
  }
}

/** Skips a possibly compressed name in a resource record. Returns the offset past it, or -1. */
function skipName(msg: Buffer, start: number): number {
  const length = msg.length;
  let offset = start;
  for (;;) {
    if (offset >= length) return -1;
    const labelLength = msg[offset];
    if (labelLength === 0) return offset + 1;
    if ((labelLength & 0xc0) === 0xc0) return offset + 2 <= length ? offset + 2 : -1;
    if (labelLength > 63) return -1;
    offset += labelLength + 1;
    if (offset - start > MAX_NAME_WIRE_LENGTH) return -1;
  }
}

/**
 * Skips `count` questions from the header on, for messages whose question was not read (QDCOUNT other than 1,
 * or a malformed name), so their OPT can still be found. Returns the offset past them, or -1.
 */
function skipQuestions(msg: Buffer, count: number): number {
  let offset = HEADER_SIZE;
  for (let index = 0; index < count; index++) {
    offset = skipName(msg, offset);
    if (offset < 0 || offset + 4 > msg.length) return -1;
    offset += 4;
  }
  return offset;
}

/** Walks the answer, authority and additional sections to find the OPT record (RFC 6891 §6.1.1). */
function readRecords(msg: Buffer, start: number, out: ParsedQuery): QueryStatus {
  const length = msg.length;
  const ancount = (msg[6] << 8) | msg[7];
  const nscount = (msg[8] << 8) | msg[9];
  const arcount = (msg[10] << 8) | msg[11];
  const total = ancount + nscount + arcount;
  let offset = start;
  for (let index = 0; index < total; index++) {
    const nameStart = offset;
    offset = skipName(msg, offset);
    if (offset < 0 || offset + 10 > length) return QueryStatus.FORMERR;
    const type = (msg[offset] << 8) | msg[offset + 1];
    const rdlength = (msg[offset + 8] << 8) | msg[offset + 9];
    const rdataStart = offset + 10;
    if (rdataStart + rdlength > length) return QueryStatus.FORMERR;
    if (type === RRType.OPT) {
      const inAdditional = index >= ancount + nscount;
      // Exactly one OPT, owned by the root, in the additional section.
      if (!inAdditional || out.edns || offset !== nameStart + 1 || msg[nameStart] !== 0) {
        return QueryStatus.FORMERR;
      }
      out.edns = true;
      const payload = (msg[offset + 2] << 8) | msg[offset + 3];
      out.udpPayload = payload < CLASSIC_UDP_SIZE ? CLASSIC_UDP_SIZE : payload;
      out.ednsVersion = msg[offset + 5];
      out.dnssecOk = (((msg[offset + 6] << 8) | msg[offset + 7]) & OPT_DO_BIT) !== 0;
      if (!readOptions(msg, rdataStart, rdataStart + rdlength, out)) return QueryStatus.FORMERR;
    }
    offset = rdataStart + rdlength;
  }
  return out.edns && out.ednsVersion > 0 ? QueryStatus.BADVERS : QueryStatus.OK;
}

/**
 * OPT RDATA is a sequence of {code, length, data}; one that overruns RDATA is malformed (RFC 6891 §6.1.2). Of
 * the options only ECS is interpreted, and only in version 0: another version may define options differently
 * (the query is BADVERS then). Returns false for FORMERR.
 */
function readOptions(msg: Buffer, start: number, end: number, out: ParsedQuery): boolean {
  const interpret = out.ednsVersion === 0;
  let offset = start;
  while (offset < end) {
    if (offset + 4 > end) return false;
    const code = (msg[offset] << 8) | msg[offset + 1];
    const optionLength = (msg[offset + 2] << 8) | msg[offset + 3];
    const dataStart = offset + 4;
    offset = dataStart + optionLength;
    if (offset > end) return false;
    if (code === OPTION_CODE_ECS && interpret) {
      if (out.ecs) {
        // RFC 7871 has no rule for a second ECS option. Which address and which echo would be a matter of
        // order, and options mean the same in any order (RFC 6891 §6.1.2), so it is a wrongly formatted query.
        out.ecs = false;
        out.clientFromEcs = false;
        return false;
      }
      if (!readClientSubnet(msg, dataStart, optionLength, out)) return false;
    }
  }
  return true;
}

/**
 * Reads an ECS option's data (RFC 7871 §6) into `out`; returns false, leaving `out.ecs` false, when it is
 * malformed. §7.2.1 requires FORMERR for a wrongly formatted option such as an unknown FAMILY, and §6 asks
 * for it when ADDRESS has too few or too many octets or nonzero bits beyond SOURCE PREFIX-LENGTH; a source
 * prefix longer than the family's address cannot be read at all.
 */
function readClientSubnet(msg: Buffer, start: number, length: number, out: ParsedQuery): boolean {
  if (length < 4) return false;
  const family = (msg[start] << 8) | msg[start + 1];
  const sourcePrefix = msg[start + 2];
  const addressBits = family === EcsFamily.IPV4 ? 32 : family === EcsFamily.IPV6 ? 128 : 0;
  if (addressBits === 0 || sourcePrefix > addressBits) return false;
  const addressLength = length - 4;
  if (addressLength !== (sourcePrefix + 7) >> 3) return false;
  const addressStart = start + 4;
  const spareBits = addressLength * 8 - sourcePrefix;
  if (spareBits > 0 && (msg[addressStart + addressLength - 1] & ((1 << spareBits) - 1)) !== 0) return false;
  // Byte loops, not copy() and fill(): for at most 16 octets they cost a fraction of a native call.
  const address = out.ecsAddress;
  for (let i = 0; i < addressLength; i++) address[i] = msg[addressStart + i];
  for (let i = addressLength; i < 16; i++) address[i] = 0;
  out.ecs = true;
  out.ecsFamily = family;
  out.ecsSourcePrefix = sourcePrefix;
  out.ecsScopePrefix = msg[start + 3];
  out.ecsAddressLength = addressLength;
  out.clientFromEcs = sourcePrefix > 0;
  return true;
}
