// Response Rate Limiting (RRL) for UDP responses, after BIND 9's `rate-limit` and Knot's mod-rrl.
// Pure: no I/O, no timers; the clock is injected so tests (and the caller) control time.
//
// Semantics implemented (BIND's "credit" scheme):
// - An account is kept per (client prefix, response kind, responseKey). The prefix is the client address
//   masked to ipv4PrefixLength / ipv6PrefixLength; IPv4-mapped IPv6 (::ffff:a.b.c.d) is treated as IPv4.
//   `error` responses ignore responseKey (BIND keys errors by client prefix only), so a client cannot
//   dodge the error limit by varying the query. responseKey is reduced to 18 bits (& 0x3ffff): keys that
//   collide simply share an account, which can only limit sooner, never later.
// - A new account starts full, at `rate` credits. It earns `rate` credits per second, continuously (pro
//   rata to elapsed milliseconds), and never holds more than `rate` (one second of burst).
// - Every response, sent or not, debits one credit. If the balance after the debit is negative the
//   response is limited. So at most `rate` responses per second pass, plus the initial burst of `rate`.
// - The balance never drops below -rate * windowSeconds. A client that stops flooding therefore gets its
//   next answer after windowSeconds + 1/rate seconds (back to 0, then one credit for the response itself).
// - Limited responses are DROPped, except every `slip`-th limited response of an account, which is
//   SLIPped (the caller sends a TC=1 reply so a genuine client retries over TCP, where spoofing fails).
//   slip 0 = always drop, slip 1 = always slip. The slip counter restarts when the account sends again.
// - A rate of 0 disables limiting for that kind: no account is created, nothing is counted.
// - Exempt CIDRs are never counted nor limited. logOnly counts everything (accounts and stats) exactly as
//   if limiting, but check() always returns RRL_SEND, so stats show what enforcing would have done.
// - The table holds at most maxEntries accounts; see evict() for which ones go first.
//
// The clock should be monotonic (performance.now()); if it steps backwards accounts simply earn nothing
// until it passes their last update again.

import { isIPv4, isIPv6 } from 'node:net';
import { Errors } from '../base/errors.js';

// No 'referral': Meridian serves every zone it answers for, and delegates nothing below them (a served child
// zone is answered from here), so it never sends a referral to limit.
export type ResponseKind = 'answer' | 'nodata' | 'nxdomain' | 'error';

export interface RrlConfig {
  responsesPerSecond: number;
  nodataPerSecond: number;
  nxdomainsPerSecond: number;
  errorsPerSecond: number;
  windowSeconds: number;
  slip: number;
  ipv4PrefixLength: number;
  ipv6PrefixLength: number;
  maxEntries: number;
  exempt: readonly string[];
  logOnly: boolean;
}

// BIND ships responses-per-second 0 (off) and defaults every other per-kind rate to it; its ARM example
// uses 5/s. We enable RRL out of the box, so we pick 20/s for every kind: a /24 (or /56) often hides many
// resolvers behind NAT/CGNAT, and a GSLB hands out short TTLs, so legitimate repeats of one answer to one
// prefix are more frequent than for a static zone. 20/s still caps reflection through this server at a
// trickle per victim prefix and answer. Window 15 s, slip 2, /24 and /56 are BIND's defaults.
export const DEFAULT_RRL: RrlConfig = Object.freeze({
  responsesPerSecond: 20,
  nodataPerSecond: 20,
  nxdomainsPerSecond: 20,
  errorsPerSecond: 20,
  windowSeconds: 15,
  slip: 2,
  ipv4PrefixLength: 24,
  ipv6PrefixLength: 56,
  maxEntries: 100_000,
  // Loopback cannot be spoofed from the network (kernels drop martian sources), and it is where local health
  // checks, sidecars and tests ask from. An operator's --rrl-exempt list replaces this one.
  exempt: Object.freeze(['127.0.0.0/8', '::1/128']),
  logOnly: false,
});

export type RrlAction = 0 | 1 | 2;
export const RRL_SEND = 0;
export const RRL_DROP = 1;
export const RRL_SLIP = 2;

