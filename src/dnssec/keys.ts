// DNSSEC zone keys in the files BIND's dnssec-keygen (and ldns-keygen) write: K<zone>.+<alg>+<tag>.key holds the
// DNSKEY record, .private the private key and its timing metadata. Pure text and bytes: reading the files is
// key-directory.ts's. Only the two algorithms worth signing with today are read (RFC 8624): 13, ECDSA P-256 with
// SHA-256 (RFC 6605), and 15, Ed25519 (RFC 8080). No message ever quotes a private key.

import { createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Errors } from '../base/errors.js';
import { nameProblem, normaliseName } from '../base/names.js';

export type DnssecAlgorithmName = 'ecdsap256sha256' | 'ed25519';
type DnssecAlgorithm = 13 | 15;

export const DNSSEC_ALGORITHMS: Readonly<Record<DnssecAlgorithmName, DnssecAlgorithm>> = Object.freeze({ ecdsap256sha256: 13, ed25519: 15 });

/** Mnemonics (RFC 8624 §3.1) for the messages, and to read an algorithm written by name. */
const ALGORITHM_MNEMONICS: Readonly<Record<number, string>> = {
  1: 'RSAMD5',
  3: 'DSA',
  5: 'RSASHA1',
  6: 'DSA-NSEC3-SHA1',
  7: 'RSASHA1-NSEC3-SHA1',
  8: 'RSASHA256',
  10: 'RSASHA512',
  12: 'ECC-GOST',
  13: 'ECDSAP256SHA256',
  14: 'ECDSAP384SHA384',
  15: 'ED25519',
  16: 'ED448',
};

/** An algorithm number's mnemonic ("ECDSAP256SHA256"), or the number itself when it has none: for messages and /status. */
export function algorithmMnemonic(algorithm: number): string {
  return ALGORITHM_MNEMONICS[algorithm] ?? String(algorithm);
}

/** Octets of the public key in a DNSKEY: P-256 is the point X || Y (RFC 6605 §4), Ed25519 the key itself (RFC 8080 §3). */
const PUBLIC_KEY_OCTETS: Readonly<Record<DnssecAlgorithm, number>> = { 13: 64, 15: 32 };
const PRIVATE_KEY_OCTETS = 32;

export const ZONE_KEY_FLAGS = 256;
/** Zone key with the Secure Entry Point bit: the key a DS in the parent points at (RFC 4034 §2.1.1). */
export const KSK_FLAGS = 257;
const DNSKEY_PROTOCOL = 3;
const DS_DIGEST_SHA256 = 2;

export interface ZoneKey {
  /** Lowercase, no trailing dot ("gslb.example.com"). */
  readonly zone: string;
  readonly algorithm: DnssecAlgorithm;
  /** 256 (ZSK) or 257 (KSK/SEP). */
  readonly flags: number;
  /** RFC 4034 Appendix B. */
  readonly keyTag: number;
  /** flags(2) | protocol 3 | algorithm | public key (P-256: 64 octets X||Y; Ed25519: 32 octets). */
  readonly dnskeyRdata: Buffer;
  /** Undefined when there is no .private (a key kept offline, such as a KSK whose DNSKEY is only published). */
  readonly privateKey: KeyObject | undefined;
  /** The DNSKEY is published now: Publish <= now < Delete (each unset: no bound). */
  readonly published: boolean;
  /** Signs now: has a private key, is published, and Activate <= now < Inactive (each unset: no bound). */
  readonly active: boolean;
  /** Basename of the .key file, for messages. */
  readonly file: string;
}

/** The timing metadata dnssec-keygen and dnssec-settime write (BIND's "Key timing metadata"). */
interface KeyTiming {
  readonly publish?: Date;
  readonly activate?: Date;
  readonly inactive?: Date;
  readonly delete?: Date;
}

const TIMING_FIELDS = { Publish: 'publish', Activate: 'activate', Inactive: 'inactive', Delete: 'delete' } as const;
type TimingField = keyof typeof TIMING_FIELDS;

/** K<zone>.+<alg>+<tag> with the zone's trailing dot, as dnssec-keygen names its files. */
const KEY_FILE_NAME = /^K(.+)\.\+(\d{3})\+(\d{5})\.key$/;

export interface KeyFileName {
  /** Lowercase, no trailing dot. */
  readonly zone: string;
  readonly algorithm: number;
  readonly keyTag: number;
}

/** What a .key file's name says, or undefined when it is not K<zone>.+NNN+TTTTT.key. */
export function parseKeyFileName(file: string): KeyFileName | undefined {
  const match = KEY_FILE_NAME.exec(file);
  if (match === null) return undefined;
  return { zone: normaliseName(match[1]), algorithm: Number(match[2]), keyTag: Number(match[3]) };
}

