// Sticky clients (issue 18): the same client subnet keeps the same target while that target is healthy. Client
// subnets are hashed into STICKY_BUCKETS buckets, and each bucket's targets are chosen by weighted rendezvous
// hashing (highest random weight): every target gets a score from hash(bucket, target), scaled by its weight,
// and the best `answers` targets win. When a target goes down only the buckets it won move, to their next
// best; when it comes back they return. The buckets are computed when health changes, never per query: the
// query path hashes the client's subnet and reads which answer its bucket has.

import ipaddr from 'ipaddr.js';
import type { Candidate } from './select.js';

/** Enough buckets that shares follow the weights within a few percent; few enough to build in microseconds. */
export const STICKY_BUCKETS = 4096;

/** FNV-1a over `data`: cheap and well spread for short keys; the same on every instance and every start. */
function fnv1a(data: ArrayLike<number>, length: number, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ data[i], 0x01000193);
  // Final avalanche (murmur3's fmix32): FNV alone leaves the low bits of near-identical keys alike.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * The bucket of a client: its address's first `prefix` bits (the rest cleared), hashed. `scratch` must hold
 * 16 bytes; the query path passes one of its own so that nothing is allocated.
 */
export function bucketOf(family: 4 | 6, bytes: ArrayLike<number>, prefix: number, scratch: Uint8Array): number {
  const width = family === 4 ? 4 : 16;
  const whole = prefix >> 3;
  for (let i = 0; i < width; i++) scratch[i] = i < whole ? bytes[i] : 0;
  if (whole < width && (prefix & 7) !== 0) scratch[whole] = bytes[whole] & (0xff << (8 - (prefix & 7)));
  scratch[width] = family;
  return fnv1a(scratch, width + 1) % STICKY_BUCKETS;
}

/** A target's stable identity for the rendezvous (targetIdentity): a reordering of the file moves no client. */
export interface StickyCandidate extends Candidate {
  readonly identity: string;
}

/** Weighted rendezvous score: -weight / ln(u), u uniform in (0, 1) from hash(bucket, identity). Higher wins. */
function score(bucket: number, identityHash: number, weight: number): number {
  const u =
    (fnv1a([bucket & 0xff, bucket >>> 8, identityHash & 0xff, (identityHash >>> 8) & 0xff, (identityHash >>> 16) & 0xff, identityHash >>> 24], 6) + 0.5) /
    4294967296;
  return -weight / Math.log(u);
}

export interface StickyChoice {
  /** Bucket → index into `choices`. */
  readonly buckets: Uint16Array;
  /** The distinct winning target lists (candidate positions, best first), each with the share of buckets it has. */
  readonly choices: ReadonlyArray<{ readonly candidates: readonly number[]; readonly share: number }>;
}

/** Every bucket's best `answers` candidates. */
export function stickyChoice(candidates: readonly StickyCandidate[], answers: number): StickyChoice {
  const identityHashes = candidates.map((c) => fnv1a(Buffer.from(c.identity), Buffer.byteLength(c.identity)));
  const k = Math.min(answers, candidates.length);
  const buckets = new Uint16Array(STICKY_BUCKETS);
  const keys = new Map<string, number>();
  const choices: Array<{ candidates: number[]; count: number }> = [];
  const scores = new Float64Array(candidates.length);
  const order = candidates.map((_, i) => i);
  for (let bucket = 0; bucket < STICKY_BUCKETS; bucket++) {
    for (let i = 0; i < candidates.length; i++) scores[i] = score(bucket, identityHashes[i], candidates[i].weight);
    const best = k === 1 ? [argmax(scores)] : [...order].sort((a, b) => scores[b] - scores[a]).slice(0, k);
    const key = best.join(',');
    let choice = keys.get(key);
    if (choice === undefined) {
      choice = choices.length;
      choices.push({ candidates: best, count: 0 });
      keys.set(key, choice);
    }
    choices[choice].count++;
    buckets[bucket] = choice;
  }
  return { buckets, choices: choices.map((c) => ({ candidates: c.candidates, share: c.count / STICKY_BUCKETS })) };
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** A packet source address as bytes: parsed once per distinct source, bounded like the classifier's cache. */
export class SourceAddresses {
  readonly #cache = new Map<string, { readonly family: 4 | 6; readonly bytes: Uint8Array } | null>();

  /** Undefined for text that is no address. An IPv4-mapped IPv6 source is its IPv4 address. */
  of(address: string): { readonly family: 4 | 6; readonly bytes: Uint8Array } | undefined {
    let entry = this.#cache.get(address);
    if (entry === undefined) {
      entry = null;
      if (ipaddr.isValid(address)) {
        let parsed = ipaddr.parse(address);
        if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
        entry = { family: parsed.kind() === 'ipv4' ? 4 : 6, bytes: Uint8Array.from(parsed.toByteArray()) };
      }
      if (this.#cache.size >= 65_536) this.#cache.clear();
      this.#cache.set(address, entry);
    }
    return entry ?? undefined;
  }
}
