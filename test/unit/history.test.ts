// Recent latencies and transitions for the status page: rings per address in one slab, slots reused, and
// transitions kept for an hour at most.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AddressRef } from '../../src/base/names.js';
import type { ObservedResult } from '../../src/health/state.js';
import { HealthHistory, LATENCY_SAMPLES, TRANSITION_WINDOW_MS } from '../../src/observability/history.js';
import { FakeClock } from '../helpers/fake-time.js';

const ref = (address: string): AddressRef => ({ zone: 'z', record: 'r', target: 0, address });
const result = (durationMs: number): ObservedResult => ({ ok: true, durationMs, reason: 'ok', at: 0 });

describe('HealthHistory', () => {
  it('keeps the last samples of each address, oldest first, and reuses slots of forgotten addresses', () => {
    const history = new HealthHistory(new FakeClock());
    const refs = Array.from({ length: 100 }, (_, i) => ref(`10.0.0.${i}`));
    for (const r of refs) history.onTrack(r);
    for (let n = 0; n < LATENCY_SAMPLES + 5; n++) for (const [i, r] of refs.entries()) history.onResult(r, result(i * 1000 + n));
    assert.deepEqual(
      history.latencyOf(refs[7]),
      Array.from({ length: LATENCY_SAMPLES }, (_, k) => 7000 + 5 + k),
    );
    history.onForget(refs[3]);
    assert.deepEqual(history.latencyOf(refs[3]), []);
    const newcomer = ref('10.0.1.1');
    history.onTrack(newcomer);
    assert.deepEqual(history.latencyOf(newcomer), [], 'a reused slot starts empty');
    history.onResult(newcomer, result(1.25));
    assert.deepEqual(history.latencyOf(newcomer), [1.3]);
    assert.deepEqual(history.latencyOf(refs[7]).length, LATENCY_SAMPLES, 'neighbours untouched');
  });

  it('keeps the transitions of the last hour', async () => {
    const clock = new FakeClock();
    const history = new HealthHistory(clock);
    history.onTransition(ref('10.0.0.1'), 'up', 'down', { reason: 'connection refused', durationMs: 1 });
    await clock.advance(TRANSITION_WINDOW_MS - 1);
    history.onTransition(ref('10.0.0.1'), 'down', 'up', result(1));
    assert.deepEqual(
      history.transitions().map((t) => t.to),
      ['down', 'up'],
    );
    await clock.advance(2);
    assert.deepEqual(
      history.transitions().map((t) => [t.to, t.reason]),
      [['up', 'ok']],
    );
  });
});
