// Which client map rule a client falls under (issue 18): a longest-prefix match over the zone's `geo.clients`
// subnets, built once per zone load as a binary trie in typed arrays, so that the query path walks at most 32
// or 128 bits and allocates nothing. The match also says how many leading bits decided it: the SCOPE
// PREFIX-LENGTH an ECS answer carries (RFC 7871 §7.2.1), so a resolver caches the answer for exactly the
// addresses that share it.

import ipaddr from 'ipaddr.js';

/** One subnet of one rule: `rule` is the rule's index in the zone's client map. */
export interface SubnetRule {
  readonly family: 4 | 6;
  /** The network's bytes: 4 or 16. */
  readonly bytes: ArrayLike<number>;
  readonly prefix: number;
  readonly rule: number;
}

/** No rule matched: the client gets the map's default list. */
export const NO_RULE = -1;

/** One family's trie: node n has children child[2n] (bit 0) and child[2n+1] (bit 1), 0 for none; rule[n] + 1 or 0. */
class PrefixTrie {
  #child = new Int32Array(64);
  #rule = new Int32Array(32);
  #nodes = 1;

  insert(bytes: ArrayLike<number>, prefix: number, rule: number): void {
    let node = 0;
    for (let bit = 0; bit < prefix; bit++) {
      const b = (bytes[bit >> 3] >> (7 - (bit & 7))) & 1;
      let next = this.#child[2 * node + b];
      if (next === 0) {
        next = this.#grow();
        this.#child[2 * node + b] = next;
      }
      node = next;
    }
    // The first rule naming a subnet keeps it (identical subnets in two rules are a validation error anyway).
    if (this.#rule[node] === 0) this.#rule[node] = rule + 1;
  }

  /**
   * The longest matching rule among the first `bits` bits of the address, and the scope: the depth the walk
   * reached, since every address sharing those leading bits takes the same path and gets the same rule.
   * Packed as rule * 256 + scope (rule NO_RULE for none) so that the query path allocates nothing.
   */
  match(bytes: ArrayLike<number>, bits: number): number {
    let node = 0;
    let found = this.#rule[0] - 1;
    let depth = 0;
    while (depth < bits) {
      const b = (bytes[depth >> 3] >> (7 - (depth & 7))) & 1;
      const next = this.#child[2 * node + b];
      if (next === 0) break;
      node = next;
      depth++;
      if (this.#rule[node] !== 0) found = this.#rule[node] - 1;
    }
    // The walk stopped where no longer subnet can match, so `depth` bits decided (or the leaf of the trie).
    if (depth < bits && this.#child[2 * node] === 0 && this.#child[2 * node + 1] === 0) return found * 256 + depth;
    return found * 256 + (depth < bits ? depth + 1 : depth);
  }

  #grow(): number {
    if (this.#nodes === this.#rule.length) {
      const child = new Int32Array(this.#child.length * 2);
      child.set(this.#child);
      this.#child = child;
      const rule = new Int32Array(this.#rule.length * 2);
      rule.set(this.#rule);
      this.#rule = rule;
    }
    return this.#nodes++;
  }
}

/** What the classifier asks of a GeoIP database (the server's --geoip-db; runtime/geoip.ts reads it). */
export interface GeoIpLookup {
  /** The country and continent codes of an address, and the prefix length of the database network holding it. */
  lookup(address: string): { readonly country?: string; readonly continent?: string; readonly prefix: number };
  /** Changes whenever the database is replaced: matches remembered from the old one are forgotten. */
  readonly generation: number;
}

/** Country and continent rules over a GeoIP database: rules by code (the first rule naming a code has it). */
export interface GeoIpRules {
  readonly lookup: GeoIpLookup;
  readonly countries: ReadonlyMap<string, number>;
  readonly continents: ReadonlyMap<string, number>;
}

export class ClientClassifier {
  readonly #v4 = new PrefixTrie();
  readonly #v6 = new PrefixTrie();
  readonly #geoip: GeoIpRules | undefined;
  #generation = 0;
  /**
   * Matches already made: by source address text, and (with a GeoIP database) by ECS address. Most queries come
   * from a few resolvers and networks, so neither the text is parsed nor the database read per query.
   */
  readonly #sources = new Map<string, number>();
  readonly #networks = new Map<string, number>();
  readonly #scratch = new Uint8Array(16);

  constructor(subnets: readonly SubnetRule[], geoip?: GeoIpRules) {
    for (const subnet of subnets) (subnet.family === 4 ? this.#v4 : this.#v6).insert(subnet.bytes, subnet.prefix, subnet.rule);
    this.#geoip = geoip;
    this.#generation = geoip?.lookup.generation ?? 0;
  }

  /**
   * Subnet rules first: a client a subnet rule covers is that rule's, whatever its country. Then its country's
   * rule, then its continent's. The scope is the larger of the bits the subnets decided at and the database
   * network's prefix: the answer holds for every address sharing both.
   */
  #withGeoip(packed: number, address: () => string): number {
    const geoip = this.#geoip;
    if (geoip === undefined || ruleOf(packed) !== NO_RULE) return packed;
    const found = geoip.lookup.lookup(address());
    const rule =
      (found.country === undefined ? undefined : geoip.countries.get(found.country)) ??
      (found.continent === undefined ? undefined : geoip.continents.get(found.continent)) ??
      NO_RULE;
    return rule * 256 + Math.max(scopeOf(packed), found.prefix);
  }

  /** Forgets the matches made with a database that has since been replaced. */
  #checkGeneration(): void {
    const generation = this.#geoip?.lookup.generation;
    if (generation === undefined || generation === this.#generation) return;
    this.#generation = generation;
    this.#sources.clear();
    this.#networks.clear();
  }

  /**
   * By address bytes (an ECS option's, zero beyond its source prefix). The whole width is walked: when the rules
   * are longer than the client's source prefix, the scope comes out longer too (RFC 7871 §7.2.1 allows it), so a
   * resolver asking for 10.0.0.0/8 is told that the answer holds for 10.0.0.0/16 only, not for 10.1.0.0/16.
   */
  matchBytes(family: 4 | 6, bytes: ArrayLike<number>): number {
    const packed = family === 4 ? this.#v4.match(bytes, 32) : this.#v6.match(bytes, 128);
    if (this.#geoip === undefined || ruleOf(packed) !== NO_RULE) return packed;
    this.#checkGeneration();
    const width = family === 4 ? 4 : 16;
    let key = family === 4 ? '4' : '6';
    for (let i = 0; i < width; i++) key += String.fromCharCode(bytes[i]);
    const cached = this.#networks.get(key);
    if (cached !== undefined) return cached;
    const text = () =>
      family === 4 ? Array.from({ length: 4 }, (_, i) => bytes[i]).join('.') : ipaddr.fromByteArray(Array.from({ length: 16 }, (_, i) => bytes[i])).toString();
    const result = this.#withGeoip(packed, text);
    if (this.#networks.size >= MAX_CACHED_SOURCES) this.#networks.clear();
    this.#networks.set(key, result);
    return result;
  }

  /**
   * By the packet's source address as text ("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"). Parsed once per
   * distinct source and cached (bounded): resolvers are few, and parsing IPv6 text costs more than the lookup.
   */
  matchSource(address: string): number {
    this.#checkGeneration();
    const cached = this.#sources.get(address);
    if (cached !== undefined) return cached;
    let packed = NO_RULE * 256;
    if (ipaddr.isValid(address)) {
      let parsed = ipaddr.parse(address);
      if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
      const bytes = parsed.toByteArray();
      this.#scratch.set(bytes);
      packed = parsed.kind() === 'ipv4' ? this.#v4.match(this.#scratch, 32) : this.#v6.match(this.#scratch, 128);
      const text = parsed.toString();
      packed = this.#withGeoip(packed, () => text);
    }
    if (this.#sources.size >= MAX_CACHED_SOURCES) this.#sources.clear();
    this.#sources.set(address, packed);
    return packed;
  }
}

/** Distinct source addresses remembered; past this the cache starts again (a flood of sources must not grow it). */
const MAX_CACHED_SOURCES = 65_536;

/** The rule of a packed match (NO_RULE for the default list). */
export function ruleOf(packed: number): number {
  return Math.floor(packed / 256);
}

/** The scope prefix length of a packed match. */
export function scopeOf(packed: number): number {
  return ((packed % 256) + 256) % 256;
}