/** dnssec-keygen's basename for a key: "Kgslb.example.com.+013+05236". */
export function keyBasename(zone: string, algorithm: number, keyTag: number): string {
  return `K${zone}.+${String(algorithm).padStart(3, '0')}+${String(keyTag).padStart(5, '0')}`;
}

/** RFC 4034 §2.1: flags | protocol 3 | algorithm | public key. */
function buildDnskeyRdata(flags: number, algorithm: DnssecAlgorithm, publicKey: Buffer): Buffer {
  return Buffer.concat([Buffer.of(flags >> 8, flags & 0xff, DNSKEY_PROTOCOL, algorithm), publicKey]);
}

/** RFC 4034 Appendix B: the one's-complement-like sum of the DNSKEY RDATA as 16-bit words. */
export function keyTagOf(dnskeyRdata: Buffer): number {
  let sum = 0;
  for (let i = 0; i < dnskeyRdata.length; i++) sum += i % 2 === 0 ? dnskeyRdata[i] << 8 : dnskeyRdata[i];
  sum += (sum >>> 16) & 0xffff;
  return sum & 0xffff;
}

/** The owner name in canonical wire form (RFC 4034 §6.2: lowercase), the root label included. */
function canonicalWireName(name: string): Buffer {
  const normalised = normaliseName(name);
  const labels = normalised === '' ? [] : normalised.split('.');
  return Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.of(label.length), Buffer.from(label, 'ascii')])), Buffer.of(0)]);
}

/** RFC 4034 §5.1.4 with SHA-256 (RFC 4509): key tag | algorithm | digest type | SHA-256(owner | DNSKEY RDATA). */
export function dsRdata(zone: string, dnskeyRdata: Buffer, digestType: 2 = DS_DIGEST_SHA256): Buffer {
  const digest = createHash('sha256').update(canonicalWireName(zone)).update(dnskeyRdata).digest();
  const header = Buffer.alloc(4);
  header.writeUInt16BE(keyTagOf(dnskeyRdata), 0);
  header[2] = dnskeyRdata[3]!;
  header[3] = digestType;
  return Buffer.concat([header, digest]);
}

function ownerAndTtl(zone: string, ttl: number | undefined): string {
  return `${zone}.${ttl === undefined ? '' : ` ${ttl}`} IN`;
}

/** "gslb.example.com. 3600 IN DS 12345 13 2 ABCDEF…" (the TTL only when given, as dnssec-dsfromkey prints it). */
export function dsPresentation(key: ZoneKey, ttl?: number): string {
  const ds = dsRdata(key.zone, key.dnskeyRdata);
  return `${ownerAndTtl(key.zone, ttl)} DS ${ds.readUInt16BE(0)} ${ds[2]} ${ds[3]} ${ds.subarray(4).toString('hex').toUpperCase()}`;
}

/** "gslb.example.com. 3600 IN DNSKEY 257 3 13 base64…" (the TTL only when given). */
export function dnskeyPresentation(key: ZoneKey, ttl?: number): string {
  const rdata = key.dnskeyRdata;
  return `${ownerAndTtl(key.zone, ttl)} DNSKEY ${rdata.readUInt16BE(0)} ${rdata[2]} ${rdata[3]} ${rdata.subarray(4).toString('base64')}`;
}

