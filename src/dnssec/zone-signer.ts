// Signs RRsets for the answer table, once per content (issue 19): a signature is cached by what it covers (zone,
// owner, type, TTL and the RDATAs), so an answer that comes back (a target recovers, a flapping target flips
// again) reuses its earlier signature while that has more than the refresh margin left. Inception is an hour in
// the past, for resolvers whose clocks run behind. Nothing here runs per query.

import { signRRset, type SigningKey } from './sign.js';

/** One signed zone's keys: the DNSKEY RDATAs published at the apex, and the keys that sign. */
export interface ZoneKeySet {
  readonly dnskeys: readonly Buffer[];
  readonly signing: readonly SigningKey[];
  /** Names the set (its DNSKEYs and which sign): a zone whose set changed is signed again, and no signature is reused across sets. */
  readonly fingerprint: string;
}

/** A ZoneKeySet's fingerprint. */
export function keySetFingerprint(dnskeys: readonly Buffer[], signing: readonly SigningKey[]): string {
  return `${dnskeys.map((k) => k.toString('base64')).join(',')}|${signing.map((k) => `${k.algorithm}/${k.keyTag}`).join(',')}`;
}

export interface SignatureTiming {
  readonly validityMs: number;
  readonly refreshMs: number;
}

/** Signatures are dated from an hour ago: a resolver whose clock is behind ours still takes them as begun. */
export const INCEPTION_SKEW_S = 3600;
/** Past this many cached signatures the oldest are dropped: a zone's variants are bounded, churn is not. */
const MAX_CACHED = 200_000;

interface Cached {
  readonly rrsigs: readonly Buffer[];
  /** Seconds since the epoch. */
  readonly expiration: number;
}

export class ZoneSigner {
  #keys: ReadonlyMap<string, ZoneKeySet>;
  /** Wall-clock milliseconds since the epoch (signatures carry absolute times). */
  readonly #now: () => number;
  readonly #cache = new Map<string, Cached>();
  #signatures = 0;

  constructor(keys: ReadonlyMap<string, ZoneKeySet>, now: () => number = Date.now) {
    this.#keys = keys;
    this.#now = now;
  }

  /** The zones it has keys for. */
  zones(): IterableIterator<string> {
    return this.#keys.keys();
  }

  /**
   * New keys (the key directory was read again). Zones already built keep signing with the set they were built
   * with (ZoneKeySet is passed to sign) until they are built again, so a DNSKEY RRset and its signatures never
   * disagree.
   */
  setKeys(keys: ReadonlyMap<string, ZoneKeySet>): void {
    this.#keys = keys;
  }

  /** Whether a zone whose earliest signature expires at `expiration` (seconds) is due to be signed again. */
  needsRefresh(expiration: number, timing: SignatureTiming): boolean {
    return expiration - this.#now() / 1000 <= timing.refreshMs / 1000;
  }

  keysOf(zone: string): ZoneKeySet | undefined {
    return this.#keys.get(zone);
  }

  /** How many signatures have been made (not reused): for tests and the rebuild log. */
  get signaturesMade(): number {
    return this.#signatures;
  }

  /**
   * The RRSIG RDATAs over one RRset, one per signing key; a cached set while it has more than the refresh
   * margin left. `rdatas` are in canonical form (uncompressed, names lowercase).
   */
  sign(keys: ZoneKeySet, zone: string, owner: string, type: number, ttl: number, rdatas: readonly Buffer[], timing: SignatureTiming): readonly Buffer[] {
    if (keys.signing.length === 0) return [];
    const key = `${zone}\n${keys.fingerprint}\n${owner}\n${type}\n${ttl}\n${rdatas.map((r) => r.toString('base64')).join(' ')}`;
    const nowS = Math.floor(this.#now() / 1000);
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.expiration - nowS > timing.refreshMs / 1000) return cached.rrsigs;
    const inception = nowS - INCEPTION_SKEW_S;
    const expiration = nowS + Math.floor(timing.validityMs / 1000);
    const rrsigs = keys.signing.map((k) => signRRset(owner, type, ttl, rdatas, k, zone, inception, expiration));
    this.#signatures += rrsigs.length;
    if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.delete(key);
    this.#cache.set(key, { rrsigs, expiration });
    return rrsigs;
  }
}
