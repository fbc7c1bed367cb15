// Health monitor + answer table on injected time: probe results move targets up and down by rise/fall, and
// the answers follow, rebuilt only for the records that changed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerTableBuilder } from '../../src/answers/build.js';
import { type RecordRef } from '../../src/base/names.js';
import type { AnswerTable } from '../../src/answers/table.js';
import { createStaticEndpointSource } from '../helpers/static-endpoints.js';
import { QueryHandler } from '../../src/dns/handler.js';
import { endpointOf, type EndpointSource } from '../../src/zone/endpoints.js';
import { healthAnnotatedTargets } from '../../src/answers/targets.js';
import { HealthMonitor, type HealthObserver } from '../../src/health/monitor.js';
import { ProbePlanner } from '../../src/health/probe-plan.js';
import { ProbeScheduler, type ProbeJob, type ProbeSchedulerPort } from '../../src/health/scheduler.js';
import { silentLogger } from '../../src/base/logger.js';
import type { BalancedRecord, ZoneConfig } from '../../src/zone/model.js';
import { buildQuery, decodeResponse } from '../helpers/dns-message.js';
import { FakeClock, ManualTicker, ScriptedProber } from '../helpers/fake-time.js';
import { checkConfig, zoneOf } from '../helpers/fixture-zone.js';

/** One planner for the file, as the server has one: it remembers what it planned for each record object. */
const planner = new ProbePlanner();
const desiredProbes = planner.desiredProbes.bind(planner);

const check = checkConfig;

const record = (name: string, policy: 'weighted' | 'failover', addresses: string[], extra: Partial<BalancedRecord> = {}): BalancedRecord => ({
  kind: 'balanced',
  name: `${name}.gslb.example.com`,
  policy,
  ttl: 30,
  answers: 1,
  whenAllDown: 'all',
  check: check(),
  targets: addresses.map((address) => ({ kind: 'static', addresses: [address], weight: 1 })),
  ...extra,
});

const zoneWith = (records: BalancedRecord[]): ZoneConfig => zoneOf('gslb.example.com', records);

function harness(zone: ZoneConfig, observer?: HealthObserver) {
  const clock = new FakeClock(0);
  const ticker = new ManualTicker();
  const prober = new ScriptedProber(clock);
  const endpoints = createStaticEndpointSource(silentLogger);
  const scheduler = new ProbeScheduler({ prober, clock, ticker, random: () => 0.5 });
  const refreshed: RecordRef[][] = [];
  const holder: { current: AnswerTable } = { current: undefined as unknown as AnswerTable };
  const monitor: HealthMonitor = new HealthMonitor({
    scheduler,
    clock,
    ...(observer === undefined ? {} : { observer }),
    onChange: (records) => {
      refreshed.push([...records]);
      holder.current = builder.refresh(records);
    },
  });
  const builder = new AnswerTableBuilder(healthAnnotatedTargets(endpoints, monitor));
  monitor.sync(desiredProbes([zone], endpoints), true);
  holder.current = builder.build([zone]);
  scheduler.start();
  const handler = new QueryHandler(holder, { random: () => 0 });
  const answer = (name: string, type = 1) => {
    const r = decodeResponse(handler.handle(buildQuery({ name: `${name}.gslb.example.com`, type }), 'udp')!);
    return r.answer.map((a) => a.split(' ').at(-1)).join(',') || (r.authority.length > 0 ? 'NODATA' : '?');
  };
  /** Advances fake time in 10 ms steps until `predicate` holds; returns the time it took. */
  const until = async (predicate: () => boolean, limitMs = 60_000) => {
    const start = clock.now();
    while (!predicate()) {
      if (clock.now() - start > limitMs) throw new Error('condition not reached in fake time');
      await clock.advance(10, () => ticker.tick());
    }
    return clock.now() - start;
  };
  return { clock, ticker, prober, monitor, answer, until, refreshed };
}

