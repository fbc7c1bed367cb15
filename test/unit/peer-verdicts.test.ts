// What an instance keeps of its peers' verdicts: applying their messages, the votes on one probe, and bounds.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_PROBES_PER_PEER, PeerVerdicts } from '../../src/peers/peer-verdicts.js';
import type { PeerMessage } from '../../src/peers/protocol.js';

const A = 'a 192.0.2.1';
const B = 'b 192.0.2.2';
const C = 'c 192.0.2.3';

describe('PeerVerdicts.apply', () => {
  const cases: Array<[name: string, before: PeerMessage[], message: PeerMessage, changed: string[], votesOnA: Array<boolean | undefined>]> = [
    [
      'a snapshot sets every verdict',
      [],
      {
        type: 'snapshot',
        verdicts: [
          [A, true],
          [B, false],
        ],
      },
      [A, B],
      [true],
    ],
    [
      'a second snapshot reports only what differs, and what it drops',
      [
        {
          type: 'snapshot',
          verdicts: [
            [A, true],
            [B, false],
          ],
        },
      ],
      {
        type: 'snapshot',
        verdicts: [
          [A, true],
          [C, true],
        ],
      },
      [B, C],
      [true],
    ],
    [
      'changes update and remove',
      [
        {
          type: 'snapshot',
          verdicts: [
            [A, true],
            [B, false],
          ],
        },
      ],
      { type: 'changes', verdicts: [[A, false]], removed: [B] },
      [B, A],
      [false],
    ],
    [
      'a change to the same verdict is no change',
      [{ type: 'snapshot', verdicts: [[A, true]] }],
      { type: 'changes', verdicts: [[A, true]], removed: [] },
      [],
      [true],
    ],
    ['removing an unknown probe is no change', [{ type: 'snapshot', verdicts: [[A, true]] }], { type: 'changes', verdicts: [], removed: [C] }, [], [true]],
    ['a heartbeat changes no verdict', [{ type: 'snapshot', verdicts: [[A, false]] }], { type: 'heartbeat', sentAt: 0 }, [], [false]],
    ['a peer without a verdict on the probe votes undefined', [{ type: 'snapshot', verdicts: [[B, true]] }], { type: 'heartbeat', sentAt: 0 }, [], [undefined]],
  ];
  for (const [name, before, message, changed, votesOnA] of cases) {
    it(name, () => {
      const peers = new PeerVerdicts(['east']);
      for (const m of before) peers.apply('east', m, 1, 1);
      assert.deepEqual(peers.apply('east', message, 2, 2), changed);
      assert.deepEqual(
        peers.votesOn(A).map((v) => v.up),
        votesOnA,
      );
    });
  }

  it('refuses a peer it was not told of, and stores nothing of it', () => {
    const peers = new PeerVerdicts(['east']);
    assert.equal(peers.apply('mallory', { type: 'snapshot', verdicts: [[A, false]] }, 1, 1), 'refused');
    assert.deepEqual(peers.votesOn(A), []);
    assert.deepEqual(
      peers.summaries(() => true).map((s) => s.instance),
      ['east'],
    );
  });

  it('refuses changes that would take a peer over MAX_PROBES_PER_PEER, applying none of them', () => {
    const peers = new PeerVerdicts(['east']);
    for (let sent = 0; sent < MAX_PROBES_PER_PEER; sent += 50_000) {
      const verdicts = Array.from({ length: 50_000 }, (_, i) => [`k${sent + i}`, true] as const);
      assert.notEqual(peers.apply('east', { type: 'changes', verdicts, removed: [] }, 1, 1), 'refused');
    }
    assert.equal(peers.apply('east', { type: 'changes', verdicts: [[A, false]], removed: [] }, 2, 2), 'refused');
    assert.deepEqual(
      peers.votesOn(A).map((v) => v.up),
      [undefined],
    );
    assert.equal(peers.summaries(() => true)[0]?.probes, MAX_PROBES_PER_PEER);
  });
});

describe('PeerVerdicts: votes and summaries', () => {
  it('a peer not heard from yet does not vote; one heard from votes with when it was last heard', () => {
    const peers = new PeerVerdicts(['east', 'west']);
    peers.apply('east', { type: 'snapshot', verdicts: [[A, false]] }, 10, 10);
    peers.apply('east', { type: 'heartbeat', sentAt: 1_000 }, 25, 900);
    assert.deepEqual(peers.votesOn(A), [{ instance: 'east', up: false, lastHeardAt: 25 }]);
    assert.deepEqual(peers.lastHeard(), [
      ['east', 25],
      ['west', undefined],
    ]);
  });

  it('sums up each peer: when heard, clock skew, probes, and probes this instance does not have', () => {
    const peers = new PeerVerdicts(['east', 'west']);
    peers.apply('east', { type: 'hello', protocol: 1, instance: 'east', sentAt: 5_250 }, 40, 5_000);
    peers.apply(
      'east',
      {
        type: 'snapshot',
        verdicts: [
          [A, true],
          [C, true],
        ],
      },
      41,
      5_001,
    );
    assert.deepEqual(
      peers.summaries((key) => key !== C),
      [
        { instance: 'east', lastHeardAt: 41, skewMs: 250, probes: 2, unknownProbes: 1 },
        { instance: 'west', lastHeardAt: undefined, skewMs: undefined, probes: 0, unknownProbes: 0 },
      ],
    );
  });
});
