// RRSIG records (RFC 4034 §3) over RRsets in canonical form (§6), signed with node:crypto: ECDSA P-256 with
// SHA-256 (RFC 6605, signatures as r || s) and Ed25519 (RFC 8080). Pure apart from the private key operation;
// the answer table calls this when it builds an answer, never per query.

import { sign as cryptoSign, verify as cryptoVerify, createPublicKey, type KeyObject } from 'node:crypto';

/** What signing needs of a key (keys.ts's ZoneKey has it). */
export interface SigningKey {
  readonly algorithm: 13 | 15;
  readonly keyTag: number;
  readonly privateKey: KeyObject;
}

/** A name in wire form, uncompressed and lowercase (canonical, RFC 4034 §6.2). "" is the root. */
export function nameWire(name: string): Buffer {
  if (name === '' || name === '.') return Buffer.from([0]);
  const labels = name.replace(/\.$/, '').toLowerCase().split('.');
  const out = Buffer.alloc(labels.reduce((n, l) => n + 1 + Buffer.byteLength(l, 'latin1'), 1));
  let offset = 0;
  for (const label of labels) {
    out[offset] = out.write(label, offset + 1, 'latin1');
    offset += 1 + out[offset];
  }
  out[offset] = 0;
  return out;
}

/** The RRSIG Labels field: the owner's labels, not counting the root nor a leading wildcard (RFC 4034 §3.1.3). */
export function labelCount(owner: string): number {
  const name = owner.replace(/\.$/, '');
  if (name === '') return 0;
  const labels = name.split('.');
  return labels[0] === '*' ? labels.length - 1 : labels.length;
}

/**
 * The RRset's RDATAs in canonical order (RFC 4034 §6.3: as unsigned octet strings, left-justified), duplicates
 * removed (§6.3: an RRset holds no two identical RRs).
 */
export function canonicalRdataOrder(rdatas: readonly Buffer[]): Buffer[] {
  const sorted = [...rdatas].sort((a, b) => Buffer.compare(a, b));
  return sorted.filter((rdata, i) => i === 0 || !rdata.equals(sorted[i - 1]));
}

export interface RrsigFields {
  readonly typeCovered: number;
  readonly algorithm: 13 | 15;
  readonly labels: number;
  readonly originalTtl: number;
  /** Seconds since the epoch (serial number arithmetic is for comparing, RFC 4034 §3.1.5). */
  readonly expiration: number;
  readonly inception: number;
  readonly keyTag: number;
  /** The zone apex, lowercase. */
  readonly signer: string;
}

/** RRSIG RDATA up to the Signature field (RFC 4034 §3.1): also the first part of what is signed (§3.1.8.1). */
export function rrsigHead(fields: RrsigFields): Buffer {
  const signer = nameWire(fields.signer);
  const head = Buffer.alloc(18 + signer.length);
  head.writeUInt16BE(fields.typeCovered, 0);
  head[2] = fields.algorithm;
  head[3] = fields.labels;
  head.writeUInt32BE(fields.originalTtl >>> 0, 4);
  head.writeUInt32BE(fields.expiration >>> 0, 8);
  head.writeUInt32BE(fields.inception >>> 0, 12);
  head.writeUInt16BE(fields.keyTag, 16);
  signer.copy(head, 18);
  return head;
}

/**
 * What is signed (RFC 4034 §3.1.8.1): the RRSIG head, then each RR of the set in canonical order as
 * owner | type | class IN | original TTL | RDLENGTH | RDATA, the owner in canonical form.
 */
export function signedData(head: Buffer, owner: string, type: number, ttl: number, rdatas: readonly Buffer[]): Buffer {
  const ownerWire = nameWire(owner);
  const parts: Buffer[] = [head];
  for (const rdata of canonicalRdataOrder(rdatas)) {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(ttl >>> 0, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    parts.push(ownerWire, fixed, rdata);
  }
  return Buffer.concat(parts);
}

function rawSignature(algorithm: 13 | 15, data: Buffer, key: KeyObject): Buffer {
  // ECDSA: the fixed-width r || s of RFC 6605 §4, not DER. Ed25519 takes no separate digest (RFC 8080 §4).
  return algorithm === 13 ? cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }) : cryptoSign(null, data, key);
}

/** The whole RRSIG RDATA over one RRset. */
export function signRRset(
  owner: string,
  type: number,
  ttl: number,
  rdatas: readonly Buffer[],
  key: SigningKey,
  signer: string,
  inception: number,
  expiration: number,
): Buffer {
  const head = rrsigHead({
    typeCovered: type,
    algorithm: key.algorithm,
    labels: labelCount(owner),
    originalTtl: ttl,
    expiration,
    inception,
    keyTag: key.keyTag,
    signer,
  });
  return Buffer.concat([head, rawSignature(key.algorithm, signedData(head, owner, type, ttl, rdatas), key.privateKey)]);
}

/** The public key of a DNSKEY RDATA (flags, protocol, algorithm, key) as a node KeyObject. */
export function publicKeyOf(dnskeyRdata: Buffer): KeyObject {
  const algorithm = dnskeyRdata[3];
  const key = dnskeyRdata.subarray(4);
  if (algorithm === 13)
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: key.subarray(0, 32).toString('base64url'), y: key.subarray(32, 64).toString('base64url') },
      format: 'jwk',
    });
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') }, format: 'jwk' });
}

/** Whether `rrsig` (its RDATA) is a valid signature of the RRset by the DNSKEY: for tests and self-checks. */
export function verifyRRset(owner: string, type: number, ttl: number, rdatas: readonly Buffer[], rrsig: Buffer, dnskeyRdata: Buffer): boolean {
  let signerEnd = 18;
  while (rrsig[signerEnd] !== 0) signerEnd += rrsig[signerEnd] + 1;
  const head = rrsig.subarray(0, signerEnd + 1);
  const signature = rrsig.subarray(signerEnd + 1);
  const data = signedData(head, owner, type, ttl, rdatas);
  const key = publicKeyOf(dnskeyRdata);
  return rrsig[2] === 13 ? cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature) : cryptoVerify(null, data, key, signature);
}