/** Kinds in index order; stats arrays are indexed the same way. */
export const RRL_KINDS: readonly ResponseKind[] = Object.freeze(['answer', 'nodata', 'nxdomain', 'error']);
const KIND_INDEX: Readonly<Record<ResponseKind, number>> = { answer: 0, nodata: 1, nxdomain: 2, error: 3 };
const ERROR_INDEX = KIND_INDEX.error;

const RESPONSE_KEY_MASK = 0x3ffff; // 18 bits
// IPv4 key layout: prefix (32 bits) * 2^21 + kind (3 bits) * 2^18 + responseKey (18 bits) < 2^53.
const KIND_MULT = 0x40000; // 2^18
const PREFIX_MULT = 0x200000; // 2^21

const MAX_WINDOW_SECONDS = 3600; // BIND's upper bound
const MAX_SLIP = 10; // BIND's upper bound
const MAX_RATE = 1_000_000;
// A V8 Map holds at most ~16.7M entries; stay well clear of it.
const MAX_ENTRIES_LIMIT = 10_000_000;

// ---------------------------------------------------------------------------------------------------
// Address parsing without allocation: dgram hands us strings, and split/regex would allocate per query.
//
// Why by hand, not net.BlockList / net.SocketAddress / net.isIP (issue 16, test/bench/rrl-key.ts, Node 24 on the
// 2-core development machine, ns per call; "exempt" is check() on a client its exempt list covers, which is all
// the platform could take over: read the address and match the list):
//                       check() exempt   BlockList.check alone   check() whole   SocketAddress.parse   isIP alone
//   IPv4, one client         13               103-203               32            1337-2437            48-55
//   IPv4, 4096 clients       61-72            116-245               88-220        1500-1686            30
//   IPv6, 4096 clients      139-179           186-248              395-419       12065-15451          459-468
//   IPv4-mapped, 4096       157-234           340-544              262-351       12696-13346          113-133
// The platform's exempt match alone costs more than reading the address and matching by hand, and none of these
// gives the address's bits, which the account key needs (a prefix, masked): so the per-query step stays here.
// BlockList would also change what a rule covers: it matches IPv4 clients against IPv6 rules such as ::/0 as
// IPv4-mapped addresses, where this file matches only rules inside ::ffff:0:0/96 (stored as IPv4). Off the query
// path, the exempt list is told from non-addresses by the platform (isIPv4/isIPv6 in parseExempt), and turned into
// the numbers the per-query match compares by the same parsers, so rules and clients are read alike.

/** Parses a dotted quad in s[start, end) into an unsigned 32-bit integer; -1 if malformed. */
function parseIPv4(s: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses an IPv6 address (with `::`, an embedded dotted quad, an optional %zone) into 8 hextets. */
function parseIPv6(s: string, out: Uint16Array): boolean {
  let end = s.indexOf('%');
  if (end < 0) end = s.length;
  let i = 0;
  let n = 0;
  let gap = -1; // index in `out` where `::` stands
  if (end >= 2 && s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
  } else if (end === 0 || s.charCodeAt(0) === 58) {
    return false;
  }
  while (i < end) {
    if (n === 8) return false;
    let value = 0;
    let j = i;
    for (; j < end; j++) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      value = value * 16 + h;
    }
    if (j < end && s.charCodeAt(j) === 46) {
      // Trailing dotted quad fills the last two hextets.
      if (n > 6) return false;
      const v4 = parseIPv4(s, i, end);
      if (v4 < 0) return false;
      out[n++] = v4 >>> 16;
      out[n++] = v4 & 0xffff;
      break;
    }
    const digits = j - i;
    if (digits === 0 || digits > 4) return false;
    out[n++] = value;
    i = j;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    } else if (i === end) {
      return false; // single trailing colon
    }
  }
  if (gap < 0) return n === 8;
  if (n === 8) return false; // `::` must stand for at least one group
  // Slide the groups after `::` to the end and zero the gap; copying from the back is overlap-safe.
  const tail = n - gap;
  for (let k = 1; k <= tail; k++) out[8 - k] = out[n - k];
  for (let k = gap; k < 8 - tail; k++) out[k] = 0;
  return true;
}

