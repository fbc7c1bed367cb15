// The zones served and how each load changes them, with the loader replaced by a script of load results: the
// first read is rejected whole when it read no file (or, strict, had any problem); a reload keeps a failed
// file's last good revision, is counted by its result, and one that throws is reported and does not stop the next.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidationOptions } from '../../src/zone/load.js';
import type { FailedZoneFile, ZoneConfig, ZoneIssue, ZoneLoadResult } from '../../src/zone/model.js';
import type { ServingSet } from '../../src/zone/serving.js';
import { ServedZones, type ZoneReloadResult } from '../../src/runtime/served-zones.js';
import { zoneOf } from '../helpers/fixture-zone.js';
import { recordingLogger } from '../helpers/recording-logger.js';

const DIR = '/zones';

function zone(name: string, serial: number): ZoneConfig {
  const base = zoneOf(name, []);
  return { ...base, soa: { ...base.soa, serial } };
}

const error = (file: string, message: string): ZoneIssue => ({ file, line: 3, column: 1, message });
const warning = (file: string, message: string): ZoneIssue => ({ ...error(file, message), severity: 'warning' });

function loaded(zones: readonly ZoneConfig[], issues: readonly ZoneIssue[] = []): ZoneLoadResult {
  return { ok: true, zones, issues };
}

function withFailures(zones: readonly ZoneConfig[], failed: readonly FailedZoneFile[]): ZoneLoadResult {
  return { ok: false, zones, failed, issues: failed.flatMap((f) => f.issues) };
}

/** A load that read no file: the directory is empty or unreadable. */
const readNothing: ZoneLoadResult = { ok: false, zones: [], failed: [], issues: [{ file: DIR, line: 0, column: 0, message: 'no zone policy files' }] };

const a1 = zone('a.example.com', 1);
const a2 = zone('a.example.com', 2);
const b1 = zone('b.example.com', 1);
const bBroken: FailedZoneFile = { file: b1.file, zone: b1.zone, issues: [error(b1.file, 'records.0.ttl: must be a number')] };

