// Manual drains shared by a peer group: each target's latest operation wins everywhere, ties broken by origin,
// an undrain stays as a tombstone, a local operation always supersedes what it replaces, and the state file
// keeps all of it (a version 1 file, drains only, is still read).

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DrainSet, MAX_DRAIN_ENTRIES, supersedes, type DrainEntry } from '../../src/health/drains.js';
import type { TargetConfig } from '../../src/zone/model.js';

const T = Date.parse('2026-12-04T10:00:00Z');
const entry = (drained: boolean, at: number, origin: string, target = 'eu-west'): DrainEntry => ({ target, drained, at, origin });
const cluster: TargetConfig = { kind: 'cluster', cluster: 'eu-west', select: { by: 'host' }, weight: 1 };

describe('supersedes', () => {
  const cases: Array<[name: string, a: DrainEntry, b: DrainEntry | undefined, expected: boolean]> = [
    ['anything beats nothing', entry(false, 0, ''), undefined, true],
    ['later wins', entry(false, T + 1, 'a'), entry(true, T, 'b'), true],
    ['earlier loses', entry(true, T - 1, 'z'), entry(false, T, 'a'), false],
    ['a tie goes to the greater origin', entry(true, T, 'b'), entry(false, T, 'a'), true],
    ['a tie with the smaller origin loses', entry(true, T, 'a'), entry(false, T, 'b'), false],
    ['the same operation does not supersede itself', entry(true, T, 'a'), entry(true, T, 'a'), false],
  ];
  for (const [name, a, b, expected] of cases) it(name, () => assert.equal(supersedes(a, b), expected));
});

describe('DrainSet in a peer group', () => {
  it('merges a peer drain, then its undrain; a late copy of the drain does not bring it back', async () => {
    const drains = new DrainSet(undefined, 'a');
    let told = 0;
    drains.onManualChange(() => told++);
    assert.deepEqual(await drains.merge([{ ...entry(true, T, 'b'), reason: 'upgrade' }]), ['eu-west']);
    assert.equal(drains.isDrained('gslb.example.com', cluster, '192.0.2.1'), true);
    assert.deepEqual(drains.list(), [{ target: 'eu-west', since: new Date(T).toISOString(), by: 'manual at b', reason: 'upgrade' }]);
    assert.deepEqual(await drains.merge([entry(false, T + 5, 'c')]), ['eu-west']);
    assert.equal(drains.isDrained('gslb.example.com', cluster, '192.0.2.1'), false);
    assert.deepEqual(await drains.merge([entry(true, T, 'b')]), [], 'older than the tombstone');
    assert.deepEqual(drains.entries(), [entry(false, T + 5, 'c')]);
    assert.equal(told, 2, 'told once per merge that replaced something');
  });

  it("an operator's undrain here supersedes a drain stamped later by a peer's clock", async () => {
    const drains = new DrainSet(undefined, 'a');
    await drains.merge([entry(true, T + 60_000, 'b')]); // b's clock is a minute ahead
    assert.equal(await drains.undrain('eu-west', new Date(T)), true);
    assert.deepEqual(drains.entries(), [entry(false, T + 60_001, 'a')]);
    assert.equal(drains.list().length, 0);
  });

  it('holds at most MAX_DRAIN_ENTRIES targets from peers', async () => {
    const drains = new DrainSet(undefined, 'a');
    const many = Array.from({ length: MAX_DRAIN_ENTRIES + 5 }, (_, i) => entry(true, T, 'b', `10.0.${Math.floor(i / 256)}.${i % 256}`));
    await drains.merge(many);
    assert.equal(drains.entries().length, MAX_DRAIN_ENTRIES);
  });

  it('keeps its operations and tombstones in the state file, and reads a version 1 file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-drains-'));
    try {
      const file = path.join(dir, 'state.json');
      await writeFile(file, JSON.stringify({ version: 1, drains: [{ target: 'eu-west', since: new Date(T).toISOString(), by: 'manual', reason: 'old' }] }));
      const old = new DrainSet(file, 'a');
      await old.load();
      assert.deepEqual(old.entries(), [{ target: 'eu-west', drained: true, at: T, origin: '', reason: 'old' }]);
      await old.merge([entry(false, T + 1, 'b'), entry(true, T + 2, 'c', '192.0.2.9')]);
      const saved = JSON.parse(await readFile(file, 'utf8')) as { version: number; drains: DrainEntry[] };
      assert.equal(saved.version, 2);
      const again = new DrainSet(file, 'a');
      await again.load();
      assert.deepEqual(again.entries(), old.entries());
      assert.deepEqual(
        again.list().map((d) => d.target),
        ['192.0.2.9'],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
