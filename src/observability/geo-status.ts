// Geo and sticky records in /status and /explain (issue 18): the regions of a geo record and their state, what
// each distinct preference walk of the zone's client map answers now, and for one client address which rule
// placed it, the ECS scope it would be told, its walk, the region that answers and why nearer ones were
// skipped, and for a sticky record the target its subnet hashes to. Built on request from the same pure
// functions the answer table uses (geoMapOf, selectGeo, stickyChoice), so it shows what the answers are.

import ipaddr from 'ipaddr.js';
import { NO_RULE, ruleOf, scopeOf, type GeoIpLookup } from '../answers/client-classifier.js';
import { geoMapOf, walkFor } from '../answers/geo-map.js';
import { preferenceWalk, regionState, selectGeo, type GeoSelection } from '../answers/geo-select.js';
import { selectAnswers, type ResolvedTarget, type Selection } from '../answers/select.js';
import { bucketOf, stickyChoice } from '../answers/sticky.js';
import { DEFAULTS } from '../zone/defaults.js';
import { targetIdentity, type BalancedRecord, type GeoClientRule, type GeoConfig, type ZoneConfig } from '../zone/model.js';
import type { ClientExplanation, GeoRecordStatus, RegionStatus, SkippedRegion, StickyPick, WalkAnswer } from './status-document.js';

/** The regions of a record's targets, in the order the targets first name them. */
function regionsOf(record: BalancedRecord): string[] {
  return [...new Set(record.targets.flatMap((t) => (t.region === undefined ? [] : [t.region])))];
}

export function regionStatuses(record: BalancedRecord, resolved: readonly ResolvedTarget[], geo: GeoConfig): RegionStatus[] {
  const regions = record.targets.map((t) => t.region);
  // Every region the map can walk to, then any the targets name beyond it (validation forbids those anyway).
  const names = [...new Set([...geo.default, ...regionsOf(record)])].filter((region) => regions.includes(region));
  return names.map((region) => ({
    region,
    targets: regions.flatMap((r, i) => (r === region ? [i] : [])),
    A: regionState(resolved, regions, region, 4),
    AAAA: regionState(resolved, regions, region, 6),
  }));
}

/** A rule of the client map in words: `geo.clients[0] (line 12): subnets 10.1.0.0/16 -> eu-west, us-east`. */
export function ruleText(geo: GeoConfig, rule: number): string {
  if (rule === NO_RULE) return `default: no rule covers the client -> ${geo.default.join(', ')}`;
  const r = geo.clients[rule];
  const line = r.line === undefined ? '' : ` (line ${r.line})`;
  return `geo.clients[${rule}]${line}: ${matchText(r)} -> ${r.prefer.join(', ')}`;
}

function matchText(rule: GeoClientRule): string {
  if (rule.match === 'subnets') return `subnets ${rule.subnets.map((s) => s.text).join(', ')}`;
  if (rule.match === 'countries') return `countries ${rule.countries.join(', ')}`;
  return `continents ${rule.continents.join(', ')}`;
}

/** A pseudo-random source fixed by `key`, so that a sample of draws is the same between two looks (see status.ts). */
export type SeededRandom = (key: string) => () => number;

function walkAnswer(selection: GeoSelection, sets: (selection: Selection) => WalkAnswer['answer']): WalkAnswer {
  return {
    ...(selection.region === undefined ? {} : { region: selection.region }),
    skipped: selection.skipped,
    rule: selection.rule,
    answer: sets(selection),
  };
}

/** The regions of a geo record and what every distinct walk of its zone's client map answers now, per family. */
export function geoRecordStatus(
  record: BalancedRecord,
  resolved: readonly ResolvedTarget[],
  geo: GeoConfig,
  random: SeededRandom,
  sets: (selection: Selection) => WalkAnswer['answer'],
): GeoRecordStatus {
  const regions = record.targets.map((t) => t.region);
  const walks = new Map<string, { clients: string[]; walk: string[] }>();
  const add = (walk: string[], clients: string) => {
    const key = walk.join('\n');
    const entry = walks.get(key);
    if (entry === undefined) walks.set(key, { clients: [clients], walk });
    else entry.clients.push(clients);
  };
  geo.clients.forEach((rule, index) => add(preferenceWalk(rule.prefer, geo.default), `geo.clients[${index}] (${matchText(rule)})`));
  add([...geo.default], 'default');
  return {
    regions: regionStatuses(record, resolved, geo),
    walks: [...walks.values()].map(({ clients, walk }) => ({
      clients,
      walk,
      A: walkAnswer(selectGeo(record, resolved, regions, walk, 4, random(`${record.name}/${walk.join(',')}/4`)), sets),
      AAAA: walkAnswer(selectGeo(record, resolved, regions, walk, 6, random(`${record.name}/${walk.join(',')}/6`)), sets),
    })),
  };
}

