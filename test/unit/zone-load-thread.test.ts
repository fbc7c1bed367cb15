// Loading off the query thread, and reloads that keep what did not change: an unchanged zone is the very object
// being served, and in a changed zone every unchanged record is too. Only changed records cross between threads.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadZoneDirectory } from '../../src/zone/load.js';
import { loadZoneDirectoryOffThread } from '../../src/zone/load-thread.js';
import { formatZoneIssue, type ZoneConfig, type ZoneLoadResult } from '../../src/zone/model.js';
import { makeZoneDir, TEST_ZONE_YAML, type ZoneDir } from '../helpers/zone-files.js';

const OTHER_ZONE_YAML = `zone: other.example.test
soa: { rname: hostmaster.example.test }
nameservers: { ns1.other.example.test: [127.0.0.1] }
records:
  a: { a: [192.0.2.1] }
  b: { a: [192.0.2.2] }
`;

function zonesOf(result: ZoneLoadResult): readonly ZoneConfig[] {
  assert.ok(result.ok, result.ok ? '' : result.issues.map(formatZoneIssue).join('\n'));
  return result.zones;
}

/** Without the fields only the loader thread adds, for comparing with loadZoneDirectory. */
function plain(zones: readonly ZoneConfig[]): unknown {
  return zones.map(({ recordPrints: _prints, ...zone }) => zone);
}

describe('loadZoneDirectoryOffThread', () => {
  const dirs: ZoneDir[] = [];
  after(async () => {
    for (const dir of dirs) await dir.remove();
  });
  const zoneDir = async () => {
    const dir = await makeZoneDir({ 'gslb.example.test.yaml': TEST_ZONE_YAML, 'other.example.test.yaml': OTHER_ZONE_YAML });
    dirs.push(dir);
    return dir;
  };

  it('loads what loadZoneDirectory loads, with a hash per record', async () => {
    const dir = await zoneDir();
    const zones = zonesOf(await loadZoneDirectoryOffThread(dir.dir));
    assert.deepEqual(plain(zones), plain(zonesOf(await loadZoneDirectory(dir.dir))));
    assert.deepEqual(
      zones[0].recordPrints!.split('\n').map((line) => line.split(' ')[0]),
      zones[0].records.map((r) => r.name),
    );
  });

  it('keeps an unchanged zone, and the unchanged records of a changed one, as the objects being served', async () => {
    const dir = await zoneDir();
    const served = zonesOf(await loadZoneDirectoryOffThread(dir.dir));
    await dir.write('gslb.example.test.yaml', TEST_ZONE_YAML.replace('weight: 3', 'weight: 5'));
    const reloaded = zonesOf(await loadZoneDirectoryOffThread(dir.dir, {}, served));
    assert.deepEqual(plain(reloaded), plain(zonesOf(await loadZoneDirectory(dir.dir))), 'the same content as a full load');

    const [gslb, other] = reloaded;
    assert.equal(other, served[1], 'the unchanged zone is the one being served');
    assert.notEqual(gslb, served[0]);
    const kept = gslb.records.map((record, i) => record === served[0].records[i]);
    assert.deepEqual(
      gslb.records.map((r) => r.name),
      served[0].records.map((r) => r.name),
    );
    assert.deepEqual(
      kept,
      gslb.records.map((r) => r.name !== 'app.gslb.example.test'),
      'only the changed record is new',
    );
  });

  it('keeps record order across insertions and removals', async () => {
    const dir = await zoneDir();
    const served = zonesOf(await loadZoneDirectoryOffThread(dir.dir));
    await dir.write('other.example.test.yaml', OTHER_ZONE_YAML.replace('  a: { a: [192.0.2.1] }\n', '  c: { a: [192.0.2.3] }\n'));
    const [, other] = zonesOf(await loadZoneDirectoryOffThread(dir.dir, {}, served));
    assert.deepEqual(
      other.records.map((r) => r.name),
      ['c.other.example.test', 'b.other.example.test'],
    );
    assert.equal(other.records[1], served[1].records[1], 'b is kept');
  });

  it('reads everything again for zones it was not told about, or that moved to another file', async () => {
    const dir = await zoneDir();
    const served = zonesOf(await loadZoneDirectoryOffThread(dir.dir));
    const moved = await makeZoneDir({ 'gslb.example.test.yaml': TEST_ZONE_YAML, 'renamed.yaml': OTHER_ZONE_YAML });
    dirs.push(moved);
    const reloaded = zonesOf(await loadZoneDirectoryOffThread(moved.dir, {}, served));
    assert.notEqual(reloaded[1], served[1]);
    assert.equal(reloaded[1].file, `${moved.dir}/renamed.yaml`);
    // The zone moved, its records did not change: they are kept.
    assert.equal(reloaded[1].records[0], served[1].records[0]);
  });

  it('reports a file that fails, with the zone it declares, and sends the zones that loaded', async () => {
    const dir = await zoneDir();
    const served = zonesOf(await loadZoneDirectoryOffThread(dir.dir));
    await dir.write('other.example.test.yaml', OTHER_ZONE_YAML.replace('192.0.2.2', 'not-an-address'));
    const result = await loadZoneDirectoryOffThread(dir.dir, {}, served);
    assert.ok(!result.ok);
    assert.match(formatZoneIssue(result.issues[0]), /other\.example\.test\.yaml:6:/);
    assert.deepEqual(
      result.failed.map((f) => [f.zone, f.issues.length]),
      [['other.example.test', 1]],
    );
    assert.deepEqual(result.zones, [served[0]], 'the unchanged zone is the one served');
  });

  it('takes the GeoIP flag into the thread, and brings the client map back', async () => {
    const geoZone = `zone: geo.example.test
soa: { rname: hostmaster.example.test }
nameservers: { ns1.geo.example.test: [127.0.0.1] }
records:
  app:
    policy: geo
    targets: [{ address: 192.0.2.1, region: eu-west }, { address: 192.0.2.2, region: us-east }]
geo:
  clients: [{ countries: [DE], prefer: [eu-west] }, { subnets: [10.1.0.0/16], prefer: [us-east] }]
  default: [us-east, eu-west]
`;
    const dir = await makeZoneDir({ 'geo.example.test.yaml': geoZone });
    dirs.push(dir);
    const without = await loadZoneDirectoryOffThread(dir.dir);
    assert.deepEqual(without.issues.map(formatZoneIssue), [
      `${dir.dir}/geo.example.test.yaml:9:15: countries need a GeoIP database: start with --geoip-db FILE.mmdb`,
    ]);
    const zones = zonesOf(await loadZoneDirectoryOffThread(dir.dir, { hasGeoipDatabase: true }));
    assert.deepEqual(zones[0].geo, zonesOf(await loadZoneDirectory(dir.dir, { hasGeoipDatabase: true }))[0].geo);
    assert.deepEqual(zones[0].geo?.clients[1].subnets, [{ family: 4, bytes: [10, 1, 0, 0], prefix: 16, text: '10.1.0.0/16' }]);
  });
});
