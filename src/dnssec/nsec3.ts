// Authenticated denial with NSEC3 (RFC 5155) as RFC 9276 asks: SHA-1, no extra iterations, no salt, no
// opt-out. Owner names are hashed, so walking the chain does not list the zone's names. The chain is built when
// the zone loads; a query for a name that does not exist costs two or three SHA-1 hashes of names (the next
// closer name and the wildcard at the closest encloser), and no signing.

import { createHash, hash } from 'node:crypto';
import { typeBitmap } from './nsec.js';

/** RFC 9276 §3.1: SHA-1 (algorithm 1), flags 0 (no opt-out), 0 additional iterations, empty salt. */
export const NSEC3_HASH_SHA1 = 1;
export const NSEC3_ITERATIONS = 0;

/**
 * The NSEC3 hash of a name (RFC 5155 §5) with no salt and no extra iterations: SHA-1 of its canonical wire form.
 * `wireKey` is the answer table's key form: the lowercase wire name as a latin1 string.
 */
export function nsec3Hash(wireKey: string): Buffer {
  return createHash('sha1').update(Buffer.from(wireKey, 'latin1')).digest();
}

/**
 * nsec3Hash as hex, for the query path: crypto.hash is one call (a third of createHash's cost), and a key of
 * ASCII octets only, as nearly every name is, goes in as the string itself, which is the same octets.
 */
export function nsec3HashHex(wireKey: string): string {
  for (let i = 0; i < wireKey.length; i++) if (wireKey.charCodeAt(i) > 0x7f) return hash('sha1', Buffer.from(wireKey, 'latin1'), 'hex');
  return hash('sha1', wireKey, 'hex');
}

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

/** RFC 4648 §7 base32hex without padding, lowercase: how a hash is written as an owner label (RFC 5155 §3.3). */
export function base32hex(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32HEX[(value << (5 - bits)) & 31];
  return out;
}

/** NSEC3 RDATA (RFC 5155 §3.2): algorithm, flags, iterations, salt (none), the next hashed owner, the types. */
export function nsec3Rdata(nextHash: Buffer, types: readonly number[]): Buffer {
  const head = Buffer.from([NSEC3_HASH_SHA1, 0, 0, NSEC3_ITERATIONS, 0, nextHash.length]);
  return Buffer.concat([head, nextHash, types.length === 0 ? Buffer.alloc(0) : typeBitmap(types)]);
}

/** NSEC3PARAM RDATA (RFC 5155 §4.2) for the same parameters. */
export function nsec3ParamRdata(): Buffer {
  return Buffer.from([NSEC3_HASH_SHA1, 0, 0, NSEC3_ITERATIONS, 0]);
}