describe('health monitor drives the answers', () => {
  it('failover: drops a dead primary after fall failures at the fast interval, and restores it after rise successes', async () => {
    const h = harness(zoneWith([record('shop', 'failover', ['192.0.2.30', '192.0.2.40'])]));
    assert.equal(h.answer('shop'), '192.0.2.30', 'unknown counts as healthy before the first probe');
    await h.until(() => h.monitor.firstRoundDone());
    assert.equal(h.answer('shop'), '192.0.2.30');

    h.prober.outcome = (address) => address !== '192.0.2.30';
    const tookDown = await h.until(() => h.answer('shop') === '192.0.2.40');
    const calls = h.prober.callsTo('192.0.2.30');
    // The failure that opened the change, then one fast re-probe 1 s later confirmed it (fall 2).
    assert.equal(calls.at(-1)! - calls.at(-2)!, 1000);
    assert.ok(tookDown <= 5000 + 1000 + 10, `took ${tookDown} ms of fake time`);

    h.prober.outcome = () => true;
    await h.until(() => h.answer('shop') === '192.0.2.30');
    const back = h.prober.callsTo('192.0.2.30');
    assert.equal(back.at(-1)! - back.at(-2)!, 1000, 'rise 2 confirmed at the fast interval');
  });

  it('a one-probe blip is dismissed: the answer never changes', async () => {
    const h = harness(zoneWith([record('shop', 'failover', ['192.0.2.30', '192.0.2.40'])]));
    await h.until(() => h.monitor.firstRoundDone());
    h.prober.outcome = (address) => address !== '192.0.2.30';
    const failures = h.prober.callsTo('192.0.2.30').length;
    await h.until(() => h.prober.callsTo('192.0.2.30').length === failures + 1);
    h.prober.outcome = () => true;
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      await h.clock.advance(10, () => h.ticker.tick());
      seen.add(h.answer('shop'));
    }
    assert.deepEqual([...seen], ['192.0.2.30']);
  });

  it('weighted: only healthy targets take part; all down fails open, or NODATA with whenAllDown none', async () => {
    const h = harness(
      zoneWith([record('app', 'weighted', ['192.0.2.10', '192.0.2.20']), record('strict', 'weighted', ['192.0.2.10', '192.0.2.20'], { whenAllDown: 'none' })]),
    );
    await h.until(() => h.monitor.firstRoundDone());
    assert.equal(h.answer('app'), '192.0.2.10');
    h.prober.outcome = (address) => address !== '192.0.2.10';
    await h.until(() => h.answer('app') === '192.0.2.20');
    assert.equal(h.answer('strict'), '192.0.2.20');
    h.prober.outcome = () => false;
    await h.until(() => h.answer('strict') === 'NODATA');
    assert.equal(h.answer('app'), '192.0.2.10', 'fail open: every target as if healthy, first by the pinned draw');
  });

  it('runs identical probes once and feeds every record that uses them; rebuilds only the changed records', async () => {
    const h = harness(
      zoneWith([
        record('shop', 'failover', ['192.0.2.30', '192.0.2.40']),
        record('store', 'failover', ['192.0.2.30', '192.0.2.40']),
        record('other', 'failover', ['192.0.2.50']),
      ]),
    );
    assert.equal(h.monitor.probeCount, 3, 'two records share the probes of .30 and .40');
    await h.until(() => h.monitor.firstRoundDone());
    h.prober.outcome = (address) => address !== '192.0.2.30';
    await h.until(() => h.answer('shop') === '192.0.2.40' && h.answer('store') === '192.0.2.40');
    const names = h.refreshed.flat().map((r) => r.name);
    assert.ok(names.includes('shop.gslb.example.com') && names.includes('store.gslb.example.com'));
    assert.ok(!names.includes('other.gslb.example.com'), 'an unaffected record is not rebuilt');
  });

  it('an address added while running is probed at once and served only once it is up', async () => {
    const h = harness(zoneWith([record('shop', 'weighted', ['192.0.2.30'])]));
    await h.until(() => h.monitor.firstRoundDone());
    const grown = zoneWith([record('shop', 'weighted', ['192.0.2.30', '192.0.2.40'])]);
    h.prober.outcome = (address) => address !== '192.0.2.40';
    h.monitor.sync(desiredProbes([grown], createStaticEndpointSource(silentLogger)));
    assert.equal(h.monitor.healthOf({ zone: 'gslb.example.com', record: 'shop.gslb.example.com', target: 1, address: '192.0.2.40' }), 'pending');
    await h.clock.advance(5, () => h.ticker.tick());
    assert.deepEqual(h.prober.callsTo('192.0.2.40'), [h.clock.now() - 5], 'probed right away');
    h.prober.outcome = () => true;
    await h.until(() => h.monitor.healthOf({ zone: 'gslb.example.com', record: 'shop.gslb.example.com', target: 1, address: '192.0.2.40' }) === 'up');
  });

  it('a static target whose address set grows keeps its addresses and their health, under its new identity', async () => {
    const oneTarget = (addresses: string[]) => record('shop', 'weighted', [], { targets: [{ kind: 'static', addresses, weight: 1 }] });
    const relabels: string[] = [];
    const observer: HealthObserver = {
      onTrack: () => {},
      onResult: () => {},
      onTransition: () => {},
      onForget: (ref) => relabels.push(`forget ${ref.targetId} ${ref.address}`),
      onRelabel: (before, after, health) => relabels.push(`${before.targetId} → ${after.targetId} ${after.address} ${health}`),
    };
    const h = harness(zoneWith([oneTarget(['192.0.2.30'])]), observer);
    await h.until(() => h.monitor.firstRoundDone());
    const up = { zone: 'gslb.example.com', record: 'shop.gslb.example.com', target: 0, address: '192.0.2.30' };
    assert.equal(h.monitor.healthOf(up), 'up');
    h.monitor.sync(desiredProbes([zoneWith([oneTarget(['192.0.2.31', '192.0.2.30'])])], createStaticEndpointSource(silentLogger)));
    assert.deepEqual(relabels, ['192.0.2.30 → 192.0.2.30,192.0.2.31 192.0.2.30 up']);
    assert.equal(h.monitor.healthOf(up), 'up', 'not reset by the new identity');
    assert.equal(h.monitor.subscriptionOf(up)?.ref.targetId, '192.0.2.30,192.0.2.31');
  });

  it('keeps health across a sync with the same probes, and forgets addresses that are gone', async () => {
    const zone = zoneWith([record('shop', 'failover', ['192.0.2.30', '192.0.2.40'])]);
    const h = harness(zone);
    await h.until(() => h.monitor.firstRoundDone());
    h.prober.outcome = (address) => address !== '192.0.2.30';
    await h.until(() => h.answer('shop') === '192.0.2.40');
    h.monitor.sync(desiredProbes([zone], createStaticEndpointSource(silentLogger)));
    assert.equal(h.monitor.healthOf({ zone: 'gslb.example.com', record: 'shop.gslb.example.com', target: 0, address: '192.0.2.30' }), 'down');
    h.monitor.sync(desiredProbes([zoneWith([record('shop', 'failover', ['192.0.2.40'])])], createStaticEndpointSource(silentLogger)));
    assert.equal(h.monitor.probeCount, 1);
  });
});

