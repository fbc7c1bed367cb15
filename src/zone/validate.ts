// Validation of one zone policy file, from YAML text to a normalised ZoneConfig or a list of positioned problems.
//
// Three passes, each reporting everything it finds:
//   1. YAML: syntax errors stop here (the tree after one is unreliable); duplicate keys are reported and we go on.
//   2. Structure: ajv checks the plain data against the JSON schema (schema.ts), the same schema editors use.
//   3. Semantics: rules that span keys or need DNS knowledge (addresses, names, record kinds, defaults, ...), while
//      building the ZoneConfig. This pass reads the data defensively and skips whatever pass 2 already rejected.
// Every problem is positioned by mapping its JSON pointer back to the YAML node it came from.

import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type YAMLError } from 'yaml';
import { parseCron, type CronSchedule } from '../base/cron.js';
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration.js';
import type {
  BalancedRecord,
  CaaData,
  CheckConfig,
  CnameRecord,
  MaintenanceWindow,
  MxData,
  NameserverConfig,
  OutOfZoneGlue,
  Policy,
  ProbeProtocol,
  RecordConfig,
  SoaConfig,
  SrvData,
  StaticRecord,
  TargetConfig,
  TlsConfig,
  WhenAllDown,
  ZoneConfig,
  ZoneIssue,
} from './model.js';
import { targetIdentity } from './model.js';
import { MAX_RRSET_OCTETS } from '../base/wire.js';
import { isSubdomainOf, nameProblem, normaliseName, resolveRecordName, wireLength } from '../base/names.js';
import {
  CAA_TAG_PATTERN,
  CLUSTER_NAME_PATTERN,
  HTTP_PATH_PATTERN,
  MAX_SERIAL,
  MAX_TTL,
  OBJECT_REF_PATTERN,
  STATUS_RANGE_PATTERN,
  zonePolicySchema,
} from './schema.js';

/** Reads a file that a zone file refers to (a CA bundle); undefined when it is missing or unreadable. */
export type ReadTextFile = (path: string) => string | undefined;

/** Where a file declares its zone, for the cross-file "declared twice" check. */
export interface DeclaredZone {
  readonly zone: string;
  readonly line: number;
  readonly column: number;
}

export interface ZoneFileValidation {
  /** Present only when no issue is an error (warnings are allowed). */
  readonly zone?: ZoneConfig;
  /** Errors and warnings, in file order. */
  readonly issues: readonly ZoneIssue[];
  /** The zone name the file declares, when it is valid, even if other parts of the file are not. */
  readonly declared?: DeclaredZone;
  /** With `zone`: the addresses given to name servers outside it, ignored (see checkGlueAcrossZones). */
  readonly outOfZoneGlue?: readonly OutOfZoneGlue[];
}

export const DEFAULTS = {
  zoneTtl: 30,
  soa: { refresh: 3600, retry: 600, expire: 86400, minimum: 30 },
  answers: 1,
  weight: 1,
  whenAllDown: 'all' as WhenAllDown,
  check: {
    httpPort: 80,
    httpsPort: 443,
    path: '/',
    intervalMs: 5_000,
    timeoutMs: 2_000,
    fastIntervalMs: 1_000,
    rise: 2,
    fall: 2,
    expect: [[200, 399]] as ReadonlyArray<readonly [number, number]>,
  },
} as const;

/** Longest probe interval or timeout we accept; far below the ~24.8 days where Node timers overflow. */
const MAX_CHECK_DURATION_MS = 24 * 3_600_000;
/** Longest maintenance window: a week, so a weekly window may cover its whole week. */
const MAX_MAINTENANCE_DURATION_MS = 7 * 24 * 3_600_000;
/** Text octets one TXT record can carry: RDATA ≤ 65535 octets, and every 255 octets cost a length octet. */
const MAX_TXT_OCTETS = 65_279;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const TARGET_KINDS = ['address', 'addresses', 'cluster'] as const;
const OBJECT_SELECTORS = ['ingress', 'service', 'gateway'] as const;
const STATIC_KEYS = ['a', 'aaaa', 'txt', 'mx', 'srv', 'caa'] as const;
const BALANCED_ONLY_KEYS = ['answers', 'check', 'whenAllDown', 'targets'] as const;
const HTTP_ONLY_CHECK_KEYS = ['path', 'host', 'expect', 'body', 'headers', 'tls'] as const;

/** Validates and normalises the text of one zone policy file. `file` is used for positions and to resolve `ca`. */
export function validateZoneText(text: string, file: string, readFile: ReadTextFile, options: ValidationOptions = {}): ZoneFileValidation {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text; // a byte order mark is not content
  return validateValidFast(source, file, readFile, options) ?? validateWithPositions(source, file, readFile, options);
}

/**
 * The fast path, for the common case of a valid file. js-yaml parses about ten times faster than the `yaml`
 * library's positioned document (10,000 records: 0.16 s against 2 s), but knows no positions. So the same
 * checks run on its plain data, and the first sign of any problem (a parse error, a duplicate key, an unusual
 * key, any issue at all) sends the file down the positioned path, which reports everything with
 * file:line:column. A valid file gives the same ZoneConfig either way.
 */
function validateValidFast(source: string, file: string, readFile: ReadTextFile, options: ValidationOptions): ZoneFileValidation | undefined {
  let data: unknown;
  try {
    data = loadYaml(source, { schema: CORE_SCHEMA, json: false });
  } catch {
    return undefined;
  }
  // The lines of the maintenance windows are part of the ZoneConfig: find them, or take the positioned path.
  const positions = maintenancePositions(source, data);
  if (positions === undefined) return undefined;
  // Integer-like keys would be reordered by a plain object; the positioned path keeps file order for them.
  const index = new PlainDataIndex(data, positions);
  if (index.hasIntegerLikeKeys('/records') || index.hasIntegerLikeKeys('/nameservers')) return undefined;
  const zoneKey = /^zone:/m.exec(source);
  if (zoneKey === null) return undefined;
  const issues: ZoneIssue[] = [];
  const ctx: Ctx = { options, file, index, root: data, readFile, issues, warnings: [], outOfZoneGlue: [] };
  checkStructure(ctx, data);
  const { zone } = checkZone(ctx, data);
  // A warning needs its position too: the positioned path reports it.
  if (issues.length > 0 || ctx.warnings.length > 0 || zone === undefined) return undefined;
  const line = source.slice(0, zoneKey.index).split('\n').length;
  return { zone, issues: [], declared: { zone: zone.zone, line, column: 1 } };
}

/** Positions for the positioned path; the fast path has none (it never reports). */
interface PositionIndex {
  position(pointer: string, part: 'key' | 'value'): { line: number; column: number };
  offset(pointer: string, part: 'key' | 'value'): number;
  keysOf(pointer: string): readonly string[];
}

/** Keys in the order a plain object keeps them; no positions but those of the maintenance windows. */
class PlainDataIndex implements PositionIndex {
  readonly #data: unknown;
  readonly #positions: ReadonlyMap<string, { line: number; column: number }>;
  constructor(data: unknown, positions: ReadonlyMap<string, { line: number; column: number }> = new Map()) {
    this.#data = data;
    this.#positions = positions;
  }
  position(pointer: string): { line: number; column: number } {
    return this.#positions.get(pointer) ?? { line: 0, column: 0 };
  }
  offset(): number {
    return 0;
  }
  keysOf(pointer: string): readonly string[] {
    const value = this.#at(pointer);
    return isPlainMap(value) ? Object.keys(value) : [];
  }
  hasIntegerLikeKeys(pointer: string): boolean {
    return this.keysOf(pointer).some((key) => /^(0|[1-9]\d*)$/.test(key));
  }
  #at(pointer: string): unknown {
    let value = this.#data;
    for (const part of pointer.split('/').slice(1)) value = isPlainMap(value) ? value[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    return value;
  }
}

/**
 * The positions of the maintenance windows (a window's line is part of the ZoneConfig), for the fast path, which
 * knows no positions otherwise: the top-level `maintenance:` block is cut out of the text and parsed alone with
 * positions, which costs little however many records the file holds. Undefined, to take the positioned path, when
 * the block cannot be found that simply or its parse differs from the whole file's in any way.
 */