/** The default walk's selection of a geo record: what clients no rule covers get, and what /status shows as its answer. */
export function defaultGeoSelection(
  record: BalancedRecord,
  resolved: readonly ResolvedTarget[],
  geo: GeoConfig,
  family: 4 | 6,
  random: () => number,
): GeoSelection {
  return selectGeo(
    record,
    resolved,
    record.targets.map((t) => t.region),
    [...geo.default],
    family,
    random,
  );
}

/** A client as `--client` gives it: an address, or a network (`10.1.2.0/24`, as dig's +subnet), IPv4-mapped as IPv4. */
export interface ClientAddress {
  readonly text: string;
  readonly family: 4 | 6;
  /** 4 or 16 bytes, host bits beyond `prefix` clear. */
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** Undefined when `text` is neither an address nor an address/prefix. */
export function parseClient(text: string): ClientAddress | undefined {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  let prefix: number;
  // ipaddr.js also takes inet_aton's short forms ("10.1.2"): an operator typing one more likely made a slip.
  const bare = text.split('/')[0];
  if (!bare.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(bare)) return undefined;
  try {
    if (text.includes('/')) [address, prefix] = ipaddr.parseCIDR(text);
    else {
      address = ipaddr.parse(text);
      prefix = address.kind() === 'ipv4' ? 32 : 128;
    }
  } catch {
    return undefined;
  }
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address();
    prefix = Math.max(0, prefix - 96);
  }
  const family = address.kind() === 'ipv4' ? 4 : 6;
  const bytes = Uint8Array.from(address.toByteArray());
  for (let bit = prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { text, family, bytes, prefix };
}

function networkText(client: ClientAddress, prefix: number): string {
  const bytes = Uint8Array.from(client.bytes);
  for (let bit = prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  const address = ipaddr.fromByteArray([...bytes]);
  return `${address.toString()}/${prefix}`;
}

/** The regions a walk passed over, each with why (see skippedWhy). */
export function skippedRegions(
  record: BalancedRecord,
  resolved: readonly ResolvedTarget[],
  skipped: readonly string[],
  family: 4 | 6,
  reasons: ReadonlyMap<string, string> = new Map(),
): SkippedRegion[] {
  return skipped.map((region) => ({ region, why: skippedWhy(record, resolved, region, family, reasons) }));
}

/** Why a region before the answering one was passed over, from its state and its targets' addresses. */
function skippedWhy(record: BalancedRecord, resolved: readonly ResolvedTarget[], region: string, family: 4 | 6, reasons: ReadonlyMap<string, string>): string {
  const regions = record.targets.map((t) => t.region);
  const state = regionState(resolved, regions, region, family);
  const type = family === 6 ? 'AAAA' : 'A';
  if (state === 'none') return `no ${type} address in ${region}`;
  if (state === 'drained') return `every target in ${region} is drained (meridian drain or a maintenance window)`;
  const own = resolved.filter((_, i) => regions[i] === region);
  const down = own.flatMap((t) =>
    t.addresses.filter((a) => a.health === 'down').map((a) => `${a.address} down${reasons.has(a.address) ? ` (${reasons.get(a.address)})` : ''}`),
  );
  const pending = own.flatMap((t) => t.addresses.filter((a) => a.family === family && a.health === 'pending').map((a) => a.address));
  const parts = [...down, ...pending.map((address) => `${address} not probed up yet`)];
  return `no healthy ${type} target in ${region}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

/** The target(s) a sticky selection gives the client's subnet, with the bucket it hashes to. */
function stickyPick(record: BalancedRecord, selection: Selection, client: ClientAddress, prefixes: { ipv4: number; ipv6: number }): StickyPick | undefined {
  if (record.sticky !== true || selection.eligible === undefined || selection.eligible.length === 0) return undefined;
  const hashPrefix = client.family === 4 ? prefixes.ipv4 : prefixes.ipv6;
  const candidates = selection.eligible.map((c) => ({ ...c, identity: targetIdentity(record.targets[c.index]) }));
  const choice = stickyChoice(candidates, record.answers);
  const bucket = bucketOf(client.family, client.bytes, hashPrefix, new Uint8Array(17));
  const won = choice.choices[choice.buckets[bucket]];
  return {
    subnet: networkText(client, hashPrefix),
    prefix: hashPrefix,
    bucket,
    targets: won.candidates.map((i) => candidates[i].index),
    addresses: [...new Set(won.candidates.flatMap((i) => candidates[i].addresses))],
  };
}

/**
 * One client of one record, for `explain --client`: for a geo record the rule that placed it (subnets by
 * longest prefix first, then its country's rule, then its continent's, via `geoip`), the walk, the region that
 * answers and why nearer ones were skipped; for a sticky record the target its subnet hashes to; and the ECS
 * scope an answer to that network carries (0 when the answer does not depend on the client).
 */
export function explainClient(
  zone: ZoneConfig,
  record: BalancedRecord,
  resolved: readonly ResolvedTarget[],
  client: ClientAddress,
  family: 4 | 6,
  geoip: GeoIpLookup | undefined,
  random: () => number,
  reasons?: ReadonlyMap<string, string>,
): { readonly client: ClientExplanation; readonly selection: Selection } {
  const prefixes = zone.geo?.stickyPrefix ?? DEFAULTS.stickyPrefix;
  const geo = record.policy === 'geo' ? zone.geo : undefined;
  if (geo === undefined) {
    const selection = selectAnswers(record, resolved, family, random);
    const sticky = stickyPick(record, selection, client, prefixes);
    const scope = sticky === undefined ? 0 : sticky.prefix;
    return {
      client: { address: client.text, scope, network: networkText(client, scope), ...(sticky === undefined ? {} : { sticky }) },
      selection,
    };
  }
  // The same map the answer table walks: subnet rules first, then (with the database) country and continent rules.
  const map = geoMapOf(geo, geoip);
  const packed = map.classifier.matchBytes(client.family, client.bytes);
  const rule = ruleOf(packed);
  const walk = map.walks[walkFor(map, rule)];
  const found = geoip?.lookup(ipaddr.fromByteArray([...client.bytes]).toString());
  // A rule matches one way only (its `match`), so the rule that decided says how the client was placed.
  const by = rule === NO_RULE ? 'default' : MATCHED_BY[geo.clients[rule].match];
  const subnet = by === 'subnet' ? longestSubnet(geo.clients[rule], client) : undefined;
  const regions = record.targets.map((t) => t.region);
  const selection = selectGeo(record, resolved, regions, walk, family, random);
  const sticky = stickyPick(record, selection, client, prefixes);
  const scope = Math.max(scopeOf(packed), sticky?.prefix ?? 0);
  const skipped = skippedRegions(record, resolved, selection.skipped, family, reasons);
  return {
    client: {
      address: client.text,
      scope,
      network: networkText(client, scope),
      match: {
        by,
        rule: rule === NO_RULE ? null : rule,
        text: ruleText(geo, rule),
        ...(subnet === undefined ? {} : { subnet }),
        ...(found?.country === undefined ? {} : { country: found.country }),
        ...(found?.continent === undefined ? {} : { continent: found.continent }),
      },
      walk,
      ...(selection.region === undefined ? {} : { region: selection.region }),
      skipped,
      ...(sticky === undefined ? {} : { sticky }),
    },
    selection,
  };
}

const MATCHED_BY = { subnets: 'subnet', countries: 'country', continents: 'continent' } as const;

/** The longest subnet of `rule` holding the client (the trie matched the rule, not which of its subnets). */
function longestSubnet(rule: GeoClientRule, client: ClientAddress): string | undefined {
  let best: { text: string; prefix: number } | undefined;
  for (const subnet of rule.subnets) {
    if (subnet.family !== client.family || subnet.prefix > client.prefix) continue;
    let inside = true;
    for (let bit = 0; bit < subnet.prefix && inside; bit++) {
      const mask = 0x80 >> (bit & 7);
      inside = (subnet.bytes[bit >> 3] & mask) === (client.bytes[bit >> 3] & mask);
    }
    if (inside && (best === undefined || subnet.prefix > best.prefix)) best = subnet;
  }
  return best?.text;
}