/** YYYYMMDDHHMMSS in UTC, BIND's timing format. */
function formatTimestamp(time: Date): string {
  return time.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function parseTimestamp(text: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 20250230 over into March: a date that does not come back the same is not a date.
  return formatTimestamp(time) === text ? time : undefined;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Base64 decoded strictly: Buffer.from(text, 'base64') skips what it does not understand, which hides a damaged file. */
function decodeBase64(text: string): Buffer | undefined {
  return STRICT_BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

function algorithmLabel(algorithm: number): string {
  const mnemonic = ALGORITHM_MNEMONICS[algorithm];
  return mnemonic === undefined ? String(algorithm) : `${algorithm} (${mnemonic})`;
}

function isSupported(algorithm: number): algorithm is DnssecAlgorithm {
  return algorithm === 13 || algorithm === 15;
}

function parseAlgorithm(token: string): number | undefined {
  if (/^\d{1,3}$/.test(token)) return Number(token);
  const upper = token.toUpperCase();
  const entry = Object.entries(ALGORITHM_MNEMONICS).find(([, mnemonic]) => mnemonic === upper);
  return entry === undefined ? undefined : Number(entry[0]);
}

interface KeyRecord {
  readonly owner: string;
  readonly flags: number;
  readonly protocol: number;
  readonly algorithm: number;
  readonly publicKeyText: string;
  /** From "; Publish: …" comments: dnssec-keygen copies the timing there, and it is all a key without .private has. */
  readonly timing: KeyTiming;
}

function timingFromComments(comments: readonly string[]): KeyTiming {
  const timing: { -readonly [K in keyof KeyTiming]: KeyTiming[K] } = {};
  for (const comment of comments) {
    const match = /^\s*(Publish|Activate|Inactive|Delete):\s*(\d{14})\b/.exec(comment);
    if (match === null) continue;
    const time = parseTimestamp(match[2]);
    if (time !== undefined) timing[TIMING_FIELDS[match[1] as TimingField]] = time;
  }
  return timing;
}

/** The one DNSKEY record of a .key file: `owner [TTL] [IN] DNSKEY flags protocol algorithm base64…`, with `;` comments. */
function parseKeyRecord(text: string, fail: (reason: string) => never): KeyRecord {
  const comments: string[] = [];
  const data: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const semicolon = line.indexOf(';');
    if (semicolon >= 0) comments.push(line.slice(semicolon + 1));
    data.push(semicolon >= 0 ? line.slice(0, semicolon) : line);
  }
  // Parentheses only let a record span lines (RFC 1035 §5.1).
  const tokens = data.join(' ').replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
  const typeAt = tokens.findIndex((token) => token.toUpperCase() === 'DNSKEY');
  if (typeAt < 0) fail('it holds no DNSKEY record');
  if (tokens.slice(typeAt + 1).some((token) => token.toUpperCase() === 'DNSKEY')) fail('it holds more than one DNSKEY record');
  if (typeAt === 0) fail('the DNSKEY record has no owner name');
  for (const token of tokens.slice(1, typeAt)) {
    if (!/^\d+$/.test(token) && token.toUpperCase() !== 'IN') fail(`'${token}' before DNSKEY is neither a TTL nor the class IN`);
  }
  const [flags, protocol, algorithm, ...publicKey] = tokens.slice(typeAt + 1);
  if (flags === undefined || protocol === undefined || algorithm === undefined || publicKey.length === 0) {
    fail('the DNSKEY record needs flags, protocol, algorithm and a public key');
  }
  if (!/^\d+$/.test(flags) || !/^\d+$/.test(protocol)) fail('the DNSKEY flags and protocol must be numbers');
  const algorithmNumber = parseAlgorithm(algorithm);
  if (algorithmNumber === undefined) fail(`'${algorithm}' is not a DNSSEC algorithm`);
  return {
    owner: tokens[0],
    flags: Number(flags),
    protocol: Number(protocol),
    algorithm: algorithmNumber,
    publicKeyText: publicKey.join(''),
    timing: timingFromComments(comments),
  };
}

interface PrivateFields {
  readonly algorithm: number;
  readonly privateKey: Buffer;
  readonly timing: KeyTiming;
}

/**
 * A .private file: `Name: value` lines (Private-key-format v1.2 from ldns, v1.3 from BIND 9.7 and later). No message
 * quotes anything of it: in a damaged file, any line may hold the key.
 */
function parsePrivateFields(text: string, fail: (reason: string) => never): PrivateFields {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const format = fields.get('Private-key-format');
  if (format === undefined) fail('the .private file has no Private-key-format line: is it a BIND private key file?');
  if (!/^v1\.\d+$/.test(format)) fail('the .private file is not Private-key-format v1.2 or v1.3, the formats Meridian reads');
  const algorithmText = fields.get('Algorithm');
  if (algorithmText === undefined) fail('the .private file has no Algorithm line');
  const algorithm = /^(\d{1,3})\b/.exec(algorithmText);
  if (algorithm === null) fail("the .private file's Algorithm line does not start with the algorithm number");
  const privateKeyText = fields.get('PrivateKey');
  if (privateKeyText === undefined) fail('the .private file has no PrivateKey line');
  const privateKey = decodeBase64(privateKeyText);
  if (privateKey === undefined) fail("the .private file's PrivateKey is not valid base64");
  const timing: { -readonly [K in keyof KeyTiming]: KeyTiming[K] } = {};
  for (const [name, field] of Object.entries(TIMING_FIELDS)) {
    const value = fields.get(name);
    if (value === undefined) continue;
    const time = parseTimestamp(value);
    if (time === undefined) fail(`the .private file's ${name} time is not YYYYMMDDHHMMSS`);
    timing[field] = time;
  }
  return { algorithm: Number(algorithm[1]), privateKey, timing };
}

function within(now: Date, from: Date | undefined, until: Date | undefined): boolean {
  return (from === undefined || from.getTime() <= now.getTime()) && (until === undefined || now.getTime() < until.getTime());
}

/** The public key as a KeyObject: for P-256 this also checks that X, Y is a point of the curve. */
function publicKeyObject(algorithm: DnssecAlgorithm, publicKey: Buffer): KeyObject {
  if (algorithm === 13) {
    const jwk = { kty: 'EC', crv: 'P-256', x: publicKey.subarray(0, 32).toString('base64url'), y: publicKey.subarray(32).toString('base64url') };
    return createPublicKey({ key: jwk, format: 'jwk' });
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') }, format: 'jwk' });
}

/** PKCS#8 of an Ed25519 seed (RFC 8410 §7): the prefix is fixed, so the seed alone makes the DER. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The public key the private key really has. Derived from the private octets alone: a JWK with d, x and y is taken
 * by Node as given, so it would never reveal a .private that belongs to another key.
 */
function derivedPublicKey(algorithm: DnssecAlgorithm, privateKey: Buffer): Buffer {
  if (algorithm === 13) {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateKey);
    return ecdh.getPublicKey().subarray(1); // drop the 0x04 of the uncompressed form
  }
  const keyObject = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
  return createPublicKey(keyObject).export({ format: 'der', type: 'spki' }).subarray(-32);
}

function privateKeyObject(algorithm: DnssecAlgorithm, privateKey: Buffer, publicKey: Buffer): KeyObject {
  const d = privateKey.toString('base64url');
  if (algorithm === 13) {
    const jwk = { kty: 'EC', crv: 'P-256', d, x: publicKey.subarray(0, 32).toString('base64url'), y: publicKey.subarray(32).toString('base64url') };
    return createPrivateKey({ key: jwk, format: 'jwk' });
  }
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d, x: publicKey.toString('base64url') }, format: 'jwk' });
}

