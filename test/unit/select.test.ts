import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAnswerTable } from '../../src/answers/build.js';
import { answeredAsOne, MAX_VARIANTS, selectAnswers, targetDrained, type ResolvedTarget, type SelectionPolicy } from '../../src/answers/select.js';
import { type AddressHealth } from '../../src/health/state.js';
import { QueryHandler } from '../../src/dns/handler.js';
import { answerSets, answerView, selectionsOf } from '../../src/observability/status.js';
import type { BalancedRecord } from '../../src/zone/model.js';
import { buildQuery, decodeResponse } from '../helpers/dns-message.js';
import { fixtureZone, staticTargets } from '../helpers/fixture-zone.js';

const target = (weight: number, ...addresses: Array<[string, AddressHealth]>): ResolvedTarget => ({
  weight,
  addresses: addresses.map(([address, health]) => ({ address, family: address.includes(':') ? 6 : 4, health })),
});
const weighted = (answers = 1, whenAllDown: 'all' | 'none' = 'all'): SelectionPolicy => ({ policy: 'weighted', answers, whenAllDown });
const failover = (whenAllDown: 'all' | 'none' = 'all'): SelectionPolicy => ({ policy: 'failover', answers: 1, whenAllDown });
const summary = (selection: ReturnType<typeof selectAnswers>) =>
  selection.variants.map((v) => `${v.addresses.join(',')}@${Math.round(v.probability * 1000) / 1000}`);

describe('selectAnswers', () => {
  const cases: Array<{ name: string; policy: SelectionPolicy; targets: ResolvedTarget[]; family: 4 | 6; rule: string; variants: string[] }> = [
    {
      name: 'weighted: probability proportional to weight',
      policy: weighted(),
      targets: [target(3, ['192.0.2.1', 'up']), target(1, ['192.0.2.2', 'up'])],
      family: 4,
      rule: 'healthy',
      variants: ['192.0.2.1@0.75', '192.0.2.2@0.25'],
    },
    {
      name: 'weighted: unknown counts as healthy',
      policy: weighted(),
      targets: [target(1, ['192.0.2.1', 'unknown']), target(1, ['192.0.2.2', 'up'])],
      family: 4,
      rule: 'healthy',
      variants: ['192.0.2.1@0.5', '192.0.2.2@0.5'],
    },
    {
      name: 'weighted: down targets take no part',
      policy: weighted(),
      targets: [target(3, ['192.0.2.1', 'down']), target(1, ['192.0.2.2', 'up'])],
      family: 4,
      rule: 'healthy',
      variants: ['192.0.2.2@1'],
    },
    {
      name: 'weighted: a target answers with its healthy addresses of the family',
      policy: weighted(),
      targets: [target(1, ['192.0.2.1', 'up'], ['192.0.2.3', 'down'], ['2001:db8::1', 'up'])],
      family: 4,
      rule: 'healthy',
      variants: ['192.0.2.1@1'],
    },
    {
      name: 'weighted: all down, whenAllDown all fails open by weight',
      policy: weighted(),
      targets: [target(3, ['192.0.2.1', 'down']), target(1, ['192.0.2.2', 'down'])],
      family: 4,
      rule: 'fail-open',
      variants: ['192.0.2.1@0.75', '192.0.2.2@0.25'],
    },
    {
      name: 'weighted: all down, whenAllDown none is NODATA',
      policy: weighted(1, 'none'),
      targets: [target(3, ['192.0.2.1', 'down'])],
      family: 4,
      rule: 'all-down',
      variants: [],
    },
    {
      name: 'no address of the family is NODATA whatever the health',
      policy: weighted(),
      targets: [target(1, ['192.0.2.1', 'up'])],
      family: 6,
      rule: 'no-addresses',
      variants: [],
    },
    {
      name: 'failover: the first healthy target in order',
      policy: failover(),
      targets: [target(1, ['192.0.2.1', 'down']), target(1, ['192.0.2.2', 'up']), target(1, ['192.0.2.3', 'up'])],
      family: 4,
      rule: 'healthy',
      variants: ['192.0.2.2@1'],
    },
    {
      name: 'failover: all down fails open to the first target',
      policy: failover(),
      targets: [target(1, ['192.0.2.1', 'down']), target(1, ['192.0.2.2', 'down'])],
      family: 4,
      rule: 'fail-open',
      variants: ['192.0.2.1@1'],
    },
    {
      name: 'weighted answers: 2 lists every ordered draw with its exact probability',
      policy: weighted(2),
      targets: [target(2, ['192.0.2.1', 'up']), target(1, ['192.0.2.2', 'up']), target(1, ['192.0.2.3', 'up'])],
      family: 4,
      rule: 'healthy',
      // P(1 then 2) = 2/4 * 1/2; P(2 then 1) = 1/4 * 2/3; ...
      variants: [
        '192.0.2.1,192.0.2.2@0.25',
        '192.0.2.1,192.0.2.3@0.25',
        '192.0.2.2,192.0.2.1@0.167',
        '192.0.2.2,192.0.2.3@0.083',
        '192.0.2.3,192.0.2.1@0.167',
        '192.0.2.3,192.0.2.2@0.083',
      ],
    },
    {
      name: 'weighted answers: N larger than the healthy targets gives them all',
      policy: weighted(5),
      targets: [target(1, ['192.0.2.1', 'up']), target(1, ['192.0.2.2', 'down'])],
      family: 4,
      rule: 'healthy',
      variants: ['192.0.2.1@1'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const selection = selectAnswers(c.policy, c.targets, c.family);
      assert.equal(selection.rule, c.rule);
      assert.deepEqual(summary(selection), c.variants);
      if (selection.variants.length > 0) {
        const total = selection.variants.reduce((sum, v) => sum + v.probability, 0);
        assert.ok(Math.abs(total - 1) < 1e-9, `probabilities sum to ${total}`);
      }
    });
  }

  it('samples when there are too many ordered draws, and the sample follows the weights', () => {
    const targets = Array.from({ length: 12 }, (_, i) => target(i === 0 ? 11 : 1, [`192.0.2.${i + 1}`, 'up']));
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const selection = selectAnswers(weighted(3), targets, 4, random);
    assert.equal(selection.variants.length, MAX_VARIANTS);
    // Target 1 carries half the weight: it should lead about half of the draws.
    const leading = selection.variants.filter((v) => v.addresses[0] === '192.0.2.1').length / MAX_VARIANTS;
    assert.ok(leading > 0.4 && leading < 0.6, `first target leads ${leading} of the draws`);
    for (const v of selection.variants) assert.equal(new Set(v.targets).size, 3);
  });
});

