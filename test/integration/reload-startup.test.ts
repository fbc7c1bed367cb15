// Changes that land while the server starts, or that re-point a symlink the zone directory is made of, are
// picked up within the 2 s docs/operations.md promises; and a zone dropped by a reload is warned about and counted.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startMeridian, type Meridian } from '../../src/runtime/meridian.js';
import { silentLogger, type LogFields, type Logger } from '../../src/base/logger.js';
import { loadZoneDirectoryOffThread } from '../../src/zone/load-thread.js';
import { dnsClient, waitForValue } from '../helpers/dns-client.js';
import { makeZoneDir, TEST_ZONE_YAML } from '../helpers/zone-files.js';

const FILE = 'gslb.example.test.yaml';
// The 2 s operations.md promises, plus room for a loaded CI machine; before the fix the change was never served.
const DEADLINE_MS = 3_000;
const shopAt = (address: string) => TEST_ZONE_YAML.replace('{ address: 192.0.2.30 }', `{ address: ${address} }`);

/** A git-sync-like layout: root/rev-N/ worktrees and root/current → the published one, re-pointed by rename. */
async function gitSyncRoot(): Promise<{ root: string; publish: (revision: number, subdir?: string) => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'meridian-startup-'));
  return {
    root,
    publish: async (revision, subdir = 'zones') => {
      const worktree = path.join(root, `rev-${revision}`);
      await mkdir(path.join(worktree, subdir), { recursive: true });
      await writeFile(path.join(worktree, subdir, FILE), shopAt(`192.0.2.${100 + revision}`));
      await symlink(worktree, path.join(root, 'current.tmp'));
      await rename(path.join(root, 'current.tmp'), path.join(root, 'current'));
    },
  };
}

describe('zone changes around start-up and through symlinks', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const serve = async (zonesDir: string, extra: { loadZones?: typeof loadZoneDirectoryOffThread; logger?: Logger } = {}): Promise<Meridian> => {
    const meridian = await startMeridian({
      zonesDir,
      listen: [{ host: '127.0.0.1', port: 0 }],
      logger: extra.logger ?? silentLogger,
      ...(extra.loadZones ? { loadZones: extra.loadZones } : {}),
    });
    cleanups.push(() => meridian.stop());
    return meridian;
  };

  it('serves a git-sync revision published between the first read and the start of the watch', async () => {
    const { root, publish } = await gitSyncRoot();
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await publish(1);
    let first = true;
    // The swap happens right after the first read has returned rev-1, inside the start-up: no timing involved.
    const loadZones: typeof loadZoneDirectoryOffThread = async (...args) => {
      const result = await loadZoneDirectoryOffThread(...args);
      if (first) {
        first = false;
        await publish(2);
      }
      return result;
    };
    const meridian = await serve(path.join(root, 'current', 'zones'), { loadZones });
    const dns = await dnsClient(meridian.dnsEndpoints[0]);
    cleanups.push(() => dns.close());
    await waitForValue(() => dns.addresses('shop.gslb.example.test'), '192.0.2.102', DEADLINE_MS);
  });

  it('serves a change of what a zone file symlink points to', async () => {
    const { root, publish } = await gitSyncRoot();
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await publish(1, '.');
    // The zone directory itself stays put; only its file leads through the re-pointed `current` link.
    const zonesDir = path.join(root, 'zones');
    await mkdir(zonesDir);
    await symlink(path.join(root, 'current', FILE), path.join(zonesDir, FILE));
    const meridian = await serve(zonesDir);
    const dns = await dnsClient(meridian.dnsEndpoints[0]);
    cleanups.push(() => dns.close());
    assert.equal(await dns.addresses('shop.gslb.example.test'), '192.0.2.101');
    await publish(2, '.');
    await waitForValue(() => dns.addresses('shop.gslb.example.test'), '192.0.2.102', DEADLINE_MS);
  });

  it('warns about and counts a zone dropped because its file was deleted', async () => {
    const other = TEST_ZONE_YAML.replaceAll('gslb.example.test', 'other.example.test');
    const zones = await makeZoneDir({ [FILE]: TEST_ZONE_YAML, 'other.example.test.yaml': other });
    cleanups.push(() => zones.remove());
    const warnings: Array<{ msg: string; fields: LogFields | undefined }> = [];
    const logger: Logger = { ...silentLogger, warn: (msg, fields) => void warnings.push({ msg, fields }), child: () => logger };
    const meridian = await serve(zones.dir, { logger });
    await rm(path.join(zones.dir, 'other.example.test.yaml'));
    const removed = async () => (await meridian.metrics.zoneReloads.get()).values.find((v) => v.labels.result === 'removed')?.value ?? 0;
    await waitForValue(removed, 1, DEADLINE_MS);
    const warning = warnings.find((w) => w.msg.startsWith('zone removed'));
    assert.ok(warning, `no warning; warnings: ${JSON.stringify(warnings)}`);
    assert.equal(warning.fields?.zone, 'other.example.test');
    assert.equal(warning.fields?.file, path.join(zones.dir, 'other.example.test.yaml'));
  });
});
