// The zone's client map (`geo:`): rules of subnets, countries or continents with the regions their clients prefer,
// and the default order. Checked here: each rule covers clients one way; lists are not empty and hold no
// duplicates; no two rules cover the same subnet, country or continent; countries and continents only with a
// GeoIP database; every region named is the region of some target of the zone.

import { firstSeen, labelFor, report, warn, type CheckContext } from './check-context.js';
import { DEFAULTS } from './defaults.js';
import { childPointer } from './json-pointer.js';
import { CONTINENTS, type Continent, type GeoClientRule, type GeoConfig, type GeoSubnet } from './model.js';
import { has, isInteger, isPlainMap } from './plain-data.js';
import { REGION_NAME_PATTERN } from './schema.js';
import { parseSubnet, subnetIdentity } from './subnets.js';

const RULE_KINDS = ['subnets', 'countries', 'continents'] as const;
type RuleKind = (typeof RULE_KINDS)[number];

const CONTINENT_SET: ReadonlySet<string> = new Set(CONTINENTS);
/** A region that is not a valid name is reported by the schema, and is not looked for among the targets. */
const REGION_NAME = new RegExp(REGION_NAME_PATTERN);

/** Regions the targets of the zone's records give, and where the geo records' targets give each one, from the data. */
export interface RegionsInUse {
  /** Every region some target of the zone gives (any policy). */
  readonly all: ReadonlySet<string>;
  /** Region → the pointer of the first `region` value of a geo record's target that gives it. */
  readonly ofGeoRecords: ReadonlyMap<string, string>;
}

export function regionsInUse(records: unknown): RegionsInUse {
  const all = new Set<string>();
  const ofGeoRecords = new Map<string, string>();
  for (const [key, record] of Object.entries(isPlainMap(records) ? records : {})) {
    if (!isPlainMap(record) || !Array.isArray(record.targets)) continue;
    record.targets.forEach((target, i) => {
      if (!isPlainMap(target) || typeof target.region !== 'string' || !REGION_NAME.test(target.region)) return;
      all.add(target.region);
      if (record.policy === 'geo' && !ofGeoRecords.has(target.region)) {
        ofGeoRecords.set(target.region, childPointer(childPointer(childPointer(childPointer('/records', key), 'targets'), String(i)), 'region'));
      }
    });
  }
  return { all, ofGeoRecords };
}

/** The client map of `value` (the top-level `geo`), or undefined when it is absent or has an error. */
export function checkGeo(ctx: CheckContext, value: unknown, regions: RegionsInUse): GeoConfig | undefined {
  if (!isPlainMap(value)) return undefined; // absent, or reported by the schema
  const before = ctx.issues.length;
  const checkRegions = (pointer: string, list: unknown) => checkRegionList(ctx, pointer, list, regions.all);
  const clients = checkRules(ctx, value.clients, checkRegions);
  const defaultOrder = checkRegions('/geo/default', value.default);
  const sticky = isPlainMap(value.stickyPrefix) ? value.stickyPrefix : {};
  const stickyPrefix = {
    ipv4: isInteger(sticky.ipv4, 1, 32) ? sticky.ipv4 : DEFAULTS.stickyPrefix.ipv4,
    ipv6: isInteger(sticky.ipv6, 1, 128) ? sticky.ipv6 : DEFAULTS.stickyPrefix.ipv6,
  };
  if (defaultOrder !== undefined && clients !== undefined) warnUnreachableRegions(ctx, regions, defaultOrder, clients);
  if (ctx.issues.length > before || clients === undefined || defaultOrder === undefined) return undefined;
  return { clients, default: defaultOrder, stickyPrefix };
}

/** The `prefer` or `default` list at `pointer`: region names, not empty (the schema says so), no duplicates, all in use. */
function checkRegionList(ctx: CheckContext, pointer: string, value: unknown, inUse: ReadonlySet<string>): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined; // reported by the schema
  const earlierLine = firstSeen(ctx);
  const list: string[] = [];
  let valid = true;
  value.forEach((item, i) => {
    if (typeof item !== 'string' || !REGION_NAME.test(item)) return void (valid = false); // reported by the schema
    const itemPointer = childPointer(pointer, String(i));
    const line = earlierLine(item, itemPointer);
    if (line !== undefined) {
      report(ctx, itemPointer, 'value', `duplicate region '${item}' (also at line ${line})`);
      valid = false;
    } else if (!inUse.has(item)) {
      const known = inUse.size === 0 ? 'no target of this zone has a region' : `regions: ${[...inUse].sort().join(', ')}`;
      report(ctx, itemPointer, 'value', `region '${item}' is not the region of any target in this zone (${known})`);
      valid = false;
    }
    list.push(item);
  });
  return valid ? list : undefined;
}

function checkRules(ctx: CheckContext, value: unknown, checkRegions: (pointer: string, list: unknown) => string[] | undefined): GeoClientRule[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined; // reported by the schema
  // Across rules: the pointer of the rule that first covers a subnet, country or continent.
  const coveredBy = new Map<string, string>();
  const rules: GeoClientRule[] = [];
  let valid = true;
  value.forEach((item, i) => {
    const pointer = childPointer('/geo/clients', String(i));
    const rule = isPlainMap(item) ? checkRule(ctx, pointer, item, coveredBy, checkRegions) : undefined;
    if (rule === undefined) valid = false;
    else rules.push(rule);
  });
  return valid ? rules : undefined;
}