function matchingPrivateKey(fields: PrivateFields, algorithm: DnssecAlgorithm, publicKey: Buffer, fail: (reason: string) => never): KeyObject {
  if (fields.algorithm !== algorithm) {
    fail(`the .private file is for algorithm ${algorithmLabel(fields.algorithm)}, the .key file for ${algorithmLabel(algorithm)}`);
  }
  // Older BIND versions wrote a P-256 scalar without its leading zero octets.
  const octets =
    algorithm === 13 && fields.privateKey.length < PRIVATE_KEY_OCTETS
      ? Buffer.concat([Buffer.alloc(PRIVATE_KEY_OCTETS - fields.privateKey.length), fields.privateKey])
      : fields.privateKey;
  if (octets.length !== PRIVATE_KEY_OCTETS)
    fail(`the private key is ${fields.privateKey.length} octets; ${algorithmLabel(algorithm)} has ${PRIVATE_KEY_OCTETS}`);
  let derived: Buffer;
  try {
    derived = derivedPublicKey(algorithm, octets);
  } catch {
    // Node's message names no key material, but the cause is dropped anyway: nothing of a private key leaves here.
    fail(`the private key is not a valid ${algorithmLabel(algorithm)} key`);
  }
  if (!derived.equals(publicKey)) fail('the private key in the .private file does not belong to the public key in the .key file');
  try {
    return privateKeyObject(algorithm, octets, publicKey);
  } catch {
    fail(`the private key is not a valid ${algorithmLabel(algorithm)} key`);
  }
}

/**
 * Parse a BIND key pair (K<zone>.+<alg>+<tag>.key / .private text). Throws a coded MeridianError naming `file` for
 * anything wrong. Timing comes from the .private file; without one, from the .key file's comments.
 */
