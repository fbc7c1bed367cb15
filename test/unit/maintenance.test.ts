// Maintenance windows driven by an injected clock: the runner opens and closes windows at the right instants,
// a server started inside a window drains at once, the status shows the next occurrence, and a drained target
// leaves the answers while the window is open.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStaticEndpointSource } from '../helpers/static-endpoints.js';
import { nextOccurrence, parseCron, type CronSchedule } from '../../src/base/cron.js';
import { DrainSet } from '../../src/health/drains.js';
import { MaintenanceRunner, type CronPort } from '../../src/health/maintenance.js';
import { healthAnnotatedTargets } from '../../src/answers/targets.js';
import { createWindowEvaluator } from '../../src/health/window-evaluator.js';
import { silentLogger } from '../../src/base/logger.js';
import type { TimerHandle } from '../../src/base/clock.js';
import { selectionsOf } from '../../src/observability/status.js';
import type { BalancedRecord, ZoneConfig } from '../../src/zone/model.js';
import { zoneOf } from '../helpers/fixture-zone.js';
import { FakeClock } from '../helpers/fake-time.js';

/** What node-cron does in production, on the fake clock: fire at each occurrence of the schedule. */
function clockCron(clock: FakeClock): CronPort {
  return {
    schedule(cron, onFire) {
      const schedule = parseCron(cron) as CronSchedule;
      let timer: TimerHandle | undefined;
      const arm = () => {
        const next = nextOccurrence(schedule, clock.now());
        if (next !== undefined) timer = clock.setTimer(() => (onFire(), arm()), next - clock.now());
      };
      arm();
      return {
        stop: () => {
          if (timer !== undefined) clock.clearTimer(timer);
        },
      };
    },
  };
}

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

const record: BalancedRecord = {
  kind: 'balanced',
  name: 'shop.gslb.example.com',
  policy: 'failover',
  ttl: 30,
  answers: 1,
  whenAllDown: 'all',
  targets: [
    { kind: 'static', addresses: ['192.0.2.1'], weight: 1 },
    { kind: 'static', addresses: ['192.0.2.2'], weight: 1 },
  ],
};

function zone(): ZoneConfig {
  // 2026-11-22 is a Sunday: the window is Sunday 02:00-03:00 UTC.
  return { ...zoneOf('gslb.example.com', [record]), maintenance: [{ target: '192.0.2.1', cron: '0 2 * * SUN', durationMs: HOUR, reason: 'kernel upgrades' }] };
}

function setup(start: number) {
  const clock = new FakeClock(start);
  const drains = new DrainSet(undefined);
  const changes: string[][] = [];
  const runner = new MaintenanceRunner({
    clock,
    cron: clockCron(clock),
    evaluate: createWindowEvaluator(),
    onChange: (open) => {
      drains.setWindows(open);
      changes.push(open.map((d) => d.target));
    },
  });
  const targets = healthAnnotatedTargets(createStaticEndpointSource(silentLogger), undefined, drains);
  const answer = () => selectionsOf(record, targets.resolve(zone(), record))[0].variants.map((v) => v.addresses.join(','));
  return { clock, drains, runner, changes, answer };
}

