// The fast reading of a zone file, for the common case of a valid one: YAML text → plain data with js-yaml, which
// knows no positions. Any problem at all sends the file to the positioned reading (yaml-positions.ts), which then
// reports everything with file:line:column.
//
// Why two YAML libraries: js-yaml builds plain data about ten times faster than the `yaml` library can, and the
// `yaml` library is the one that gives positions and the pinned error messages. Measured on the 10,000-record zone
// of test/bench/scale.ts (median of 7, Node 24, js-yaml 5.5.0, yaml 2.9.1): js-yaml load 96 ms; yaml
// parseDocument with a LineCounter, then toJS, 1,240 ms; yaml's CST parser alone, before any document is built,
// 940 to 1,600 ms; yaml's parse() 2,070 ms (it also checks keys for duplicates, quadratically). No option of the
// `yaml` library comes near js-yaml, and js-yaml cannot give positions, so each keeps its part.

import { isDeepStrictEqual } from 'node:util';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { LineCounter, isSeq, parseDocument } from 'yaml';
import { childPointer, type PositionIndex } from './json-pointer.js';
import { isPlainMap } from './plain-data.js';
import { rangeStart } from './yaml-positions.js';

/**
 * The plain data of `source` (without a byte order mark) and an index that knows only the positions of the
 * maintenance windows and geo client rules (their lines are part of the ZoneConfig); undefined when the file must take the positioned reading:
 * a YAML error, windows that cannot be placed simply, or integer-like keys where file order matters.
 */
export function readPlainYaml(source: string): { data: unknown; index: PositionIndex } | undefined {
  let data: unknown;
  try {
    data = loadYaml(source, { schema: CORE_SCHEMA, json: false });
  } catch {
    return undefined;
  }
  // The lines of the maintenance windows and client rules are part of the ZoneConfig: find them, or take the
  // positioned path.
  const positions = itemPositions(source, data);
  if (positions === undefined) return undefined;
  // Integer-like keys would be reordered by a plain object; the positioned path keeps file order for them.
  const index = new PlainDataIndex(data, positions);
  if (index.hasIntegerLikeKeys('/records') || index.hasIntegerLikeKeys('/nameservers')) return undefined;
  return { data, index };
}

/** Keys in the order a plain object keeps them; no positions but those of the maintenance windows and client rules. */
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

/** The block's data; undefined when it cannot be read alone (an alias to an anchor outside the block throws). */
function blockData(doc: ReturnType<typeof parseDocument>): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
}

/**
 * The positions of the items whose lines are part of the ZoneConfig, for the fast path, which knows no positions
 * otherwise: the maintenance windows and the geo client rules.
 */
function itemPositions(source: string, data: unknown): Map<string, { line: number; column: number }> | undefined {
  const positions = new Map<string, { line: number; column: number }>();
  const geo = isPlainMap(data) ? data.geo : undefined;
  const lists = [
    { key: 'maintenance', path: ['maintenance'], value: isPlainMap(data) ? data.maintenance : undefined },
    { key: 'geo', path: ['geo', 'clients'], value: isPlainMap(geo) ? geo.clients : undefined },
  ];
  for (const { key, path, value } of lists) {
    if (!Array.isArray(value) || value.length === 0) continue;
    const found = blockItemPositions(source, key, path, isPlainMap(data) ? data[key] : undefined);
    if (found === undefined) return undefined;
    for (const [pointer, position] of found) positions.set(pointer, position);
  }
  return positions;
}

/**
 * The positions of the items of the list at `path` inside the top-level `key`: the key's block is cut out of the
 * text and parsed alone with positions, which costs little however many records the file holds. Undefined, to
 * take the positioned path, when the block cannot be found that simply or its parse differs from the whole
 * file's in any way.
 */
function blockItemPositions(source: string, key: string, path: readonly string[], whole: unknown): Map<string, { line: number; column: number }> | undefined {
  const positions = new Map<string, { line: number; column: number }>();
  const keyMatch = new RegExp(`^${key}[ \\t]*:`, 'm').exec(source);
  if (keyMatch === null) return undefined;
  const rest = source.slice(keyMatch.index);
  const end = /\n[^\s#-]/.exec(rest); // the next top-level key
  const block = end === null ? rest : rest.slice(0, end.index + 1);
  const lineCounter = new LineCounter();
  const doc = parseDocument(block, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  const sequence = doc.getIn(path, true);
  if (!isSeq(sequence) || !isDeepStrictEqual(blockData(doc), { [key]: whole })) return undefined;
  const keyLine = source.slice(0, keyMatch.index).split('\n').length;
  const pointer = path.reduce((parent, segment) => childPointer(parent, segment), '');
  for (const [i, item] of sequence.items.entries()) {
    const offset = rangeStart(item);
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    positions.set(childPointer(pointer, String(i)), { line: keyLine + line - 1, column: col });
  }
  return positions;
}
