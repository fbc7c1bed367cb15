// Hot reload of the zone directory on the real server process: a valid change is picked up, an invalid one is
// rejected with file:line:column while the last good answers keep being served, and SIGHUP forces a reload.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dig } from '../helpers/dig.js';
import { waitForValue } from '../helpers/dns-client.js';
import { buildQuery, decodeResponse } from '../helpers/dns-message.js';
import { startServerProcess, type LogLine, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, TEST_ZONE_YAML, type ZoneDir } from '../helpers/zone-files.js';

const FILE = 'gslb.example.test.yaml';

describe('zone hot reload', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  const shop = async () => (await dig({ server: server.host, port: server.port, name: 'shop.gslb.example.test' })).answer;
  const serial = async () => (await dig({ server: server.host, port: server.port, name: 'gslb.example.test', type: 'SOA' })).answer[0]?.split(' ')[6];
  /** Log lines after the ones already seen, so each step waits for its own reload. */
  const after_ = (count: number) => (predicate: (l: LogLine) => boolean) => (l: LogLine) => server.logs.indexOf(l) >= count && predicate(l);

  before(async () => {
    zones = await makeZoneDir();
    server = await startServerProcess({ zonesDir: zones.dir });
  });
  after(async () => {
    await server?.stop();
    await zones?.remove();
  });

  it('picks up a valid change, with a new SOA serial', async () => {
    assert.deepEqual(await shop(), ['shop.gslb.example.test. 15 IN A 192.0.2.30']);
    const before = await serial();
    const seen = server.logs.length;
    await zones.write(FILE, TEST_ZONE_YAML.replace('{ address: 192.0.2.30 }', '{ address: 192.0.2.31 }'));
    await server.waitForLog(after_(seen)((l) => l.msg === 'zones reloaded'));
    assert.deepEqual(await shop(), ['shop.gslb.example.test. 15 IN A 192.0.2.31']);
    assert.notEqual(await serial(), before);
  });

  it('rejects an invalid change with file:line:column and keeps serving the last good answers', async () => {
    const seen = server.logs.length;
    const broken = TEST_ZONE_YAML.replace('{ address: 192.0.2.30 }', '{ address: 192.0.2.300 }');
    await zones.write(FILE, broken);
    const line = await server.waitForLog(after_(seen)((l) => l.msg.startsWith('zone policy invalid')));
    const expectedLine = broken.split('\n').findIndex((l) => l.includes('192.0.2.300')) + 1;
    assert.match(String(line.issue), new RegExp(`${FILE.replace(/\./g, '\\.')}:${expectedLine}:\\d+: '192\\.0\\.2\\.300' is not an IPv4 or IPv6 address`));
    assert.equal(line.level, 'error');
    assert.deepEqual(await shop(), ['shop.gslb.example.test. 15 IN A 192.0.2.31']);

    const status = (await (await fetch(`http://127.0.0.1:${server.adminPort}/status`)).json()) as { lastReload: { ok: boolean; issues: string[] } };
    assert.equal(status.lastReload.ok, false);
    assert.match(status.lastReload.issues[0], /:\d+:\d+: /);
  });

  it('keeps serving when the zone file is deleted', async () => {
    const seen = server.logs.length;
    await rm(path.join(zones.dir, FILE));
    await server.waitForLog(after_(seen)((l) => l.msg.startsWith('zone policy invalid')));
    assert.deepEqual(await shop(), ['shop.gslb.example.test. 15 IN A 192.0.2.31']);
  });

  it('answers every query while reloads swap the table underneath', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const waiting = new Map<number, (answer: string) => void>();
    socket.on('message', (msg) => {
      const response = decodeResponse(msg);
      waiting.get(response.id)?.(`rcode ${response.rcode}: ${response.answer.join(' | ')}`);
    });
    // Each query is sent once and must be answered within 2 s: a dropped query fails the test.
    const ask = (id: number) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`query ${id} was not answered`)), 2_000);
        waiting.set(id, (answer) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(answer);
        });
        socket.send(buildQuery({ name: 'shop.gslb.example.test', type: 1, id }), server.port, server.host);
      });
    const versions = ['192.0.2.30', '192.0.2.32'];
    let stop = false;
    const answers: string[] = [];
    const querying = (async () => {
      for (let id = 1; !stop; id++) answers.push(await ask(id & 0xffff));
    })();
    for (let round = 0; round < 10; round++) {
      const seen = server.logs.length;
      await zones.write(FILE, TEST_ZONE_YAML.replace('{ address: 192.0.2.30 }', `{ address: ${versions[round % 2]} }`));
      await server.waitForLog(after_(seen)((l) => l.msg.startsWith('zones reloaded')));
    }
    stop = true;
    await querying;
    socket.close();
    assert.ok(answers.length > 10, `only ${answers.length} queries ran during the reloads`);
    for (const answer of answers) assert.match(answer, /^rcode 0: shop\.gslb\.example\.test\. 15 IN A 192\.0\.2\.3[012]$/); // .31 is what the previous test left serving
  });

  it('reloads on SIGHUP', async () => {
    const seen = server.logs.length;
    await zones.write(FILE, TEST_ZONE_YAML);
    await server.waitForLog(after_(seen)((l) => l.msg === 'zones reloaded'));
    assert.deepEqual(await shop(), ['shop.gslb.example.test. 15 IN A 192.0.2.30']);
    const beforeSignal = server.logs.length;
    server.child.kill('SIGHUP');
    const line = await server.waitForLog(after_(beforeSignal)((l) => l.msg.startsWith('zones reloaded') && String(l.reason).split(', ').includes('SIGHUP')));
    assert.equal(line.msg, 'zones reloaded, unchanged');
    assert.ok(server.alive());
  });
});