describe('dual-stack static targets', () => {
  const dualStack = (policy: 'weighted' | 'failover'): BalancedRecord => ({
    ...record('shop', policy, []),
    targets: [
      { kind: 'static', addresses: ['192.0.2.30', '2001:db8::30'], weight: 1 },
      { kind: 'static', addresses: ['192.0.2.40', '2001:db8::40'], weight: 1 },
    ],
  });

  it('a static target is resolved as one unit, a cluster target per address', () => {
    const shop: BalancedRecord = {
      ...dualStack('failover'),
      targets: [...dualStack('failover').targets, { kind: 'cluster', cluster: 'eu', select: { by: 'host' }, weight: 1 }],
    };
    const endpoints: EndpointSource = {
      endpoints: () =>
        [
          ['192.0.2.30', '2001:db8::30'],
          ['192.0.2.40', '2001:db8::40'],
          ['192.0.2.50', '2001:db8::50'],
        ].map((addresses) => addresses.map(endpointOf)),
    };
    const resolved = healthAnnotatedTargets(endpoints, undefined).resolve(zoneWith([shop]), shop);
    assert.deepEqual(
      resolved.map((t) => t.unit === true),
      [true, true, false],
    );
  });

  it('the IPv6 address going down moves A away from the site too', async () => {
    const h = harness(zoneWith([dualStack('failover')]));
    await h.until(() => h.monitor.firstRoundDone());
    assert.equal(h.answer('shop'), '192.0.2.30');
    assert.equal(h.answer('shop', 28), '2001:db8::30');
    h.prober.outcome = (address) => address !== '2001:db8::30';
    await h.until(() => h.answer('shop') === '192.0.2.40');
    assert.equal(h.answer('shop', 28), '2001:db8::40');
  });
});