describe('weighted answers through the query path', () => {
  it('follows the weights over many queries (chi-square, 1 degree of freedom)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const table = buildAnswerTable([fixtureZone], staticTargets());
    const handler = new QueryHandler({ current: table }, { random });
    const counts = new Map<string, number>();
    const n = 8000;
    for (let i = 0; i < n; i++) {
      const answer = decodeResponse(handler.handle(buildQuery({ name: 'app.gslb.example.com', type: 1 }), 'udp')!).answer[0];
      counts.set(answer, (counts.get(answer) ?? 0) + 1);
    }
    const observed = [counts.get('app.gslb.example.com. 30 IN A 192.0.2.10') ?? 0, counts.get('app.gslb.example.com. 30 IN A 192.0.2.20') ?? 0];
    const expected = [n * 0.75, n * 0.25];
    const chiSquare = observed.reduce((sum, o, i) => sum + (o - expected[i]) ** 2 / expected[i], 0);
    // 10.83 is the 0.1% critical value: a correct implementation fails this once in a thousand seeds.
    assert.ok(chiSquare < 10.83, `chi-square ${chiSquare} for ${observed.join(':')}`);
  });
});

describe('selectAnswers with drains', () => {
  const drained = (weight: number, ...addresses: Array<[string, AddressHealth, boolean]>): ResolvedTarget => ({
    weight,
    addresses: addresses.map(([address, health, isDrained]) => ({ address, family: 4, health, ...(isDrained ? { drained: true } : {}) })),
  });
  const cases: Array<{ name: string; policy: SelectionPolicy; targets: ResolvedTarget[]; rule: string; answers: string[][]; drainsIgnored: boolean }> = [
    {
      name: 'failover skips a drained healthy primary',
      policy: failover(),
      targets: [drained(1, ['10.0.0.1', 'up', true]), drained(1, ['10.0.0.2', 'up', false])],
      rule: 'healthy',
      answers: [['10.0.0.2']],
      drainsIgnored: false,
    },
    {
      name: 'a drained target is not served even when failing open',
      policy: failover('all'),
      targets: [drained(1, ['10.0.0.1', 'down', true]), drained(1, ['10.0.0.2', 'down', false])],
      rule: 'fail-open',
      answers: [['10.0.0.2']],
      drainsIgnored: false,
    },
    {
      name: 'NODATA policy with the undrained target down',
      policy: failover('none'),
      targets: [drained(1, ['10.0.0.1', 'up', true]), drained(1, ['10.0.0.2', 'down', false])],
      rule: 'all-down',
      answers: [],
      drainsIgnored: false,
    },
    {
      name: 'every target drained: drains set aside, health decides',
      policy: failover(),
      targets: [drained(1, ['10.0.0.1', 'down', true]), drained(1, ['10.0.0.2', 'up', true])],
      rule: 'healthy',
      answers: [['10.0.0.2']],
      drainsIgnored: true,
    },
    {
      name: 'weighted keeps the other targets with their weights',
      policy: weighted(),
      targets: [drained(3, ['10.0.0.1', 'up', true]), drained(1, ['10.0.0.2', 'up', false]), drained(1, ['10.0.0.3', 'up', false])],
      rule: 'healthy',
      answers: [['10.0.0.2'], ['10.0.0.3']],
      drainsIgnored: false,
    },
    {
      name: 'one drained address of a target leaves its other address',
      policy: failover(),
      targets: [drained(1, ['10.0.0.1', 'up', true], ['10.0.0.9', 'up', false]), drained(1, ['10.0.0.2', 'up', false])],
      rule: 'healthy',
      answers: [['10.0.0.9']],
      drainsIgnored: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const selection = selectAnswers(c.policy, c.targets, 4);
      assert.equal(selection.rule, c.rule);
      assert.deepEqual(
        selection.variants.map((v) => v.addresses),
        c.answers,
      );
      assert.equal(selection.drainsIgnored === true, c.drainsIgnored);
    });
  }
});

