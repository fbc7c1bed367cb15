// Drain actions: which records a drain touches, which window drains opened or closed, and what the admin API's
// drain and undrain requests answer and rebuild. A real DrainSet (no state file), zones written as the loader
// would produce them, and endpoints that give each cluster a fixed address set.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordRef } from '../../src/base/names.js';
import { DrainSet, type Drain } from '../../src/health/drains.js';
import { DrainActions, recordsTouchedBy, windowChanges, type WindowChange } from '../../src/runtime/drain-actions.js';
import { endpointOf, type EndpointSource } from '../../src/zone/endpoints.js';
import type { BalancedRecord, TargetConfig, ZoneConfig } from '../../src/zone/model.js';
import { FakeClock } from '../helpers/fake-time.js';
import { fixtureZone, zoneOf } from '../helpers/fixture-zone.js';
import { recordingLogger } from '../helpers/recording-logger.js';

const GSLB = fixtureZone.zone;
const K8S = 'k8s.example.com';

function balanced(name: string, targets: readonly TargetConfig[]): BalancedRecord {
  return { kind: 'balanced', name, policy: 'weighted', ttl: 30, answers: 1, whenAllDown: 'all', targets };
}

function cluster(name: string): TargetConfig {
  return { kind: 'cluster', cluster: name, select: { by: 'host' }, weight: 1 };
}

/** Cluster targets next to a static address the fixture zone's app record also has (192.0.2.10). */
const k8sZone: ZoneConfig = zoneOf(K8S, [
  balanced(`web.${K8S}`, [cluster('east'), { kind: 'static', addresses: ['192.0.2.10'], weight: 1 }]),
  balanced(`api.${K8S}`, [cluster('west')]),
  { kind: 'cname', name: `www.${K8S}`, ttl: 60, target: `web.${K8S}` },
]);
const zones: readonly ZoneConfig[] = [fixtureZone, k8sZone];

const discovered: Readonly<Record<string, readonly string[]>> = { east: ['198.51.100.1'], west: ['198.51.100.9'] };
const endpoints: EndpointSource = {
  endpoints: (_zone, record) => record.targets.map((t) => (t.kind === 'static' ? t.addresses : (discovered[t.cluster] ?? [])).map(endpointOf)),
};

const gslbApp: RecordRef = { zone: GSLB, name: 'app.gslb.example.com' };
const gslbShop: RecordRef = { zone: GSLB, name: 'shop.gslb.example.com' };
const k8sWeb: RecordRef = { zone: K8S, name: `web.${K8S}` };
const k8sApi: RecordRef = { zone: K8S, name: `api.${K8S}` };

describe('recordsTouchedBy', () => {
  const cases: ReadonlyArray<{ name: string; drained: string; onlyZone?: string; touched: readonly RecordRef[] }> = [
    { name: 'a cluster name', drained: 'east', touched: [k8sWeb] },
    { name: 'another cluster name', drained: 'west', touched: [k8sApi] },
    { name: 'an address of a static target, in every zone', drained: '192.0.2.10', touched: [gslbApp, k8sWeb] },
    { name: 'an IPv6 address of a static target', drained: '2001:db8::20', touched: [gslbApp] },
    { name: 'an address of the second target of a record', drained: '192.0.2.40', touched: [gslbShop] },
    { name: 'an address discovered for a cluster target', drained: '198.51.100.9', touched: [k8sApi] },
    { name: 'an address in onlyZone', drained: '192.0.2.10', onlyZone: K8S, touched: [k8sWeb] },
    { name: 'a cluster outside onlyZone', drained: 'east', onlyZone: GSLB, touched: [] },
    { name: 'an unknown cluster', drained: 'north', touched: [] },
    { name: 'an address of a static (not balanced) record', drained: '192.0.2.1', touched: [] },
    { name: 'a record name', drained: 'app.gslb.example.com', touched: [] },
  ];
  for (const { name, drained, onlyZone, touched } of cases) {
    it(name, () => {
      assert.deepEqual(recordsTouchedBy(zones, endpoints, drained, onlyZone), touched);
    });
  }
});