/** The IPv4 address inside ::ffff:a.b.c.d, or -1 if `h` is not IPv4-mapped. */
function mappedIPv4(h: Uint16Array): number {
  if (h[0] !== 0 || h[1] !== 0 || h[2] !== 0 || h[3] !== 0 || h[4] !== 0 || h[5] !== 0xffff) return -1;
  return h[6] * 0x10000 + h[7];
}

/** int32 mask with the top `bits` bits set; `&` with it yields the prefix (as int32, so `>>> 0` after). */
function v4Mask(bits: number): number {
  return bits === 0 ? 0 : -1 << (32 - bits);
}

/** Mask for hextet `index` of a prefix of `bits` bits. */
function hextetMask(bits: number, index: number): number {
  const covered = bits - index * 16;
  if (covered >= 16) return 0xffff;
  if (covered <= 0) return 0;
  return (0xffff << (16 - covered)) & 0xffff;
}

interface ExemptV6 {
  readonly net: Uint16Array;
  readonly mask: Uint16Array;
}

interface ParsedExempt {
  readonly v4Nets: number[];
  readonly v4Masks: number[];
  readonly v6: ExemptV6[];
}

/** A bare address counts as a host route (/32 or /128). Host bits below the prefix are ignored. */
function parseExempt(list: readonly string[]): ParsedExempt {
  const out: ParsedExempt = { v4Nets: [], v4Masks: [], v6: [] };
  const h = new Uint16Array(8);
  for (const cidr of list) {
    const invalid = () => Errors.badRrlConfig([`rrl.exempt: invalid CIDR ${JSON.stringify(cidr)}`]);
    if (typeof cidr !== 'string') throw invalid();
    const slash = cidr.indexOf('/');
    const address = slash < 0 ? cidr : cidr.slice(0, slash);
    const lengthText = slash < 0 ? null : cidr.slice(slash + 1);
    if (lengthText !== null && !/^\d{1,3}$/.test(lengthText)) throw invalid();
    const length = lengthText === null ? null : Number(lengthText);
    if (isIPv4(address)) {
      const bits = length ?? 32;
      if (bits > 32) throw invalid();
      const mask = v4Mask(bits);
      out.v4Nets.push(parseIPv4(address, 0, address.length) & mask);
      out.v4Masks.push(mask);
      continue;
    }
    if (!isIPv6(address) || address.includes('%') || !parseIPv6(address, h)) throw invalid();
    const bits = length ?? 128;
    if (bits > 128) throw invalid();
    const v4 = mappedIPv4(h);
    if (v4 >= 0 && bits >= 96) {
      // Clients in ::ffff:0:0/96 are matched as IPv4, so store the rule as IPv4 too.
      const mask = v4Mask(bits - 96);
      out.v4Nets.push(v4 & mask);
      out.v4Masks.push(mask);
      continue;
    }
    const net = new Uint16Array(8);
    const mask = new Uint16Array(8);
    for (let k = 0; k < 8; k++) {
      mask[k] = hextetMask(bits, k);
      net[k] = h[k] & mask[k];
    }
    out.v6.push({ net, mask });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Configuration

/** responsesPerSecond, nodataPerSecond, nxdomainsPerSecond, errorsPerSecond. */
type RateField = Extract<keyof RrlConfig, `${string}PerSecond`>;

/** Array.isArray without widening the elements to any (the entries are checked one by one after it). */
function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function requireInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw Errors.badRrlConfig([`rrl.${name} must be an integer from ${min} to ${max}, got ${String(value)}`]);
  }
  return value;
}