describe('health monitor sync by record', () => {
  /** A scheduler that only records what the monitor asks of it. */
  function recordingScheduler() {
    const calls: string[] = [];
    const jobs = new Map<string, ProbeJob>();
    const scheduler: ProbeSchedulerPort = {
      add: (job) => {
        jobs.set(job.spec.key, job);
        calls.push(`add ${job.spec.address}`);
      },
      remove: (key) => {
        calls.push(`remove ${jobs.get(key)?.spec.address}`);
        jobs.delete(key);
      },
      runSoon: (key) => calls.push(`runSoon ${jobs.get(key)?.spec.address}`),
      jobChanged: (key) => calls.push(`jobChanged ${jobs.get(key)?.spec.address}`),
      start: () => {},
      stop: () => {},
    };
    return { scheduler, calls, jobs };
  }
  const endpoints = createStaticEndpointSource(silentLogger);
  const shop = record('shop', 'failover', ['192.0.2.30', '192.0.2.40']);
  const cart = record('cart', 'weighted', ['192.0.2.50']);
  const ref = (name: string, target: number, address: string) => ({ zone: 'gslb.example.com', record: `${name}.gslb.example.com`, target, address });

  // Each case: the zone before, the zone after, and what the scheduler must be asked. Records kept as the same
  // objects (as a reload keeps unchanged records) are not looked at at all.
  const cases: ReadonlyArray<{ name: string; after: BalancedRecord[]; calls: string[]; probes: number }> = [
    { name: 'nothing changed', after: [shop, cart], calls: [], probes: 3 },
    { name: 'a record is gone', after: [shop], calls: ['remove 192.0.2.50'], probes: 2 },
    { name: 'an address changed', after: [shop, record('cart', 'weighted', ['192.0.2.51'])], calls: ['remove 192.0.2.50', 'add 192.0.2.51'], probes: 3 },
    { name: 'a record is new', after: [shop, cart, record('bag', 'weighted', ['192.0.2.60'])], calls: ['add 192.0.2.60'], probes: 4 },
    { name: 'a record changed but not its probes', after: [shop, { ...cart, ttl: 60 }], calls: [], probes: 3 },
    { name: 'a record changed its interval', after: [shop, { ...cart, check: check({ intervalMs: 2_000 }) }], calls: ['jobChanged 192.0.2.50'], probes: 3 },
    { name: 'a new record shares a probe', after: [shop, cart, record('sack', 'weighted', ['192.0.2.50'])], calls: ['runSoon 192.0.2.50'], probes: 3 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { scheduler, calls } = recordingScheduler();
      const monitor = new HealthMonitor({ scheduler, clock: new FakeClock(0), onChange: () => {} });
      monitor.sync(desiredProbes([zoneWith([shop, cart])], endpoints), true);
      calls.length = 0;
      monitor.sync(desiredProbes([zoneWith(c.after)], endpoints));
      assert.deepEqual(calls, c.calls);
      assert.equal(monitor.probeCount, c.probes);
      // Health of what stayed is kept; what is gone is unknown.
      for (const r of c.after)
        for (const [target, t] of r.targets.entries())
          if (t.kind === 'static')
            for (const address of t.addresses) assert.notEqual(monitor.subscriptionOf(ref(r.name.split('.')[0], target, address)), undefined);
    });
  }

  it('matches a flat diff over a run of random reloads', () => {
    // Random records over a small address space, so probes are shared, moved and dropped; after every sync the
    // subscriptions must be exactly the desired ones, whatever was kept as the same object.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pool = Array.from({ length: 12 }, (_, i) => record(`r${i}`, 'weighted', [`192.0.2.${1 + Math.floor(random() * 6)}`]));
    const { scheduler, jobs } = recordingScheduler();
    const monitor = new HealthMonitor({ scheduler, clock: new FakeClock(0), onChange: () => {} });
    let current = pool.slice(0, 6);
    for (let round = 0; round < 200; round++) {
      current = current.filter(() => random() > 0.2);
      for (const r of pool)
        if (!current.some((c) => c.name === r.name) && random() > 0.7)
          current.push(random() > 0.5 ? r : record(r.name.split('.')[0], 'weighted', [`192.0.2.${1 + Math.floor(random() * 6)}`]));
      const desired = desiredProbes([zoneWith(current)], endpoints);
      monitor.sync(desired, round === 0);
      const expected = desired.flat();
      assert.deepEqual(
        monitor
          .subscriptions()
          .map((s) => `${s.ref.record} ${s.ref.address}`)
          .sort(),
        expected.map((d) => `${d.ref.record} ${d.ref.address}`).sort(),
      );
      assert.deepEqual([...jobs.values()].map((j) => j.spec.address).sort(), [...new Set(expected.map((d) => d.spec.address))].sort());
      assert.equal(monitor.probeCount, jobs.size);
    }
  });
});