describe('answers as /status and /explain list them', () => {
  const equal = (n: number) => Array.from({ length: n }, (_, i) => target(1, [`192.0.2.${i + 1}`, 'up']));
  const cases: Array<{ what: string; answers: number; targets: ResolvedTarget[]; sets: (count: number) => boolean; sampled: boolean; first?: string }> = [
    {
      what: 'one of two by weight 3:1',
      answers: 1,
      targets: [target(3, ['192.0.2.1', 'up']), target(1, ['192.0.2.2', 'up'])],
      sets: (n) => n === 2,
      sampled: false,
      first: '192.0.2.1@0.75',
    },
    { what: 'two of three: every order', answers: 2, targets: equal(3), sets: (n) => n === 6, sampled: false },
    // 8 * 7 * 6 = 336 orders, more than MAX_VARIANTS: a sample, which must still hold many answers.
    { what: 'three of eight: a sample of many', answers: 3, targets: equal(8), sets: (n) => n > 50 && n <= MAX_VARIANTS, sampled: true },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const record = { name: 'pool.example.test', policy: 'weighted', answers: c.answers, whenAllDown: 'all' } as BalancedRecord;
      const [selection] = selectionsOf(record, c.targets);
      const sets = answerSets(selection);
      assert.ok(c.sets(sets.length), `${sets.length} answers`);
      assert.equal(selection.sampled === true, c.sampled);
      assert.equal(new Set(sets.map((s) => s.addresses.join(','))).size, sets.length, 'each answer listed once');
      const total = sets.reduce((sum, s) => sum + s.probability, 0);
      assert.ok(Math.abs(total - 1) < 1e-3, `shares sum to ${total}`);
      for (let i = 1; i < sets.length; i++) assert.ok(sets[i - 1].probability >= sets[i].probability, 'most likely first');
      if (c.first !== undefined) assert.equal(`${sets[0].addresses.join(',')}@${sets[0].probability}`, c.first);
      assert.deepEqual(answerSets(selectionsOf(record, c.targets)[0]), sets, 'the same between two looks');
    });
  }
});