describe('windowChanges', () => {
  const window = (zone: string | undefined, target: string, since = '2026-01-01T00:00:00.000Z'): Drain => ({
    target,
    since,
    by: `maintenance ${zone ?? 'unknown'}.yaml`,
    ...(zone === undefined ? {} : { zone }),
  });
  const cases: ReadonlyArray<{ name: string; before: readonly Drain[]; after: readonly Drain[]; changes: readonly WindowChange[] }> = [
    { name: 'none before or after', before: [], after: [], changes: [] },
    { name: 'a window opened', before: [], after: [window(GSLB, 'east')], changes: [{ opened: true, zone: GSLB, target: 'east' }] },
    { name: 'a window closed', before: [window(GSLB, 'east')], after: [], changes: [{ opened: false, zone: GSLB, target: 'east' }] },
    {
      name: 'the same window still open (another start time is no change)',
      before: [window(GSLB, 'east')],
      after: [window(GSLB, 'east', '2026-01-02T00:00:00.000Z')],
      changes: [],
    },
    {
      name: 'the same target opened in a second zone',
      before: [window(GSLB, 'east')],
      after: [window(GSLB, 'east'), window(K8S, 'east')],
      changes: [{ opened: true, zone: K8S, target: 'east' }],
    },
    {
      name: 'the same target closed in one of two zones',
      before: [window(GSLB, 'east'), window(K8S, 'east')],
      after: [window(K8S, 'east')],
      changes: [{ opened: false, zone: GSLB, target: 'east' }],
    },
    {
      name: 'one closed and another opened at once',
      before: [window(GSLB, 'east')],
      after: [window(GSLB, 'west')],
      changes: [
        { opened: false, zone: GSLB, target: 'east' },
        { opened: true, zone: GSLB, target: 'west' },
      ],
    },
    { name: 'a window with no zone', before: [], after: [window(undefined, 'east')], changes: [{ opened: true, zone: '', target: 'east' }] },
  ];
  for (const { name, before, after, changes } of cases) {
    it(name, () => {
      assert.deepEqual(windowChanges(before, after), changes);
    });
  }
});

