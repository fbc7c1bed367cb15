// What the structure and semantic checks share: the context they report into, and how messages name a value.
// Every check reports at a JSON pointer; the context's PositionIndex turns it into a line and column.

import type { ReadTextFile } from './ca-files.js';
import { pointerSegments, type PointerPart, type PositionIndex } from './json-pointer.js';
import type { OutOfZoneGlue, ZoneIssue } from './model.js';
import { isPlainMap } from './plain-data.js';

/** What validation may know beyond the file itself. */
export interface ValidationOptions {
  /** Cluster names registered with the server; when given, a target naming another cluster is an error. */
  readonly knownClusters?: ReadonlySet<string>;
  /**
   * Whether the server has a GeoIP database (--geoip-db) to place clients by country and continent; without one,
   * a client rule with countries or continents is an error. Default false.
   */
  readonly hasGeoipDatabase?: boolean;
  /**
   * The server's DNSSEC key directory (--dnssec-keys), as read before this load: a zone with `dnssec:` must have a
   * usable key there. Absent: the server signs nothing, and `dnssec:` is an error.
   */
  readonly dnssecKeys?: DnssecKeysValidation;
}

export interface DnssecKeysValidation {
  readonly dir: string;
  /** Zones with at least one active key. */
  readonly usable: ReadonlySet<string>;
  /** Why keys of a zone cannot be used (zones without problems are absent). */
  readonly problems: ReadonlyMap<string, readonly string[]>;
}

/** One file's checks: what they read, and where their findings go. */
export interface CheckContext {
  readonly options: ValidationOptions;
  readonly file: string;
  readonly index: PositionIndex;
  /** The whole data, to tell list items from map entries when naming a pointer. */
  readonly root: unknown;
  readonly readFile: ReadTextFile;
  /** Errors: any of them keeps the zone from loading. */
  readonly issues: ZoneIssue[];
  /** Kept apart from the errors, which the checks count to know whether a part of the file was sound. */
  readonly warnings: ZoneIssue[];
  readonly outOfZoneGlue: OutOfZoneGlue[];
}

export function report(ctx: CheckContext, pointer: string, part: PointerPart, message: string): void {
  ctx.issues.push({ file: ctx.file, ...ctx.index.position(pointer, part), message });
}

export function warn(ctx: CheckContext, pointer: string, part: PointerPart, message: string): void {
  ctx.warnings.push({ file: ctx.file, ...ctx.index.position(pointer, part), message, severity: 'warning' });
}

/**
 * One list's memory of where each identity first stood: for an identity seen before it gives that item's line
 * (for "also at line N"), else it remembers `itemPointer` and gives undefined.
 */
export function firstSeen(ctx: CheckContext): (identity: string, itemPointer: string) => number | undefined {
  const firstPointer = new Map<string, string>();
  return (identity, itemPointer) => {
    const first = firstPointer.get(identity);
    if (first !== undefined) return ctx.index.position(first, 'value').line;
    firstPointer.set(identity, itemPointer);
    return undefined;
  };
}

/**
 * How messages name a value: the path from the nearest record, target or name server, with list items as [i].
 * "/records/app/check/interval" → "check.interval", "/records/app/targets/0/weight" → "weight",
 * "/records/app/a/1" → "a[1]", "/soa/rname" → "soa.rname", "/records/app" → "record 'app'".
 */
export function labelFor(root: unknown, pointer: string): string {
  const segments = pointerSegments(pointer);
  let start = 0;
  let whole = 'the zone policy';
  if (segments[0] === 'records' && segments.length >= 2) {
    start = 2;
    whole = `record '${segments[1]}'`;
    if (segments[2] === 'targets' && segments.length >= 4) {
      start = 4;
      whole = `targets[${segments[3]}]`;
    }
  } else if (segments[0] === 'nameservers' && segments.length >= 2) {
    start = 2;
    whole = `name server '${segments[1]}'`;
  }
  let value: unknown = root;
  for (const segment of segments.slice(0, start)) value = childValue(value, segment);
  let path = '';
  for (const segment of segments.slice(start)) {
    path += Array.isArray(value) ? `[${segment}]` : path === '' ? segment : `.${segment}`;
    value = childValue(value, segment);
  }
  if (path === '') return whole;
  return path.startsWith('[') ? `${whole}${path}` : path;
}

function childValue(value: unknown, segment: string): unknown {
  if (Array.isArray(value)) return value[Number(segment)];
  return isPlainMap(value) ? value[segment] : undefined;
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value; // a symbol or a function, which YAML data never holds
}
