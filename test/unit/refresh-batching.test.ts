// Batching of partial rebuilds: many health changes make one rebuild after the I/O burst, many cluster changes
// one apply after a short delay, and both hold while a full build runs. Deferral and time are injected.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordRef } from '../../src/base/names.js';
import { ClusterChangeBatcher, RefreshBatcher, type BuildGate } from '../../src/runtime/refresh-batching.js';
import { FakeClock } from '../helpers/fake-time.js';

const ZONE = 'gslb.example.com';
const app: RecordRef = { zone: ZONE, name: 'app.gslb.example.com' };
const shop: RecordRef = { zone: ZONE, name: 'shop.gslb.example.com' };
const otherApp: RecordRef = { zone: 'other.example.com', name: 'app.gslb.example.com' };

/** A RefreshBatcher whose deferred callbacks run only when the test says, with its rebuilds recorded. */
function manualBatcher() {
  const deferred: Array<() => void> = [];
  const rebuilds: RecordRef[][] = [];
  const gate: { building: boolean } = { building: false };
  const batcher = new RefreshBatcher({
    rebuild: (records) => rebuilds.push([...records]),
    gate,
    defer: (callback) => deferred.push(callback),
  });
  const runDeferred = () => {
    for (const callback of deferred.splice(0)) callback();
  };
  return { batcher, deferred, rebuilds, gate, runDeferred };
}

describe('RefreshBatcher', () => {
  it('batches many add() calls into one rebuild once the deferred callback runs', () => {
    const { batcher, deferred, rebuilds, runDeferred } = manualBatcher();
    batcher.add([app]);
    batcher.add([shop]);
    batcher.add([]);
    assert.equal(deferred.length, 1, 'one deferred callback for the whole burst');
    assert.deepEqual(rebuilds, [], 'nothing is rebuilt before it runs');
    assert.equal(batcher.pending, 2);
    runDeferred();
    assert.deepEqual(rebuilds, [[app, shop]]);
    assert.equal(batcher.pending, 0);

    batcher.add([app]);
    assert.equal(deferred.length, 1, 'the next burst is deferred again');
    runDeferred();
    assert.deepEqual(rebuilds, [[app, shop], [app]]);
  });

  // Records are one by their zone and name together.
  const dedupCases: ReadonlyArray<{ name: string; added: readonly RecordRef[][]; rebuilt: readonly RecordRef[] }> = [
    { name: 'the same record twice in one add', added: [[app, app]], rebuilt: [app] },
    { name: 'the same record in two adds', added: [[app], [shop], [{ ...app }]], rebuilt: [app, shop] },
    { name: 'one name in two zones', added: [[app], [otherApp]], rebuilt: [app, otherApp] },
  ];
  for (const { name, added, rebuilt } of dedupCases) {
    it(`dedups by record key: ${name}`, () => {
      const { batcher, rebuilds, runDeferred } = manualBatcher();
      for (const records of added) batcher.add(records);
      runDeferred();
      assert.deepEqual(rebuilds, [rebuilt]);
    });
  }

  it('holds while a full build runs, and rebuilds on the flush() after it', () => {
    const { batcher, rebuilds, gate, runDeferred } = manualBatcher();
    gate.building = true;
    batcher.add([app]);
    runDeferred();
    batcher.flush();
    assert.deepEqual(rebuilds, [], 'a rebuild now would be overwritten by the build');
    assert.equal(batcher.pending, 1);
    gate.building = false;
    batcher.flush();
    assert.deepEqual(rebuilds, [[app]]);
  });

  it('does not rebuild on flush() with nothing pending', () => {
    const { batcher, rebuilds } = manualBatcher();
    batcher.flush();
    assert.deepEqual(rebuilds, []);
  });

  it('drops what is pending on clear()', () => {
    const { batcher, rebuilds, runDeferred } = manualBatcher();
    batcher.add([app, shop]);
    batcher.clear();
    assert.equal(batcher.pending, 0);
    runDeferred();
    assert.deepEqual(rebuilds, []);
  });

  it('rebuilds at once on now(), taking what add() queued along', () => {
    const { batcher, rebuilds, runDeferred } = manualBatcher();
    batcher.add([shop]);
    batcher.now([app]);
    assert.deepEqual(rebuilds, [[shop, app]]);
    runDeferred();
    assert.deepEqual(rebuilds, [[shop, app]], 'the deferred callback finds nothing left');
  });

  it('rebuilds on now() only after a build under way', () => {
    const { batcher, rebuilds, gate } = manualBatcher();
    gate.building = true;
    batcher.now([app]);
    assert.deepEqual(rebuilds, []);
    gate.building = false;
    batcher.flush();
    assert.deepEqual(rebuilds, [[app]]);
  });
});

describe('ClusterChangeBatcher', () => {
  const DELAY_MS = 20;

  function clusterBatcher(gate: BuildGate = { building: false }) {
    const clock = new FakeClock();
    const applied: Array<string[] | undefined> = [];
    const batcher = new ClusterChangeBatcher({
      clock,
      gate,
      apply: (clusters) => applied.push(clusters === undefined ? undefined : [...clusters].sort()),
      delayMs: DELAY_MS,
    });
    return { clock, applied, batcher };
  }

  const burstCases: ReadonlyArray<{ name: string; changed: ReadonlyArray<string | undefined>; applied: string[] | undefined }> = [
    { name: 'one cluster', changed: ['east'], applied: ['east'] },
    { name: 'a burst over two clusters, repeats merged', changed: ['east', 'west', 'east'], applied: ['east', 'west'] },
    { name: 'a burst with changed(undefined) in it', changed: ['east', undefined, 'west'], applied: undefined },
    { name: 'changed(undefined) alone', changed: [undefined], applied: undefined },
  ];
  for (const { name, changed, applied: expected } of burstCases) {
    it(`applies once per burst after the delay: ${name}`, async () => {
      const { clock, applied, batcher } = clusterBatcher();
      for (const cluster of changed) batcher.changed(cluster);
      assert.equal(clock.pendingTimers, 1, 'one timer for the burst');
      await clock.advance(DELAY_MS - 1);
      assert.deepEqual(applied, [], 'not before the delay');
      assert.equal(batcher.pending, true);
      await clock.advance(1);
      assert.deepEqual(applied, [expected]);
      assert.equal(batcher.pending, false);
    });
  }

  it('applies a later burst on its own', async () => {
    const { clock, applied, batcher } = clusterBatcher();
    batcher.changed('east');
    await clock.advance(DELAY_MS);
    batcher.changed('west');
    await clock.advance(DELAY_MS);
    assert.deepEqual(applied, [['east'], ['west']]);
  });

  it('re-arms while a full build runs, and applies what gathered once it is done', async () => {
    const gate = { building: true };
    const { clock, applied, batcher } = clusterBatcher(gate);
    batcher.changed('east');
    await clock.advance(DELAY_MS);
    assert.deepEqual(applied, []);
    assert.equal(batcher.pending, true, 'still waiting: probes for new endpoints have not started');
    assert.equal(clock.pendingTimers, 1, 'the delay started again');
    batcher.changed('west');
    assert.equal(clock.pendingTimers, 1, 'a change while re-armed adds no timer');
    gate.building = false;
    await clock.advance(DELAY_MS);
    assert.deepEqual(applied, [['east', 'west']]);
    assert.equal(batcher.pending, false);
  });

  it('is not pending before any change', () => {
    const { batcher } = clusterBatcher();
    assert.equal(batcher.pending, false);
  });
});
