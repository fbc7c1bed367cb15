// Readiness: every named condition must hold, a drain makes it false for good, and waitingFor() says what is
// missing. serverReadiness() is the server's five conditions over its parts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerReadiness, serverReadiness, type ReadinessParts } from '../../src/runtime/readiness.js';

describe('ServerReadiness', () => {
  const cases: ReadonlyArray<{ name: string; conditions: Record<string, boolean>; ready: boolean; waitingFor: string[] }> = [
    { name: 'no conditions', conditions: {}, ready: true, waitingFor: [] },
    { name: 'every condition met', conditions: { a: true, b: true }, ready: true, waitingFor: [] },
    { name: 'one unmet', conditions: { a: true, b: false }, ready: false, waitingFor: ['b'] },
    { name: 'all unmet, in order', conditions: { a: false, b: false, c: false }, ready: false, waitingFor: ['a', 'b', 'c'] },
  ];
  for (const { name, conditions, ready, waitingFor } of cases) {
    it(`is ${ready ? '' : 'not '}ready with ${name}`, () => {
      const readiness = new ServerReadiness(Object.entries(conditions).map(([condition, met]) => ({ name: condition, ready: () => met })));
      assert.equal(readiness.ready(), ready);
      assert.deepEqual(readiness.waitingFor(), waitingFor);
    });
  }

  it('asks the conditions each time: readiness follows them', () => {
    let synced = false;
    const readiness = new ServerReadiness([{ name: 'clusters synced', ready: () => synced }]);
    assert.equal(readiness.ready(), false);
    synced = true;
    assert.equal(readiness.ready(), true);
    synced = false;
    assert.equal(readiness.ready(), false);
  });

  it('is not ready for good once draining, and says so first', () => {
    let met = true;
    const readiness = new ServerReadiness([{ name: 'dns workers', ready: () => met }]);
    assert.equal(readiness.startDraining(), true);
    assert.equal(readiness.ready(), false);
    assert.deepEqual(readiness.waitingFor(), ['draining']);
    met = false;
    assert.deepEqual(readiness.waitingFor(), ['draining', 'dns workers']);
    met = true;
    assert.equal(readiness.startDraining(), false, 'already draining');
    assert.equal(readiness.ready(), false, 'still not ready');
  });
});

describe('serverReadiness', () => {
  type PartsState = { zones: number; synced: boolean; changesPending: boolean; firstRound: boolean; dnsReady: boolean };
  const allReady: PartsState = { zones: 1, synced: true, changesPending: false, firstRound: true, dnsReady: true };

  function partsOf(state: PartsState): ReadinessParts {
    return {
      zones: { zones: Array.from({ length: state.zones }, () => ({})) },
      discovery: { ready: () => state.synced },
      clusterChanges: { pending: state.changesPending },
      monitor: { firstRoundDone: () => state.firstRound },
      dns: { ready: () => state.dnsReady },
    };
  }

  const cases: ReadonlyArray<{ unmet: string; state: Partial<PartsState> }> = [
    { unmet: 'a zone is served', state: { zones: 0 } },
    { unmet: 'clusters synced', state: { synced: false } },
    { unmet: 'cluster changes applied', state: { changesPending: true } },
    { unmet: 'first probe round', state: { firstRound: false } },
    { unmet: 'dns workers', state: { dnsReady: false } },
  ];
  for (const { unmet, state } of cases) {
    it(`waits for '${unmet}'`, () => {
      const readiness = serverReadiness(partsOf({ ...allReady, ...state }));
      assert.equal(readiness.ready(), false);
      assert.deepEqual(readiness.waitingFor(), [unmet]);
    });
  }

  it('is ready when all five hold, and names all five when none does', () => {
    assert.equal(serverReadiness(partsOf(allReady)).ready(), true);
    const none = serverReadiness(partsOf({ zones: 0, synced: false, changesPending: true, firstRound: false, dnsReady: false }));
    assert.deepEqual(
      none.waitingFor(),
      cases.map((c) => c.unmet),
    );
  });
});
