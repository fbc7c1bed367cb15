// The `meridian` command as a zone repository's CI job and an operator use it: exit codes and messages.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MERIDIAN_BIN, REPO_ROOT } from '../helpers/server-process.js';
import { makeZoneDir, TEST_ZONE_YAML, type ZoneDir } from '../helpers/zone-files.js';

const exec = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function meridian(args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [MERIDIAN_BIN, ...args], { cwd: REPO_ROOT, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('meridian validate', () => {
  let good: ZoneDir;
  let bad: ZoneDir;
  before(async () => {
    good = await makeZoneDir();
    bad = await makeZoneDir({
      'bad.yaml': TEST_ZONE_YAML.replace('weight: 3', 'weight: 0').replace(
        '{ cname: app.gslb.example.test }',
        '{ cname: app.gslb.example.test, a: [192.0.2.1] }',
      ),
    });
  });
  after(async () => {
    await good.remove();
    await bad.remove();
  });

  it('exits 0 for valid zones, and says what it checked', async () => {
    const run = await meridian(['validate', good.dir, 'zones/gslb.example.com.yaml']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^ok .*gslb\.example\.test\.yaml: zone gslb\.example\.test, 6 records, serial \d+$/m);
    assert.match(run.stdout, /^ok zones\/gslb\.example\.com\.yaml: zone gslb\.example\.com/m);
  });

  it('exits non-zero and prints every problem as file:line:column', async () => {
    const run = await meridian(['validate', bad.dir]);
    assert.equal(run.code, 1);
    const lines = run.stderr.trim().split('\n');
    assert.match(lines[0], /bad\.yaml:11:\d+: weight must be greater than 0$/);
    assert.match(lines[1], /bad\.yaml:17:\d+: a CNAME cannot stand beside other data/);
    assert.equal(lines.at(-1), '2 problems found');
  });

  it('prints warnings and exits 0, or non-zero with --strict', async () => {
    const warned = await makeZoneDir({
      'gslb.example.test.yaml': TEST_ZONE_YAML.replace('nameservers:\n', 'nameservers:\n  ns.other.example: [192.0.2.53]\n'),
    });
    try {
      const run = await meridian(['validate', warned.dir]);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.match(
        lines[0],
        /gslb\.example\.test\.yaml:5:21: warning: name server 'ns\.other\.example' lies outside the zone, so its addresses are not data of this zone and are ignored/,
      );
      assert.equal(lines.at(-1), '1 warning (with --strict, warnings fail validation)');
      assert.match(run.stdout, /^ok .*gslb\.example\.test\.yaml: zone gslb\.example\.test/m);

      const strict = await meridian(['validate', '--strict', warned.dir]);
      assert.equal(strict.code, 1);
      assert.match(strict.stderr, /:5:21: warning: name server 'ns\.other\.example' lies outside the zone/);
      assert.equal(strict.stderr.trim().split('\n').at(-1), '1 problem found (warnings count with --strict)');
      assert.equal(strict.stdout, '');
    } finally {
      await warned.remove();
    }
  });

  it('validates the bundled example', async () => {
    const run = await meridian(['validate', 'zones']);
    assert.equal(run.code, 0, run.stderr);
  });

  it('prints for the bundled example what docs/zone-policy.md shows it printing', async () => {
    // The serial is derived from the zone's content, so the documented example goes stale with every change of it.
    const run = await meridian(['validate', 'zones/']);
    assert.equal(run.code, 0, run.stderr);
    const doc = await readFile(new URL('docs/zone-policy.md', `file://${REPO_ROOT}/`), 'utf8');
    const shown = /\$ meridian validate zones\/\n(ok [^\n]+)\n/.exec(doc);
    assert.ok(shown, 'docs/zone-policy.md shows a validate run');
    assert.equal(run.stdout.trim(), shown[1]);
  });
});

describe('meridian serve, failing to start', () => {
  it('exits non-zero with a clear message when the zones are invalid, with --strict', async () => {
    // Without --strict it serves the zones that load (none here) and answers SERVFAIL for this one:
    // test/integration/zone-load-failure.test.ts.
    const bad = await makeZoneDir({ 'bad.yaml': 'zone: gslb.example.test\nrecords: {}\n' });
    try {
      const run = await meridian(['serve', '--strict', '--zones', bad.dir, '--listen', '127.0.0.1:0', '--no-admin']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /MERIDIAN_ZONES_INVALID: \d+ problems? in the zone policy files:\n.*bad\.yaml:\d+:\d+: /);
    } finally {
      await bad.remove();
    }
  });

  it('exits non-zero with a clear message when the port is taken', async () => {
    const zones = await makeZoneDir();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const run = await meridian(['serve', '--zones', zones.dir, '--listen', `127.0.0.1:${port}`, '--no-admin']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, new RegExp(`MERIDIAN_LISTEN_FAILED: cannot listen for TCP on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
    } finally {
      blocker.close();
      await zones.remove();
    }
  });

  it('refuses peers without a shared token, before it serves anything', async () => {
    const zones = await makeZoneDir();
    try {
      const run = await meridian(['serve', '--zones', zones.dir, '--listen', '127.0.0.1:0', '--no-admin', '--peer', 'b=http://127.0.0.1:7853']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^meridian: MERIDIAN_PEER_TOKEN_REQUIRED: peers are configured but no --peer-token-file/);
    } finally {
      await zones.remove();
    }
  });

  it('rejects a malformed --listen value', async () => {
    const run = await meridian(['serve', '--listen', 'localhost']);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /'localhost' is not ADDR:PORT/);
  });
});

describe('meridian, argument errors and help', () => {
  // An operator who mistypes one flag wants the error and where to look, not 40 lines of help to scroll past.
  const badArguments: Array<{ name: string; args: string[]; error: RegExp }> = [
    { name: 'a malformed --workers value', args: ['serve', '--workers', 'x'], error: /'x' is not a whole number/ },
    { name: 'an unknown option', args: ['serve', '--bogus'], error: /unknown option '--bogus'/ },
    { name: 'an unknown command', args: ['bogus'], error: /unknown command 'bogus'/ },
  ];
  for (const { name, args, error } of badArguments) {
    it(`prints the error and a one-line hint for ${name}`, async () => {
      const run = await meridian(args);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, error);
      assert.doesNotMatch(run.stderr, /Usage:/);
      assert.match(run.stderr, /--help/);
      assert.ok(run.stderr.trim().split('\n').length <= 3, `stderr is short:\n${run.stderr}`);
    });
  }

  it('shows duration defaults as durations, the way the README writes them', async () => {
    const run = await meridian(['serve', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--cluster-sync-timeout <duration>[\s\S]*?\(default: 30s\)/);
    assert.match(run.stdout, /--drain-delay <duration>[\s\S]*?\(default: 5s\)/);
    assert.match(run.stdout, /--drain-timeout <duration>[\s\S]*?\(default: 10s\)/);
    assert.doesNotMatch(run.stdout, /default: (30000|5000|10000)\)/);
  });
});