function checkRule(
  ctx: CheckContext,
  pointer: string,
  value: Record<string, unknown>,
  coveredBy: Map<string, string>,
  checkRegions: (pointer: string, list: unknown) => string[] | undefined,
): GeoClientRule | undefined {
  const before = ctx.issues.length;
  const kinds = RULE_KINDS.filter((key) => has(value, key));
  if (kinds.length === 0) {
    report(ctx, pointer, 'value', 'a client rule needs one of subnets, countries or continents');
  } else if (kinds.length > 1) {
    report(ctx, pointer, 'value', `a client rule takes exactly one of subnets, countries or continents (found: ${kinds.join(', ')})`);
  }
  const lists = { subnets: [] as GeoSubnet[], countries: [] as string[], continents: [] as Continent[] };
  for (const kind of kinds) {
    const listPointer = childPointer(pointer, kind);
    if (kind !== 'subnets' && ctx.options.hasGeoipDatabase !== true) {
      report(ctx, listPointer, 'key', `${kind} need a GeoIP database: start with --geoip-db FILE.mmdb`);
    }
    const items = Array.isArray(value[kind]) ? (value[kind] as unknown[]) : []; // else: the schema
    const earlierLine = firstSeen(ctx);
    items.forEach((item, i) => {
      if (typeof item !== 'string') return; // reported by the schema
      const itemPointer = childPointer(listPointer, String(i));
      const read = readItem(kind, item);
      if (!read.ok) return report(ctx, itemPointer, 'value', read.message);
      const line = earlierLine(read.identity, itemPointer);
      if (line !== undefined) return report(ctx, itemPointer, 'value', `duplicate ${NOUNS[kind]} '${item}' (also at line ${line})`);
      const other = coveredBy.get(read.identity);
      if (other !== undefined) {
        const identical = kind === 'subnets' ? 'overlapping identical subnets: ' : '';
        report(
          ctx,
          itemPointer,
          'value',
          `${NOUNS[kind]} '${item}' is also in ${labelFor(ctx.root, other)} (line ${ctx.index.position(other, 'value').line}): ` +
            `${identical}a client there would match both rules`,
        );
        return;
      }
      coveredBy.set(read.identity, pointer);
      if (read.kind === 'subnets') lists.subnets.push(read.subnet);
      else if (read.kind === 'countries') lists.countries.push(read.code);
      else lists.continents.push(read.code);
    });
  }
  const prefer = checkRegions(childPointer(pointer, 'prefer'), value.prefer);
  if (ctx.issues.length > before || kinds.length !== 1 || prefer === undefined) return undefined;
  return { match: kinds[0], ...lists, prefer, line: ctx.index.position(pointer, 'value').line };
}

const NOUNS: Record<RuleKind, string> = { subnets: 'subnet', countries: 'country', continents: 'continent' };

type ItemReading =
  | { readonly ok: true; readonly kind: 'subnets'; readonly subnet: GeoSubnet; readonly identity: string }
  | { readonly ok: true; readonly kind: 'countries'; readonly code: string; readonly identity: string }
  | { readonly ok: true; readonly kind: 'continents'; readonly code: Continent; readonly identity: string }
  | { readonly ok: false; readonly message: string };

/** One item of a rule's list, normalised, with what identifies it across rules. */
function readItem(kind: RuleKind, item: string): ItemReading {
  if (kind === 'subnets') {
    const read = parseSubnet(item);
    return read.ok ? { ok: true, kind, subnet: read.subnet, identity: `subnet ${subnetIdentity(read.subnet)}` } : read;
  }
  const code = item.toUpperCase();
  if (kind === 'countries') {
    // The schema has checked the two letters. "UK" is the one code people reach for that ISO 3166-1 reserves.
    if (code === 'UK') return { ok: false, message: `'${item}' is not an ISO 3166-1 alpha-2 code: the United Kingdom is GB` };
    return { ok: true, kind, code, identity: `country ${code}` };
  }
  if (!CONTINENT_SET.has(code)) return { ok: false, message: `'${item}' is not a continent code (${CONTINENTS.join(', ')})` };
  return { ok: true, kind, code: code as Continent, identity: `continent ${code}` };
}

/** A region of a geo record that neither `default` nor any `prefer` names is never walked to: say so. */
function warnUnreachableRegions(ctx: CheckContext, regions: RegionsInUse, defaultOrder: readonly string[], rules: readonly GeoClientRule[]): void {
  const walked = new Set([...defaultOrder, ...rules.flatMap((rule) => rule.prefer)]);
  for (const [region, pointer] of regions.ofGeoRecords) {
    if (walked.has(region)) continue;
    warn(ctx, pointer, 'value', `region '${region}' is in neither geo.default nor any prefer list, so no client is answered from it`);
  }
}