describe('selectAnswers: a target with several addresses is one unit', () => {
  // A dual-stack site: its IPv4 and IPv6 addresses are drained, judged and answered together (docs/health.md).
  const site = (weight: number, ...addresses: Array<[string, AddressHealth, boolean?]>): ResolvedTarget => ({
    weight,
    unit: true,
    addresses: addresses.map(([address, health, isDrained]) => ({
      address,
      family: address.includes(':') ? 6 : 4,
      health,
      ...(isDrained ? { drained: true } : {}),
    })),
  });
  // A cluster target discovered from Kubernetes: its addresses are each on their own.
  const cluster = (weight: number, ...addresses: Array<[string, AddressHealth, boolean?]>): ResolvedTarget => {
    const { unit: _, ...rest } = site(weight, ...addresses);
    return rest;
  };
  const cases: Array<{
    name: string;
    policy: SelectionPolicy;
    targets: ResolvedTarget[];
    a: string[][];
    aaaa: string[][];
    aaaaRule: string;
    aRule?: string;
    drainsIgnored?: boolean;
  }> = [
    {
      name: 'draining the IPv4 address moves AAAA away too',
      policy: failover(),
      targets: [site(1, ['127.0.0.11', 'up', true], ['::1', 'up']), site(1, ['127.0.0.12', 'up'], ['::2', 'up'])],
      a: [['127.0.0.12']],
      aaaa: [['::2']],
      aaaaRule: 'healthy',
    },
    {
      name: 'IPv6 down, IPv4 up: the site is down for A as well',
      policy: failover(),
      targets: [site(1, ['127.0.0.11', 'up'], ['::1', 'down']), site(1, ['127.0.0.12', 'up'], ['::2', 'up'])],
      a: [['127.0.0.12']],
      aaaa: [['::2']],
      aaaaRule: 'healthy',
    },
    {
      name: 'IPv6 down, and no other site has IPv6: AAAA does not fail open with the dead address',
      policy: failover(),
      targets: [site(1, ['127.0.0.11', 'up'], ['::1', 'down']), site(1, ['127.0.0.12', 'up'])],
      a: [['127.0.0.12']],
      aaaa: [],
      aaaaRule: 'others-healthy',
    },
    {
      name: 'a pending address is not served and does not judge the site',
      policy: failover(),
      targets: [site(1, ['127.0.0.11', 'up'], ['127.0.0.13', 'pending'], ['::1', 'up']), site(1, ['127.0.0.12', 'up'])],
      a: [['127.0.0.11']],
      aaaa: [['::1']],
      aaaaRule: 'healthy',
    },
    {
      name: 'every site down: both families fail open with every site',
      policy: weighted(),
      targets: [site(1, ['127.0.0.11', 'up'], ['::1', 'down']), site(1, ['127.0.0.12', 'down'], ['::2', 'up'])],
      a: [['127.0.0.11'], ['127.0.0.12']],
      aaaa: [['::1'], ['::2']],
      aaaaRule: 'fail-open',
    },
    {
      name: 'draining the IPv4 address, and no other site has IPv6: AAAA is NODATA, the drained site is not answered',
      policy: failover(),
      targets: [site(1, ['127.0.0.11', 'up', true], ['::1', 'up']), site(1, ['127.0.0.12', 'up'])],
      a: [['127.0.0.12']],
      aaaa: [],
      aaaaRule: 'others-healthy',
    },
    {
      name: 'IPv6 down, IPv4 up, weighted: the other sites share both families',
      policy: weighted(),
      targets: [site(2, ['127.0.0.11', 'up'], ['::1', 'down']), site(1, ['127.0.0.12', 'up'], ['::2', 'up']), site(1, ['127.0.0.13', 'up'], ['::3', 'up'])],
      a: [['127.0.0.12'], ['127.0.0.13']],
      aaaa: [['::2'], ['::3']],
      aaaaRule: 'healthy',
    },
    {
      name: 'whenAllDown none: the dead IPv6 address is NODATA, explained by the healthy others',
      policy: failover('none'),
      targets: [site(1, ['127.0.0.11', 'up'], ['::1', 'down']), site(1, ['127.0.0.12', 'up'])],
      a: [['127.0.0.12']],
      aaaa: [],
      aaaaRule: 'others-healthy',
    },
    {
      name: 'unknown (a fresh start) counts as healthy for the whole site',
      policy: failover(),
      targets: [site(1, ['127.0.0.11', 'unknown'], ['::1', 'up']), site(1, ['127.0.0.12', 'up'], ['::2', 'up'])],
      a: [['127.0.0.11']],
      aaaa: [['::1']],
      aaaaRule: 'healthy',
    },
    {
      name: 'every site drained: the drains are set aside for both families, and health still judges the site as one',
      policy: failover(),
      targets: [site(1, ['127.0.0.11', 'up', true], ['::1', 'down']), site(1, ['127.0.0.12', 'up'], ['::2', 'up', true])],
      a: [['127.0.0.12']],
      aaaa: [['::2']],
      aaaaRule: 'healthy',
      drainsIgnored: true,
    },
    {
      name: 'a cluster target stays per address: its up IPv4 address answers, its down IPv6 address does not fail open',
      policy: failover(),
      targets: [cluster(1, ['127.0.0.11', 'up'], ['::1', 'down'])],
      a: [['127.0.0.11']],
      aaaa: [],
      aaaaRule: 'others-healthy',
    },
    {
      name: 'a cluster target stays per address: a drained IPv4 address leaves its IPv6 address answering',
      policy: failover(),
      targets: [cluster(1, ['127.0.0.11', 'up', true], ['127.0.0.21', 'up'], ['::1', 'up']), cluster(1, ['127.0.0.12', 'up'], ['::2', 'up'])],
      a: [['127.0.0.21']],
      aaaa: [['::1']],
      aaaaRule: 'healthy',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = selectAnswers(c.policy, c.targets, 4);
      assert.deepEqual(
        a.variants.map((v) => v.addresses),
        c.a,
        'A',
      );
      assert.equal(a.rule, c.aRule ?? (c.a.length > 0 && c.aaaaRule !== 'fail-open' ? 'healthy' : c.aaaaRule), 'A rule');
      const aaaa = selectAnswers(c.policy, c.targets, 6);
      assert.deepEqual(
        aaaa.variants.map((v) => v.addresses),
        c.aaaa,
        'AAAA',
      );
      assert.equal(aaaa.rule, c.aaaaRule, 'AAAA rule');
      assert.equal(a.drainsIgnored === true, c.drainsIgnored ?? false, 'A drainsIgnored');
      assert.equal(aaaa.drainsIgnored === true, c.drainsIgnored ?? false, 'AAAA drainsIgnored');
    });
  }

  it('static targets are units, cluster targets are not', () => {
    assert.equal(answeredAsOne({ kind: 'static', addresses: ['127.0.0.11', '::1'], weight: 1 }), true);
    assert.equal(answeredAsOne({ kind: 'cluster', cluster: 'eu', select: { by: 'host' }, weight: 1 }), false);
  });

  const drainedCases: Array<[string, ResolvedTarget, boolean]> = [
    ['a unit with one address drained', site(1, ['127.0.0.11', 'up', true], ['::1', 'up']), true],
    ['a unit with none drained', site(1, ['127.0.0.11', 'up'], ['::1', 'up']), false],
    ['a cluster target with one address drained', cluster(1, ['127.0.0.11', 'up', true], ['::1', 'up']), false],
    ['a cluster target with every address drained', cluster(1, ['127.0.0.11', 'up', true], ['::1', 'up', true]), true],
    ['a target without addresses', cluster(1), false],
  ];
  for (const [what, t, expected] of drainedCases)
    it(`targetDrained: ${what} is ${expected ? '' : 'not '}drained`, () => assert.equal(targetDrained(t), expected));

  it('/status reports the rule of the family that answers: AAAA when only IPv6 is healthy', () => {
    const targets = [site(1, ['127.0.0.11', 'down'], ['::1', 'down']), cluster(1, ['::2', 'up'])];
    const view = answerView(selectAnswers(failover(), targets, 4), selectAnswers(failover(), targets, 6));
    assert.equal(view.rule, 'healthy');
    assert.deepEqual(view.A, []);
    assert.deepEqual(view.AAAA, [{ addresses: ['::2'], probability: 1 }]);
  });

  it('cluster targets: an IPv6 address down while IPv4 is down too still fails open for both families', () => {
    const targets = [cluster(1, ['127.0.0.11', 'down'], ['::1', 'down'])];
    assert.equal(selectAnswers(failover(), targets, 4).rule, 'fail-open');
    assert.equal(selectAnswers(failover(), targets, 6).rule, 'fail-open');
  });
});
