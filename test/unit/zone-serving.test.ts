// servingSet: from the zones served so far and a load in which some files failed, what to serve now: every zone
// that loaded, the last good revision of a failed file that had one, and SERVFAIL for a failed zone without.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FailedZoneFile, ZoneConfig, ZoneIssue, ZoneLoadResult } from '../../src/zone/model.js';
import { servingSet } from '../../src/zone/serving.js';
import { fixtureZone } from '../helpers/fixture-zone.js';

function zone(name: string, file: string, serial = 1): ZoneConfig {
  return {
    ...fixtureZone,
    zone: name,
    file,
    soa: { ...fixtureZone.soa, serial },
    records: [],
    nameservers: [{ name: `ns.${name}`, addresses: ['192.0.2.53'] }],
  };
}

function issue(file: string, line = 3): ZoneIssue {
  return { file, line, column: 5, message: 'something is wrong' };
}

function failure(file: string, zoneName?: string): FailedZoneFile {
  return { file, ...(zoneName === undefined ? {} : { zone: zoneName }), issues: [issue(file)] };
}

function loaded(zones: ZoneConfig[], failed: FailedZoneFile[]): ZoneLoadResult {
  return failed.length === 0 ? { ok: true, zones, issues: [] } : { ok: false, zones, failed, issues: failed.flatMap((f) => f.issues) };
}

const good = zone('good.test', 'zones/good.yaml', 10);
const badV1 = zone('bad.test', 'zones/bad.yaml', 7);

interface Case {
  readonly name: string;
  readonly previous: ZoneConfig[];
  readonly result: ZoneLoadResult;
  readonly zones: Array<[zone: string, serial: number]>;
  readonly failed: Array<[file: string, serving: string, serial?: number]>;
  readonly servfail: string[];
}

const cases: readonly Case[] = [
  {
    name: 'at start: the good zone is served, the failed one answers SERVFAIL',
    previous: [],
    result: loaded([good], [failure('zones/bad.yaml', 'bad.test')]),
    zones: [['good.test', 10]],
    failed: [['zones/bad.yaml', 'servfail']],
    servfail: ['bad.test'],
  },
  {
    name: 'a file that did not get as far as naming its zone can only be reported',
    previous: [],
    result: loaded([good], [failure('zones/typo.yaml')]),
    zones: [['good.test', 10]],
    failed: [['zones/typo.yaml', 'none']],
    servfail: [],
  },
  {
    name: 'on reload a failed file keeps its last good zone',
    previous: [good, badV1],
    result: loaded([zone('good.test', 'zones/good.yaml', 11)], [failure('zones/bad.yaml', 'bad.test')]),
    zones: [
      ['bad.test', 7],
      ['good.test', 11],
    ],
    failed: [['zones/bad.yaml', 'last-good', 7]],
    servfail: [],
  },
  {
    name: 'a failed file that no longer names its zone still keeps its last good zone',
    previous: [good, badV1],
    result: loaded([good], [failure('zones/bad.yaml')]),
    zones: [
      ['bad.test', 7],
      ['good.test', 10],
    ],
    failed: [['zones/bad.yaml', 'last-good', 7]],
    servfail: [],
  },
  {
    name: 'a zone declared by a failed file that another file serves is answered from that file',
    previous: [],
    result: loaded([good], [failure('zones/copy.yaml', 'good.test')]),
    zones: [['good.test', 10]],
    failed: [['zones/copy.yaml', 'none']],
    servfail: [],
  },
  {
    name: 'a last good zone that another valid file now declares gives way to it',
    previous: [good, badV1],
    result: loaded([good, zone('bad.test', 'zones/moved.yaml', 8)], [failure('zones/bad.yaml', 'bad.test')]),
    zones: [
      ['good.test', 10],
      ['bad.test', 8],
    ],
    failed: [['zones/bad.yaml', 'none']],
    servfail: [],
  },
  {
    name: 'fixed: served again, nothing failed',
    previous: [good, badV1],
    result: loaded([zone('bad.test', 'zones/bad.yaml', 9), good], []),
    zones: [
      ['bad.test', 9],
      ['good.test', 10],
    ],
    failed: [],
    servfail: [],
  },
];

describe('servingSet', () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      const set = servingSet(testCase.previous, testCase.result);
      assert.deepEqual(
        set.zones.map((z) => [z.zone, z.soa.serial]),
        testCase.zones,
      );
      assert.deepEqual(
        set.failed.map((f) => [f.file, f.serving, ...(f.serial === undefined ? [] : [f.serial])]),
        testCase.failed,
      );
      assert.deepEqual(set.servfailZones, testCase.servfail);
      for (const f of set.failed) assert.ok(f.issues.length > 0, 'each failed file keeps its issues');
    });
  }

  it('keeps the very objects of a last good zone, so its answers are reused', () => {
    const set = servingSet([good, badV1], loaded([good], [failure('zones/bad.yaml', 'bad.test')]));
    assert.ok(set.zones.includes(badV1));
  });
});
