// The per-target families are rendered by hand, outside prom-client: check the exposition text, the per-record
// aggregation, forgetting, and that a large scrape yields to the event loop.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointOf, type EndpointSource } from '../../src/zone/endpoints.js';
import { ProbePlanner, type TrackedRef } from '../../src/health/probe-plan.js';
import type { ObservedResult } from '../../src/health/state.js';
import { AUTO_PER_ADDRESS_LIMIT, probeMetricsDetailFor, TargetMetrics, type ProbeMetricsSetting } from '../../src/observability/target-metrics.js';
import type { BalancedRecord, ClusterTarget, TargetConfig } from '../../src/zone/model.js';
import { checkConfig, zoneOf } from '../helpers/fixture-zone.js';

/** One planner for the file, as the server has one: it remembers what it planned for each record object. */
const planner = new ProbePlanner();
const desiredProbes = planner.desiredProbes.bind(planner);

const ok = (durationMs: number): ObservedResult => ({ ok: true, durationMs, reason: 'ok', at: 0 });
const refused: ObservedResult = { ok: false, failure: 'refused', durationMs: 0.4, reason: 'connection refused', at: 0 };

async function text(metrics: TargetMetrics): Promise<string> {
  let out = '';
  for await (const chunk of metrics.render()) out += chunk;
  return out;
}

/** An address of a one-address static target, named (targetIdentity) by that address. */
function ref(address: string, target = 0, record = 'app.gslb.test'): TrackedRef {
  return { zone: 'gslb.test', record, target, targetId: address, address };
}

