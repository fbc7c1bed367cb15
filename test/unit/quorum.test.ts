// The quorum rule, as tables: parsing --quorum, counting the fresh vantage points, and the decision.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, MAJORITY, parseQuorum, tally, type PeerVote, type QuorumRule, type Votes } from '../../src/health/quorum.js';

describe('parseQuorum', () => {
  const valid: Array<[text: string, rule: QuorumRule]> = [
    ['majority', MAJORITY],
    [' Majority ', MAJORITY],
    ['18%', { kind: 'healthy-share', percent: 18 }],
    ['1%', { kind: 'healthy-share', percent: 1 }],
    ['100%', { kind: 'healthy-share', percent: 100 }],
  ];
  for (const [text, rule] of valid) it(`reads '${text}'`, () => assert.deepEqual(parseQuorum(text), rule));

  for (const text of ['', '0%', '101%', '50', '50.5%', '-10%', 'half', '%']) {
    it(`refuses '${text}' with MERIDIAN_BAD_QUORUM`, () => {
      assert.throws(
        () => parseQuorum(text),
        (error: Error & { code?: string }) => error.code === 'MERIDIAN_BAD_QUORUM' && error.message.includes(`'${text}'`),
      );
    });
  }
});

describe('tally', () => {
  const NOW = 100_000;
  const STALE_MS = 3_000;
  const fresh = (up: boolean | undefined): PeerVote => ({ up, lastHeardAt: NOW - 1_000 });
  const stale = (up: boolean): PeerVote => ({ up, lastHeardAt: NOW - STALE_MS - 1 });
  const cases: Array<[name: string, self: boolean | undefined, peers: PeerVote[], votes: Votes]> = [
    ['alone, up', true, [], { up: 1, down: 0 }],
    ['alone, down', false, [], { up: 0, down: 1 }],
    ['no verdict of its own yet, and no peers', undefined, [], { up: 0, down: 0 }],
    ['two fresh peers', false, [fresh(true), fresh(true)], { up: 2, down: 1 }],
    ['a stale peer does not vote', false, [fresh(true), stale(true)], { up: 1, down: 1 }],
    ['heard exactly staleAfter ago still votes', true, [{ up: false, lastHeardAt: NOW - STALE_MS }], { up: 1, down: 1 }],
    ['a peer without this probe does not vote', true, [fresh(undefined), fresh(false)], { up: 1, down: 1 }],
    ['cut off from every peer: decides alone', false, [stale(true), stale(true)], { up: 0, down: 1 }],
  ];
  for (const [name, self, peers, votes] of cases) it(name, () => assert.deepEqual(tally(self, peers, NOW, STALE_MS), votes));
});

describe('decide', () => {
  const share = (percent: number): QuorumRule => ({ kind: 'healthy-share', percent });
  const cases: Array<[name: string, rule: QuorumRule, votes: Votes, decision: 'up' | 'down' | undefined]> = [
    ['majority: nobody has a verdict yet', MAJORITY, { up: 0, down: 0 }, undefined],
    ['majority: one of three sees it down (a cut vantage point)', MAJORITY, { up: 2, down: 1 }, 'up'],
    ['majority: two of three see it down', MAJORITY, { up: 1, down: 2 }, 'down'],
    ['majority: a tie is healthy', MAJORITY, { up: 1, down: 1 }, 'up'],
    ['majority: alone and down', MAJORITY, { up: 0, down: 1 }, 'down'],
    ['majority: all down', MAJORITY, { up: 0, down: 3 }, 'down'],
    ['18%: one of five up is below 18%', share(18), { up: 0, down: 5 }, 'down'],
    ['18%: one of five up is 20%', share(18), { up: 1, down: 4 }, 'up'],
    ['50%: a tie is healthy', share(50), { up: 1, down: 1 }, 'up'],
    ['51%: a tie is down', share(51), { up: 1, down: 1 }, 'down'],
    ['100%: any down vantage point takes it down', share(100), { up: 4, down: 1 }, 'down'],
    ['34%: one of three up is exactly 33.3…%, below', share(34), { up: 1, down: 2 }, 'down'],
    ['33%: one of three up is above 33%', share(33), { up: 1, down: 2 }, 'up'],
  ];
  for (const [name, rule, votes, decision] of cases) it(name, () => assert.equal(decide(rule, votes), decision));
});
