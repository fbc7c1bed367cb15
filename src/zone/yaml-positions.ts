// The positioned reading of a zone file: YAML text → plain data, plus the line and column of every node, so that
// each problem can be shown as file:line:column. It uses the `yaml` library, which keeps the source range of every
// node, reports every syntax error at once rather than stopping at the first, and whose messages the zone tests pin
// word for word. It is about ten times slower than js-yaml (see yaml-plain.ts), so valid files do not come here.

import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type YAMLError } from 'yaml';
import { childPointer, type PointerPart, type Position, type PositionIndex } from './json-pointer.js';

/** A problem the YAML reading found: a syntax error or warning, a duplicate key, an empty file, bad aliases. */
export interface YamlProblem extends Position {
  readonly message: string;
}

export type PositionedYaml =
  /** Syntax errors: the tree after one is unreliable, so these problems are all there is. */
  | { readonly kind: 'syntax-errors'; readonly problems: YamlProblem[] }
  /** Well-formed YAML that holds no data to check: an empty file, or aliases that cannot be expanded. */
  | { readonly kind: 'no-data'; readonly problems: YamlProblem[] }
  /** The data, with the warnings and duplicate keys found on the way (duplicates do not stop the checks). */
  | { readonly kind: 'data'; readonly problems: YamlProblem[]; readonly data: unknown; readonly index: PositionIndex };

/** Reads `source` (without a byte order mark) with positions; problems in the order they were found. */
export function readYamlWithPositions(source: string): PositionedYaml {
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
  const problems: YamlProblem[] = [...doc.errors, ...doc.warnings].map((error) => {
    const cron = unquotedCronAt(source, error.pos[0]);
    return cron === undefined
      ? { ...positionAt(error.pos[0]), message: yamlErrorMessage(error, source) }
      : { ...positionAt(cron.offset), message: cron.message };
  });
  if (doc.errors.length > 0) return { kind: 'syntax-errors', problems };
  if (doc.contents === null) {
    problems.push({ line: 0, column: 0, message: 'the file is empty; expected a zone policy (zone, soa, nameservers, records)' });
    return { kind: 'no-data', problems };
  }

  const index = new YamlNodeIndex(doc, positionAt);
  for (const duplicate of index.duplicateKeys) {
    problems.push({
      ...positionAt(duplicate.offset),
      message: `duplicate key '${duplicate.key}' (also at line ${positionAt(duplicate.firstOffset).line})`,
    });
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    problems.push({ line: 0, column: 0, message: `cannot expand the YAML aliases: ${(error as Error).message}` });
    return { kind: 'no-data', problems };
  }
  return { kind: 'data', problems, data, index };
}

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

/** Every node of a parsed document by JSON pointer, with the offsets of its key and value. */
export class YamlNodeIndex implements PositionIndex {
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
  position(pointer: string, part: PointerPart): { line: number; column: number } {
    return this.#positionAt(this.offset(pointer, part));
  }

  offset(pointer: string, part: PointerPart): number {
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

/** Where a node of the `yaml` library starts in the text, when it knows. */
export function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: readonly number[] } | null | undefined)?.range;
  return range?.[0];
}

// The key the yaml library gives a pair in toJS(): String() of a scalar's value, '' for an empty key. The core schema
// this file is parsed with gives scalars no other values than these.
function jsKey(key: unknown): string {
  if (isScalar<string | number | boolean | null | undefined>(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
  return String(key);
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
export function unquotedCronAt(text: string, offset: number): { offset: number; message: string } | undefined {
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
