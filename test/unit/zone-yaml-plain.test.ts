// The fast YAML reading: plain data for a file that the fast path can take, undefined for one that must take the
// positioned path, and the positions of the maintenance windows, the only ones the ZoneConfig needs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateZoneText } from '../../src/zone/validate.js';
import { readPlainYaml } from '../../src/zone/yaml-plain.js';
import { noFiles, ZONE_HEAD } from '../helpers/zone-text.js';

describe('readPlainYaml', () => {
  const positioned: Array<[name: string, lines: string[]]> = [
    ['a syntax error', ['a: [1']],
    ['a duplicate key', ['a: 1', 'a: 2']],
    ['integer-like record names, which a plain object reorders', ['records:', '  "2": {}', '  app: {}']],
    ['integer-like name server names', ['nameservers: { 1: [] }']],
    ['windows in a flow map, where no line starts with maintenance:', ['{ zone: x, maintenance: [{ target: a }] }']],
    ['windows that the cut-out block reads otherwise (a string that runs on at column 1)', ['maintenance:', '  - reason: "a', 'b"']],
    // The cut-out block alone cannot resolve an alias to an anchor outside it; the whole file can.
    ['windows with an alias to an anchor outside them', ['zone: x', 'records: { app: { a: [&addr 192.0.2.1] } }', 'maintenance:', '  - target: *addr']],
  ];
  for (const [name, lines] of positioned) {
    it(`gives undefined for ${name}`, () => assert.equal(readPlainYaml(`${lines.join('\n')}\n`), undefined));
  }

  it('gives the data, keys in the order of a plain object, and no positions but those of the windows', () => {
    const text = ['zone: x', 'records: { b: 1, a: 2 }', 'maintenance:', '  - { target: a }', '  # a comment', '  -   target: b', 'ttl: 5'];
    const read = readPlainYaml(`${text.join('\n')}\n`);
    assert.ok(read);
    assert.deepEqual(read.data, { zone: 'x', records: { b: 1, a: 2 }, maintenance: [{ target: 'a' }, { target: 'b' }], ttl: 5 });
    assert.deepEqual(read.index.keysOf('/records'), ['b', 'a']);
    assert.deepEqual(read.index.keysOf('/zone'), []);
    assert.deepEqual(read.index.position('/maintenance/0', 'value'), { line: 4, column: 5 });
    assert.deepEqual(read.index.position('/maintenance/1', 'value'), { line: 6, column: 7 });
    assert.deepEqual(read.index.position('/zone', 'key'), { line: 0, column: 0 });
    assert.equal(read.index.offset('/zone', 'key'), 0);
  });

  it('places windows written as a flow list', () => {
    const read = readPlainYaml('zone: x\nmaintenance: [ { target: a } ]\n');
    assert.deepEqual(read?.index.position('/maintenance/0', 'value'), { line: 2, column: 16 });
  });
});

describe('validateZoneText with an alias into the maintenance windows', () => {
  it('reads the file by the positioned path instead of throwing', () => {
    const lines = [
      ...ZONE_HEAD,
      '  app:',
      '    policy: failover',
      '    targets:',
      '      - { address: &primary 192.0.2.1 }',
      '      - { address: 192.0.2.2 }',
      'maintenance:',
      '  - { target: *primary, cron: "0 2 * * *", duration: 1h }',
    ];
    const result = validateZoneText(`${lines.join('\n')}\n`, 'zone.yaml', noFiles);
    assert.deepEqual(result.issues, []);
    assert.equal(result.zone?.maintenance[0]?.target, '192.0.2.1');
  });
});