/** Merges `config` over DEFAULT_RRL (undefined fields take the default) and validates the result. */
export function validateRrlConfig(config: Partial<RrlConfig>): RrlConfig {
  const pick = <K extends keyof RrlConfig>(key: K): RrlConfig[K] => (config[key] === undefined ? DEFAULT_RRL[key] : config[key]);
  // Rates are whole credits per second: a fractional rate below 1 could never cover a single response.
  const rate = (field: RateField) => requireInteger(field, pick(field), 0, MAX_RATE);
  const merged: RrlConfig = {
    responsesPerSecond: rate('responsesPerSecond'),
    nodataPerSecond: rate('nodataPerSecond'),
    nxdomainsPerSecond: rate('nxdomainsPerSecond'),
    errorsPerSecond: rate('errorsPerSecond'),
    windowSeconds: requireInteger('windowSeconds', pick('windowSeconds'), 1, MAX_WINDOW_SECONDS),
    slip: requireInteger('slip', pick('slip'), 0, MAX_SLIP),
    ipv4PrefixLength: requireInteger('ipv4PrefixLength', pick('ipv4PrefixLength'), 0, 32),
    ipv6PrefixLength: requireInteger('ipv6PrefixLength', pick('ipv6PrefixLength'), 0, 128),
    maxEntries: requireInteger('maxEntries', pick('maxEntries'), 1, MAX_ENTRIES_LIMIT),
    exempt: pick('exempt'),
    logOnly: pick('logOnly'),
  };
  if (typeof merged.logOnly !== 'boolean') throw Errors.badRrlConfig([`rrl.logOnly must be a boolean, got ${String(merged.logOnly)}`]);
  if (!isList(merged.exempt)) throw Errors.badRrlConfig(['rrl.exempt must be an array of CIDR strings']);
  parseExempt(merged.exempt); // throws naming the bad entry
  merged.exempt = Object.freeze([...merged.exempt]);
  return merged;
}

// ---------------------------------------------------------------------------------------------------
// Stats

/** Counters for scraping. Arrays are indexed like RRL_KINDS; Float64 so they never wrap. */
/** Limited responses of one kind, dropped or sent truncated (slipped). */
export interface RrlCount {
  readonly kind: ResponseKind;
  readonly action: 'dropped' | 'slipped';
  readonly value: number;
}

export class RrlStats {
  readonly limited = new Float64Array(RRL_KINDS.length);
  readonly dropped = new Float64Array(RRL_KINDS.length);
  readonly slipped = new Float64Array(RRL_KINDS.length);
  readonly #table: Map<number | string, number>;

  constructor(table: Map<number | string, number>) {
    this.#table = table;
  }

  /** Current number of accounts in the table. */
  get entries(): number {
    return this.#table.size;
  }

  /** Every kind × action, zeros included, so exported series exist from the start. */
  counts(): RrlCount[] {
    const rows: RrlCount[] = [];
    for (let k = 0; k < RRL_KINDS.length; k++) {
      rows.push({ kind: RRL_KINDS[k], action: 'dropped', value: this.dropped[k] });
      rows.push({ kind: RRL_KINDS[k], action: 'slipped', value: this.slipped[k] });
    }
    return rows;
  }
}

// ---------------------------------------------------------------------------------------------------
// Limiter

const INITIAL_CAPACITY = 1024;

/** Gives the response key on demand (the query handler, which knows the last response). */
export interface ResponseKeySource {
  lastResponseKey(): number;
}

function tagOf(kindIndex: number, responseKey: number | ResponseKeySource): number {
  if (kindIndex === ERROR_INDEX) return kindIndex * KIND_MULT;
  const value = typeof responseKey === 'number' ? responseKey : responseKey.lastResponseKey();
  return kindIndex * KIND_MULT + (value & RESPONSE_KEY_MASK);
}

export class ResponseRateLimiter {
  readonly config: RrlConfig;
  readonly stats: RrlStats;

  readonly #now: () => number;
  readonly #rates: Float64Array; // by kind index
  readonly #floors: Float64Array; // -rate * window, by kind index
  readonly #slip: number;
  readonly #logOnly: boolean;
  readonly #maxEntries: number;
  readonly #v4Mask: number;
  readonly #v6Masks: Uint16Array;
  readonly #v6Words: number; // 32-bit words of the address that the IPv6 prefix touches
  readonly #exempt: ParsedExempt;
  readonly #scratch = new Uint16Array(8);
  #lastAddress = '';
  #lastV4 = -1;

  // Accounts live in parallel typed arrays indexed by slot (struct of arrays): creating one allocates
  // nothing once capacity is reached, and the Map only stores key -> slot.
  readonly #table = new Map<number | string, number>();
  #balance: Float64Array;
  #updated: Float64Array; // clock value (ms) of the last refill
  #slipCount: Uint8Array;
  #kind: Uint8Array;
  #free: Int32Array; // stack of free slots
  #freeTop = 0;
  #nextSlot = 0; // slots [nextSlot, capacity) have never been used

