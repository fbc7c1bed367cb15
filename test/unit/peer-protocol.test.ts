// Peer messages as tables: what a peer may send, and every way a message is refused before anything reads it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_PEER_MESSAGE_OCTETS, MAX_PROBE_KEY_LENGTH, MAX_VERDICTS_PER_MESSAGE, PeerMessageReader, type RejectReason } from '../../src/peers/protocol.js';

const reader = new PeerMessageReader();
const KEY = 'k3Yz9 192.0.2.10';

describe('PeerMessageReader: messages a peer may send', () => {
  const valid: Array<[name: string, message: unknown]> = [
    ['hello', { type: 'hello', protocol: 1, instance: 'eu-west', sentAt: 1_764_800_000_000 }],
    ['an empty snapshot', { type: 'snapshot', verdicts: [] }],
    [
      'a snapshot',
      {
        type: 'snapshot',
        verdicts: [
          [KEY, true],
          ['k3Yz9 2001:db8::10', false],
        ],
      },
    ],
    ['changes', { type: 'changes', verdicts: [[KEY, false]], removed: ['old 192.0.2.99'] }],
    ['a heartbeat', { type: 'heartbeat', sentAt: 0 }],
    [
      'drains',
      {
        type: 'drains',
        drains: [
          { target: 'eu-west', drained: true, at: 1_764_800_000_000, origin: 'us-east', reason: 'upgrade' },
          { target: '192.0.2.10', drained: false, at: 1_764_800_000_001, origin: '' },
        ],
      },
    ],
  ];
  for (const [name, message] of valid) {
    it(`reads ${name}`, () => assert.deepEqual(reader.read(JSON.stringify(message)), { ok: true, message }));
  }
});

describe('PeerMessageReader: refusals', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => [`key ${i}`, true]);
  const refused: Array<[name: string, text: string, reason: RejectReason]> = [
    ['not JSON', 'hello', 'not-json'],
    ['half a message', '{"type":"heartbeat",', 'not-json'],
    ['an empty line', '', 'not-json'],
    ['JSON that is not an object', '[1,2,3]', 'schema'],
    ['an unknown type', JSON.stringify({ type: 'gossip' }), 'schema'],
    ['a key the protocol does not define', JSON.stringify({ type: 'heartbeat', sentAt: 1, extra: true }), 'schema'],
    ['a drain without its time', JSON.stringify({ type: 'drains', drains: [{ target: 'eu-west', drained: true, origin: 'a' }] }), 'schema'],
    [
      'a drain from an origin that is no instance name',
      JSON.stringify({ type: 'drains', drains: [{ target: 'x', drained: true, at: 1, origin: 'Not A Label' }] }),
      'schema',
    ],
    ['a drain with an empty target', JSON.stringify({ type: 'drains', drains: [{ target: '', drained: true, at: 1, origin: 'a' }] }), 'schema'],
    [
      'more drains than any instance holds',
      JSON.stringify({ type: 'drains', drains: Array.from({ length: 10_001 }, (_, i) => ({ target: `t${i}`, drained: true, at: 1, origin: 'a' })) }),
      'schema',
    ],
    ['a verdict that is not a boolean', JSON.stringify({ type: 'snapshot', verdicts: [[KEY, 'up']] }), 'schema'],
    ['a verdict with a third element', JSON.stringify({ type: 'snapshot', verdicts: [[KEY, true, 1]] }), 'schema'],
    ['an empty probe key', JSON.stringify({ type: 'snapshot', verdicts: [['', true]] }), 'schema'],
    ['a probe key over the limit', JSON.stringify({ type: 'snapshot', verdicts: [['k'.repeat(MAX_PROBE_KEY_LENGTH + 1), true]] }), 'schema'],
    ['too many verdicts', JSON.stringify({ type: 'snapshot', verdicts: many(MAX_VERDICTS_PER_MESSAGE + 1) }), 'schema'],
    ['changes without removed', JSON.stringify({ type: 'changes', verdicts: [] }), 'schema'],
    ['an instance name that is not a DNS label', JSON.stringify({ type: 'hello', protocol: 1, instance: 'EU_West', sentAt: 1 }), 'schema'],
    ['a negative time', JSON.stringify({ type: 'heartbeat', sentAt: -1 }), 'schema'],
    ['another protocol version', JSON.stringify({ type: 'hello', protocol: 2, instance: 'eu', sentAt: 1 }), 'protocol'],
    ['a message over the size limit', JSON.stringify({ type: 'snapshot', verdicts: [] }) + ' '.repeat(MAX_PEER_MESSAGE_OCTETS), 'too-large'],
  ];
  for (const [name, text, reason] of refused) {
    it(`refuses ${name} (${reason})`, () => {
      const result = reader.read(text);
      assert.equal(result.ok, false);
      assert.equal(result.ok ? undefined : result.reason, reason);
    });
  }

  it('refuses a snapshot just over the limit in octets though under it in characters', () => {
    // 'é' is two octets in UTF-8 and one UTF-16 unit.
    const text = JSON.stringify({ type: 'snapshot', verdicts: [] }) + ' ' + 'é'.repeat(MAX_PEER_MESSAGE_OCTETS / 2);
    assert.ok(text.length < MAX_PEER_MESSAGE_OCTETS);
    assert.deepEqual(reader.read(text).ok, false);
  });
});
