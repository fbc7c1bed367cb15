import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyProbeResult, initialHealthState, isChanging, type HealthState } from '../../src/health/state.js';

const ok = (at: number) => ({ ok: true, durationMs: 1, reason: 'status 200', at });
const fail = (at: number) => ({ ok: false, durationMs: 1, failure: 'refused' as const, reason: 'connection refused', at });

/** Runs a sequence like "+ + - -" and renders the state after each step as health, with '*' when changing. */
function run(sequence: string, rise: number, fall: number): string[] {
  let state: HealthState = initialHealthState(0);
  return sequence.split(' ').map((step, i) => {
    state = applyProbeResult(state, step === '+' ? ok(i + 1) : fail(i + 1), { rise, fall });
    return `${state.health}${isChanging(state) ? '*' : ''}`;
  });
}

describe('rise/fall state machine', () => {
  const cases: Array<{ name: string; sequence: string; rise: number; fall: number; expected: string }> = [
    { name: 'the first success decides up', sequence: '+', rise: 2, fall: 2, expected: 'up' },
    { name: 'the first failure decides down', sequence: '-', rise: 2, fall: 2, expected: 'down' },
    { name: 'fall 2: one failure is a blip, probed fast', sequence: '+ - +', rise: 2, fall: 2, expected: 'up up* up' },
    { name: 'fall 2: two failures in a row turn it down', sequence: '+ - -', rise: 2, fall: 2, expected: 'up up* down' },
    { name: 'rise 2: one success while down is probed fast', sequence: '- + -', rise: 2, fall: 2, expected: 'down down* down' },
    { name: 'rise 2: two successes in a row turn it up', sequence: '- + +', rise: 2, fall: 2, expected: 'down down* up' },
    { name: 'fall 1 and rise 1 flip at once, never changing', sequence: '+ - + -', rise: 1, fall: 1, expected: 'up down up down' },
    { name: 'rise 3 needs three successes in a row', sequence: '- + + - + + +', rise: 3, fall: 2, expected: 'down down* down* down down* down* up' },
    { name: 'failures while down keep it down and steady', sequence: '- - - -', rise: 2, fall: 2, expected: 'down down down down' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(run(c.sequence, c.rise, c.fall), c.expected.split(' ')));
  }

  it('records when the health last changed, and keeps the last failure after recovery', () => {
    let state = initialHealthState(0);
    state = applyProbeResult(state, ok(10), { rise: 1, fall: 1 });
    assert.equal(state.since, 10);
    state = applyProbeResult(state, ok(20), { rise: 1, fall: 1 });
    assert.equal(state.since, 10, 'unchanged health keeps its since');
    state = applyProbeResult(state, fail(30), { rise: 1, fall: 1 });
    assert.equal(state.since, 30);
    state = applyProbeResult(state, ok(40), { rise: 1, fall: 1 });
    assert.equal(state.health, 'up');
    assert.equal(state.lastFailure?.at, 30);
    assert.equal(state.lastResult?.at, 40);
  });
});
