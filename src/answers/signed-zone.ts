// Signing a zone as the answer table builds it (issue 19): which names the denial chain has and in what order
// (NSEC: canonical order; NSEC3: hash order), the apex RRsets signing adds, each RRset followed by its RRSIGs,
// and each owner's NSEC or NSEC3 written whole for negative answers. The signatures come from the RRsetSigning
// port (src/dnssec/zone-signer.ts implements it), which caches them: nothing here signs per query.

import { canonicalSortKey, nsecRdata } from '../dnssec/nsec.js';
import { base32hex, nsec3Hash, nsec3ParamRdata, nsec3Rdata } from '../dnssec/nsec3.js';
import { dsRdata, keyTagOf } from '../dnssec/keys.js';
import { RRType } from '../base/wire.js';
import type { ZoneConfig } from '../zone/model.js';
import type { NsecChain, RecordBlock, ZoneDnssec } from './table.js';
import { canonicalRdata, encodeStandalone, nameToKey, type ResourceRecord } from './wire.js';

/**
 * What signs a zone's RRsets (issue 19; src/dnssec/zone-signer.ts's ZoneSigner): RRSIG RDATAs over one RRset in
 * canonical form, and the DNSKEYs a zone publishes. A zone is signed when its file asks for it (`dnssec:`) and
 * this has signing keys for it.
 */
export interface RRsetSigning {
  keysOf(zone: string): SigningKeys | undefined;
  sign(keys: SigningKeys, zone: string, owner: string, type: number, ttl: number, rdatas: readonly Buffer[], timing: SignatureTiming): readonly Buffer[];
  /** Whether signatures expiring at `expiration` (seconds since the epoch) are due to be made again. */
  needsRefresh(expiration: number, timing: SignatureTiming): boolean;
}

export interface SigningKeys {
  readonly dnskeys: readonly Buffer[];
  readonly signing: readonly unknown[];
  /** Equal fingerprints are the same keys (ZoneKeySet.fingerprint). */
  readonly fingerprint: string;
}

export interface SignatureTiming {
  readonly validityMs: number;
  readonly refreshMs: number;
}

/** What the builder knows of a signed zone's signatures: for /status and the expiry metric. */
export interface ZoneSignatures {
  readonly zone: string;
  readonly keys: SigningKeys;
  /** The earliest expiration among the signatures the zone's answers carry, seconds since the epoch. */
  readonly earliestExpiration: number | undefined;
}

/** A signed zone's signing state while it is built. */
export interface ZoneSigning {
  readonly zone: string;
  readonly signer: RRsetSigning;
  /** The keys the zone was built with: its DNSKEY RRset and every signature agree on them until it is built again. */
  readonly keys: SigningKeys;
  /** Seconds since the epoch; the earliest expiration of any signature handed out for the zone. */
  earliestExpiration: number | undefined;
  readonly timing: { validityMs: number; refreshMs: number };
  /** NSEC owners in canonical order (NSEC3: in hash order), and each one's place. */
  readonly owners: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** NSEC3: each owner's hash. */
  readonly hashes: ReadonlyMap<string, Buffer>;
  readonly dnssec: ZoneDnssec;
}

/** The served zones right below a zone: those with no other served zone between (`children` are all below it). */
export function directChildren(children: readonly string[]): string[] {
  return children.filter((child) => !children.some((other) => other !== child && child.endsWith(`.${other}`)));
}

/** What zoneSigning reads of a zone being built: its names, and which hold data or name a record. */
export interface ZoneNames {
  readonly config: ZoneConfig;
  /** Every name of the zone, empty non-terminals included, with whether it holds data or is a record's name. */
  readonly names: ReadonlyArray<{ readonly name: string; readonly owner: boolean }>;
  /** The served zones below this one. */
  readonly children: readonly string[];
}

/**
 * The signing state of a zone whose file asks for signing and whose keys the signer has, and the RRsets its apex
 * gains: DNSKEY, CDS and CDNSKEY, and NSEC3PARAM with NSEC3. The chain's order is fixed for the life of this state
 * (health changes a name's types, never which names exist); proofs are filled as names are encoded.
 */
export function zoneSigning(zone: ZoneNames, signer: RRsetSigning | undefined): { signing: ZoneSigning; apex: ResourceRecord[][] } | undefined {
  const config = zone.config;
  const keys = config.dnssec === undefined ? undefined : signer?.keysOf(config.zone);
  if (config.dnssec === undefined || signer === undefined || keys === undefined || keys.signing.length === 0) return undefined;
  const apexName = config.zone;
  const ttl = config.ttl;
  const apex: ResourceRecord[][] = [keys.dnskeys.map((rdata) => ({ name: apexName, type: RRType.DNSKEY, ttl, rdata }))];
  // CDS and CDNSKEY (RFC 7344, RFC 8078): the DS the parent should have, for parents that pick it up themselves.
  const published = delegationKeys(keys);
  apex.push(published.map((rdata) => ({ name: apexName, type: RRType.CDS, ttl, rdata: dsRdata(apexName, rdata) })));
  apex.push(published.map((rdata) => ({ name: apexName, type: RRType.CDNSKEY, ttl, rdata })));
  const denial = config.dnssec.denial;
  if (denial === 'nsec3') apex.push([{ name: apexName, type: RRType.NSEC3PARAM, ttl, rdata: nsec3ParamRdata() }]);
  // Owners: every name that holds data or is a record's name (a balanced record whose targets are all gone still
  // exists); empty non-terminals have no NSEC (RFC 4035 §2.3) but do have an NSEC3 (RFC 5155 §7.1).
  // And the apexes of served child zones: the parent's side of each cut has NS (and DS), so it has one too.
  const hashes = new Map<string, Buffer>();
  const owners = [...zone.names.filter((n) => denial === 'nsec3' || n.owner).map((n) => n.name), ...directChildren(zone.children)]
    .map((name) => {
      if (denial === 'nsec') return { name, sortKey: canonicalSortKey(nameToKey(name)) };
      const hash = nsec3Hash(nameToKey(name));
      hashes.set(name, hash);
      return { name, sortKey: hash.toString('hex') };
    })
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  const chain: NsecChain = { sortKeys: owners.map((o) => o.sortKey), proofs: new Array<RecordBlock | undefined>(owners.length) };
  const signing: ZoneSigning = {
    zone: config.zone,
    signer,
    keys,
    earliestExpiration: undefined,
    timing: { validityMs: config.dnssec.validityMs, refreshMs: config.dnssec.refreshMs },
    owners: owners.map((o) => o.name),
    indexOf: new Map(owners.map((o, i) => [o.name, i])),
    hashes,
    dnssec: { denial, chain, soaSignatures: { bytes: Buffer.alloc(0), count: 0 } },
  };
  signing.dnssec.soaSignatures = soaSignaturesOf(signing, config);
  return { signing, apex };
}