export function parseKeyPair(keyText: string, privateText: string | undefined, file: string, now: Date): ZoneKey {
  // Declared with its type, so that TypeScript narrows after each `if (…) fail(…)`.
  const fail: (reason: string) => never = (reason) => {
    throw Errors.dnssecKey([file, reason]);
  };
  const name = parseKeyFileName(file);
  if (name === undefined) fail('the file name is not K<zone>.+<algorithm>+<key tag>.key');
  const { zone } = name;
  const zoneProblem = nameProblem(zone);
  if (zoneProblem !== undefined) fail(`the zone in the file name is not a valid name (${zoneProblem})`);

  const record = parseKeyRecord(keyText, fail);
  const owner = normaliseName(record.owner);
  if (owner !== zone) fail(`the DNSKEY's owner is ${record.owner}, but the file name is for the zone ${zone}.`);
  if (record.protocol !== DNSKEY_PROTOCOL) fail(`the DNSKEY protocol is ${record.protocol}; it must be 3 (RFC 4034 §2.1.2)`);
  if (record.flags !== ZONE_KEY_FLAGS && record.flags !== KSK_FLAGS) {
    fail(`the DNSKEY flags are ${record.flags}; Meridian uses 256 (a zone-signing key) or 257 (a key-signing key)`);
  }
  const algorithm = record.algorithm;
  if (!isSupported(algorithm)) fail(`algorithm ${algorithmLabel(algorithm)} is not supported; Meridian signs with 13 (ECDSAP256SHA256) or 15 (ED25519)`);
  const publicKey = decodeBase64(record.publicKeyText);
  if (publicKey === undefined) fail('the DNSKEY public key is not valid base64');
  if (publicKey.length !== PUBLIC_KEY_OCTETS[algorithm]) {
    fail(`the DNSKEY public key is ${publicKey.length} octets; ${algorithmLabel(algorithm)} has ${PUBLIC_KEY_OCTETS[algorithm]}`);
  }
  try {
    publicKeyObject(algorithm, publicKey);
  } catch {
    fail(`the DNSKEY public key is not a valid ${algorithmLabel(algorithm)} key`);
  }
  const dnskeyRdata = buildDnskeyRdata(record.flags, algorithm, publicKey);
  const keyTag = keyTagOf(dnskeyRdata);
  if (name.algorithm !== algorithm || name.keyTag !== keyTag) {
    fail(`the file name says algorithm ${name.algorithm} and key tag ${name.keyTag}, the key is algorithm ${algorithm} with key tag ${keyTag}`);
  }

  const fields = privateText === undefined ? undefined : parsePrivateFields(privateText, fail);
  const privateKey = fields === undefined ? undefined : matchingPrivateKey(fields, algorithm, publicKey, fail);
  const timing = fields?.timing ?? record.timing;
  const published = within(now, timing.publish, timing.delete);
  return {
    zone,
    algorithm,
    flags: record.flags,
    keyTag,
    dnskeyRdata,
    privateKey,
    published,
    active: privateKey !== undefined && published && within(now, timing.activate, timing.inactive),
    file,
  };
}

function ctimeComment(label: string, time: Date): string {
  return `; ${label}: ${formatTimestamp(time)} (${time.toUTCString()})`;
}

/** New key pair in BIND format (what dnssec-keygen writes), using node:crypto generateKeyPairSync. */
export function generateKeyPair(
  zone: string,
  algorithm: DnssecAlgorithmName,
  options: { ksk: boolean; now: Date },
): { basename: string; keyText: string; privateText: string; key: ZoneKey } {
  const owner = normaliseName(zone);
  const problem = nameProblem(owner);
  if (problem !== undefined) throw Errors.dnssecZone([zone, problem]);
  const number = DNSSEC_ALGORITHMS[algorithm];
  const pair = number === 13 ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const jwk = pair.privateKey.export({ format: 'jwk' });
  const fromJwk = (value: string | undefined) => Buffer.from(value ?? '', 'base64url');
  const publicKey = number === 13 ? Buffer.concat([fromJwk(jwk.x), fromJwk(jwk.y)]) : fromJwk(jwk.x);
  const flags = options.ksk ? KSK_FLAGS : ZONE_KEY_FLAGS;
  const dnskeyRdata = buildDnskeyRdata(flags, number, publicKey);
  const keyTag = keyTagOf(dnskeyRdata);
  const basename = keyBasename(owner, number, keyTag);
  const created = formatTimestamp(options.now);
  const kind = options.ksk ? 'a key-signing key' : 'a zone-signing key';
  const keyText = [
    `; This is ${kind}, keyid ${keyTag}, for ${owner}.`,
    ...['Created', 'Publish', 'Activate'].map((label) => ctimeComment(label, options.now)),
    `${owner}. IN DNSKEY ${flags} ${DNSKEY_PROTOCOL} ${number} ${publicKey.toString('base64')}`,
    '',
  ].join('\n');
  const privateText = [
    'Private-key-format: v1.3',
    `Algorithm: ${algorithmLabel(number)}`,
    `PrivateKey: ${fromJwk(jwk.d).toString('base64')}`,
    `Created: ${created}`,
    `Publish: ${created}`,
    `Activate: ${created}`,
    '',
  ].join('\n');
  // Read back through the parser: what is returned is exactly what a later read of the files gives.
  return { basename, keyText, privateText, key: parseKeyPair(keyText, privateText, `${basename}.key`, options.now) };
}