describe('DrainActions', () => {
  const START = Date.parse('2026-03-01T12:00:00.000Z');

  function drainActions() {
    const drains = new DrainSet(undefined);
    const rebuilds: RecordRef[][] = [];
    const logger = recordingLogger();
    const actions = new DrainActions({
      drains,
      zones: () => zones,
      endpoints,
      clock: new FakeClock(START),
      logger,
      rebuild: (records) => rebuilds.push([...records]),
    });
    return { drains, rebuilds, logger, actions };
  }

  const badBodies: ReadonlyArray<{ name: string; body: unknown }> = [
    { name: 'no body', body: undefined },
    { name: 'an empty object', body: {} },
    { name: 'an empty target', body: { target: '' } },
    { name: 'a target that is not a string', body: { target: 5 } },
  ];
  for (const drain of [true, false]) {
    for (const { name, body } of badBodies) {
      it(`answers 400 to ${drain ? 'drain' : 'undrain'} with ${name}`, async () => {
        const { rebuilds, actions } = drainActions();
        const answer = await actions.action(drain)(body);
        assert.deepEqual(answer, { status: 400, body: { error: 'the body must be {"target": "<cluster or address>"}' } });
        assert.deepEqual(rebuilds, []);
      });
    }
  }

  it('answers 404 to a drain of a target no zone served has, and drains nothing', async () => {
    const { drains, rebuilds, actions } = drainActions();
    const answer = await actions.action(true)({ target: 'north' });
    assert.deepEqual(answer, { status: 404, body: { error: "no cluster or address named 'north' in the zones served" } });
    assert.deepEqual(drains.list(), []);
    assert.deepEqual(rebuilds, []);
  });

  it('drains a target: 200, changed, the touched records rebuilt, logged', async () => {
    const { rebuilds, logger, actions } = drainActions();
    const answer = await actions.action(true)({ target: '192.0.2.10', reason: 'disk replacement' });
    const drain: Drain = { target: '192.0.2.10', since: new Date(START).toISOString(), by: 'manual', reason: 'disk replacement' };
    assert.deepEqual(answer, { status: 200, body: { target: '192.0.2.10', drained: true, changed: true, drains: [drain] } });
    assert.deepEqual(rebuilds, [[gslbApp, k8sWeb]]);
    assert.deepEqual(logger.lines, [{ level: 'warn', message: 'target drained', fields: { target: '192.0.2.10', reason: 'disk replacement' } }]);
  });

  it('ignores a reason that is not a string', async () => {
    const { drains, logger, actions } = drainActions();
    await actions.action(true)({ target: 'east', reason: 42 });
    assert.deepEqual(drains.list(), [{ target: 'east', since: new Date(START).toISOString(), by: 'manual' }]);
    assert.deepEqual(logger.lines, [{ level: 'warn', message: 'target drained', fields: { target: 'east' } }]);
  });

  it('answers 200 unchanged to a second drain of the same target, rebuilding nothing', async () => {
    const { rebuilds, logger, actions } = drainActions();
    await actions.action(true)({ target: 'east' });
    const answer = await actions.action(true)({ target: 'east' });
    assert.equal(answer.status, 200);
    assert.deepEqual((answer.body as { changed: boolean }).changed, false);
    assert.deepEqual(rebuilds, [[k8sWeb]], 'only the first drain rebuilt');
    assert.equal(logger.lines.length, 1);
  });

  it('undrains a drained target: 200, changed, the touched records rebuilt, logged', async () => {
    const { rebuilds, logger, actions } = drainActions();
    await actions.action(true)({ target: 'west' });
    const answer = await actions.action(false)({ target: 'west' });
    assert.deepEqual(answer, { status: 200, body: { target: 'west', drained: false, changed: true, drains: [] } });
    assert.deepEqual(rebuilds, [[k8sApi], [k8sApi]]);
    assert.deepEqual(logger.messages('warn'), ['target drained', 'target undrained']);
  });

  it('answers 200 unchanged to an undrain of a target not drained, even one no zone has', async () => {
    const { rebuilds, logger, actions } = drainActions();
    const answer = await actions.action(false)({ target: 'north' });
    assert.deepEqual(answer, { status: 200, body: { target: 'north', drained: false, changed: false, drains: [] } });
    assert.deepEqual(rebuilds, []);
    assert.deepEqual(logger.lines, []);
  });

  describe('windowsChanged', () => {
    const window: Drain = { target: '192.0.2.10', since: new Date(START).toISOString(), by: 'maintenance gslb.yaml', zone: GSLB };

    it('when serving: logs each change and rebuilds the records of the window zone only', () => {
      const { drains, rebuilds, logger, actions } = drainActions();
      actions.windowsChanged([window], true);
      assert.deepEqual(drains.windows(), [window]);
      assert.deepEqual(rebuilds, [[gslbApp]], 'not k8s web, which has the same address in another zone');
      actions.windowsChanged([window], true);
      assert.deepEqual(rebuilds, [[gslbApp]], 'no change, no rebuild');
      actions.windowsChanged([], true);
      assert.deepEqual(drains.windows(), []);
      assert.deepEqual(rebuilds, [[gslbApp], [gslbApp]]);
      assert.deepEqual(logger.lines, [
        { level: 'warn', message: 'maintenance window open: target drained', fields: { zone: GSLB, target: '192.0.2.10' } },
        { level: 'warn', message: 'maintenance window closed: target undrained', fields: { zone: GSLB, target: '192.0.2.10' } },
      ]);
    });

    it('before serving: records and logs the windows, rebuilds nothing', () => {
      const { drains, rebuilds, logger, actions } = drainActions();
      actions.windowsChanged([window], false);
      assert.deepEqual(drains.windows(), [window]);
      assert.deepEqual(rebuilds, []);
      assert.deepEqual(logger.messages('warn'), ['maintenance window open: target drained']);
    });
  });
});