/**
 * The DNSKEYs a DS for the zone should name, in the parent (served here too) and in CDS/CDNSKEY: the active
 * KSKs, or every active key when none is a KSK. A key that does not sign cannot be the one a validator starts
 * from. A KSK added for a rollover appears once it signs, and the one retired goes with its Inactive time: the
 * double-DS rollover, done by the parent.
 */
export function delegationKeys(keys: SigningKeys): Buffer[] {
  const active = new Set((keys.signing as readonly { keyTag: number; algorithm: number }[]).map((k) => `${k.algorithm}/${k.keyTag}`));
  const activeKeys = keys.dnskeys.filter((rdata) => active.has(`${rdata[3]}/${keyTagOf(rdata)}`));
  const activeKsks = activeKeys.filter((rdata) => rdata.readUInt16BE(0) === 257);
  return activeKsks.length > 0 ? activeKsks : activeKeys;
}

/** The SOA's RRSIGs as negative answers carry them, written whole. */
export function soaSignaturesOf(signing: ZoneSigning, zone: ZoneConfig): RecordBlock {
  const soa: ResourceRecord = { name: zone.zone, type: RRType.SOA, ttl: negativeTtl(zone), soa: zone.soa };
  const signatures = signRecords(signing, [soa]).slice(1);
  return { bytes: encodeStandalone(signatures), count: signatures.length };
}

/** Each RRset of `records` (runs of one owner and type) followed by its RRSIGs. */
export function signRecords(signing: ZoneSigning, records: readonly ResourceRecord[]): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (let i = 0; i < records.length;) {
    let end = i + 1;
    while (end < records.length && records[end].name === records[i].name && records[end].type === records[i].type) end++;
    const rrset = records.slice(i, end);
    const { name, type, ttl } = rrset[0];
    out.push(...rrset);
    for (const rdata of signing.signer.sign(signing.keys, signing.zone, name, type, ttl, rrset.map(canonicalRdata), signing.timing)) {
      out.push({ name, type: RRType.RRSIG, ttl, rdata });
      // RRSIG RDATA: the Signature Expiration is at octet 8 (RFC 4034 §3.1).
      const expiration = rdata.readUInt32BE(8);
      if (signing.earliestExpiration === undefined || expiration < signing.earliestExpiration) signing.earliestExpiration = expiration;
    }
    i = end;
  }
  return out;
}

/**
 * A name's NSEC record (its types, then RRSIG and NSEC: RFC 4034 §4.1.2) with its signatures, written whole
 * into the chain for negative answers; and the NSEC RRset itself, for NSEC queries. Undefined for an empty
 * non-terminal.
 */
export function encodeNsec(signing: ZoneSigning, name: string, types: Iterable<number>, ttl: number): ResourceRecord | undefined {
  const index = signing.indexOf.get(name);
  if (index === undefined) return undefined;
  const next = signing.owners[(index + 1) % signing.owners.length];
  if (signing.dnssec.denial === 'nsec3') {
    // RFC 5155 §3.2: the types at the original name, RRSIG among them when any is signed; none for an empty
    // non-terminal. The owner is the hash in base32hex under the zone.
    const own = [...new Set([...types].filter((t) => t !== RRType.ANY))];
    // An insecure delegation's NS is not signed: no RRSIG bit for it alone.
    const unsigned = own.length === 0 || (own.length === 1 && own[0] === RRType.NS);
    const present = (unsigned ? own : [...own, RRType.RRSIG]).sort((a, b) => a - b);
    const owner = `${base32hex(signing.hashes.get(name)!)}.${signing.zone}`;
    const nsec3: ResourceRecord = { name: owner, type: RRType.NSEC3, ttl, rdata: nsec3Rdata(signing.hashes.get(next)!, present) };
    const signed = signRecords(signing, [nsec3]);
    signing.dnssec.chain.proofs[index] = { bytes: encodeStandalone(signed), count: signed.length };
    return nsec3;
  }
  const present = [...new Set([...types].filter((t) => t !== RRType.ANY)), RRType.RRSIG, RRType.NSEC].sort((a, b) => a - b);
  const nsec: ResourceRecord = { name, type: RRType.NSEC, ttl, rdata: nsecRdata(next, [...new Set(present)]) };
  const signed = signRecords(signing, [nsec]);
  signing.dnssec.chain.proofs[index] = { bytes: encodeStandalone(signed), count: signed.length };
  return nsec;
}

export function negativeTtl(zone: ZoneConfig): number {
  return Math.min(zone.ttl, zone.soa.minimum);
}
