// Sticky clients: the same subnet keeps the same target; when one of N targets fails only its own clients move
// (and come back when it does); over many subnets the shares follow the weights.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketOf, SourceAddresses, STICKY_BUCKETS, stickyChoice, type StickyCandidate } from '../../src/answers/sticky.js';

const candidate = (index: number, weight: number): StickyCandidate => ({
  index,
  weight,
  addresses: [`192.0.2.${index + 1}`],
  identity: `192.0.2.${index + 1}`,
});
const scratch = new Uint8Array(17);
/** The target (its identity) a client /24 gets from a choice over `candidates`. */
const targetOf = (candidates: readonly StickyCandidate[], choice: ReturnType<typeof stickyChoice>, subnet: number) =>
  candidates[choice.choices[choice.buckets[bucketOf(4, [10, (subnet >> 8) & 0xff, subnet & 0xff, 0], 24, scratch)]].candidates[0]].identity;
const SUBNETS = 20_000;

describe('bucketOf', () => {
  const cases: Array<[name: string, a: number[], b: number[], family: 4 | 6, prefix: number, same: boolean]> = [
    ['two hosts of one /24', [10, 1, 2, 3], [10, 1, 2, 200], 4, 24, true],
    ['two /24s', [10, 1, 2, 3], [10, 1, 3, 3], 4, 24, false],
    ['two /24s of one /16, hashed at /16', [10, 1, 2, 3], [10, 1, 3, 3], 4, 16, true],
    ['bits beyond a /20 ignored', [10, 1, 0x1f, 1], [10, 1, 0x10, 9], 4, 20, true],
    [
      'two hosts of one IPv6 /56',
      [0x20, 1, 0xd, 0xb8, 0, 0, 0, 1, ...new Array<number>(8).fill(0)],
      [0x20, 1, 0xd, 0xb8, 0, 0, 0, 1, 0xff, ...new Array<number>(7).fill(7)],
      6,
      56,
      true,
    ],
  ];
  for (const [name, a, b, family, prefix, same] of cases) {
    it(name, () => assert.equal(bucketOf(family, a, prefix, scratch) === bucketOf(family, b, prefix, scratch), same));
  }
  it('spreads subnets over every bucket', () => {
    const seen = new Set<number>();
    for (let s = 0; s < SUBNETS; s++) seen.add(bucketOf(4, [10, s >> 8, s & 0xff, 0], 24, scratch));
    assert.ok(seen.size > STICKY_BUCKETS * 0.99, `${seen.size} buckets used`);
  });
});

describe('stickyChoice', () => {
  const four = [candidate(0, 1), candidate(1, 1), candidate(2, 1), candidate(3, 1)];

  it('the same subnet always gets the same target', () => {
    const once = stickyChoice(four, 1);
    const again = stickyChoice(four, 1);
    for (let s = 0; s < 1000; s++) assert.equal(targetOf(four, once, s), targetOf(four, again, s));
  });

  it('when one of four fails, only its clients move; when it returns, they come back', () => {
    const before = stickyChoice(four, 1);
    const without = four.filter((c) => c.identity !== '192.0.2.3');
    const during = stickyChoice(without, 1);
    let moved = 0;
    for (let s = 0; s < SUBNETS; s++) {
      const was = targetOf(four, before, s);
      const is = targetOf(without, during, s);
      if (was === '192.0.2.3') moved++;
      else assert.equal(is, was, `subnet ${s} of ${was} moved`);
    }
    assert.ok(moved > SUBNETS * 0.2, `${moved} clients of the failed target moved`);
    const after = stickyChoice(four, 1);
    for (let s = 0; s < SUBNETS; s += 7) assert.equal(targetOf(four, after, s), targetOf(four, before, s));
  });

  const weightCases: Array<[name: string, weights: number[]]> = [
    ['equal weights', [1, 1, 1, 1]],
    ['3 : 1', [3, 1]],
    ['5 : 3 : 2', [5, 3, 2]],
  ];
  for (const [name, weights] of weightCases) {
    it(`shares follow the weights within ±10% over many subnets: ${name}`, () => {
      const candidates = weights.map((w, i) => candidate(i, w));
      const choice = stickyChoice(candidates, 1);
      const counts = new Map<string, number>();
      for (let s = 0; s < SUBNETS; s++) {
        const target = targetOf(candidates, choice, s);
        counts.set(target, (counts.get(target) ?? 0) + 1);
      }
      const total = weights.reduce((a, b) => a + b, 0);
      candidates.forEach((c, i) => {
        const share = (counts.get(c.identity) ?? 0) / SUBNETS;
        const expected = weights[i] / total;
        assert.ok(Math.abs(share - expected) <= expected * 0.1, `${c.identity}: ${share.toFixed(3)} for ${expected.toFixed(3)}`);
      });
    });
  }

  it('answers: 2 gives each bucket its two best, best first', () => {
    const choice = stickyChoice(four, 2);
    for (const c of choice.choices) assert.equal(new Set(c.candidates).size, 2);
    assert.ok(Math.abs(choice.choices.reduce((sum, c) => sum + c.share, 0) - 1) < 1e-9);
  });
});

describe('SourceAddresses', () => {
  const cases: Array<[source: string, family: 4 | 6 | undefined, first: number | undefined]> = [
    ['192.0.2.7', 4, 192],
    ['::ffff:192.0.2.7', 4, 192],
    ['2001:db8::1', 6, 0x20],
    ['nonsense', undefined, undefined],
  ];
  const sources = new SourceAddresses();
  for (const [source, family, first] of cases) {
    it(source, () => {
      const parsed = sources.of(source);
      assert.equal(parsed?.family, family);
      assert.equal(parsed?.bytes[0], first);
    });
  }
});