describe('maintenance windows (injected clock)', () => {
  it('opens at the cron occurrence, drains the target for the duration, then closes', async () => {
    const { clock, runner, changes, answer, drains } = setup(at('2026-11-22T01:30:00Z'));
    runner.setZones([zone()]);
    assert.deepEqual(answer(), ['192.0.2.1']);
    assert.deepEqual(
      runner.status().map((w) => [w.active, w.next, w.duration]),
      [[false, '2026-11-22T02:00:00.000Z', '1h']],
    );

    await clock.advance(30 * 60_000 - 1);
    assert.deepEqual(answer(), ['192.0.2.1'], 'not a millisecond early');
    await clock.advance(1);
    assert.deepEqual(answer(), ['192.0.2.2']);
    assert.deepEqual(
      drains.list().map((d) => [d.target, d.by, d.since, d.until, d.reason]),
      [['192.0.2.1', 'maintenance gslb.example.com.yaml', '2026-11-22T02:00:00.000Z', '2026-11-22T03:00:00.000Z', 'kernel upgrades']],
    );
    const open = runner.status()[0];
    assert.equal(open.active, true);
    assert.equal(open.activeUntil, '2026-11-22T03:00:00.000Z');
    assert.equal(open.next, '2026-11-29T02:00:00.000Z');

    await clock.advance(HOUR);
    assert.deepEqual(answer(), ['192.0.2.1']);
    assert.deepEqual(changes, [['192.0.2.1'], []]);
    assert.deepEqual(
      runner.status().map((w) => [w.active, w.next]),
      [[false, '2026-11-29T02:00:00.000Z']],
    );

    // A week later it happens again.
    await clock.advance(7 * 24 * HOUR - HOUR + 1);
    assert.deepEqual(answer(), ['192.0.2.2']);
    runner.stop();
  });

  it('a server started in the middle of a window drains at once', () => {
    const { runner, answer, changes } = setup(at('2026-11-22T02:40:00Z'));
    runner.setZones([zone()]);
    assert.deepEqual(answer(), ['192.0.2.2']);
    assert.deepEqual(changes, [['192.0.2.1']]);
    runner.stop();
  });

  it('a reload that removes the window undrains the target', () => {
    const { runner, answer } = setup(at('2026-11-22T02:10:00Z'));
    runner.setZones([zone()]);
    assert.deepEqual(answer(), ['192.0.2.2']);
    runner.setZones([{ ...zone(), maintenance: [] }]);
    assert.deepEqual(answer(), ['192.0.2.1']);
    runner.stop();
  });

  it('a window on every target of a record does not take the name down', () => {
    const { runner, answer } = setup(at('2026-11-22T02:10:00Z'));
    const both: ZoneConfig = {
      ...zone(),
      maintenance: [
        { target: '192.0.2.1', cron: '0 2 * * SUN', durationMs: HOUR },
        { target: '192.0.2.2', cron: '0 2 * * SUN', durationMs: HOUR },
      ],
    };
    runner.setZones([both]);
    assert.deepEqual(answer(), ['192.0.2.1'], 'every target drained: the drains are set aside');
    runner.stop();
  });
});

describe('a maintenance window drains only in its own zone', () => {
  // Zone B serves the same address as zone A: a window in one team's file must not take down another's records.
  const recordB: BalancedRecord = { ...record, name: 'shop.other.example.com' };
  const zoneA = (maintenance: ZoneConfig['maintenance']): ZoneConfig => ({ ...zoneOf('gslb.example.com', [record]), maintenance });
  const zoneB = (maintenance: ZoneConfig['maintenance']): ZoneConfig => ({ ...zoneOf('other.example.com', [recordB]), maintenance });
  const window = { target: '192.0.2.1', cron: '0 2 * * SUN', durationMs: HOUR };
  const cases: Array<{ name: string; zones: ZoneConfig[]; manual?: string; a: string; b: string }> = [
    { name: 'a window in zone A', zones: [zoneA([window]), zoneB([])], a: '192.0.2.2', b: '192.0.2.1' },
    { name: 'a window in zone B', zones: [zoneA([]), zoneB([window])], a: '192.0.2.1', b: '192.0.2.2' },
    { name: 'a window in each zone', zones: [zoneA([window]), zoneB([window])], a: '192.0.2.2', b: '192.0.2.2' },
    // A drain by hand is the operator's, for every zone served.
    { name: 'a manual drain', zones: [zoneA([]), zoneB([])], manual: '192.0.2.1', a: '192.0.2.2', b: '192.0.2.2' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { runner, drains } = setup(at('2026-11-22T02:10:00Z'));
      if (c.manual !== undefined) await drains.drain(c.manual, undefined, new Date(at('2026-11-22T02:10:00Z')));
      runner.setZones(c.zones);
      const targets = healthAnnotatedTargets(createStaticEndpointSource(silentLogger), undefined, drains);
      const answerOf = (z: ZoneConfig) =>
        selectionsOf(z.records[0] as BalancedRecord, targets.resolve(z, z.records[0] as BalancedRecord))[0].variants.map((v) => v.addresses.join(','));
      assert.deepEqual(answerOf(c.zones[0]), [c.a], 'zone A');
      assert.deepEqual(answerOf(c.zones[1]), [c.b], 'zone B');
      runner.stop();
    });
  }
});