/** A ServedZones whose loader answers each call with the next scripted result (or rejects with it, for an Error). */
function servedZones(script: Array<ZoneLoadResult | Error>, strict = false) {
  const loads: Array<{ dir: string; options: ValidationOptions; served: readonly ZoneConfig[] | undefined }> = [];
  const applied: Array<{ set: ServingSet; initial: boolean }> = [];
  const counted: ZoneReloadResult[] = [];
  const logger = recordingLogger();
  const validation: ValidationOptions = { knownClusters: new Set(['east']) };
  const zones = new ServedZones(
    {
      zonesDir: DIR,
      strict,
      loadZones: (dir, options, served) => {
        loads.push({ dir, options, served });
        const next = script.shift();
        assert.ok(next, 'the test scripted this load');
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
    },
    {
      validation,
      apply: (set, initial) => {
        applied.push({ set, initial });
        return Promise.resolve(1.23456);
      },
      countReload: (result) => counted.push(result),
      logger,
      probeCount: () => 0,
    },
  );
  return { zones, loads, applied, counted, logger, validation };
}

const serials = (zones: readonly ZoneConfig[]) => Object.fromEntries(zones.map((z) => [z.zone, z.soa.serial]));

describe('ServedZones first load', () => {
  const rejected: ReadonlyArray<{ name: string; result: ZoneLoadResult; strict: boolean; problems: number }> = [
    { name: 'a load that read no file', result: readNothing, strict: false, problems: 1 },
    { name: 'a load that read no file, strict', result: readNothing, strict: true, problems: 1 },
    { name: 'a failed file, strict', result: withFailures([a1], [bBroken]), strict: true, problems: 1 },
    { name: 'only warnings, strict', result: loaded([a1], [warning(a1.file, 'x'), warning(a1.file, 'y')]), strict: true, problems: 2 },
  ];
  for (const { name, result, strict, problems } of rejected) {
    it(`rejects ${name} with MERIDIAN_ZONES_INVALID`, async () => {
      const { zones, applied } = servedZones([result], strict);
      await assert.rejects(zones.readFirst(), (thrown: Error & { code?: string }) => {
        assert.equal(thrown.code, 'MERIDIAN_ZONES_INVALID');
        assert.ok(thrown.message.startsWith(`${problems} problem${problems === 1 ? '' : 's'} in the zone policy files:\n`), thrown.message);
        return true;
      });
      assert.deepEqual(zones.zones, [], 'nothing is served');
      assert.deepEqual(applied, []);
    });
  }

  it('serves the other files when one fails, answering SERVFAIL for the failed zone', async () => {
    const { zones, applied, counted, logger } = servedZones([withFailures([a1], [bBroken])]);
    await zones.readFirst();
    assert.deepEqual(zones.zones, [a1]);
    assert.deepEqual(zones.servfailZones, [b1.zone]);
    assert.deepEqual(
      zones.failedFiles.map((f) => [f.file, f.serving]),
      [[b1.file, 'servfail']],
    );
    assert.deepEqual(logger.messages('error'), ['zone policy invalid; answering SERVFAIL for its zone']);
    assert.deepEqual(applied, [], 'readFirst() reads; applyFirst() applies');
    assert.equal(zones.serving, false, 'not serving before the first apply');

    await zones.applyFirst();
    assert.equal(zones.serving, true);
    assert.deepEqual(applied, [{ set: { zones: [a1], failed: zones.failedFiles, servfailZones: [b1.zone] }, initial: true }]);
    assert.deepEqual(counted, ['invalid']);
    assert.equal(zones.lastReload.ok, false);
    assert.deepEqual(zones.lastReload.serials, { [a1.zone]: 1 });
  });

  it('serves a load with warnings when not strict, and counts it ok', async () => {
    const { zones, counted, logger, loads, validation } = servedZones([loaded([a1, b1], [warning(a1.file, 'deprecated key')])]);
    await zones.readFirst();
    await zones.applyFirst();
    assert.deepEqual(loads, [{ dir: DIR, options: validation, served: undefined }]);
    assert.deepEqual(zones.zones, [a1, b1]);
    assert.deepEqual(counted, ['ok']);
    assert.deepEqual(zones.lastReload.issues, [`${a1.file}:3:1: warning: deprecated key`]);
    assert.deepEqual(logger.messages('warn'), ['zone policy warning']);
    assert.deepEqual(logger.lines.at(-1), {
      level: 'info',
      message: 'zones loaded',
      fields: { dir: DIR, serials: { [a1.zone]: 1, [b1.zone]: 1 }, probes: 0, buildMs: 1.235 },
    });
  });
});

describe('ServedZones reload', () => {
  async function started(script: Array<ZoneLoadResult | Error>, strict = false) {
    const served = servedZones([loaded([a1, b1]), ...script], strict);
    await served.zones.readFirst();
    await served.zones.applyFirst();
    return served;
  }

  const cases: ReadonlyArray<{
    name: string;
    next: ZoneLoadResult;
    strict?: boolean;
    counted: ZoneReloadResult;
    ok: boolean;
    serving: Record<string, number>;
    applied: boolean;
  }> = [
    { name: 'an unchanged directory', next: loaded([a1, b1]), counted: 'ok', ok: true, serving: { 'a.example.com': 1, 'b.example.com': 1 }, applied: true },
    { name: 'a new serial', next: loaded([a2, b1]), counted: 'ok', ok: true, serving: { 'a.example.com': 2, 'b.example.com': 1 }, applied: true },
    { name: 'a file removed', next: loaded([a2]), counted: 'removed', ok: true, serving: { 'a.example.com': 2 }, applied: true },
    {
      name: 'a failed file (its zone keeps its last good revision)',
      next: withFailures([a2], [bBroken]),
      counted: 'invalid',
      ok: false,
      serving: { 'a.example.com': 2, 'b.example.com': 1 },
      applied: true,
    },
    {
      name: 'a load that read no file (rejected whole)',
      next: readNothing,
      counted: 'invalid',
      ok: false,
      serving: { 'a.example.com': 1, 'b.example.com': 1 },
      applied: false,
    },
    {
      name: 'a warning, strict (rejected whole)',
      next: loaded([a2, b1], [warning(a2.file, 'x')]),
      strict: true,
      counted: 'invalid',
      ok: false,
      serving: { 'a.example.com': 1, 'b.example.com': 1 },
      applied: false,
    },
  ];
  for (const { name, next, strict = false, counted: expected, ok, serving, applied: isApplied } of cases) {
    it(`counts '${expected}' for ${name}`, async () => {
      const { zones, counted, applied, loads } = await started([next], strict);
      const outcome = await zones.reload('SIGHUP');
      assert.deepEqual(counted, ['ok', expected]);
      assert.equal(outcome.ok, ok);
      assert.equal(zones.lastReload, outcome);
      assert.deepEqual(serials(zones.zones), serving);
      assert.deepEqual(outcome.serials, serving);
      assert.equal(applied.length, isApplied ? 2 : 1);
      if (isApplied) assert.equal(applied[1].initial, false);
      assert.deepEqual(loads[1].served, [a1, b1], 'the loader is handed what is served, to keep unchanged zones');
    });
  }

  it('keeps the last good revision of a failed file, and says so', async () => {
    const { zones, logger } = await started([withFailures([a2], [bBroken])]);
    const outcome = await zones.reload('SIGHUP');
    assert.deepEqual(zones.zones, [a2, b1]);
    assert.deepEqual(zones.failedFiles, [{ file: b1.file, zone: b1.zone, issues: bBroken.issues, serving: 'last-good', serial: 1 }]);
    assert.deepEqual(zones.servfailZones, []);
    assert.deepEqual(outcome.issues, [`${b1.file}:3:1: records.0.ttl: must be a number`]);
    assert.ok(logger.messages('error').includes('zone policy invalid; serving the last good revision of its zone'));
    assert.ok(logger.messages('info').includes('zones reloaded, except the files that failed'));
  });

  it('warns when a zone is no longer declared by any file', async () => {
    const { zones, logger } = await started([loaded([a1])]);
    await zones.reload('zone files changed');
    const removed = logger.lines.filter((line) => line.level === 'warn');
    assert.deepEqual(removed, [
      {
        level: 'warn',
        message: 'zone removed: no file declares it any more; no longer answered',
        fields: { zone: b1.zone, file: b1.file, reason: 'zone files changed' },
      },
    ]);
  });

  it("reports a reload that throws through lastReload, counts it 'failed', and a later reload works", async () => {
    const { zones, counted, logger } = await started([new Error('zone loader thread exited'), loaded([a2, b1])]);
    await assert.rejects(zones.reload('SIGHUP'), /zone loader thread exited/);
    assert.equal(zones.lastReload.ok, false);
    assert.deepEqual(zones.lastReload.issues, ['reload failed: Error: zone loader thread exited']);
    assert.deepEqual(zones.lastReload.serials, { [a1.zone]: 1, [b1.zone]: 1 }, 'what is served is unchanged');
    assert.deepEqual(counted, ['ok', 'failed']);
    assert.deepEqual(logger.messages('error'), ['zone reload failed']);

    const outcome = await zones.reload('SIGHUP');
    assert.equal(outcome.ok, true);
    assert.deepEqual(outcome.serials, { [a1.zone]: 2, [b1.zone]: 1 });
    assert.deepEqual(counted, ['ok', 'failed', 'ok']);
  });

  it('does not reload for a file change the first read already saw', async () => {
    const { zones, loads } = await started([]);
    // performance.now() when the first read started is past 0: a change seen at 0 is in what it read.
    const outcome = await zones.reload('zone files changed', 0);
    assert.equal(outcome, zones.lastReload);
    assert.equal(loads.length, 1);
  });
});
