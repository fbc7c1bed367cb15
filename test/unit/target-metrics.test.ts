// The per-target families are rendered by hand, outside prom-client: check the exposition text, the per-record
// aggregation, forgetting, and that a large scrape yields to the event loop.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AddressRef } from '../../src/health/monitor.js';
import type { ObservedResult } from '../../src/health/state.js';
import { AUTO_PER_ADDRESS_LIMIT, probeMetricsDetailFor, TargetMetrics, type ProbeMetricsSetting } from '../../src/observability/target-metrics.js';

const ok = (durationMs: number): ObservedResult => ({ ok: true, durationMs, reason: 'ok', at: 0 });
const refused: ObservedResult = { ok: false, failure: 'refused', durationMs: 0.4, reason: 'connection refused', at: 0 };

async function text(metrics: TargetMetrics): Promise<string> {
  let out = '';
  for await (const chunk of metrics.render()) out += chunk;
  return out;
}

function ref(address: string, target = 0, record = 'app.gslb.test'): AddressRef {
  return { zone: 'gslb.test', record, target, address };
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
    const labels = 'zone="gslb.test",record="app.gslb.test",target="0",address="192.0.2.1"';
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
    assert.ok(out.includes('meridian_target_health{zone="gslb.test",record="app.gslb.test",target="1",address="192.0.2.2"} -1'));
    // The record's series lives while any of its addresses does.
    metrics.forget(a);
    assert.ok((await text(metrics)).includes('meridian_probe_results_total{zone="gslb.test",record="app.gslb.test",result="ok"} 1'));
    metrics.forget(b);
    const empty = await text(metrics);
    assert.ok(!empty.includes('app.gslb.test'), empty);
    assert.ok(empty.includes('# TYPE meridian_target_health gauge'), 'families are announced even when empty');
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