function maintenancePositions(source: string, data: unknown): Map<string, { line: number; column: number }> | undefined {
  const positions = new Map<string, { line: number; column: number }>();
  const windows = isPlainMap(data) ? data.maintenance : undefined;
  if (!Array.isArray(windows) || windows.length === 0) return positions;
  const key = /^maintenance[ \t]*:/m.exec(source);
  if (key === null) return undefined;
  const rest = source.slice(key.index);
  const end = /\n[^\s#-]/.exec(rest); // the next top-level key
  const block = end === null ? rest : rest.slice(0, end.index + 1);
  const lineCounter = new LineCounter();
  const doc = parseDocument(block, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  const sequence = doc.get('maintenance', true);
  if (!isSeq(sequence) || !isDeepStrictEqual(doc.toJS({ maxAliasCount: 100 }), { maintenance: windows })) return undefined;
  const keyLine = source.slice(0, key.index).split('\n').length;
  for (const [i, item] of sequence.items.entries()) {
    const offset = rangeStart(item);
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    positions.set(childPointer('/maintenance', String(i)), { line: keyLine + line - 1, column: col });
  }
  return positions;
}

function validateWithPositions(source: string, file: string, readFile: ReadTextFile, options: ValidationOptions): ZoneFileValidation {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, {
    lineCounter,
    prettyErrors: false,
    // Duplicate keys are reported by YamlNodeIndex, which can also say where the first one is.
    uniqueKeys: false,
  });
  const positionAt = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const issues: ZoneIssue[] = [...doc.errors, ...doc.warnings].map((error) => {
    const cron = unquotedCronAt(source, error.pos[0]);
    return cron === undefined
      ? { file, ...positionAt(error.pos[0]), message: yamlErrorMessage(error, source) }
      : { file, ...positionAt(cron.offset), message: cron.message };
  });
  if (doc.errors.length > 0) return { issues: dedupeIssues(sortIssues(issues)) };
  if (doc.contents === null) {
    issues.push({ file, line: 0, column: 0, message: 'the file is empty; expected a zone policy (zone, soa, nameservers, records)' });
    return { issues };
  }

  const index = new YamlNodeIndex(doc, positionAt);
  for (const duplicate of index.duplicateKeys) {
    issues.push({
      file,
      ...positionAt(duplicate.offset),
      message: `duplicate key '${duplicate.key}' (also at line ${positionAt(duplicate.firstOffset).line})`,
    });
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    issues.push({ file, line: 0, column: 0, message: `cannot expand the YAML aliases: ${(error as Error).message}` });
    return { issues };
  }

  const ctx: Ctx = { options, file, index, root: data, readFile, issues, warnings: [], outOfZoneGlue: [] };
  checkStructure(ctx, data);
  const { zone, declared } = checkZone(ctx, data);
  const errors = dedupeIssues(issues);
  const all = dedupeIssues(sortIssues([...issues, ...ctx.warnings]));
  return errors.length === 0 && zone !== undefined ? { zone, issues: all, declared, outOfZoneGlue: ctx.outOfZoneGlue } : { issues: all, declared };
}

/**
 * The serial a zone gets when its file sets none: the first 32 bits of a SHA-256 over a canonical JSON of the
 * normalised zone, leaving out what does not describe the zone (the file path, the CA path) and the serial itself.
 * Equal configurations give equal serials on every replica; any change of configuration gives a new one.
 */
export function deriveSerial(zone: ZoneConfig): number {
  return serialOf(canonicalZone(zone));
}

function serialOf(canonical: string): number {
  const serial = createHash('sha256').update(canonical).digest().readUInt32BE(0);
  return serial === 0 ? 1 : serial;
}

/** The normalised zone as canonical JSON, without what does not describe it (see deriveSerial). */
function canonicalZone(zone: ZoneConfig): string {
  const { file: _file, soa, records, maintenance, fingerprint: _fingerprint, ...rest } = zone;
  const { serial: _serial, ...soaWithoutSerial } = soa;
  const recordsWithoutPaths = records.map((record) =>
    record.kind === 'balanced' && record.check !== undefined
      ? { ...record, check: { ...record.check, tls: { ...record.check.tls, caFile: undefined } } }
      : record,
  );
  // Where a window is written does not describe the zone. An empty list is left out, so a zone without windows
  // keeps the serial it had before windows existed.
  const windows = (maintenance ?? []).map(({ line: _line, ...window }) => window);
  return canonicalJson({
    ...rest,
    soa: soaWithoutSerial,
    records: recordsWithoutPaths,
    ...(windows.length === 0 ? {} : { maintenance: windows }),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Positions: JSON pointer → YAML node

interface IndexedNode {
  readonly valueOffset: number;
  readonly keyOffset?: number;
  /** Keys of a map in source order (the order of a JS object would put "1" before "app"). */
  readonly keys?: readonly string[];
}

interface DuplicateKey {
  readonly key: string;
  readonly offset: number;
  readonly firstOffset: number;
}

class YamlNodeIndex implements PositionIndex {
  readonly duplicateKeys: DuplicateKey[] = [];
  readonly #nodes = new Map<string, IndexedNode>();
  readonly #positionAt: (offset: number) => { line: number; column: number };
  readonly #doc: Document;

  constructor(doc: Document, positionAt: (offset: number) => { line: number; column: number }) {
    this.#doc = doc;
    this.#positionAt = positionAt;
    this.#walk(doc.contents, '', undefined, new Set());
  }

  /** Line and column of the key (when asked and there is one) or the value at `pointer`, or its nearest ancestor. */
  position(pointer: string, part: 'key' | 'value'): { line: number; column: number } {
    return this.#positionAt(this.offset(pointer, part));
  }

  offset(pointer: string, part: 'key' | 'value'): number {
    for (let current = pointer; ; current = current.slice(0, current.lastIndexOf('/'))) {
      const node = this.#nodes.get(current);
      if (node !== undefined) return (part === 'key' ? node.keyOffset : undefined) ?? node.valueOffset;
      if (current === '') return 0;
    }
  }

  keysOf(pointer: string): readonly string[] {
    return this.#nodes.get(pointer)?.keys ?? [];
  }

  #walk(node: unknown, pointer: string, keyOffset: number | undefined, ancestors: Set<unknown>): void {
    // An empty value ("check:" and nothing more) is best shown at its key.
    const isEmptyValue = isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1];
    const valueOffset = (isEmptyValue ? keyOffset : rangeStart(node)) ?? keyOffset ?? 0;
    const target = isAlias(node) ? node.resolve(this.#doc) : node;
    if (ancestors.has(target)) return; // a recursive alias; toJS reports it
    if (isMap(target)) {
      const keys: string[] = [];
      const firstOffsets = new Map<string, number>();
      const inner = new Set(ancestors).add(target);
      for (const pair of target.items) {
        const key = jsKey(pair.key);
        const offset = rangeStart(pair.key) ?? valueOffset;
        const first = firstOffsets.get(key);
        if (first === undefined) {
          firstOffsets.set(key, offset);
          keys.push(key);
        } else {
          this.duplicateKeys.push({ key, offset, firstOffset: first });
        }
        this.#walk(pair.value, childPointer(pointer, key), offset, inner);
      }
      this.#nodes.set(pointer, { valueOffset, keyOffset, keys });
    } else if (isSeq(target)) {
      this.#nodes.set(pointer, { valueOffset, keyOffset });
      const inner = new Set(ancestors).add(target);
      target.items.forEach((item, i) => this.#walk(item, childPointer(pointer, String(i)), undefined, inner));
    } else {
      this.#nodes.set(pointer, { valueOffset, keyOffset });
    }
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: readonly number[] } | null | undefined)?.range;
  return range?.[0];
}

// The key the yaml library gives a pair in toJS(): String() of a scalar's value, '' for an empty key.
function jsKey(key: unknown): string {
  if (isScalar(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
  return String(key);
}

function childPointer(pointer: string, key: string): string {
  return `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

function pointerSegments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function yamlErrorMessage(error: YAMLError, text: string): string {
  if (error.code === 'BAD_SCALAR_START' && text[error.pos[0]] === '@') {
    return `'@' is reserved in YAML; quote the apex key: "@":`;
  }
  if (error.code === 'MULTIPLE_DOCS') return 'a zone policy file holds one YAML document; this one holds several (---)';
  return error.message;
}

/**
 * An unquoted cron expression that starts with '*' or '@' is YAML syntax (an alias; a reserved character) and
 * gives several baffling YAML errors. When `offset` lies in such a value, one message at its start that says to
 * quote it.
 */
function unquotedCronAt(text: string, offset: number): { offset: number; message: string } | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const prefix = text.slice(lineStart, offset + 1);
  const key = [...prefix.matchAll(/(?:^|[\s{,])cron[ \t]*:[ \t]+(?=[*@])/g)].at(-1);
  if (key === undefined) return undefined;
  const start = key.index + key[0].length;
  if (/[,}]/.test(prefix.slice(start))) return undefined; // the error lies after the value, in a flow map
  const lineEnd = text.indexOf('\n', lineStart);
  const value = text
    .slice(lineStart + start, lineEnd === -1 ? undefined : lineEnd)
    .replace(/\s+#.*$|[,}].*$/, '')
    .trim();
  const why = value.startsWith('*') ? "a YAML value that starts with '*' is an alias" : "'@' is reserved in YAML";
  return { offset: lineStart + start, message: `quote the cron expression: ${why} (write cron: "${value}")` };
}

function sortIssues(issues: ZoneIssue[]): ZoneIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

function dedupeIssues(issues: readonly ZoneIssue[]): ZoneIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.line}:${issue.column}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers of passes 2 and 3

/** What validation may know beyond the file itself. */
export interface ValidationOptions {
  /** Cluster names registered with the server; when given, a target naming another cluster is an error. */
  readonly knownClusters?: ReadonlySet<string>;
}

interface Ctx {
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

function report(ctx: Ctx, pointer: string, part: 'key' | 'value', message: string): void {
  ctx.issues.push({ file: ctx.file, ...ctx.index.position(pointer, part), message });
}

function warn(ctx: Ctx, pointer: string, part: 'key' | 'value', message: string): void {
  ctx.warnings.push({ file: ctx.file, ...ctx.index.position(pointer, part), message, severity: 'warning' });
}

type PlainMap = Record<string, unknown>;

function isPlainMap(value: unknown): value is PlainMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function has(map: PlainMap, key: string): boolean {
  return Object.hasOwn(map, key);
}

/**
 * How messages name a value: the path from the nearest record, target or name server, with list items as [i].
 * "/records/app/check/interval" → "check.interval", "/records/app/targets/0/weight" → "weight",
 * "/records/app/a/1" → "a[1]", "/soa/rname" → "soa.rname", "/records/app" → "record 'app'".
 */
function labelFor(root: unknown, pointer: string): string {
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

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  return String(value);
}

function isMangledIpv6(value: unknown): boolean {
  if (!isPlainMap(value)) return false;
  const entries = Object.entries(value);
  return entries.length === 1 && entries[0][1] === null && /^[0-9a-f:]*:$/i.test(entries[0][0]);
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Pass 2: structure (JSON schema)

// Compiled once per process on first use; the compiled function keeps no state between calls that we rely on
// (its `errors` are read right after the synchronous call).
let compiledSchema: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  compiledSchema ??= new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }).compile(zonePolicySchema);
  return compiledSchema;
}

const TYPE_PHRASES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  null: 'empty',
};

const PATTERN_PHRASES: Record<string, string> = {
  [DURATION_PATTERN]: 'must be a duration such as 500ms, 5s, 1m or 1h30m',
  [CLUSTER_NAME_PATTERN]: "must be a cluster name of lowercase letters, digits and '-'",
  [STATUS_RANGE_PATTERN]: 'must be a status code or a range such as 200-399',
  [HTTP_PATH_PATTERN]: "must start with '/' and hold no spaces",
  [OBJECT_REF_PATTERN]: 'must be NAMESPACE/NAME of a Kubernetes object',
  [CAA_TAG_PATTERN]: 'must be 1 to 15 ASCII letters and digits (RFC 8659 §4.1)',
};

function checkStructure(ctx: Ctx, data: unknown): void {
  const validate = schemaValidator();
  if (validate(data)) return;
  for (const error of validate.errors ?? []) {
    const { pointer, part, message } = describeSchemaError(error, ctx.root);
    report(ctx, pointer, part, message);
  }
}

function describeSchemaError(error: ErrorObject, root: unknown): { pointer: string; part: 'key' | 'value'; message: string } {
  const pointer = error.instancePath;
  const label = labelFor(root, pointer);
  const params = error.params as Record<string, unknown>;
  const value = error.data;
  const at = (message: string, part: 'key' | 'value' = 'value') => ({ pointer, part, message });
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const properties = (error.parentSchema as { properties?: object } | undefined)?.properties ?? {};
      const allowed = Object.keys(properties).sort();
      return { pointer: childPointer(pointer, key), part: 'key', message: `unknown key '${key}' (allowed: ${allowed.join(', ')})` };
    }
    case 'required': {
      const where = pointer === '' ? '' : ` in ${label}`;
      return at(`missing required key '${String(params.missingProperty)}'${where}`);
    }
    case 'type': {
      const expected = orList(
        String(params.type)
          .split(',')
          .map((type) => TYPE_PHRASES[type] ?? type),
      );
      if (pointer === '') return at(`a zone policy file must hold a map of settings (got ${describeValue(value)})`);
      // "interval: 5" is a likely slip; say what a duration looks like rather than just "a string".
      const pattern = (error.parentSchema as { pattern?: string } | undefined)?.pattern;
      if (pattern === DURATION_PATTERN) return at(`${label} ${PATTERN_PHRASES[pattern]} (got ${describeValue(value)})`);
      // Unquoted, "2001:db8::" reads as the map { "2001:db8:": null }.
      if (isMangledIpv6(value)) return at(`${label} must be ${expected} (got a map; quote IPv6 addresses that end in '::')`);
      return at(`${label} must be ${expected} (got ${describeValue(value)})`);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return at(`${label} must be ${orList(allowed)} (got ${describeValue(value)})`);
    }
    case 'minimum':
      return at(`${label} must be at least ${String(params.limit)}`);
    case 'maximum':
      return at(`${label} must be at most ${String(params.limit)}`);
    case 'exclusiveMinimum':
      return at(`${label} must be greater than ${String(params.limit)}`);
    case 'minItems':
    case 'minProperties':
    case 'minLength':
      return at(`${label} must not be empty`);
    case 'maxLength':
      return at(`${label} must be at most ${String(params.limit)} characters long`);
    case 'pattern': {
      const phrase = PATTERN_PHRASES[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
      return at(`${label} ${phrase} (got ${describeValue(value)})`);
    }
    default:
      return at(`${label} ${error.message ?? 'is not valid'}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pass 3: semantics and normalisation

interface NameOwner {
  readonly name: string;
  readonly pointer: string;
}

function checkZone(ctx: Ctx, data: unknown): { zone?: ZoneConfig; declared?: DeclaredZone } {
  if (!isPlainMap(data)) return {};
  const zoneName = checkName(ctx, '/zone', 'value', data.zone);
  const declared = zoneName === undefined ? undefined : { zone: zoneName, ...ctx.index.position('/zone', 'key') };
  const ttl = isInteger(data.ttl, 0, MAX_TTL) ? data.ttl : DEFAULTS.zoneTtl;

  const nameservers = checkNameservers(ctx, data.nameservers, zoneName);
  const soa = checkSoa(ctx, data.soa, nameservers.list[0]?.name);
  const records = checkRecords(ctx, data.records, zoneName, ttl);
  checkDuplicateNames(ctx, [...nameservers.owners, ...records.owners]);
  checkCnameLoops(ctx, records.cnames);
  const maintenance = checkMaintenance(ctx, data.maintenance, data.records);

  if (ctx.issues.length > 0 || zoneName === undefined || soa === undefined) return { declared };
  const withoutSerial: ZoneConfig = {
    file: ctx.file,
    zone: zoneName,
    ttl,
    soa: { ...soa, serial: soa.serial ?? 0 },
    nameservers: nameservers.list,
    records: records.list,
    maintenance,
  };
  const canonical = canonicalZone(withoutSerial);
  const serial = soa.serial ?? serialOf(canonical);
  // Unlike the serial, which a file may set by hand, this changes with any change of the zone: a reload
  // reuses the answers of zones whose fingerprint did not change.
  const fingerprint = createHash('sha256').update(canonical).update(`\nserial ${serial}`).digest('base64url');
  return { zone: { ...withoutSerial, soa: { ...withoutSerial.soa, serial }, fingerprint }, declared };
}

/** Normalises and validates a fully qualified name at `pointer`; reports and returns undefined when it is bad. */
function checkName(ctx: Ctx, pointer: string, part: 'key' | 'value', raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined; // reported by the schema
  const name = normaliseName(raw);
  const problem = nameProblem(name);
  if (problem === undefined) return name;
  report(ctx, pointer, part, `'${raw}' is not a valid DNS name (${problem})`);
  return undefined;
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

function checkSoa(ctx: Ctx, value: unknown, mname: string | undefined): (Omit<SoaConfig, 'serial'> & { serial?: number }) | undefined {
  if (!isPlainMap(value)) return undefined;
  let rname: string | undefined;
  if (typeof value.rname === 'string' && value.rname.includes('@')) {
    report(ctx, '/soa/rname', 'value', `soa.rname must be written as a domain name (hostmaster.example.com), not as an e-mail address`);
  } else {
    rname = checkName(ctx, '/soa/rname', 'value', value.rname);
  }
  const seconds = (key: keyof typeof DEFAULTS.soa) => (isInteger(value[key], 0, MAX_TTL) ? value[key] : DEFAULTS.soa[key]);
  const serial = isInteger(value.serial, 1, MAX_SERIAL) ? value.serial : undefined;
  if (rname === undefined || mname === undefined) return undefined;
  return {
    mname,
    rname,
    serial,
    refresh: seconds('refresh'),
    retry: seconds('retry'),
    expire: seconds('expire'),
    minimum: seconds('minimum'),
  };
}

function checkNameservers(ctx: Ctx, value: unknown, zone: string | undefined): { list: NameserverConfig[]; owners: NameOwner[] } {
  const list: NameserverConfig[] = [];
  const owners: NameOwner[] = [];
  if (!isPlainMap(value)) return { list, owners };
  for (const key of ctx.index.keysOf('/nameservers')) {
    const pointer = childPointer('/nameservers', key);
    const name = checkName(ctx, pointer, 'key', key);
    const addresses = checkAddressList(ctx, pointer, value[key], 'any');
    if (name === undefined || addresses === undefined) continue;
    owners.push({ name, pointer });
    const inZone = zone !== undefined && isSubdomainOf(name, zone);
    if (inZone && addresses.length === 0) {
      report(ctx, pointer, 'value', `name server '${name}' lies inside the zone and needs at least one glue address`);
    } else if (!inZone && zone !== undefined && addresses.length > 0) {
      // Common in zone files written for other servers; BIND and Knot ignore such out-of-zone data too.
      warn(
        ctx,
        pointer,
        'value',
        `name server '${name}' lies outside the zone, so its addresses are not data of this zone and are ignored; ` + 'give it an empty list ([])',
      );
      ctx.outOfZoneGlue.push({ name, addresses, ...ctx.index.position(pointer, 'value') });
      list.push({ name, addresses: [] });
      continue;
    }
    list.push({ name, addresses });
  }
  return { list, owners };
}

type AddressFamily = 'any' | 'ipv4' | 'ipv6';

/** The canonical text of an IP address (IPv6 compressed and lowercase), or undefined when it is not one. */
function canonicalAddress(text: string): { family: 4 | 6; address: string } | undefined {
  if (isIPv4(text)) return { family: 4, address: text };
  // Zone indexes ("fe80::1%eth0") mean nothing to a DNS client.
  if (!text.includes('%') && isIPv6(text)) return { family: 6, address: new URL(`http://[${text}]/`).hostname.slice(1, -1) };
  return undefined;
}

function checkAddress(ctx: Ctx, pointer: string, value: unknown, family: AddressFamily): string | undefined {
  if (typeof value !== 'string') return undefined; // reported by the schema
  const parsed = canonicalAddress(value);
  if (family === 'any' && parsed === undefined) {
    report(ctx, pointer, 'value', `'${value}' is not an IPv4 or IPv6 address`);
  } else if (family === 'ipv4' && parsed?.family !== 4) {
    report(ctx, pointer, 'value', parsed === undefined ? `'${value}' is not an IPv4 address` : `'${value}' is an IPv6 address; list it under aaaa`);
  } else if (family === 'ipv6' && parsed?.family !== 6) {
    report(ctx, pointer, 'value', parsed === undefined ? `'${value}' is not an IPv6 address` : `'${value}' is an IPv4 address; list it under a`);
  } else {
    return parsed?.address;
  }
  return undefined;
}

/** The canonical addresses of a list, or undefined when the value is not a list or holds a bad address. */
function checkAddressList(ctx: Ctx, pointer: string, value: unknown, family: AddressFamily): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const addresses: string[] = [];
  const earlierLine = firstSeen(ctx);
  let allValid = true;
  value.forEach((item, i) => {
    const itemPointer = childPointer(pointer, String(i));
    const address = checkAddress(ctx, itemPointer, item, family);
    if (address === undefined) {
      allValid = false;
      return;
    }
    const line = earlierLine(address, itemPointer);
    if (line !== undefined) {
      report(ctx, itemPointer, 'value', `duplicate address '${item as string}' (also at line ${line})`);
      allValid = false;
      return;
    }
    addresses.push(address);
  });
  return allValid ? addresses : undefined;
}

interface CheckedRecords {
  readonly list: RecordConfig[];
  readonly owners: NameOwner[];
  /** CNAME records with the pointer of their `cname` value, for the checks that need every name. */
  readonly cnames: Array<{ readonly record: CnameRecord; readonly pointer: string }>;
}

function checkRecords(ctx: Ctx, value: unknown, zone: string | undefined, zoneTtl: number): CheckedRecords {
  const checked: CheckedRecords = { list: [], owners: [], cnames: [] };
  if (!isPlainMap(value)) return checked;
  for (const key of ctx.index.keysOf('/records')) {
    const pointer = childPointer('/records', key);
    let name: string | undefined;
    if (zone !== undefined) {
      const resolved = resolveRecordName(key, zone);
      if (resolved.ok) name = resolved.name;
      else report(ctx, pointer, 'key', resolved.message);
    }
    if (name !== undefined) checked.owners.push({ name, pointer });
    // Check the body even when the name is bad, so every problem shows at once.
    const record = checkRecord(ctx, pointer, value[key], name ?? key, zone, zoneTtl);
    if (record === undefined || name === undefined) continue;
    checked.list.push(record);
    if (record.kind === 'cname') checked.cnames.push({ record, pointer: childPointer(pointer, 'cname') });
  }
  return checked;
}

function checkDuplicateNames(ctx: Ctx, owners: readonly NameOwner[]): void {
  // Report at the later of two keys, wherever the nameservers and records sections are in the file.
  const inFileOrder = [...owners].sort((a, b) => ctx.index.offset(a.pointer, 'key') - ctx.index.offset(b.pointer, 'key'));
  const firstOwner = new Map<string, NameOwner>();
  for (const owner of inFileOrder) {
    const first = firstOwner.get(owner.name);
    if (first === undefined) {
      firstOwner.set(owner.name, owner);
      continue;
    }
    const line = ctx.index.position(first.pointer, 'key').line;
    report(ctx, owner.pointer, 'key', `duplicate name '${owner.name}' (also at line ${line})`);
  }
}

// A target inside the zone that no record defines is not an error here: another file may serve a child zone there.
function checkCnameLoops(ctx: Ctx, cnames: CheckedRecords['cnames']): void {
  const cnameTargets = new Map(cnames.map(({ record }) => [record.name, record.target]));
  for (const { record, pointer } of cnames) {
    if (record.target === record.name) {
      report(ctx, pointer, 'value', 'a CNAME cannot point at itself');
      continue;
    }
    // Follow the chain inside the zone; coming back to this record is a loop no resolver can finish.
    const chain = [record.name];
    for (let next = cnameTargets.get(record.name); next !== undefined; next = cnameTargets.get(next)) {
      chain.push(next);
      if (next === record.name) {
        report(ctx, pointer, 'value', `CNAME loop: ${chain.join(' → ')}`);
        break;
      }
      if (chain.length > cnameTargets.size + 1) break; // a loop further down that does not come back here
    }
  }
}

function checkRecord(ctx: Ctx, pointer: string, value: unknown, name: string, zone: string | undefined, zoneTtl: number): RecordConfig | undefined {
  if (!isPlainMap(value)) return undefined; // reported by the schema
  const ttl = isInteger(value.ttl, 0, MAX_TTL) ? value.ttl : zoneTtl;
  const present = (keys: readonly string[]) => keys.filter((key) => has(value, key));

  if (has(value, 'cname')) {
    const beside = Object.keys(value).filter((key) => key !== 'cname' && key !== 'ttl');
    let valid = true;
    if (beside.length > 0) {
      report(ctx, childPointer(pointer, 'cname'), 'key', `a CNAME cannot stand beside other data (${beside.join(', ')})`);
      valid = false;
    }
    if (name === zone) {
      report(ctx, pointer, 'key', 'a CNAME cannot be at the apex: it would stand beside the SOA and NS records');
      valid = false;
    }
    const target = checkName(ctx, childPointer(pointer, 'cname'), 'value', value.cname);
    // cname targets are fully qualified; "cname: app" almost surely meant app.<zone>, not a top-level name.
    if (target !== undefined && !target.includes('.')) {
      report(
        ctx,
        childPointer(pointer, 'cname'),
        'value',
        `cname '${String(value.cname)}' is a single label; write the fully qualified name` + (zone === undefined ? '' : ` (${target}.${zone})`),
      );
      valid = false;
    }
    return valid && target !== undefined ? { kind: 'cname', name, ttl, target } : undefined;
  }

  if (has(value, 'policy')) {
    for (const key of present(STATIC_KEYS)) {
      report(ctx, childPointer(pointer, key), 'key', `'${key}' cannot stand beside 'policy': a balanced record answers with the addresses of its targets`);
    }
    return checkBalancedRecord(ctx, pointer, value, name, ttl);
  }

  const balancedOnly = present(BALANCED_ONLY_KEYS);
  for (const key of balancedOnly) {
    report(ctx, childPointer(pointer, key), 'key', `'${key}' belongs in a record with a policy (weighted or failover)`);
  }
  const staticKeys = present(STATIC_KEYS);
  if (staticKeys.length > 0) return checkStaticRecord(ctx, pointer, value, name, zone, ttl);
  if (balancedOnly.length === 0) {
    report(ctx, pointer, 'value', 'the record holds no data: give it a policy and targets, a cname, or a, aaaa, txt, mx, srv or caa values');
  }
  return undefined;
}

function checkBalancedRecord(ctx: Ctx, pointer: string, value: PlainMap, name: string, ttl: number): BalancedRecord | undefined {
  const policy = value.policy === 'weighted' || value.policy === 'failover' ? value.policy : undefined;
  if (policy === 'failover' && has(value, 'answers')) {
    report(ctx, childPointer(pointer, 'answers'), 'key', 'answers has no meaning in a failover record (the first healthy target answers)');
  }
  if (!has(value, 'targets')) report(ctx, pointer, 'value', `missing required key 'targets' in ${labelFor(ctx.root, pointer)}`);
  const targets: TargetConfig[] = [];
  const earlierLine = firstSeen(ctx);
  if (Array.isArray(value.targets)) {
    value.targets.forEach((item, i) => {
      const itemPointer = childPointer(childPointer(pointer, 'targets'), String(i));
      const target = checkTarget(ctx, itemPointer, item, policy);
      if (target === undefined) return;
      // The identity names the target's metric series, so it must be unique within the record.
      const identity = targetIdentity(target);
      const line = earlierLine(identity, itemPointer);
      if (line !== undefined) {
        report(ctx, itemPointer, 'value', `duplicate target '${identity}' (also at line ${line}): a record names each target once`);
        return;
      }
      targets.push(target);
    });
  }
  const check = has(value, 'check') ? checkHealthCheck(ctx, childPointer(pointer, 'check'), value.check, name) : undefined;
  if (policy === undefined || targets.length === 0) return undefined;
  return {
    kind: 'balanced',
    name,
    policy,
    ttl,
    answers: policy === 'weighted' && isInteger(value.answers, 1, Number.MAX_SAFE_INTEGER) ? value.answers : DEFAULTS.answers,
    ...(check === undefined ? {} : { check }),
    whenAllDown: value.whenAllDown === 'none' ? 'none' : DEFAULTS.whenAllDown,
    targets,
  };
}

function checkTarget(ctx: Ctx, pointer: string, value: unknown, policy: Policy | undefined): TargetConfig | undefined {
  if (!isPlainMap(value)) return undefined;
  const kinds = TARGET_KINDS.filter((key) => has(value, key));
  if (kinds.length === 0) {
    report(ctx, pointer, 'value', 'a target needs one of address, addresses or cluster');
  } else if (kinds.length > 1) {
    report(ctx, pointer, 'value', `a target takes exactly one of address, addresses or cluster (found: ${kinds.join(', ')})`);
  }
  if (policy === 'failover' && has(value, 'weight')) {
    report(ctx, childPointer(pointer, 'weight'), 'key', 'weight has no meaning in a failover record');
  }
  const weight = typeof value.weight === 'number' && value.weight > 0 && Number.isFinite(value.weight) ? value.weight : DEFAULTS.weight;
  let target: TargetConfig | undefined;
  if (has(value, 'address')) {
    const address = checkAddress(ctx, childPointer(pointer, 'address'), value.address, 'any');
    if (address !== undefined) target = { kind: 'static', addresses: [address], weight };
  }
  if (has(value, 'addresses')) {
    const addresses = checkAddressList(ctx, childPointer(pointer, 'addresses'), value.addresses, 'any');
    if (addresses !== undefined && addresses.length > 0) target = { kind: 'static', addresses, weight };
  }
  const selectors = OBJECT_SELECTORS.filter((key) => has(value, key));
  if (selectors.length > 0 && !has(value, 'cluster')) {
    report(ctx, childPointer(pointer, selectors[0]), 'key', `${selectors[0]} needs cluster: it names an object in a Kubernetes cluster`);
  }
  if (selectors.length > 1) {
    report(ctx, childPointer(pointer, selectors[1]), 'key', `a cluster target follows one object (found: ${selectors.join(', ')})`);
  }
  if (has(value, 'cluster') && typeof value.cluster === 'string') {
    const known = ctx.options.knownClusters;
    if (known !== undefined && !known.has(value.cluster)) {
      const registered = known.size === 0 ? 'none are' : `registered: ${[...known].sort().join(', ')}`;
      report(ctx, childPointer(pointer, 'cluster'), 'value', `cluster '${value.cluster}' is not registered (${registered}; use --cluster or --in-cluster)`);
    }
    const selectorKey = selectors[0];
    const ref = selectorKey === undefined ? undefined : value[selectorKey];
    if (selectorKey === undefined) {
      target = { kind: 'cluster', cluster: value.cluster, select: { by: 'host' }, weight };
    } else if (typeof ref === 'string' && ref.includes('/')) {
      const [namespace, name] = ref.split('/') as [string, string];
      target = { kind: 'cluster', cluster: value.cluster, select: { by: selectorKey, namespace, name }, weight };
    }
  }
  return kinds.length === 1 && selectors.length <= 1 ? target : undefined;
}

function checkStaticRecord(ctx: Ctx, pointer: string, value: PlainMap, name: string, zone: string | undefined, ttl: number): StaticRecord | undefined {
  const a = has(value, 'a') ? checkAddressList(ctx, childPointer(pointer, 'a'), value.a, 'ipv4') : [];
  const aaaa = has(value, 'aaaa') ? checkAddressList(ctx, childPointer(pointer, 'aaaa'), value.aaaa, 'ipv6') : [];
  const txt = has(value, 'txt') ? checkTxt(ctx, childPointer(pointer, 'txt'), value.txt) : [];
  const mx = has(value, 'mx') ? checkMx(ctx, childPointer(pointer, 'mx'), value.mx, zone) : [];
  const srv = has(value, 'srv') ? checkSrv(ctx, childPointer(pointer, 'srv'), value.srv, name, zone) : [];
  const caa = has(value, 'caa') ? checkCaa(ctx, childPointer(pointer, 'caa'), value.caa) : [];
  if (a === undefined || aaaa === undefined || txt === undefined || mx === undefined || srv === undefined || caa === undefined) {
    return undefined;
  }
  if (a.length + aaaa.length + txt.length + mx.length + srv.length + caa.length === 0) {
    report(ctx, pointer, 'value', 'a static record needs at least one a, aaaa, txt, mx, srv or caa value');
    return undefined;
  }
  // Every record of an RRset is counted with its owner name uncompressed, so the bound holds whatever dns2
  // compresses; names inside RDATA are counted in full too.
  const owner = name === '' ? 1 : Buffer.byteLength(name) + 2;
  const rrsets: ReadonlyArray<readonly [key: string, type: string, rdata: readonly number[]]> = [
    ['a', 'A', a.map(() => 4)],
    ['aaaa', 'AAAA', aaaa.map(() => 16)],
    ['txt', 'TXT', txt.map(txtRdataOctets)],
    ['mx', 'MX', mx.map((record) => 2 + wireLength(record.exchange))],
    ['srv', 'SRV', srv.map((record) => 6 + wireLength(record.target))],
    ['caa', 'CAA', caa.map((record) => 2 + record.tag.length + Buffer.byteLength(record.value, 'utf8'))],
  ];
  let fits = true;
  for (const [key, type, rdata] of rrsets) {
    const octets = rdata.reduce((sum, length) => sum + owner + 10 + length, 0);
    if (octets <= MAX_RRSET_OCTETS) continue;
    report(
      ctx,
      childPointer(pointer, key),
      'key',
      `${labelFor(ctx.root, pointer)} has ${type} values of ${octets} octets on the wire; the answer must fit in one DNS message, ` +
        `which leaves ${MAX_RRSET_OCTETS} for a record's values (see Limits)`,
    );
    fits = false;
  }
  if (!fits) return undefined;
  return {
    kind: 'static',
    name,
    ttl,
    a,
    aaaa,
    txt,
    // Left out when not written, so zones without them keep their serials (see StaticRecord).
    ...(has(value, 'mx') ? { mx } : {}),
    ...(has(value, 'srv') ? { srv } : {}),
    ...(has(value, 'caa') ? { caa } : {}),
  };
}

/**
 * Reports the second and later of equal records in one RRset (RFC 2181 §5: an RRset holds each record once)
 * and says whether there was none. `identity` is the record in presentation form, names normalised.
 */
function checkNoDuplicates(ctx: Ctx, pointer: string, type: string, identities: ReadonlyArray<readonly [index: number, identity: string]>): boolean {
  const earlierLine = firstSeen(ctx);
  let unique = true;
  for (const [i, identity] of identities) {
    const itemPointer = childPointer(pointer, String(i));
    const line = earlierLine(identity, itemPointer);
    if (line === undefined) continue;
    report(ctx, itemPointer, 'value', `duplicate ${type} value '${identity}' (also at line ${line})`);
    unique = false;
  }
  return unique;
}

/**
 * One list's memory of where each identity first stood: for an identity seen before it gives that item's line
 * (for "also at line N"), else it remembers `itemPointer` and gives undefined.
 */
function firstSeen(ctx: Ctx): (identity: string, itemPointer: string) => number | undefined {
  const firstPointer = new Map<string, string>();
  return (identity, itemPointer) => {
    const first = firstPointer.get(identity);
    if (first !== undefined) return ctx.index.position(first, 'value').line;
    firstPointer.set(identity, itemPointer);
    return undefined;
  };
}

/**
 * The host name an MX exchange or SRV target names, normalised; '' for the root name "." (null MX, no service).
 * Fully qualified like a cname; an address is refused with a hint, since these types name hosts (RFC 2181 §10.3).
 */
function checkHostName(ctx: Ctx, pointer: string, raw: unknown, what: string, zone: string | undefined): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined; // reported by the schema
  if (raw === '.') return '';
  const label = labelFor(ctx.root, pointer);
  if (canonicalAddress(normaliseName(raw)) !== undefined) {
    report(ctx, pointer, 'value', `${label} '${raw}' is an IP address; ${what} is a host name with its own A or AAAA records`);
    return undefined;
  }
  const name = checkName(ctx, pointer, 'value', raw);
  if (name !== undefined && !name.includes('.')) {
    report(ctx, pointer, 'value', `${label} '${raw}' is a single label; write the fully qualified name${zone === undefined ? '' : ` (${name}.${zone})`}`);
    return undefined;
  }
  return name;
}

const presentName = (name: string) => `${name}.`;

function checkMx(ctx: Ctx, pointer: string, value: unknown, zone: string | undefined): MxData[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const records: MxData[] = [];
  const identities: Array<[number, string]> = [];
  let allValid = true;
  value.forEach((item, i) => {
    if (!isPlainMap(item)) return void (allValid = false); // reported by the schema
    const itemPointer = childPointer(pointer, String(i));
    const exchange = checkHostName(ctx, childPointer(itemPointer, 'exchange'), item.exchange, 'an MX exchange', zone);
    const preference = isInteger(item.preference, 0, 65535) ? item.preference : undefined;
    if (exchange === '' && preference !== undefined && preference !== 0) {
      report(ctx, childPointer(itemPointer, 'preference'), 'value', "a null MX (exchange '.') must have preference 0 (RFC 7505)");
      allValid = false;
    } else if (exchange === '' && value.length > 1) {
      report(ctx, itemPointer, 'value', "a null MX (exchange '.') must be the only MX record of its name (RFC 7505)");
      allValid = false;
    }
    if (exchange === undefined || preference === undefined) return void (allValid = false);
    records.push({ preference, exchange });
    identities.push([i, `${preference} ${presentName(exchange)}`]);
  });
  return checkNoDuplicates(ctx, pointer, 'mx', identities) && allValid ? records : undefined;
}

/** RFC 2782: an SRV RRset is owned by _Service._Proto.Name. */
function isServiceName(name: string): boolean {
  const [service, proto] = name.split('.');
  return service !== undefined && proto !== undefined && /^_./.test(service) && /^_./.test(proto);
}

function checkSrv(ctx: Ctx, pointer: string, value: unknown, owner: string, zone: string | undefined): SrvData[] | undefined {
  if (!Array.isArray(value)) return undefined;
  let allValid = true;
  if (value.length > 0 && !isServiceName(owner)) {
    report(ctx, pointer, 'key', `an SRV record's name must start with _service._proto (RFC 2782), such as _sip._tcp; '${owner}' does not`);
    allValid = false;
  }
  const records: SrvData[] = [];
  const identities: Array<[number, string]> = [];
  value.forEach((item, i) => {
    if (!isPlainMap(item)) return void (allValid = false); // reported by the schema
    const itemPointer = childPointer(pointer, String(i));
    const target = checkHostName(ctx, childPointer(itemPointer, 'target'), item.target, 'an SRV target', zone);
    if (target === '' && value.length > 1) {
      report(ctx, itemPointer, 'value', "an SRV target '.' (the service is not available) must be the only SRV record of its name (RFC 2782)");
      allValid = false;
    }
    const [priority, weight, port] = [item.priority, item.weight, item.port];
    if (target === undefined || !isInteger(priority, 0, 65535) || !isInteger(weight, 0, 65535) || !isInteger(port, 0, 65535)) {
      return void (allValid = false);
    }
    records.push({ priority, weight, port, target });
    identities.push([i, `${priority} ${weight} ${port} ${presentName(target)}`]);
  });
  return checkNoDuplicates(ctx, pointer, 'srv', identities) && allValid ? records : undefined;
}

/** Space and tab, the WSP of RFC 5234, trimmed by a loop: a regular expression here could backtrack badly. */
function trimWsp(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
}

const CAA_LABEL = '[A-Za-z0-9](?:-*[A-Za-z0-9])*';
const ISSUER_DOMAIN = new RegExp(String.raw`^${CAA_LABEL}(?:\.${CAA_LABEL})*$`);
const ISSUE_PARAMETER = new RegExp(String.raw`^${CAA_LABEL}[ \t]*=[ \t]*[\x21-\x3a\x3c-\x7e]*$`);

/**
 * RFC 8659 §4.2: issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]], parameters separated
 * by ";". A parameter value holds no ";", so splitting on it is exact.
 */
function isIssueValue(value: string): boolean {
  const [issuer = '', ...parameters] = value.split(';');
  const domain = trimWsp(issuer);
  if (domain !== '' && !ISSUER_DOMAIN.test(domain)) return false;
  if (parameters.length === 1 && trimWsp(parameters[0]) === '') return true;
  return parameters.every((parameter) => ISSUE_PARAMETER.test(trimWsp(parameter)));
}

/** RFC 8659 §4.4: where a CA reports a refused request; Meridian takes mailto: and https: URLs. */
function isIodefUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'mailto:' && url.pathname.includes('@')) || (url.protocol === 'https:' && url.hostname !== '');
  } catch {
    return false;
  }
}

function checkCaa(ctx: Ctx, pointer: string, value: unknown): CaaData[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const tagPattern = new RegExp(CAA_TAG_PATTERN);
  const records: CaaData[] = [];
  const identities: Array<[number, string]> = [];
  let allValid = true;
  value.forEach((item, i) => {
    if (!isPlainMap(item)) return void (allValid = false); // reported by the schema
    const itemPointer = childPointer(pointer, String(i));
    const flags = has(item, 'flags') ? item.flags : 0;
    const { tag, value: text } = item;
    if (!isInteger(flags, 0, 255) || typeof tag !== 'string' || !tagPattern.test(tag) || typeof text !== 'string') {
      return void (allValid = false); // reported by the schema
    }
    const valuePointer = childPointer(itemPointer, 'value');
    const label = labelFor(ctx.root, valuePointer);
    // Tags match case-insensitively (RFC 8659 §4.1), so ISSUE is issue.
    const property = tag.toLowerCase();
    let problem: string | undefined;
    if (LONE_SURROGATE.test(text)) problem = `${label} is not valid UTF-8 text (it holds a lone surrogate)`;
    else if ((property === 'issue' || property === 'issuewild') && !isIssueValue(text)) {
      problem =
        `${label} is not an issuer domain name with optional parameters ('ca.example' or 'ca.example; key=value'), ` +
        `nor ';' for no issuer (RFC 8659 §4.2) (got ${describeValue(text)})`;
    } else if (property === 'iodef' && !isIodefUrl(text)) {
      problem = `${label} must be a mailto: or https: URL (RFC 8659 §4.4) (got ${describeValue(text)})`;
    }
    if (problem !== undefined) {
      report(ctx, valuePointer, 'value', problem);
      return void (allValid = false);
    }
    records.push({ flags, tag, value: text });
    // Compared octet for octet, as TXT is: the value is data, and a tag written ISSUE is other octets on the wire.
    identities.push([i, `${flags} ${tag} "${text}"`]);
  });
  return checkNoDuplicates(ctx, pointer, 'caa', identities) && allValid ? records : undefined;
}

/** RDATA of one TXT record: the text in 255-octet character-strings, each after its length octet (wire.ts). */
function txtRdataOctets(text: string): number {
  const octets = Buffer.byteLength(text, 'utf8');
  return octets + Math.max(1, Math.ceil(octets / 255));
}

function checkTxt(ctx: Ctx, pointer: string, value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  let allValid = true;
  // An RRset holds each record once (RFC 2181 §5): equal strings would be answered twice. Compared exactly, as
  // TXT data is octets, so 'Same' and 'same' are two records.
  const earlierLine = firstSeen(ctx);
  value.forEach((item, i) => {
    if (typeof item !== 'string') {
      allValid = false;
      return;
    }
    const itemPointer = childPointer(pointer, String(i));
    const line = earlierLine(item, itemPointer);
    if (line !== undefined) {
      report(ctx, itemPointer, 'value', `duplicate txt value '${item}' (also at line ${line})`);
      allValid = false;
      return;
    }
    const label = labelFor(ctx.root, itemPointer);
    if (LONE_SURROGATE.test(item)) {
      report(ctx, itemPointer, 'value', `${label} is not valid UTF-8 text (it holds a lone surrogate)`);
      allValid = false;
      return;
    }
    const octets = Buffer.byteLength(item, 'utf8');
    if (octets > MAX_TXT_OCTETS) {
      report(ctx, itemPointer, 'value', `${label} is ${octets} octets long; one TXT record holds at most ${MAX_TXT_OCTETS}`);
      allValid = false;
    }
  });
  return allValid ? (value as string[]) : undefined;
}

function checkHealthCheck(ctx: Ctx, pointer: string, value: unknown, recordName: string): CheckConfig | undefined {
  if (!isPlainMap(value)) return undefined;
  const label = labelFor(ctx.root, pointer);
  const protocols: readonly string[] = ['http', 'https', 'tcp', 'none'];
  const protocol = protocols.includes(value.protocol as string) ? (value.protocol as ProbeProtocol) : undefined;
  const keyAt = (key: string) => childPointer(pointer, key);
  const before = ctx.issues.length;

  if (protocol === 'none') {
    for (const key of Object.keys(value).filter((key) => key !== 'protocol')) {
      report(ctx, keyAt(key), 'key', `'${key}' has no meaning when protocol is none`);
    }
  } else if (protocol === 'tcp') {
    for (const key of HTTP_ONLY_CHECK_KEYS.filter((key) => has(value, key))) {
      report(ctx, keyAt(key), 'key', `'${key}' applies only to ${key === 'tls' ? 'https' : 'http and https'} checks`);
    }
    if (!has(value, 'port')) report(ctx, pointer, 'value', `missing required key 'port' in ${label} (a tcp check has no default port)`);
  } else if (protocol === 'http' && has(value, 'tls')) {
    report(ctx, keyAt('tls'), 'key', "'tls' applies only to https checks");
  }

  // undefined: present but not a duration, which the schema has reported.
  const duration = (key: 'interval' | 'timeout' | 'fastInterval', fallback: number): number | undefined => {
    if (!has(value, key)) return fallback;
    const raw = value[key];
    const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
    if (ms === undefined) return undefined;
    if (ms === 0) report(ctx, keyAt(key), 'value', `${label}.${key} must be longer than 0`);
    else if (ms > MAX_CHECK_DURATION_MS) report(ctx, keyAt(key), 'value', `${label}.${key} must be at most 24h`);
    return ms;
  };
  const intervalMs = duration('interval', DEFAULTS.check.intervalMs);
  const timeoutMs = duration('timeout', DEFAULTS.check.timeoutMs);
  const fastIntervalMs = duration('fastInterval', DEFAULTS.check.fastIntervalMs);
  if (protocol !== 'none' && intervalMs !== undefined && timeoutMs !== undefined && intervalMs < timeoutMs) {
    const explicitInterval = has(value, 'interval');
    report(
      ctx,
      keyAt(explicitInterval ? 'interval' : 'timeout'),
      'value',
      `${label}.interval (${formatDuration(intervalMs)}${explicitInterval ? '' : ', the default'}) is shorter than ` +
        `${label}.timeout (${formatDuration(timeoutMs)})`,
    );
  }

  const expect = checkExpect(ctx, keyAt('expect'), value.expect);
  const headers = checkHeaders(ctx, keyAt('headers'), value.headers);
  const host = has(value, 'host') ? checkHost(ctx, keyAt('host'), value.host) : recordName;
  const tls = checkTls(ctx, keyAt('tls'), value.tls);

  const port = isInteger(value.port, 1, 65535)
    ? value.port
    : protocol === 'https'
      ? DEFAULTS.check.httpsPort
      : protocol === 'http'
        ? DEFAULTS.check.httpPort
        : 0;
  if (protocol === undefined || ctx.issues.length > before) return undefined;
  if (intervalMs === undefined || timeoutMs === undefined || fastIntervalMs === undefined) return undefined;
  const count = (key: 'rise' | 'fall') => (isInteger(value[key], 1, Number.MAX_SAFE_INTEGER) ? value[key] : DEFAULTS.check[key]);
  return {
    protocol,
    port,
    path: typeof value.path === 'string' ? value.path : DEFAULTS.check.path,
    host: host ?? recordName,
    intervalMs,
    timeoutMs,
    fastIntervalMs,
    rise: count('rise'),
    fall: count('fall'),
    expect: expect ?? DEFAULTS.check.expect,
    ...(typeof value.body === 'string' ? { body: value.body } : {}),
    headers: headers ?? {},
    tls: tls ?? { insecureSkipVerify: false },
  };
}

function checkExpect(ctx: Ctx, pointer: string, value: unknown): Array<readonly [number, number]> | undefined {
  if (!Array.isArray(value)) return undefined;
  const ranges: Array<readonly [number, number]> = [];
  value.forEach((item, i) => {
    if (typeof item === 'number' && Number.isInteger(item)) {
      ranges.push([item, item]);
    } else if (typeof item === 'string' && new RegExp(STATUS_RANGE_PATTERN).test(item)) {
      const [low, high = low] = item.split('-').map(Number) as [number, number?];
      if (low > high) {
        report(ctx, childPointer(pointer, String(i)), 'value', `status range '${item}' runs backwards (write ${high}-${low})`);
      }
      ranges.push([low, high]);
    }
  });
  return ranges;
}

function checkHeaders(ctx: Ctx, pointer: string, value: unknown): Record<string, string> | undefined {
  if (!isPlainMap(value)) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    const headerPointer = childPointer(pointer, name);
    if (!HEADER_NAME.test(name)) {
      report(ctx, headerPointer, 'key', `'${name}' is not a valid HTTP header name`);
    } else if (name.toLowerCase() === 'host') {
      report(ctx, headerPointer, 'key', 'set the Host header with check.host, not in headers');
    }
    if (typeof headerValue === 'string') {
      if (/[\r\n\0]/.test(headerValue)) report(ctx, headerPointer, 'value', `header '${name}' must not contain line breaks`);
      headers[name] = headerValue;
    }
  }
  return headers;
}

function checkHost(ctx: Ctx, pointer: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const address = canonicalAddress(value);
  if (address !== undefined) return address.address;
  const name = normaliseName(value);
  const problem = nameProblem(name);
  if (problem === undefined) return name;
  report(ctx, pointer, 'value', `'${value}' is not a valid host name or address (${problem})`);
  return undefined;
}

function checkTls(ctx: Ctx, pointer: string, value: unknown): TlsConfig | undefined {
  if (!isPlainMap(value)) return undefined;
  const insecureSkipVerify = value.insecureSkipVerify === true;
  if (typeof value.ca !== 'string' || value.ca === '') return { insecureSkipVerify };
  // Relative to the zone file's directory, so a zone repository can carry its CA next to its zone files.
  const caFile = isAbsolute(value.ca) ? value.ca : join(dirname(ctx.file), value.ca);
  const caPem = ctx.readFile(caFile);
  const caPointer = childPointer(pointer, 'ca');
  if (caPem === undefined) {
    report(ctx, caPointer, 'value', `cannot read CA file '${caFile}'`);
    return undefined;
  }
  if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
    report(ctx, caPointer, 'value', `CA file '${caFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    return undefined;
  }
  return { insecureSkipVerify, caPem, caFile };
}

/** The clusters and the (canonical) addresses that the targets of the zone's records name, read from the data. */
function targetsInUse(records: unknown): { clusters: Set<string>; addresses: Set<string> } {
  const clusters = new Set<string>();
  const addresses = new Set<string>();
  for (const record of isPlainMap(records) ? Object.values(records) : []) {
    if (!isPlainMap(record) || !Array.isArray(record.targets)) continue;
    for (const target of record.targets) {
      if (!isPlainMap(target)) continue;
      if (typeof target.cluster === 'string') clusters.add(target.cluster);
      for (const address of [target.address, ...(Array.isArray(target.addresses) ? target.addresses : [])]) {
        const canonical = typeof address === 'string' ? canonicalAddress(address) : undefined;
        if (canonical !== undefined) addresses.add(canonical.address);
      }
    }
  }
  return { clusters, addresses };
}

function checkMaintenance(ctx: Ctx, value: unknown, records: unknown): MaintenanceWindow[] {
  const windows: MaintenanceWindow[] = [];
  if (!Array.isArray(value)) return windows; // absent, or reported by the schema
  const inUse = targetsInUse(records);
  // Identical windows (same target, same schedule however it is spelt, same duration) → pointer of the first.
  const firstPointer = new Map<string, string>();
  value.forEach((item, i) => {
    if (!isPlainMap(item)) return; // reported by the schema
    const pointer = childPointer('/maintenance', String(i));
    const label = labelFor(ctx.root, pointer);
    const before = ctx.issues.length;

    let target: string | undefined;
    if (typeof item.target === 'string' && item.target !== '') {
      const address = canonicalAddress(item.target);
      const known = address === undefined ? inUse.clusters.has(item.target) : inUse.addresses.has(address.address);
      if (known) {
        target = address?.address ?? item.target;
      } else {
        report(
          ctx,
          childPointer(pointer, 'target'),
          'value',
          `maintenance target '${item.target}' is neither a cluster nor an address used by this zone's targets`,
        );
      }
    }
    let schedule: CronSchedule | undefined;
    if (typeof item.cron === 'string' && item.cron !== '') {
      const parsed = parseCron(item.cron);
      if ('error' in parsed) report(ctx, childPointer(pointer, 'cron'), 'value', `${label}.cron: ${parsed.error}`);
      else schedule = parsed;
    }
    let durationMs: number | undefined;
    const ms = typeof item.duration === 'string' ? parseDuration(item.duration) : undefined; // else: the schema
    if (ms === 0) {
      report(ctx, childPointer(pointer, 'duration'), 'value', `${label}.duration must be longer than 0`);
    } else if (ms !== undefined && ms > MAX_MAINTENANCE_DURATION_MS) {
      report(ctx, childPointer(pointer, 'duration'), 'value', `${label}.duration must be at most 168h (7 days)`);
    } else {
      durationMs = ms;
    }
    if (ctx.issues.length > before || target === undefined || schedule === undefined || durationMs === undefined) return;

    const { seconds, minutes, hours, daysOfMonth, months, daysOfWeek } = schedule;
    const identity = JSON.stringify([target, seconds, minutes, hours, daysOfMonth, months, daysOfWeek, durationMs]);
    const first = firstPointer.get(identity);
    if (first !== undefined) {
      report(
        ctx,
        pointer,
        'value',
        `duplicate maintenance window: same target, schedule and duration as ${labelFor(ctx.root, first)} ` +
          `(line ${ctx.index.position(first, 'value').line})`,
      );
      return;
    }
    firstPointer.set(identity, pointer);
    windows.push({
      target,
      cron: item.cron as string,
      durationMs,
      ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
      line: ctx.index.position(pointer, 'value').line,
    });
  });
  return windows;
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
