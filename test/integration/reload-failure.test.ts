// A reload that fails (the loader thread dies, or applying throws) is logged and counted, and does not block the
// reloads after it: the next valid change is served, whether the reload came from the watch or was asked for.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startMeridian, type Meridian } from '../../src/runtime/meridian.js';
import { silentLogger } from '../../src/base/logger.js';
import { loadZoneDirectoryOffThread } from '../../src/zone/load-thread.js';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { makeZoneDir, TEST_ZONE_YAML, type ZoneDir } from '../helpers/zone-files.js';

const FILE = 'gslb.example.test.yaml';
const DEADLINE_MS = 8_000;

/** The real loader, which throws on the next call once armed, as a loader thread that exits would. */
function failingOnce(): { load: typeof loadZoneDirectoryOffThread; arm(): void } {
  let fail = false;
  return {
    arm: () => void (fail = true),
    load: async (...args) => {
      if (fail) {
        fail = false;
        throw new Error('the zone loader thread exited (1) without a result');
      }
      return loadZoneDirectoryOffThread(...args);
    },
  };
}

const failedReloads = async (meridian: Meridian) => (await meridian.metrics.zoneReloads.get()).values.find((v) => v.labels.result === 'failed')?.value ?? 0;

describe('a failed reload', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const start = async (watch: boolean): Promise<{ meridian: Meridian; zones: ZoneDir; dns: DnsClient; loader: ReturnType<typeof failingOnce> }> => {
    const zones = await makeZoneDir();
    cleanups.push(() => zones.remove());
    const loader = failingOnce();
    const meridian = await startMeridian({
      zonesDir: zones.dir,
      listen: [{ host: '127.0.0.1', port: 0 }],
      logger: silentLogger,
      watch,
      loadZones: loader.load,
    });
    cleanups.push(() => meridian.stop());
    const dns = await dnsClient(meridian.dnsEndpoints[0]);
    cleanups.push(() => dns.close());
    return { meridian, zones, dns, loader };
  };
  const shopAt = (address: string) => TEST_ZONE_YAML.replace('{ address: 192.0.2.30 }', `{ address: ${address} }`);

  it('from the watch is counted, and the next change is served', async () => {
    const { meridian, zones, dns, loader } = await start(true);
    assert.equal(await dns.addresses('shop.gslb.example.test'), '192.0.2.30');
    loader.arm();
    await zones.write(FILE, shopAt('192.0.2.31'));
    await waitForValue(() => failedReloads(meridian), 1, DEADLINE_MS);
    await zones.write(FILE, shopAt('192.0.2.32'));
    await waitForValue(() => dns.addresses('shop.gslb.example.test'), '192.0.2.32', DEADLINE_MS);
  });

  it('asked for rejects, is counted and shown in /status, and the next reload serves the files', async () => {
    const { meridian, zones, dns, loader } = await start(false);
    loader.arm();
    await zones.write(FILE, shopAt('192.0.2.33'));
    await assert.rejects(meridian.reload('test'), /loader thread exited/);
    assert.equal(await failedReloads(meridian), 1);
    assert.equal((meridian.status() as { lastReload: { ok: boolean } }).lastReload.ok, false);
    assert.equal(await dns.addresses('shop.gslb.example.test'), '192.0.2.30');

    const outcome = await meridian.reload('test');
    assert.equal(outcome.ok, true);
    assert.equal(await dns.addresses('shop.gslb.example.test'), '192.0.2.33');
  });
});
