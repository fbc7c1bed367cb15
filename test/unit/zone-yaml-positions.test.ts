// The positioned YAML reading: what kind of result a text gives, the problems it finds (with their wording, which
// the zone-validate tables pin through the whole validation too), and the positions of nodes by JSON pointer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PointerPart } from '../../src/zone/json-pointer.js';
import { readYamlWithPositions, unquotedCronAt, type PositionedYaml } from '../../src/zone/yaml-positions.js';

const EMPTY = 'the file is empty; expected a zone policy (zone, soa, nameservers, records)';
const QUOTE_STAR = `quote the cron expression: a YAML value that starts with '*' is an alias (write cron: "*/5 * * * *")`;

describe('readYamlWithPositions: kinds and problems', () => {
  const cases: Array<[name: string, text: string, kind: PositionedYaml['kind'], problems: string[]]> = [
    ['a syntax error', 'a: [1\n', 'syntax-errors', ['2:1 Flow sequence in block collection must be sufficiently indented and end with a ]']],
    ['several documents', 'a: 1\n---\nb: 2\n', 'syntax-errors', ['2:1 a zone policy file holds one YAML document; this one holds several (---)']],
    ['an unquoted @ key', '"@": 1\n@: 2\n', 'syntax-errors', [`2:1 '@' is reserved in YAML; quote the apex key: "@":`]],
    // Every error the library gives inside the value becomes the one hint; validate.ts drops the repeats.
    ['an unquoted cron', 'm:\n  - cron: */5 * * * *\n', 'syntax-errors', Array(4).fill(`2:11 ${QUOTE_STAR}`)],
    ['an empty file', '', 'no-data', [`0:0 ${EMPTY}`]],
    ['only a comment', '# nothing\n', 'no-data', [`0:0 ${EMPTY}`]],
    ['a duplicate key', 'a: 1\nb: 2\na: 3\n', 'data', ["3:1 duplicate key 'a' (also at line 1)"]],
    ['a nested duplicate key', 'a:\n  x: 1\n  x: 2\n', 'data', ["3:3 duplicate key 'x' (also at line 2)"]],
    ['a clean file', 'a: 1\n', 'data', []],
  ];
  for (const [name, text, kind, problems] of cases) {
    it(name, () => {
      const read = readYamlWithPositions(text);
      assert.equal(read.kind, kind);
      assert.deepEqual(
        read.problems.map(({ line, column, message }) => `${line}:${column} ${message}`),
        problems,
      );
    });
  }

  it('gives the data as toJS does, the last of duplicate keys winning', () => {
    const read = readYamlWithPositions('a: 1\nb: [x, {c: true}]\na: 3\n');
    assert.equal(read.kind, 'data');
    assert.deepEqual(read.data, { a: 3, b: ['x', { c: true }] });
  });
});

describe('readYamlWithPositions: positions by JSON pointer', () => {
  const text = ['records:', '  "2": {}', '  app:', '    b: [x, {c: 1}]', '    d:', '  "1": {}', 'odd/key~: 1'].join('\n');
  const read = readYamlWithPositions(`${text}\n`);
  assert.ok(read.kind === 'data', read.kind);

  const cases: Array<[pointer: string, part: PointerPart, line: number, column: number]> = [
    ['/records', 'key', 1, 1],
    ['/records/app', 'key', 3, 3],
    ['/records/app', 'value', 4, 5],
    ['/records/app/b/1/c', 'key', 4, 13],
    ['/records/app/b/1/c', 'value', 4, 16],
    ['/records/app/b/0', 'key', 4, 9], // a list item has no key: its value
    // An empty value is shown at its key.
    ['/records/app/d', 'value', 5, 5],
    // A pointer to nothing is shown at its nearest ancestor.
    ['/records/app/b/9', 'value', 4, 8],
    ['/records/app/b/9', 'key', 4, 5],
    ['/nothing', 'value', 1, 1],
    ['/odd~1key~0', 'key', 7, 1],
  ];
  for (const [pointer, part, line, column] of cases) {
    it(`${pointer} (${part}) is at ${line}:${column}`, () => assert.deepEqual(read.index.position(pointer, part), { line, column }));
  }

  it('gives the offset in the text', () => {
    assert.equal(read.index.offset('/records/app', 'key'), text.indexOf('app:'));
  });

  it('lists the keys of a map in file order, integer-like ones too', () => {
    assert.deepEqual(read.index.keysOf('/records'), ['2', 'app', '1']);
    assert.deepEqual(read.index.keysOf('/records/app/b'), [], 'a list has no keys');
    assert.deepEqual(read.index.keysOf('/missing'), []);
  });
});

describe('unquotedCronAt', () => {
  const cases: Array<[name: string, text: string, at: string, expected: { column: number; value: string; why: 'star' | 'at' } | undefined]> = [
    ['a block value', '  - cron: */5 * * * * # every 5 minutes', '/5', { column: 11, value: '*/5 * * * *', why: 'star' }],
    ['a flow map', '  - { cron: @daily, duration: 1h }', 'daily', { column: 13, value: '@daily', why: 'at' }],
    ['an error after the value, in a flow map', '  - { cron: "@daily", duration: *x }', 'x }', undefined],
    ['another key', '  - target: *x', 'x', undefined],
  ];
  for (const [name, line, at, expected] of cases) {
    it(name, () => {
      const text = `maintenance:\n${line}\n`;
      const lineStart = text.indexOf(line);
      const found = unquotedCronAt(text, lineStart + line.indexOf(at));
      if (expected === undefined) return assert.equal(found, undefined);
      const why = expected.why === 'star' ? "a YAML value that starts with '*' is an alias" : "'@' is reserved in YAML";
      assert.deepEqual(found, { offset: lineStart + expected.column - 1, message: `quote the cron expression: ${why} (write cron: "${expected.value}")` });
    });
  }
});
