// The peer group's metrics as scraped: links and silence per peer, rejections by reason (zero from the start),
// and the votes on each address, or summed per record when probe metrics are per record.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { PeerMetrics } from '../../src/observability/peer-metrics.js';
import type { ProbeMetricsDetail } from '../../src/observability/target-metrics.js';

const ref = (record: string, address: string) => ({ zone: 'gslb.example.com', record, target: 0, targetId: address, address });

async function scrape(detail: ProbeMetricsDetail): Promise<string[]> {
  const registry = new Registry();
  const metrics = new PeerMetrics(registry, ['b', 'c'], () => detail);
  metrics.observe({
    peers: () => [
      { instance: 'b', connected: true, lastHeardAt: 9_500 },
      { instance: 'c', connected: false, lastHeardAt: undefined },
    ],
    votes: () => [
      { ref: ref('shop.gslb.example.com', '192.0.2.1'), up: 2, down: 1 },
      { ref: ref('shop.gslb.example.com', '192.0.2.2'), up: 3, down: 0 },
    ],
    now: () => 10_000,
  });
  metrics.rejected('b', 'schema');
  metrics.unauthorized();
  return (await registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('PeerMetrics', () => {
  it('per address: every series', async () => {
    const lines = await scrape('address');
    for (const expected of [
      'meridian_peer_up{peer="b"} 1',
      'meridian_peer_up{peer="c"} 0',
      'meridian_peer_last_message_age_seconds{peer="b"} 0.5',
      'meridian_peer_rejected_messages_total{peer="b",reason="schema"} 1',
      'meridian_peer_rejected_messages_total{peer="c",reason="too-large"} 0',
      'meridian_peer_unauthorized_total 1',
      'meridian_target_votes{zone="gslb.example.com",record="shop.gslb.example.com",target="192.0.2.1",address="192.0.2.1",verdict="down"} 1',
      'meridian_target_votes{zone="gslb.example.com",record="shop.gslb.example.com",target="192.0.2.2",address="192.0.2.2",verdict="up"} 3',
    ]) {
      assert.ok(lines.includes(expected), `missing: ${expected}`);
    }
    assert.ok(!lines.some((line) => line.startsWith('meridian_peer_last_message_age_seconds{peer="c"}')), 'no age before the first message');
  });

  it('per record: the addresses add up', async () => {
    const votes = (await scrape('record')).filter((line) => line.startsWith('meridian_target_votes'));
    assert.deepEqual(votes.sort(), [
      'meridian_target_votes{zone="gslb.example.com",record="shop.gslb.example.com",verdict="down"} 1',
      'meridian_target_votes{zone="gslb.example.com",record="shop.gslb.example.com",verdict="up"} 5',
    ]);
  });
});
