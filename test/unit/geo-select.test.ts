// The geo policy as a table: the preference walk, the first region with a healthy target answering by weight,
// drained regions skipped like down ones, and whenAllDown when no region is healthy.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { preferenceWalk, selectGeo } from '../../src/answers/geo-select.js';
import type { ResolvedTarget } from '../../src/answers/select.js';
import type { AddressHealth } from '../../src/health/state.js';

const target = (address: string, health: AddressHealth = 'up', weight = 1, drained = false): ResolvedTarget => ({
  weight,
  unit: true,
  addresses: [{ address, family: address.includes(':') ? 6 : 4, health, drained }],
});

describe('preferenceWalk', () => {
  const cases: Array<[prefer: string[], defaults: string[], walk: string[]]> = [
    [
      ['eu-west', 'us-east'],
      ['us-east', 'eu-west', 'ap-south'],
      ['eu-west', 'us-east', 'ap-south'],
    ],
    [['ap-south'], ['us-east', 'eu-west'], ['ap-south', 'us-east', 'eu-west']],
    [[], ['us-east', 'eu-west'], ['us-east', 'eu-west']],
  ];
  for (const [prefer, defaults, walk] of cases)
    it(`${prefer.join(',') || '(default)'} → ${walk.join(',')}`, () => assert.deepEqual(preferenceWalk(prefer, defaults), walk));
});

describe('selectGeo', () => {
  const regions = ['eu-west', 'eu-west', 'us-east', 'ap-south'];
  const walk = ['eu-west', 'us-east', 'ap-south'];
  const cases: Array<{
    name: string;
    targets: ResolvedTarget[];
    whenAllDown?: 'all' | 'none';
    region: string | undefined;
    rule: string;
    answers: string[];
    skipped: string[];
  }> = [
    {
      name: 'the nearest region answers, by weight within it',
      targets: [target('192.0.2.1', 'up', 3), target('192.0.2.2', 'up', 1), target('192.0.2.3'), target('192.0.2.4')],
      region: 'eu-west',
      rule: 'healthy',
      answers: ['192.0.2.1 0.75', '192.0.2.2 0.25'],
      skipped: [],
    },
    {
      name: 'one target of the region down: the other answers alone',
      targets: [target('192.0.2.1', 'down'), target('192.0.2.2'), target('192.0.2.3'), target('192.0.2.4')],
      region: 'eu-west',
      rule: 'healthy',
      answers: ['192.0.2.2 1'],
      skipped: [],
    },
    {
      name: 'the nearest region down: the next one answers',
      targets: [target('192.0.2.1', 'down'), target('192.0.2.2', 'down'), target('192.0.2.3'), target('192.0.2.4')],
      region: 'us-east',
      rule: 'healthy',
      answers: ['192.0.2.3 1'],
      skipped: ['eu-west'],
    },
    {
      name: 'a drained region counts as down',
      targets: [target('192.0.2.1', 'up', 1, true), target('192.0.2.2', 'up', 1, true), target('192.0.2.3', 'down'), target('192.0.2.4')],
      region: 'ap-south',
      rule: 'healthy',
      answers: ['192.0.2.4 1'],
      skipped: ['eu-west', 'us-east'],
    },
    {
      name: 'no region healthy, whenAllDown all: fail open in the nearest region',
      targets: [target('192.0.2.1', 'down'), target('192.0.2.2', 'down'), target('192.0.2.3', 'down'), target('192.0.2.4', 'down')],
      region: 'eu-west',
      rule: 'fail-open',
      answers: ['192.0.2.1 0.5', '192.0.2.2 0.5'],
      skipped: [],
    },
    {
      name: 'no region healthy, whenAllDown none: NODATA',
      targets: [target('192.0.2.1', 'down'), target('192.0.2.2', 'down'), target('192.0.2.3', 'down'), target('192.0.2.4', 'down')],
      whenAllDown: 'none',
      region: undefined,
      rule: 'all-down',
      answers: [],
      skipped: ['eu-west', 'us-east', 'ap-south'],
    },
    {
      name: 'the nearest region has no address of the family: the next that has one answers',
      targets: [target('2001:db8::1'), target('2001:db8::2'), target('192.0.2.3'), target('192.0.2.4')],
      region: 'us-east',
      rule: 'healthy',
      answers: ['192.0.2.3 1'],
      skipped: ['eu-west'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const selection = selectGeo({ answers: 1, whenAllDown: c.whenAllDown ?? 'all' }, c.targets, regions, walk, 4);
      assert.equal(selection.region, c.region);
      assert.equal(selection.rule, c.rule);
      assert.deepEqual(
        selection.variants.map((v) => `${v.addresses.join(',')} ${v.probability}`),
        c.answers,
      );
      assert.deepEqual(selection.skipped, c.skipped);
    });
  }

  it("keeps the record's target numbering in the variants", () => {
    const selection = selectGeo(
      { answers: 1, whenAllDown: 'all' },
      [target('192.0.2.1', 'down'), target('192.0.2.2', 'down'), target('192.0.2.3'), target('192.0.2.4')],
      regions,
      walk,
      4,
    );
    assert.deepEqual(selection.variants[0].targets, [2]);
  });
});
