// Loading zone files from disk: directories, paths, cross-file checks, and the bundled example zone.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadZoneDirectory, loadZonePaths } from '../../src/zone/load.js';
import { formatZoneIssue, type ZoneConfig, type ZoneLoadResult } from '../../src/zone/model.js';

// Compiled tests run from dist/test/unit: the repository root is three levels up.
const repoPath = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const fixtures = repoPath('test/fixtures/zones');
const validDir = join(fixtures, 'valid');
const twiceDir = join(fixtures, 'twice');
const emptyDir = join(fixtures, 'empty');
const brokenFile = join(fixtures, 'broken', 'bad.yaml');
const missing = join(fixtures, 'does-not-exist');

function zonesOf(result: ZoneLoadResult): readonly ZoneConfig[] {
  assert.ok(result.ok, result.ok ? '' : result.issues.map(formatZoneIssue).join('\n'));
  return result.zones;
}

function problemsOf(result: ZoneLoadResult): string[] {
  assert.equal(result.ok, false);
  return result.ok ? [] : result.issues.map(formatZoneIssue);
}

describe('loadZoneDirectory', () => {
  it('loads every *.yaml and *.yml file directly in the directory, in name order', async () => {
    const zones = zonesOf(await loadZoneDirectory(validDir));
    assert.deepEqual(
      zones.map((zone) => [zone.file, zone.zone]),
      [
        [join(validDir, 'alpha.example.yaml'), 'alpha.example'],
        [join(validDir, 'beta.example.yml'), 'beta.example'],
      ],
    );
    assert.equal(zones[1]?.soa.serial, 42);
  });

  it("reads a check's CA file relative to the zone file", async () => {
    const [alpha] = zonesOf(await loadZoneDirectory(validDir));
    const app = alpha?.records[0];
    assert.ok(app?.kind === 'balanced');
    const caFile = join(validDir, 'certs', 'ca.pem');
    assert.deepEqual(app.check?.tls, { insecureSkipVerify: false, caFile, caPem: await readFile(caFile, 'utf8') });
  });

  it('reports a directory that cannot be read', async () => {
    assert.deepEqual(problemsOf(await loadZoneDirectory(missing)), [`${missing}: cannot read the zone directory: no such file or directory`]);
    assert.deepEqual(problemsOf(await loadZoneDirectory(brokenFile)), [`${brokenFile}: cannot read the zone directory: not a directory`]);
  });

  it('reports a directory without zone files', async () => {
    assert.deepEqual(problemsOf(await loadZoneDirectory(emptyDir)), [`${emptyDir}: no zone policy files (*.yaml, *.yml) in this directory`]);
  });

  it('reports a zone declared in two files at the second zone key, with all other problems', async () => {
    assert.deepEqual(problemsOf(await loadZoneDirectory(twiceDir)), [
      `${join(twiceDir, 'b.yaml')}:2:1: zone 'twice.example' is already declared in ${join(twiceDir, 'a.yaml')}:1`,
      `${join(twiceDir, 'b.yaml')}:6:14: '192.0.2.300' is not an IPv4 address`,
    ]);
  });
});

describe('loadZoneDirectory with some files that do not load', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-zones-'));
    await writeFile(join(dir, 'a-good.yaml'), 'zone: good.test\nsoa: { rname: h.good.test }\nnameservers: { ns.example.net: [] }\n');
    await writeFile(join(dir, 'b-typo.yaml'), 'zone: typo.test\nsoa: { rname: h.typo.test }\nnameservers: { ns.example.net: [] }\nrecrods: {}\n');
    await writeFile(join(dir, 'c-yaml.yaml'), 'zone: [unclosed\n');
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('loads the valid files, and names each failed one with the zone it declares, when it got that far', async () => {
    const result = await loadZoneDirectory(dir);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.zones.map((zone) => zone.zone),
      ['good.test'],
    );
    assert.deepEqual(
      result.failed.map((f) => [f.file, f.zone, f.issues.length > 0]),
      [
        [join(dir, 'b-typo.yaml'), 'typo.test', true],
        [join(dir, 'c-yaml.yaml'), undefined, true],
      ],
    );
    assert.match(formatZoneIssue(result.failed[0].issues[0]), /b-typo\.yaml:4:1: unknown key 'recrods'/);
    assert.deepEqual(
      result.issues,
      result.failed.flatMap((f) => f.issues),
    );
  });

  it('fails the second file that declares a zone, and loads the first', async () => {
    const result = await loadZoneDirectory(twiceDir);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.zones.map((zone) => zone.file),
      [join(twiceDir, 'a.yaml')],
    );
    assert.deepEqual(
      result.failed.map((f) => [f.file, f.zone]),
      [[join(twiceDir, 'b.yaml'), 'twice.example']],
    );
  });

  it('names no failed file when the directory itself cannot be read: nothing was loaded', async () => {
    const result = await loadZoneDirectory(missing);
    assert.ok(!result.ok);
    assert.deepEqual([result.zones, result.failed], [[], []]);
  });
});