describe('zone hot reload through a git-sync style symlink', () => {
  it('follows the link to each new revision, not only the first', async () => {
    const { mkdtemp, mkdir, writeFile, symlink, rename } = await import('node:fs/promises');
    const os = await import('node:os');
    const root = await mkdtemp(path.join(os.tmpdir(), 'meridian-gitsync-'));
    // git-sync publishes a commit by writing a new worktree and atomically re-pointing the `current` link.
    const publish = async (revision: number) => {
      const worktree = path.join(root, `rev-${revision}`);
      await mkdir(path.join(worktree, 'zones'), { recursive: true });
      await writeFile(path.join(worktree, 'zones', FILE), TEST_ZONE_YAML.replace('{ address: 192.0.2.30 }', `{ address: 192.0.2.${100 + revision} }`));
      await symlink(worktree, path.join(root, 'current.tmp'));
      await rename(path.join(root, 'current.tmp'), path.join(root, 'current'));
    };
    await publish(1);
    const server = await startServerProcess({ zonesDir: path.join(root, 'current', 'zones') });
    try {
      const shop = async () => (await dig({ server: server.host, port: server.port, name: 'shop.gslb.example.test' })).answer.join();
      assert.match(await shop(), /192\.0\.2\.101$/);
      for (const revision of [2, 3, 4]) {
        await publish(revision);
        await waitForValue(shop, `shop.gslb.example.test. 15 IN A 192.0.2.${100 + revision}`, 10_000, 100);
      }
    } finally {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('a git-sync revision published while the server starts', () => {
  it('is served within 2 s, though the first read found the one before', async () => {
    const { mkdtemp, mkdir, writeFile, symlink } = await import('node:fs/promises');
    const { renameSync } = await import('node:fs');
    const os = await import('node:os');
    const root = await mkdtemp(path.join(os.tmpdir(), 'meridian-gitsync-'));
    for (const revision of [1, 2]) {
      await mkdir(path.join(root, `rev-${revision}`, 'zones'), { recursive: true });
      await writeFile(
        path.join(root, `rev-${revision}`, 'zones', FILE),
        TEST_ZONE_YAML.replace('{ address: 192.0.2.30 }', `{ address: 192.0.2.${100 + revision} }`),
      );
    }
    await symlink(path.join(root, 'rev-1'), path.join(root, 'current'));
    await symlink(path.join(root, 'rev-2'), path.join(root, 'current.tmp'));
    // The swap, one rename, is made the moment the server reports its first load: after the first read, while
    // it still opens its listeners. Synchronous, so that it happens within that window and not some ticks later.
    let swapped = false;
    const onLog = (line: LogLine) => {
      if (swapped || line.msg !== 'zones loaded') return;
      swapped = true;
      renameSync(path.join(root, 'current.tmp'), path.join(root, 'current'));
    };
    const server = await startServerProcess({ zonesDir: path.join(root, 'current', 'zones'), onLog });
    try {
      assert.ok(swapped);
      const shop = async () => (await dig({ server: server.host, port: server.port, name: 'shop.gslb.example.test' })).answer.join();
      await waitForValue(shop, 'shop.gslb.example.test. 15 IN A 192.0.2.102', 3_000, 50);
    } finally {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});

// One server for both: the unchanged reload first, since the second test removes the zone directory.
describe('reloads of the same files, then of a directory that is gone', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  before(async () => {
    zones = await makeZoneDir();
    server = await startServerProcess({ zonesDir: zones.dir });
  });
  after(async () => {
    await server?.stop();
    await zones?.remove();
  });

  it('keeps every answer: names, an empty non-terminal, NXDOMAIN', async () => {
    const ask = async (name: string, type = 'A') => {
      const r = await dig({ server: server.host, port: server.port, name, type });
      return `${r.status} ${r.answer.join(' | ')}`;
    };
    // Not app (or www, its alias): a weighted record draws its answer per query, so two asks may differ anyway.
    const names = [
      'shop.gslb.example.test',
      'info.gslb.example.test',
      'api.eu.gslb.example.test',
      'eu.gslb.example.test',
      'nope.gslb.example.test',
      'gslb.example.test',
    ];
    const askAll = () => Promise.all(names.map((n) => ask(n, n.startsWith('info.') ? 'TXT' : 'A')));
    const before_ = await askAll();
    assert.match(before_[3], /^NOERROR $/, 'eu.gslb.example.test is an empty non-terminal: NODATA');
    for (let i = 0; i < 2; i++) {
      const seen = server.logs.length;
      server.child.kill('SIGHUP');
      await server.waitForLog((l) => server.logs.indexOf(l) >= seen && l.msg === 'zones reloaded, unchanged');
    }
    assert.deepEqual(await askAll(), before_);
  });

  it('keeps serving the last good configuration, and says so in logs, /status and metrics', async () => {
    const admin = `http://127.0.0.1:${server.adminPort}`;
    const seen = server.logs.length;
    await rm(zones.dir, { recursive: true, force: true });
    server.child.kill('SIGHUP');
    const line = await server.waitForLog((l) => server.logs.indexOf(l) >= seen && l.msg.startsWith('zone policy invalid'));
    assert.equal(line.level, 'error');
    assert.match(String(line.issue), /ENOENT|no such file|cannot read/i);
    const answer = await dig({ server: server.host, port: server.port, name: 'shop.gslb.example.test' });
    assert.deepEqual(answer.answer, ['shop.gslb.example.test. 15 IN A 192.0.2.30']);
    const status = (await (await fetch(`${admin}/status`)).json()) as { lastReload: { ok: boolean; issues: string[] } };
    assert.equal(status.lastReload.ok, false);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    assert.ok(Number(/^meridian_zone_reloads_total\{result="invalid"\} (\S+)$/m.exec(metrics)?.[1]) >= 1, 'the invalid reload is counted');
    assert.equal((await fetch(`${admin}/healthz`)).status, 200);
  });
});

describe('a file change and a SIGHUP for it', () => {
  it('loads the change once: the watch sees that the SIGHUP reload already read it', async () => {
    const zones = await makeZoneDir();
    const server = await startServerProcess({ zonesDir: zones.dir });
    try {
      await server.waitForLog((l) => l.msg === 'watching the zone directory');
      const seen = server.logs.length;
      const since = (msg: string) => (l: LogLine) => server.logs.indexOf(l) >= seen && l.msg === msg;
      await zones.write('gslb.example.test.yaml', TEST_ZONE_YAML.replace('192.0.2.30', '192.0.2.31'));
      // The watch has seen the write before the signal is sent, as when a config reloader writes and signals.
      await server.waitForLog(since('zone directory changed; reloading once it settles'));
      server.child.kill('SIGHUP');
      await server.waitForLog(since('zones reloaded'));
      await server.waitForLog(since('zone files changed before the last reload read them; not reloading again'));
      assert.deepEqual(
        server.logs
          .slice(seen)
          .filter((l) => l.msg.startsWith('zones reloaded'))
          .map((l) => l.msg),
        ['zones reloaded'],
      );
      const answer = await dig({ server: server.host, port: server.port, name: 'shop.gslb.example.test' });
      assert.deepEqual(answer.answer, ['shop.gslb.example.test. 15 IN A 192.0.2.31']);
    } finally {
      await server.stop();
      await zones.remove();
    }
  });
});
