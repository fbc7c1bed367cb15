// A zone's client map as the answer table uses it (issue 18): the classifier over its subnet rules, and each
// rule's preference walk, with identical walks shared, so a geo record's answers are built once per distinct
// walk rather than once per rule. The default list is the walk of clients no rule matches.

import { ClientClassifier, type GeoIpLookup, type SubnetRule } from './client-classifier.js';
import { preferenceWalk } from './geo-select.js';

/** The shape of a zone's `geo:` this reads (zone/model.ts's GeoConfig has it). */
export interface GeoMapSource {
  readonly clients: ReadonlyArray<{
    readonly subnets: ReadonlyArray<{ readonly family: 4 | 6; readonly bytes: ArrayLike<number>; readonly prefix: number }>;
    readonly countries: readonly string[];
    readonly continents: readonly string[];
    readonly prefer: readonly string[];
  }>;
  readonly default: readonly string[];
}

export interface GeoMap {
  readonly classifier: ClientClassifier;
  /** The distinct walks; the default list's is among them. */
  readonly walks: readonly (readonly string[])[];
  /** Rule index → index into `walks`; the last entry is the default list's (a client no rule matches). */
  readonly walkOfRule: Int32Array;
}

/** `geoip`: the server's GeoIP database, for the country and continent rules (validation requires it for them). */
export function geoMapOf(geo: GeoMapSource, geoip?: GeoIpLookup): GeoMap {
  const walks: string[][] = [];
  const keys = new Map<string, number>();
  const walkIndex = (walk: string[]) => {
    const key = walk.join('\n');
    let index = keys.get(key);
    if (index === undefined) {
      index = walks.length;
      walks.push(walk);
      keys.set(key, index);
    }
    return index;
  };
  const walkOfRule = new Int32Array(geo.clients.length + 1);
  const subnets: SubnetRule[] = [];
  const countries = new Map<string, number>();
  const continents = new Map<string, number>();
  geo.clients.forEach((rule, index) => {
    walkOfRule[index] = walkIndex(preferenceWalk(rule.prefer, geo.default));
    for (const subnet of rule.subnets) subnets.push({ ...subnet, rule: index });
    for (const code of rule.countries) if (!countries.has(code)) countries.set(code, index);
    for (const code of rule.continents) if (!continents.has(code)) continents.set(code, index);
  });
  walkOfRule[geo.clients.length] = walkIndex([...geo.default]);
  const byCode = geoip !== undefined && countries.size + continents.size > 0 ? { lookup: geoip, countries, continents } : undefined;
  return { classifier: new ClientClassifier(subnets, byCode), walks, walkOfRule };
}

/** The walk a packed classifier match leads to (see ClientClassifier). */
export function walkFor(map: Pick<GeoMap, 'walkOfRule'>, rule: number): number {
  return map.walkOfRule[rule < 0 ? map.walkOfRule.length - 1 : rule];
}
