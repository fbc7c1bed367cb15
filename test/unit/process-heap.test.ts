// meridian_process_heap_bytes reports the resident heap (RssAnon), not the reserved address space (VmData).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { MeridianMetrics } from '../../src/observability/metrics.js';
import { residentHeapBytes } from '../../src/observability/process-heap.js';

const status = (vmData: number, rssAnon: number) =>
  `Name:\tnode\nVmSize:\t 1400000 kB\nVmData:\t ${vmData} kB\nVmRSS:\t  130000 kB\nRssAnon:\t ${rssAnon} kB\nRssFile:\t 50000 kB\n`;

describe('residentHeapBytes', () => {
  const cases: Array<{ name: string; text: string; bytes: number | undefined }> = [
    { name: 'RssAnon, not VmData', text: status(1_200_000, 80_000), bytes: 80_000 * 1024 },
    { name: 'zero', text: status(10, 0), bytes: 0 },
    { name: 'no RssAnon line (not Linux, old kernel)', text: 'Name:\tnode\nVmData:\t 5 kB\n', bytes: undefined },
  ];
  for (const { name, text, bytes } of cases) {
    it(name, () => assert.equal(residentHeapBytes(text), bytes));
  }
});

describe('meridian_process_heap_bytes', () => {
  it('is below the resident size of this process, not a gigabyte of reservations', async () => {
    const registry = new Registry();
    new MeridianMetrics(registry);
    const metrics = await registry.getMetricsAsJSON();
    const value = (name: string) => metrics.find((m) => m.name === name)?.values[0]?.value;
    const heap = value('meridian_process_heap_bytes');
    const resident = value('meridian_process_resident_memory_bytes');
    assert.ok(typeof heap === 'number' && typeof resident === 'number', 'both are reported');
    assert.ok(heap > 0 && heap <= resident, `heap ${heap} ≤ resident ${resident}`);
  });
});

describe('meridian_zone_serial', () => {
  it('reports the serial of every zone served now, read at scrape time', async () => {
    const registry = new Registry();
    const metrics = new MeridianMetrics(registry);
    let zones = [
      { name: 'a.example', serial: 7 },
      { name: 'b.example', serial: 4294967295 },
    ];
    metrics.reportZoneSerials(() => zones);
    const read = async () => (await registry.getSingleMetric('meridian_zone_serial')!.get()).values.map((v) => [v.labels['zone'], v.value]);
    assert.deepEqual(await read(), [
      ['a.example', 7],
      ['b.example', 4294967295],
    ]);
    zones = [{ name: 'a.example', serial: 8 }];
    assert.deepEqual(await read(), [['a.example', 8]], 'a zone no longer served leaves the metric');
  });
});