describe('out-of-zone name server addresses', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-zones-'));
    // a.test names a name server of b.test, with an address b.test does not give it.
    await writeFile(join(dir, 'a.yaml'), 'zone: a.test\nsoa: { rname: h.a.test }\nnameservers:\n  ns1.b.test: [192.0.2.1]\n');
    await writeFile(join(dir, 'b.yaml'), 'zone: b.test\nsoa: { rname: h.b.test }\nnameservers:\n  ns1.b.test: [192.0.2.2]\n');
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('loads the zones, ignores the addresses, and warns, comparing them with the zone served for the name', async () => {
    const result = await loadZoneDirectory(dir);
    assert.ok(result.ok, result.issues.map(formatZoneIssue).join('\n'));
    assert.deepEqual(
      result.zones.map((zone) => zone.nameservers),
      [[{ name: 'ns1.b.test', addresses: [] }], [{ name: 'ns1.b.test', addresses: ['192.0.2.2'] }]],
    );
    assert.deepEqual(result.issues.map(formatZoneIssue), [
      `${join(dir, 'a.yaml')}:4:15: warning: name server 'ns1.b.test' lies outside the zone, so its addresses are not data of this zone and are ignored; give it an empty list ([])`,
      `${join(dir, 'a.yaml')}:4:15: warning: name server 'ns1.b.test' is given 192.0.2.1 here, but zone b.test (${join(dir, 'b.yaml')}) answers 192.0.2.2 for it`,
    ]);
  });

  it('checks across the paths meridian validate is given', async () => {
    const result = await loadZonePaths([join(dir, 'a.yaml'), join(dir, 'b.yaml')]);
    assert.ok(result.ok);
    assert.equal(result.issues.length, 2);
  });
});

describe('loadZonePaths (meridian validate)', () => {
  it('loads a mix of files and directories, each file once', async () => {
    const alpha = join(validDir, 'alpha.example.yaml');
    const zones = zonesOf(await loadZonePaths([alpha, validDir, join(twiceDir, 'a.yaml')]));
    assert.deepEqual(
      zones.map((zone) => zone.zone),
      ['alpha.example', 'beta.example', 'twice.example'],
    );
  });

  it('reports every problem of every path, in the order the paths were given', async () => {
    assert.deepEqual(problemsOf(await loadZonePaths([validDir, brokenFile, missing, emptyDir, twiceDir])), [
      `${brokenFile}:5:68: weight must be greater than 0`,
      `${missing}: cannot read: no such file or directory`,
      `${emptyDir}: no zone policy files (*.yaml, *.yml) in this directory`,
      `${join(twiceDir, 'b.yaml')}:2:1: zone 'twice.example' is already declared in ${join(twiceDir, 'a.yaml')}:1`,
      `${join(twiceDir, 'b.yaml')}:6:14: '192.0.2.300' is not an IPv4 address`,
    ]);
  });

  it('accepts a file whatever its extension, and checks zones across the paths given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meridian-zones-'));
    try {
      const copy = join(dir, 'alpha.zone');
      await writeFile(copy, 'zone: ALPHA.example.\nsoa: { rname: h.alpha.example }\nnameservers: { ns.example.net: [] }\n');
      assert.deepEqual(problemsOf(await loadZonePaths([validDir, copy])), [
        `${copy}:1:1: zone 'alpha.example' is already declared in ${join(validDir, 'alpha.example.yaml')}:2`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports being given nothing', async () => {
    assert.deepEqual(problemsOf(await loadZonePaths([])), ['.: no zone policy files or directories given']);
  });
});