describe('TargetMetrics', () => {
  it('renders health, transitions, results and a cumulative histogram per address', async () => {
    const metrics = new TargetMetrics('address');
    const a = ref('192.0.2.1');
    metrics.track(a);
    metrics.result(a, ok(3));
    metrics.transition(a, 'up');
    metrics.result(a, refused);
    metrics.transition(a, 'down');
    const out = await text(metrics);
    const labels = 'zone="gslb.test",record="app.gslb.test",target="192.0.2.1",address="192.0.2.1"';
    for (const line of [
      '# TYPE meridian_target_health gauge',
      `meridian_target_health{${labels}} 0`,
      `meridian_health_transitions_total{${labels},to="up"} 1`,
      `meridian_health_transitions_total{${labels},to="down"} 1`,
      `meridian_probe_results_total{${labels},result="ok"} 1`,
      `meridian_probe_results_total{${labels},result="refused"} 1`,
      '# TYPE meridian_probe_duration_seconds histogram',
      `meridian_probe_duration_seconds_bucket{${labels},le="0.001"} 1`,
      `meridian_probe_duration_seconds_bucket{${labels},le="0.0025"} 1`,
      `meridian_probe_duration_seconds_bucket{${labels},le="0.005"} 2`,
      `meridian_probe_duration_seconds_bucket{${labels},le="+Inf"} 2`,
      `meridian_probe_duration_seconds_count{${labels}} 2`,
    ]) {
      assert.ok(out.split('\n').includes(line), `missing: ${line}\n${out}`);
    }
    assert.ok(!out.includes('to="unknown"'), 'a transition that never happened has no series');
    assert.match(out, new RegExp(`meridian_probe_duration_seconds_sum\\{${labels.replace(/[.]/g, '\\.')}\\} 0\\.0034`));
  });

  it('aggregates probe results per record, and keeps health per address', async () => {
    const metrics = new TargetMetrics('record');
    const a = ref('192.0.2.1', 0);
    const b = ref('192.0.2.2', 1);
    metrics.track(a);
    metrics.track(b);
    metrics.result(a, ok(1));
    metrics.result(b, refused);
    const out = await text(metrics);
    assert.ok(out.includes('meridian_probe_results_total{zone="gslb.test",record="app.gslb.test",result="ok"} 1'));
    assert.ok(out.includes('meridian_probe_results_total{zone="gslb.test",record="app.gslb.test",result="refused"} 1'));
    assert.ok(out.includes('meridian_target_health{zone="gslb.test",record="app.gslb.test",target="192.0.2.2",address="192.0.2.2"} -1'));
    // The record's series lives while any of its addresses does.
    metrics.forget(a);
    assert.ok((await text(metrics)).includes('meridian_probe_results_total{zone="gslb.test",record="app.gslb.test",result="ok"} 1'));
    metrics.forget(b);
    const empty = await text(metrics);
    assert.ok(!empty.includes('app.gslb.test'), empty);
    assert.ok(empty.includes('# TYPE meridian_target_health gauge'), 'families are announced even when empty');
  });

  it("relabels an address under its target's new identity, keeping its health and starting its counters again", async () => {
    const metrics = new TargetMetrics('address');
    const before = ref('192.0.2.1');
    metrics.track(before);
    metrics.transition(before, 'up');
    const after: TrackedRef = { ...before, targetId: '192.0.2.1,192.0.2.9' };
    metrics.relabel(before, after, 'up');
    const out = await text(metrics);
    assert.ok(out.includes('meridian_target_health{zone="gslb.test",record="app.gslb.test",target="192.0.2.1,192.0.2.9",address="192.0.2.1"} 1'), out);
    assert.ok(!out.includes('target="192.0.2.1",'), 'the old series are gone');
    assert.ok(!out.includes('meridian_health_transitions_total{'), 'a relabel is no transition');
    assert.equal(metrics.healthOf(before), undefined);
    assert.equal(metrics.healthOf(after), 1);
  });

  it('escapes label values', async () => {
    const metrics = new TargetMetrics('address');
    metrics.track(ref('192.0.2.1', 0, 'we"ird\\name'));
    assert.ok((await text(metrics)).includes('record="we\\"ird\\\\name"'));
  });

  it('renders a large set in chunks, yielding to the event loop between them', async () => {
    const metrics = new TargetMetrics('address');
    for (let i = 0; i < 10_000; i++) metrics.track(ref(`10.0.${i >> 8}.${i & 255}`));
    let chunks = 0;
    let immediates = 0;
    const counter = setInterval(() => immediates++, 0);
    let out = '';
    for await (const chunk of metrics.render()) {
      chunks++;
      out += chunk;
    }
    clearInterval(counter);
    assert.ok(chunks >= 20, `${chunks} chunks`);
    assert.ok(immediates > 0, 'other callbacks ran while rendering');
    assert.equal(out.match(/^meridian_target_health\{/gm)?.length, 10_000);
  });
});

describe('the target label', () => {
  // Discovery stands in for Kubernetes: each cluster target resolves to the addresses listed for its cluster.
  const discovered: Readonly<Record<string, readonly string[]>> = { east: ['198.51.100.1', '198.51.100.2'], west: ['198.51.100.9'] };
  const endpoints: EndpointSource = {
    endpoints: (_zone, record) => record.targets.map((t) => (t.kind === 'static' ? t.addresses : (discovered[t.cluster] ?? [])).map(endpointOf)),
  };
  const at = (...addresses: string[]): TargetConfig => ({ kind: 'static', addresses, weight: 1 });
  const cluster = (name: string, select: ClusterTarget['select'] = { by: 'host' }): TargetConfig => ({ kind: 'cluster', cluster: name, select, weight: 1 });

  async function healthLabels(targets: readonly TargetConfig[]): Promise<string[]> {
    const record: BalancedRecord = {
      kind: 'balanced',
      name: 'app.gslb.test',
      policy: 'weighted',
      ttl: 30,
      answers: 1,
      whenAllDown: 'all',
      check: checkConfig(),
      targets,
    };
    const metrics = new TargetMetrics('address');
    for (const group of desiredProbes([zoneOf('gslb.test', [record])], endpoints)) for (const probe of group) metrics.track(probe.ref);
    const lines = (await text(metrics)).split('\n').filter((line) => line.startsWith('meridian_target_health{'));
    return lines.map((line) => line.slice(line.indexOf('target='), line.indexOf('}'))).sort();
  }

  // Each case: a record's targets, and the label of every probed address, whatever the order of the targets.
  const cases: ReadonlyArray<{ name: string; targets: TargetConfig[]; labels: string[] }> = [
    {
      name: 'static targets are named by their sorted address sets',
      targets: [at('192.0.2.1'), at('::1', '127.0.0.11')],
      labels: ['target="127.0.0.11,::1",address="127.0.0.11"', 'target="127.0.0.11,::1",address="::1"', 'target="192.0.2.1",address="192.0.2.1"'],
    },
    {
      name: 'cluster targets are named by their cluster',
      targets: [cluster('east'), cluster('west')],
      labels: ['target="east",address="198.51.100.1"', 'target="east",address="198.51.100.2"', 'target="west",address="198.51.100.9"'],
    },
    {
      name: 'a cluster target following one object names it beside the cluster',
      targets: [cluster('west'), cluster('west', { by: 'service', namespace: 'web', name: 'app' })],
      labels: ['target="west service web/app",address="198.51.100.9"', 'target="west",address="198.51.100.9"'],
    },
    {
      name: 'static and cluster targets sharing an address stay apart',
      targets: [at('198.51.100.9'), cluster('west'), at('198.51.100.9', '192.0.2.7')],
      labels: [
        'target="192.0.2.7,198.51.100.9",address="192.0.2.7"',
        'target="192.0.2.7,198.51.100.9",address="198.51.100.9"',
        'target="198.51.100.9",address="198.51.100.9"',
        'target="west",address="198.51.100.9"',
      ],
    },
  ];
  for (const c of cases) {
    it(`${c.name}, in any order`, async () => {
      const written = await healthLabels(c.targets);
      assert.deepEqual(await healthLabels([...c.targets].reverse()), written, 'reordering the targets renames no series');
      assert.deepEqual(written, c.labels);
    });
  }
});

describe('probe metrics detail', () => {
  const cases: ReadonlyArray<[ProbeMetricsSetting, number, 'address' | 'record']> = [
    ['auto', 0, 'address'],
    ['auto', AUTO_PER_ADDRESS_LIMIT, 'address'],
    ['auto', AUTO_PER_ADDRESS_LIMIT + 1, 'record'],
    ['auto', 20_000, 'record'],
    ['address', 20_000, 'address'],
    ['record', 1, 'record'],
  ];
  for (const [setting, addresses, expected] of cases) {
    it(`${setting} at ${addresses} probed addresses is per ${expected}`, () => {
      assert.equal(probeMetricsDetailFor(setting, addresses), expected);
    });
  }

  it('is set before the first address is tracked, never after', async () => {
    const metrics = new TargetMetrics('address');
    metrics.setDetail('record');
    const [a, b] = [ref('192.0.2.1'), ref('192.0.2.2', 1)];
    metrics.track(a);
    metrics.track(b);
    metrics.setDetail('record'); // unchanged: fine
    assert.throws(() => metrics.setDetail('address'));
    metrics.result(a, ok(1));
    metrics.result(b, ok(1));
    const out = await text(metrics);
    assert.ok(out.includes('meridian_probe_results_total{zone="gslb.test",record="app.gslb.test",result="ok"} 2'), out);
  });
});
