// One zone file that does not load must not take the other zones down (issue 15): `meridian serve` serves every
// valid zone, answers SERVFAIL for the broken one, and reports the file:line:column in the log, /status and a
// metric, staying ready. A reload that breaks a served zone keeps its last good revision. `--strict` keeps the
// old fail-fast behaviour.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { MERIDIAN_BIN } from '../helpers/server-process.js';
import { startServerProcess, type LogLine, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, TEST_ZONE_YAML, type ZoneDir } from '../helpers/zone-files.js';

const exec = promisify(execFile);
const GOOD = 'gslb.example.test.yaml';
const BAD = 'bad.example.test.yaml';
const BAD_ZONE = TEST_ZONE_YAML.replaceAll('gslb.example.test', 'bad.example.test');
/** A typo: an unknown key, which makes the whole file invalid. */
const TYPO = BAD_ZONE.replace('weight: 3', 'wieght: 3');
const TYPO_LINE = TYPO.split('\n').findIndex((line) => line.includes('wieght')) + 1;
const TYPO_COLUMN = TYPO.split('\n')[TYPO_LINE - 1].indexOf('wieght') + 1;
const SERVFAIL = 2;
const DEADLINE_MS = 5_000;

interface FailedFileView {
  file: string;
  zone?: string;
  serving: string;
  serial?: number;
  issues: string[];
}

async function adminJson<T>(server: ServerProcess, route: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${server.adminPort}${route}`)).json()) as T;
}

async function metricsText(server: ServerProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${server.adminPort}/metrics`)).text();
}

async function readyStatus(server: ServerProcess): Promise<number> {
  return (await fetch(`http://127.0.0.1:${server.adminPort}/readyz`)).status;
}

/** A server on these zone files for the tests of one describe block, stopped and removed after them. */
function serveZoneFiles(files: Record<string, string>): { readonly zones: ZoneDir; readonly server: ServerProcess; readonly dns: DnsClient } {
  const served: { zones?: ZoneDir; server?: ServerProcess; dns?: DnsClient } = {};
  before(async () => {
    served.zones = await makeZoneDir(files);
    served.server = await startServerProcess({ zonesDir: served.zones.dir });
    served.dns = await dnsClient(served.server);
  });
  after(async () => {
    served.dns?.close();
    await served.server?.stop();
    await served.zones?.remove();
  });
  return {
    get zones() {
      return served.zones!;
    },
    get server() {
      return served.server!;
    },
    get dns() {
      return served.dns!;
    },
  };
}

describe('serve with one zone file that fails to load', () => {
  const served = serveZoneFiles({ [GOOD]: TEST_ZONE_YAML, [BAD]: TYPO });

  it('serves the valid zone and answers SERVFAIL for names of the broken one', async () => {
    assert.equal(await served.dns.addresses('shop.gslb.example.test'), '192.0.2.30');
    for (const name of ['bad.example.test', 'shop.bad.example.test', 'nothing.bad.example.test']) {
      const response = await served.dns.query(name);
      assert.equal(response.rcode, SERVFAIL, name);
      assert.equal(response.flags.aa, false, `${name}: SERVFAIL is not authoritative`);
    }
  });

  it('logs the problem with file:line:column and the zone it leaves unanswered', async () => {
    const line = await served.server.waitForLog((l: LogLine) => l.msg.startsWith('zone policy invalid') && l.file === path.join(served.zones.dir, BAD));
    assert.equal(line.level, 'error');
    assert.equal(line.zone, 'bad.example.test');
    assert.match(String(line.issue), new RegExp(`${BAD.replace(/\./g, '\\.')}:${TYPO_LINE}:${TYPO_COLUMN}: unknown key 'wieght'`));
    assert.match(line.msg, /SERVFAIL/);
  });

  it('lists the failed file in /status, counts it in a metric, and stays ready', async () => {
    const status = await adminJson<{ failedZoneFiles: FailedFileView[]; zones: Array<{ zone: string }> }>(served.server, '/status');
    assert.deepEqual(
      status.zones.map((z) => z.zone),
      ['gslb.example.test'],
    );
    assert.equal(status.failedZoneFiles.length, 1);
    const failed = status.failedZoneFiles[0];
    assert.equal(failed.file, path.join(served.zones.dir, BAD));
    assert.equal(failed.zone, 'bad.example.test');
    assert.equal(failed.serving, 'servfail');
    assert.match(failed.issues[0], new RegExp(`:${TYPO_LINE}:${TYPO_COLUMN}: unknown key 'wieght'`));

    const metrics = await metricsText(served.server);
    assert.ok(
      metrics.includes(`meridian_zone_load_failed{file="${path.join(served.zones.dir, BAD)}",zone="bad.example.test",serving="servfail"} 1`),
      metrics
        .split('\n')
        .filter((l) => l.includes('zone_load'))
        .join('\n'),
    );

    await waitForValue(() => readyStatus(served.server), 200, 10_000);
  });
});