  constructor(config: RrlConfig, now: () => number) {
    this.config = validateRrlConfig(config);
    this.#now = now;
    const c = this.config;
    this.#rates = Float64Array.of(c.responsesPerSecond, c.nodataPerSecond, c.nxdomainsPerSecond, c.errorsPerSecond);
    this.#floors = this.#rates.map((rate) => -rate * c.windowSeconds);
    this.#slip = c.slip;
    this.#logOnly = c.logOnly;
    this.#maxEntries = c.maxEntries;
    this.#v4Mask = v4Mask(c.ipv4PrefixLength);
    this.#v6Masks = new Uint16Array(8);
    for (let k = 0; k < 8; k++) this.#v6Masks[k] = hextetMask(c.ipv6PrefixLength, k);
    this.#v6Words = Math.ceil(c.ipv6PrefixLength / 32);
    this.#exempt = parseExempt(c.exempt);
    this.stats = new RrlStats(this.#table);
    // Grow lazily: a big maxEntries costs nothing until traffic needs it.
    const capacity = Math.min(INITIAL_CAPACITY, c.maxEntries);
    this.#balance = new Float64Array(capacity);
    this.#updated = new Float64Array(capacity);
    this.#slipCount = new Uint8Array(capacity);
    this.#kind = new Uint8Array(capacity);
    this.#free = new Int32Array(capacity);
  }

  /**
   * Decides the fate of one UDP response. Never call it for TCP: TCP clients cannot be spoofed. The response
   * key may be given as a source, asked only when the client is not exempt (hashing a name costs, and most
   * traffic on a busy server may come from exempt addresses).
   */
  check(clientAddress: string, family: 4 | 6, kind: ResponseKind, responseKey: number | ResponseKeySource): RrlAction {
    const kindIndex = KIND_INDEX[kind];
    const rate = this.#rates[kindIndex];
    if (rate === 0) return RRL_SEND;

    let key: number | string;
    const h = this.#scratch;
    let v4: number;
    if (family === 4) {
      // One-entry cache: consecutive datagrams very often come from the same address.
      if (clientAddress === this.#lastAddress) v4 = this.#lastV4;
      else {
        v4 = parseIPv4(clientAddress, 0, clientAddress.length);
        this.#lastAddress = clientAddress;
        this.#lastV4 = v4;
      }
    } else v4 = -1;
    let v6 = false;
    if (v4 < 0) {
      v6 = parseIPv6(clientAddress, h);
      v4 = v6 ? mappedIPv4(h) : parseIPv4(clientAddress, 0, clientAddress.length);
    }
    if (v4 >= 0) {
      if (this.#isExemptV4(v4)) return RRL_SEND;
      key = ((v4 & this.#v4Mask) >>> 0) * PREFIX_MULT + tagOf(kindIndex, responseKey);
    } else if (v6) {
      if (this.#isExemptV6(h)) return RRL_SEND;
      key = this.#v6Key(h, tagOf(kindIndex, responseKey));
    } else {
      const tag = tagOf(kindIndex, responseKey);
      // Not an address dgram would produce; account for it anyway rather than let it bypass RRL.
      key = `?${clientAddress}/${tag}`;
    }

    const now = this.#now();
    let slot = this.#table.get(key);
    let balance: number;
    if (slot === undefined) {
      slot = this.#allocate();
      this.#table.set(key, slot);
      this.#kind[slot] = kindIndex;
      this.#slipCount[slot] = 0;
      this.#updated[slot] = now;
      balance = rate;
    } else {
      balance = this.#balance[slot];
      const elapsed = now - this.#updated[slot];
      // If the clock did not advance (or stepped back) keep the old timestamp: no credit is earned twice.
      if (elapsed > 0) {
        balance += (elapsed * rate) / 1000;
        if (balance > rate) balance = rate;
        this.#updated[slot] = now;
      }
    }
    balance -= 1;
    const floor = this.#floors[kindIndex];
    if (balance < floor) balance = floor;
    this.#balance[slot] = balance;
    return this.#verdict(slot, kindIndex, balance);
  }

  #verdict(slot: number, kindIndex: number, balance: number): RrlAction {
    if (balance >= 0) {
      this.#slipCount[slot] = 0;
      return RRL_SEND;
    }
    this.stats.limited[kindIndex]++;
    let action: RrlAction = RRL_DROP;
    if (this.#slip !== 0) {
      const count = this.#slipCount[slot] + 1;
      if (count >= this.#slip) {
        this.#slipCount[slot] = 0;
        action = RRL_SLIP;
      } else {
        this.#slipCount[slot] = count;
      }
    }
    if (action === RRL_SLIP) this.stats.slipped[kindIndex]++;
    else this.stats.dropped[kindIndex]++;
    return this.#logOnly ? RRL_SEND : action;
  }

  #isExemptV4(v4: number): boolean {
    const nets = this.#exempt.v4Nets;
    const masks = this.#exempt.v4Masks;
    for (let i = 0; i < nets.length; i++) if ((v4 & masks[i]) === nets[i]) return true;
    return false;
  }

  #isExemptV6(h: Uint16Array): boolean {
    const rules = this.#exempt.v6;
    outer: for (let i = 0; i < rules.length; i++) {
      const { net, mask } = rules[i];
      for (let k = 0; k < 8; k++) if ((h[k] & mask[k]) !== net[k]) continue outer;
      return true;
    }
    return false;
  }

  /** String key from the masked prefix, as 32-bit words (only those the prefix touches) plus the tag. */
  #v6Key(h: Uint16Array, tag: number): string {
    const m = this.#v6Masks;
    let key = `6/${tag}`;
    for (let w = 0; w < this.#v6Words; w++) {
      const hi = h[2 * w] & m[2 * w];
      const lo = h[2 * w + 1] & m[2 * w + 1];
      key += `:${hi * 0x10000 + lo}`;
    }
    return key;
  }

  #allocate(): number {
    if (this.#table.size >= this.#maxEntries) this.#evict();
    if (this.#freeTop > 0) return this.#free[--this.#freeTop];
    if (this.#nextSlot === this.#balance.length) this.#grow();
    return this.#nextSlot++;
  }

  #grow(): void {
    const capacity = Math.min(this.#balance.length * 2, this.#maxEntries);
    const grow = <T extends Float64Array | Uint8Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.#balance = grow(this.#balance, (n) => new Float64Array(n));
    this.#updated = grow(this.#updated, (n) => new Float64Array(n));
    this.#slipCount = grow(this.#slipCount, (n) => new Uint8Array(n));
    this.#kind = grow(this.#kind, (n) => new Uint8Array(n));
    this.#free = grow(this.#free, (n) => new Int32Array(n));
  }

  #release(key: number | string, slot: number): void {
    this.#table.delete(key);
    this.#free[this.#freeTop++] = slot;
  }

  /**
   * Runs only when the table is full, and frees at least 1/8 of it so the O(n) sweep is amortised to
   * O(1) per new account even under a flood of spoofed prefixes. In order of preference:
   *  1. every account that has refilled to `rate`: it is indistinguishable from a fresh one;
   *  2. accounts with a non-negative balance (not limiting), oldest created first: forgetting them
   *     grants at most `rate` extra responses;
   *  3. only if all else is limiting, the oldest accounts regardless.
   * A spoofed flood creates type-2 accounts (one response each), so the accounts that are actually
   * limiting a reflection victim survive it.
   */
  #evict(): void {
    const target = Math.max(1, this.#maxEntries >>> 3);
    const now = this.#now();
    let freed = 0;
    for (let pass = 1; pass <= 3 && freed < target; pass++) {
      for (const [key, slot] of this.#table) {
        if (pass === 3) {
          this.#release(key, slot);
          if (++freed >= target) break;
          continue;
        }
        const rate = this.#rates[this.#kind[slot]];
        const elapsed = now - this.#updated[slot];
        const balance = this.#balance[slot] + (elapsed > 0 ? (elapsed * rate) / 1000 : 0);
        if (balance >= rate) {
          this.#release(key, slot);
          freed++;
        } else if (pass === 2 && balance >= 0) {
          this.#release(key, slot);
          if (++freed >= target) break;
        }
      }
    }
  }
}
