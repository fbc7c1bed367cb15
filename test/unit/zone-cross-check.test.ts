// checkGlueAcrossZones: the addresses a zone file gives an out-of-zone name server are ignored, but when the
// name lies in another zone this server serves, they should agree with that zone's data for the name.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkGlueAcrossZones, type LoadedZoneFile } from '../../src/zone/cross-check.js';
import { formatZoneIssue } from '../../src/zone/model.js';
import { validateZoneText } from '../../src/zone/validate.js';
import { noFiles, zoneText } from '../helpers/zone-text.js';

/** The zone that names ns1.b.test with an address (line 5, column 15 is the '[' of its list). */
const REFERRER = ['zone: a.test', 'soa: { rname: h.a.test }', 'nameservers:', '  ns1.a.test: [203.0.113.1]', '  ns1.b.test: [192.0.2.1, "2001:db8::1"]'];
const AT = 'a.yaml:5:15';
const GIVEN = "warning: name server 'ns1.b.test' is given 192.0.2.1, 2001:db8::1 here, but zone";

function zoneB(zone: string, records: readonly string[], nameservers = ['  ns.example.net: []']): string[] {
  return [`zone: ${zone}`, `soa: { rname: h.${zone} }`, 'nameservers:', ...nameservers, ...(records.length > 0 ? ['records:', ...records] : [])];
}

function loaded(file: string, lines: readonly string[]): LoadedZoneFile {
  const validation = validateZoneText(zoneText(lines), file, noFiles);
  assert.ok(validation.zone, `test case error: ${file} does not load: ${validation.issues.map(formatZoneIssue).join('; ')}`);
  return { zone: validation.zone, outOfZoneGlue: validation.outOfZoneGlue ?? [] };
}

interface Case {
  readonly name: string;
  /** File name → lines; a.yaml is REFERRER unless given. */
  readonly files: Readonly<Record<string, readonly string[]>>;
  readonly expected: readonly string[];
}

const cases: readonly Case[] = [
  {
    name: 'the same addresses as a static record of the other zone, in any order',
    files: { 'b.yaml': zoneB('b.test', ['  ns1: { aaaa: ["2001:DB8:0::1"], a: [192.0.2.1] }']) },
    expected: [],
  },
  {
    name: 'the same addresses as the glue of an in-zone name server of the other zone',
    files: { 'b.yaml': zoneB('b.test', [], ['  ns1.b.test: ["2001:db8::1", 192.0.2.1]']) },
    expected: [],
  },
  {
    name: 'other addresses than the other zone answers',
    files: { 'b.yaml': zoneB('b.test', ['  ns1: { a: [192.0.2.1, 192.0.2.2] }']) },
    expected: [`${AT}: ${GIVEN} b.test (b.yaml) answers 192.0.2.1, 192.0.2.2 for it`],
  },
  {
    name: 'a name the other zone has no address for',
    files: { 'b.yaml': zoneB('b.test', ['  ns1: { txt: ["not an address"] }', '  ns2: { a: [192.0.2.1] }']) },
    expected: [`${AT}: ${GIVEN} b.test (b.yaml) has no address for it`],
  },
  {
    name: 'a health-checked record in the other zone',
    files: { 'b.yaml': zoneB('b.test', ['  ns1: { policy: failover, targets: [{ address: 192.0.2.1 }, { address: "2001:db8::1" }] }']) },
    expected: [`${AT}: ${GIVEN} b.test (b.yaml) answers it from health-checked targets, not fixed addresses`],
  },
  {
    name: 'a CNAME in the other zone',
    files: { 'b.yaml': zoneB('b.test', ['  ns1: { cname: host.example.net }']) },
    expected: [`${AT}: ${GIVEN} b.test (b.yaml) makes it a CNAME, which a name server must not be (RFC 2181 §10.3)`],
  },
  {
    name: 'the most specific zone served decides',
    files: {
      'b.yaml': zoneB('b.test', ['  ns1: { a: [192.0.2.99] }']),
      'sub.yaml': zoneB('sub.b.test', []),
      'a.yaml': [...REFERRER, '  ns2.sub.b.test: [192.0.2.7]'],
    },
    expected: [
      `${AT}: ${GIVEN} b.test (b.yaml) answers 192.0.2.99 for it`,
      `a.yaml:6:19: warning: name server 'ns2.sub.b.test' is given 192.0.2.7 here, but zone sub.b.test (sub.yaml) has no address for it`,
    ],
  },
  {
    name: 'a name in no zone served: nothing to compare with',
    files: { 'c.yaml': zoneB('c.test', ['  ns1: { a: [192.0.2.5] }']) },
    expected: [],
  },
  {
    name: 'an out-of-zone name server given no addresses',
    files: { 'a.yaml': [...REFERRER.slice(0, 4), '  ns1.b.test: []'], 'b.yaml': zoneB('b.test', ['  ns1: { a: [192.0.2.9] }']) },
    expected: [],
  },
];

describe('checkGlueAcrossZones', () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      const files = { 'a.yaml': REFERRER, ...testCase.files };
      const issues = checkGlueAcrossZones(Object.entries(files).map(([file, lines]) => loaded(file, lines)));
      assert.deepEqual(issues.map(formatZoneIssue), testCase.expected);
      assert.ok(issues.every((issue) => issue.severity === 'warning'));
    });
  }
});