describe('serve with every zone file failing to load', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  before(async () => {
    zones = await makeZoneDir({ [BAD]: TYPO });
    server = await startServerProcess({ zonesDir: zones.dir });
  });
  after(async () => {
    await server?.stop();
    await zones?.remove();
  });

  it('runs, answers SERVFAIL, and is not ready: there is no zone to serve', async () => {
    const dns = await dnsClient(server);
    try {
      assert.equal((await dns.query('shop.bad.example.test')).rcode, SERVFAIL);
    } finally {
      dns.close();
    }
    assert.equal(await readyStatus(server), 503);
    const status = await adminJson<{ ready: boolean; failedZoneFiles: FailedFileView[] }>(server, '/status');
    assert.equal(status.ready, false);
    assert.equal(status.failedZoneFiles.length, 1);
  });
});

describe('serve --strict with one zone file that fails to load', () => {
  it('exits with MERIDIAN_ZONES_INVALID and serves nothing, as before', async () => {
    const zones = await makeZoneDir({ [GOOD]: TEST_ZONE_YAML, [BAD]: TYPO });
    try {
      const run = await exec(process.execPath, [MERIDIAN_BIN, 'serve', '--strict', '--zones', zones.dir, '--listen', '127.0.0.1:0', '--no-admin'], {
        timeout: 20_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
      );
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        new RegExp(
          `MERIDIAN_ZONES_INVALID: 1 problem in the zone policy files:\\n.*${BAD.replace(/\./g, '\\.')}:${TYPO_LINE}:${TYPO_COLUMN}: unknown key 'wieght'`,
        ),
      );
    } finally {
      await zones.remove();
    }
  });
});

describe('reload that breaks one zone file of several', () => {
  const served = serveZoneFiles({ [GOOD]: TEST_ZONE_YAML, [BAD]: BAD_ZONE });
  const seenAfter = (count: number, predicate: (l: LogLine) => boolean) => (l: LogLine) => served.server.logs.indexOf(l) >= count && predicate(l);

  it('keeps serving the last good revision of the broken file, says so, and serves it again once fixed', async () => {
    assert.equal(await served.dns.addresses('shop.bad.example.test'), '192.0.2.30');
    const goodChange = TEST_ZONE_YAML.replace('{ address: 192.0.2.30 }', '{ address: 192.0.2.31 }');

    let seen = served.server.logs.length;
    await served.zones.write(BAD, TYPO);
    await served.zones.write(GOOD, goodChange);
    const logged = await served.server.waitForLog(
      seenAfter(seen, (l) => l.msg.startsWith('zone policy invalid') && l.file === path.join(served.zones.dir, BAD)),
    );
    assert.match(logged.msg, /last good revision/);
    // The valid change of the other file is applied in the same reload.
    await waitForValue(() => served.dns.addresses('shop.gslb.example.test'), '192.0.2.31', DEADLINE_MS);
    assert.equal(await served.dns.addresses('shop.bad.example.test'), '192.0.2.30', 'the last good revision still answers');

    const status = await adminJson<{ failedZoneFiles: FailedFileView[]; lastReload: { ok: boolean; issues: string[] } }>(served.server, '/status');
    assert.equal(status.failedZoneFiles[0]?.serving, 'last-good');
    assert.equal(typeof status.failedZoneFiles[0]?.serial, 'number');
    assert.equal(status.lastReload.ok, false);
    assert.match(status.lastReload.issues[0], new RegExp(`:${TYPO_LINE}:${TYPO_COLUMN}: unknown key 'wieght'`));
    assert.match(
      await metricsText(served.server),
      /meridian_zone_load_failed\{file="[^"]*bad\.example\.test\.yaml",zone="bad\.example\.test",serving="last-good"\} 1/,
    );

    seen = served.server.logs.length;
    await served.zones.write(BAD, BAD_ZONE.replace('{ address: 192.0.2.30 }', '{ address: 192.0.2.32 }'));
    await served.server.waitForLog(seenAfter(seen, (l) => l.msg === 'zones reloaded'));
    assert.equal(await served.dns.addresses('shop.bad.example.test'), '192.0.2.32');
    const fixed = await adminJson<{ failedZoneFiles: FailedFileView[] }>(served.server, '/status');
    assert.deepEqual(fixed.failedZoneFiles, []);
    assert.doesNotMatch(await metricsText(served.server), /meridian_zone_load_failed\{/);
  });
});
