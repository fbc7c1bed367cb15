// The zone's `dnssec:` map (issue 19): `dnssec: {}` signs with the defaults; validity and refresh are durations,
// the refresh shorter than the validity, the validity at least an hour; the denial method is nsec or nsec3. Problems are
// file:line:column like every other.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseZoneText } from '../../src/zone/load.js';
import type { ValidationOptions } from '../../src/zone/check-context.js';
import { formatZoneIssue } from '../../src/zone/model.js';
import { formatExpected, noFiles, ZONE_FILE, ZONE_HEAD, zoneText, type Expected } from '../helpers/zone-text.js';

/** A key directory in which gslb.example.com has a usable key. */
const withKeys: ValidationOptions = { dnssecKeys: { dir: '/keys', usable: new Set(['gslb.example.com']), problems: new Map() } };
const problemsOf = (lines: readonly string[], options: ValidationOptions = withKeys) =>
  parseZoneText(zoneText(lines), ZONE_FILE, noFiles, options).issues.map(formatZoneIssue);

const head = [...ZONE_HEAD.slice(0, 3)];
const records = ['records:', '  www: { a: [192.0.2.1] }'];

describe('dnssec: in a zone file', () => {
  const valid: Array<[name: string, lines: string[], expected: unknown]> = [
    ['no dnssec: not signed', [], undefined],
    ['dnssec: {} signs with the defaults', ['dnssec: {}'], { denial: 'nsec', validityMs: 14 * 86_400_000, refreshMs: 7 * 86_400_000 }],
    [
      'validity and refresh',
      ['dnssec: { denial: nsec, validity: 48h, refresh: 12h }'],
      { denial: 'nsec', validityMs: 48 * 3_600_000, refreshMs: 12 * 3_600_000 },
    ],
    ['NSEC3', ['dnssec: { denial: nsec3 }'], { denial: 'nsec3', validityMs: 14 * 86_400_000, refreshMs: 7 * 86_400_000 }],
  ];
  for (const [name, lines, expected] of valid)
    it(name, () => {
      const { zone, issues } = parseZoneText(zoneText([...head, ...lines, ...records]), ZONE_FILE, noFiles, withKeys);
      assert.deepEqual(issues, []);
      assert.deepEqual(zone?.dnssec, expected);
    });

  const invalid: Array<[name: string, lines: string[], expected: Expected[]]> = [
    ['a validity under an hour', ['dnssec: { validity: 30m }'], [[4, '30m', 'dnssec.validity must be at least 1h']]],
    [
      'a refresh as long as the validity',
      ['dnssec: { validity: 24h, refresh: 24h }'],
      [[4, '24h }', 'dnssec.refresh must be shorter than dnssec.validity: signatures are made again that long before they expire']],
    ],
    [
      'a refresh longer than the default validity',
      ['dnssec: { refresh: 400h }'],
      [[4, '400h', 'dnssec.refresh must be shorter than dnssec.validity: signatures are made again that long before they expire']],
    ],
    ['another denial method', ['dnssec: { denial: nsec5 }'], [[4, 'nsec5', "dnssec.denial must be nsec or nsec3 (got 'nsec5')"]]],
    ['an unknown key', ['dnssec: { algorithm: 13 }'], [[4, 'algorithm', "unknown key 'algorithm' (allowed: denial, refresh, validity)"]]],
    ['not a map', ['dnssec: yes'], [[4, 'yes', "dnssec must be a map (got 'yes')"]]],
  ];
  for (const [name, lines, expected] of invalid)
    it(name, () => {
      const all = [...head, ...lines, ...records];
      assert.deepEqual(
        problemsOf(all),
        expected.map((e) => formatExpected(all, e)),
      );
    });

  const keyCases: Array<[name: string, options: ValidationOptions, message: string]> = [
    ['no key directory', {}, 'dnssec: needs the key directory: start with --dnssec-keys DIR (or MERIDIAN_DNSSEC_KEYS)'],
    [
      'no key for the zone',
      { dnssecKeys: { dir: '/keys', usable: new Set(['other.example.com']), problems: new Map() } },
      'no usable DNSSEC key: no key for gslb.example.com in /keys (make one with: meridian dnssec keygen gslb.example.com --dir /keys)',
    ],
    [
      'keys that cannot be used, with why',
      {
        dnssecKeys: {
          dir: '/keys',
          usable: new Set(),
          problems: new Map([['gslb.example.com', ['cannot use the DNSSEC key K1.key: bad', 'no active key for gslb.example.com in /keys']]]),
        },
      },
      'no usable DNSSEC key: cannot use the DNSSEC key K1.key: bad; no active key for gslb.example.com in /keys',
    ],
  ];
  for (const [name, options, message] of keyCases)
    it(`a zone that asks for signing, ${name}: an error at dnssec`, () => {
      const all = [...head, 'dnssec: {}', ...records];
      assert.deepEqual(problemsOf(all, options), [formatExpected(all, [4, 'dnssec', message])]);
    });
});
