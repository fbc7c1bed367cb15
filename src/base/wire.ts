// Wire constants from RFC 1035 §3.2 and §4.1, RFC 6891 and RFC 8482. Plain numbers, so the query path
// compares integers and never looks anything up by name.

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  // DNSSEC (RFC 4034, 5155, 7344): the types Meridian signs with and answers.
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  NSEC3PARAM: 51,
  CDS: 59,
  CDNSKEY: 60,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;

export const RRClass = {
  IN: 1,
  ANY: 255,
} as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended rcode 16 (RFC 6891 §9): carried as 1 in the OPT TTL's high byte, 0 in the header. */
  BADVERS: 16,
} as const;

export const HEADER_SIZE = 12;
/** The largest DNS message: what TCP's two-octet length prefix can frame (RFC 1035 §4.2.2). */
export const MAX_MESSAGE_SIZE = 65_535;
/** Classic DNS over UDP without EDNS (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;
/** The payload size Meridian advertises and honours at most: the DNS Flag Day 2020 value, safe from fragmentation. */
export const SERVER_UDP_PAYLOAD = 1232;
/** Size of the OPT pseudo-record Meridian writes: root name, type, class, TTL, RDLENGTH 0. */
export const OPT_RECORD_SIZE = 11;
/**
 * Wire octets left for one RRset of static data (and for the additional records an answer adds after it): an
 * answer carries an RRset whole and must fit in one DNS message (65,535 octets, the TCP length prefix). Sound
 * for any question that reaches the RRset: a 12-octet header, a question for the longest name (255 + 4), a CNAME
 * chain chased into it (at most 8, build.ts MAX_CHASE, each at most 255 + 10 + 255 uncompressed) and our OPT record.
 * An echoed ECS option (up to 24 more octets) is not reserved here: the handler trims glue or truncates the few
 * answers it would push past a message, rather than lower this bound for every zone.
 */
export const MAX_RRSET_OCTETS = 65_535 - 12 - (255 + 4) - 8 * (255 + 10 + 255) - OPT_RECORD_SIZE;

// Header byte 2: QR(1) OPCODE(4) AA(1) TC(1) RD(1). Byte 3: RA(1) Z(1) AD(1) CD(1) RCODE(4).
export const FLAG2_QR = 0x80;
export const FLAG2_AA = 0x04;
export const FLAG2_TC = 0x02;
export const FLAG2_RD = 0x01;
export const FLAG3_CD = 0x10;
/** The DO bit (RFC 3225) sits in the high byte of the OPT TTL's lower 16 bits. */
export const OPT_DO_BIT = 0x8000;

/** EDNS option code of EDNS Client Subnet (RFC 7871 §6). */
export const OPTION_CODE_ECS = 8;
/** ECS FAMILY values: IANA address family numbers (RFC 7871 §6). */
export const EcsFamily = {
  IPV4: 1,
  IPV6: 2,
} as const;
/** An ECS option without its address: OPTION-CODE, OPTION-LENGTH, FAMILY, SOURCE and SCOPE PREFIX-LENGTH. */
export const ECS_OPTION_FIXED_SIZE = 8;
