// The admin server's security: it binds to loopback unless told otherwise; reading (/metrics, /status) needs no
// token; a state-changing request needs the bearer token from --admin-token-file, and without that file such
// requests are refused outright. The token never reaches the logs.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MERIDIAN_BIN, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, TEST_ZONE_YAML, type ZoneDir } from '../helpers/zone-files.js';

const TOKEN = 'correct-horse-battery-staple-42';

describe('admin server security', () => {
  let zones: ZoneDir;
  let secrets: string;
  let withToken: ServerProcess;
  let withoutToken: ServerProcess;
  before(async () => {
    zones = await makeZoneDir();
    secrets = await mkdtemp(path.join(tmpdir(), 'meridian-token-'));
    await writeFile(path.join(secrets, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    withToken = await startServerProcess({ zonesDir: zones.dir, args: ['--admin-token-file', path.join(secrets, 'token')] });
    withoutToken = await startServerProcess({ zonesDir: zones.dir });
  });
  after(async () => {
    await withToken?.stop();
    await withoutToken?.stop();
    await zones?.remove();
    await rm(secrets, { recursive: true, force: true });
  });

  const post = (server: ServerProcess, route: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${server.adminPort}${route}`, { method: 'POST', headers });

  it('binds the admin server to loopback by default', () => {
    const help = spawnSync(process.execPath, [MERIDIAN_BIN, 'serve', '--help'], { encoding: 'utf8' }).stdout;
    assert.match(help, /--admin <addr:port> [^\n]*\(default: 127\.0\.0\.1:9153\)/);
  });

  it('serves /metrics and /status to anyone who can reach it, without a token', async () => {
    for (const route of ['/metrics', '/status', '/readyz', '/healthz']) {
      assert.equal((await fetch(`http://127.0.0.1:${withToken.adminPort}${route}`)).status, 200, route);
    }
  });

  it('refuses state-changing requests when no token file is configured', async () => {
    const response = await post(withoutToken, '/reload', { authorization: `Bearer ${TOKEN}` });
    assert.equal(response.status, 403);
    assert.match(((await response.json()) as { error: string }).error, /--admin-token-file/);
  });

  it('requires the bearer token: none and a wrong one get 401, the right one reloads', async () => {
    const none = await post(withToken, '/reload');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="meridian"');
    assert.equal((await post(withToken, '/reload', { authorization: 'Bearer wrong-token-of-some-length' })).status, 401);
    assert.equal((await post(withToken, '/reload', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })).status, 401);
    assert.equal((await fetch(`http://127.0.0.1:${withToken.adminPort}/reload`)).status, 405);

    await writeFile(path.join(zones.dir, 'gslb.example.test.yaml'), TEST_ZONE_YAML.replace('192.0.2.30', '192.0.2.31'));
    const ok = await post(withToken, '/reload', { authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    const outcome = (await ok.json()) as { ok: boolean; serials: Record<string, number> };
    assert.equal(outcome.ok, true);
    assert.ok(outcome.serials['gslb.example.test'] !== undefined);
  });

  it('never logs the token', () => {
    for (const server of [withToken, withoutToken]) assert.ok(!JSON.stringify(server.logs).includes(TOKEN));
  });

  it('will not start with an unreadable or too short token file', async () => {
    const missing = spawnSync(
      process.execPath,
      [MERIDIAN_BIN, 'serve', '--zones', zones.dir, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--admin-token-file', path.join(secrets, 'nope')],
      { encoding: 'utf8', timeout: 20_000 },
    );
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /MERIDIAN_ADMIN_TOKEN: cannot use the admin token file .*nope: ENOENT/);
    await writeFile(path.join(secrets, 'short'), 'abc\n');
    const short = spawnSync(
      process.execPath,
      [MERIDIAN_BIN, 'serve', '--zones', zones.dir, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--admin-token-file', path.join(secrets, 'short')],
      { encoding: 'utf8', timeout: 20_000 },
    );
    assert.equal(short.status, 1);
    assert.match(short.stderr, /at least 16 characters/);
  });
});