describe('zone files on disk', () => {
  let dir = '';
  const zoneText = (zone: string) => `zone: ${zone}\nsoa: { rname: h.example.com }\nnameservers: { ns.example.net: [] }\n`;

  before(async () => {
    // Shaped like a Kubernetes ConfigMap volume: the visible files are symbolic links into a hidden directory.
    dir = await mkdtemp(join(tmpdir(), 'meridian-zones-'));
    await mkdir(join(dir, '..2026_11_21_data'));
    await writeFile(join(dir, '..2026_11_21_data', 'linked.example.yaml'), zoneText('linked.example'));
    await symlink('..2026_11_21_data', join(dir, '..data'));
    await symlink(join('..data', 'linked.example.yaml'), join(dir, 'linked.example.yaml'));
    await mkdir(join(dir, 'looks-like-a-file.yaml'));
    await writeFile(join(dir, 'UPPER.YML'), zoneText('upper.example'));
    await writeFile(join(dir, 'latin1.yaml'), Buffer.from('zone: caf\xe9.example\n', 'latin1'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('follows symbolic links, skips directories and hidden entries, and rejects text that is not UTF-8', async () => {
    assert.deepEqual(problemsOf(await loadZoneDirectory(dir)), [`${join(dir, 'latin1.yaml')}: is not UTF-8 text`]);
    await rm(join(dir, 'latin1.yaml'));
    const zones = zonesOf(await loadZoneDirectory(dir));
    assert.deepEqual(
      zones.map((zone) => zone.zone),
      ['upper.example', 'linked.example'],
    );
  });
});

describe('the bundled example zone (zones/)', () => {
  const documentation = [/^192\.0\.2\./, /^198\.51\.100\./, /^203\.0\.113\./, /^2001:db8:/];
  const isDocumentationAddress = (address: string) => documentation.some((range) => range.test(address));

  // The quick start must never send probes off the machine: checked targets are loopback "ingresses" (the
  // demo's), every other address is a documentation address that nothing ever contacts.
  it('loads without a Kubernetes cluster; probes only loopback, and uses documentation addresses elsewhere', async () => {
    const [zone, ...others] = zonesOf(await loadZoneDirectory(repoPath('zones')));
    assert.ok(zone);
    assert.equal(others.length, 0);
    assert.equal(zone.zone, 'gslb.example.com');
    const probed: string[] = [];
    const unprobed = [
      ...zone.nameservers.flatMap((ns) => ns.addresses),
      ...zone.records.flatMap((record) => {
        if (record.kind === 'static') return [...record.a, ...record.aaaa];
        if (record.kind === 'cname') return [];
        const addresses = record.targets.flatMap((target) => {
          assert.equal(target.kind, 'static', `${record.name} has a cluster target`);
          return target.kind === 'static' ? target.addresses : [];
        });
        if (record.check !== undefined && record.check.protocol !== 'none') {
          probed.push(...addresses);
          return [];
        }
        return addresses;
      }),
    ];
    assert.ok(probed.length > 0);
    assert.deepEqual(
      probed.filter((address) => !address.startsWith('127.')),
      [],
    );
    assert.deepEqual(
      unprobed.filter((address) => !isDocumentationAddress(address)),
      [],
    );
  });

  it('shows off every kind of record', async () => {
    const [zone] = zonesOf(await loadZoneDirectory(repoPath('zones')));
    assert.ok(zone);
    const byName = new Map(zone.records.map((record) => [record.name.replace(/\.?gslb\.example\.com$/, '') || '@', record]));
    const app = byName.get('app');
    assert.ok(app?.kind === 'balanced' && app.policy === 'weighted' && app.targets.length > 1 && app.check?.protocol === 'http');
    const shop = byName.get('shop');
    assert.ok(shop?.kind === 'balanced' && shop.policy === 'failover');
    assert.ok(zone.records.some((record) => record.kind === 'balanced' && record.answers === 2));
    assert.deepEqual(byName.get('www'), { kind: 'cname', name: 'www.gslb.example.com', ttl: 60, target: 'app.gslb.example.com' });
    assert.ok(byName.get('api.eu'));
    const info = byName.get('info');
    assert.ok(info?.kind === 'static' && info.txt.length > 0);
    const statics = byName.get('static');
    assert.ok(statics?.kind === 'static' && statics.a.length > 0 && statics.aaaa.length > 0);
    assert.deepEqual(
      zone.nameservers.map((ns) => [ns.name, ns.addresses.length]),
      [
        ['ns1.gslb.example.com', 1],
        ['ns2.gslb.example.com', 2],
      ],
    );
  });

  it("has a 'big' TXT record whose answer does not fit in 1232 octets", async () => {
    const [zone] = zonesOf(await loadZoneDirectory(repoPath('zones')));
    const big = zone?.records.find((record) => record.name === 'big.gslb.example.com');
    assert.ok(big?.kind === 'static');
    assert.equal(big.txt.length, 8);
    // Each TXT record costs at least 12 octets (compressed owner, type, class, TTL, length) plus its text.
    const answerOctets = big.txt.reduce((sum, text) => sum + 12 + Math.ceil(text.length / 255) + text.length, 0);
    assert.ok(answerOctets > 1232, `${answerOctets} octets`);
  });

  it('starts with the yaml-language-server modeline pointing at the committed schema', async () => {
    const text = await readFile(repoPath('zones/gslb.example.com.yaml'), 'utf8');
    assert.equal(text.split('\n')[0], '# yaml-language-server: $schema=../docs/zone-policy.schema.json');
  });
});
