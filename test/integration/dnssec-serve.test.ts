// A signing server on loopback (issue 19): `serve --dnssec-keys` with keys from `meridian dnssec keygen`. /status,
// `meridian status` and /metrics show the keys and the time left on the earliest signature; DO=0 answers carry
// no signatures; a signed answer too large for UDP truncates and completes over TCP. A key directory that does not
// fit the zone (another zone's key under this zone's name, a private key that is garbage, no key at all) is a clear
// error for that zone, which answers SERVFAIL rather than unsigned answers.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { dig } from '../helpers/dig.js';
import { MERIDIAN_BIN, REPO_ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { BIG_TXT_STRINGS, makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';
import { freePort } from '../helpers/processes.js';
import type { StatusDocument } from '../../src/observability/status-document.js';

const run = promisify(execFile);
const ZONE = 'signed.example.test';

const zoneYaml = `zone: ${ZONE}
ttl: 60
soa: { rname: hostmaster.example.test, minimum: 30 }
nameservers: { ns1.${ZONE}: [127.0.0.1] }
dnssec: { validity: 48h, refresh: 12h }
records:
  www: { a: [192.0.2.1] }
  big:
    txt:
${BIG_TXT_STRINGS.map((s) => `      - "${s}"`).join('\n')}
`;

const keygen = async (zone: string, dir: string, ...flags: string[]) => run(process.execPath, [MERIDIAN_BIN, 'dnssec', 'keygen', zone, '--dir', dir, ...flags]);

describe('a signing server', () => {
  let keys: string;
  let zones: ZoneDir;
  let server: ServerProcess;

  before(async () => {
    keys = await mkdtemp(path.join(os.tmpdir(), 'meridian-keys-'));
    await keygen(ZONE, keys, '--ksk');
    await keygen(ZONE, keys, '--algorithm', 'ed25519');
    zones = await makeZoneDir({ 'zone.yaml': zoneYaml });
    server = await startServerProcess({ zonesDir: zones.dir, args: ['--no-rrl', '--dnssec-keys', keys] });
  });
  after(async () => {
    await server?.stop();
    await zones?.remove();
    if (keys !== undefined) await rm(keys, { recursive: true, force: true });
  });

  it('/status shows the keys by tag and algorithm, and when the earliest signature expires', async () => {
    const status = (await (await fetch(`http://127.0.0.1:${server.adminPort}/status`)).json()) as StatusDocument;
    const dnssec = status.zones[0].dnssec;
    assert.ok(dnssec, 'the zone is shown signed');
    assert.deepEqual(dnssec.keys.map((k) => `${k.algorithm} ${k.flags} ${k.signing}`).sort(), ['ECDSAP256SHA256 257 true', 'ED25519 256 true']);
    const files = (await readdir(keys)).filter((f) => f.endsWith('.key'));
    assert.deepEqual(dnssec.keys.map((k) => k.keyTag).sort(), files.map((f) => Number(/\+(\d{5})\.key$/.exec(f)![1])).sort());
    // validity 48h: made just now, so 48h less the moments since.
    assert.ok(dnssec.earliestExpirySeconds! > 47 * 3600 && dnssec.earliestExpirySeconds! <= 48 * 3600, String(dnssec.earliestExpirySeconds));
    const metrics = await (await fetch(`http://127.0.0.1:${server.adminPort}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith(`meridian_dnssec_signature_expiry_seconds{zone="${ZONE}"}`));
    assert.ok(line !== undefined && Number(line.split(' ').at(-1)) > 47 * 3600, line);
    const cli = await run(process.execPath, [MERIDIAN_BIN, 'status', '--admin', `http://127.0.0.1:${server.adminPort}`], { cwd: REPO_ROOT });
    assert.match(cli.stdout, /signed: keys \d+ (ECDSAP256SHA256 KSK|ED25519), \d+ (ECDSAP256SHA256 KSK|ED25519); earliest signature expires in /);
  });

  it('answers DO=0 without signatures, and DO=1 with them', async () => {
    const plain = await dig({ server: '127.0.0.1', port: server.port, name: `www.${ZONE}` });
    assert.deepEqual(plain.answer, [`www.${ZONE}. 60 IN A 192.0.2.1`]);
    const signed = await dig({ server: '127.0.0.1', port: server.port, name: `www.${ZONE}`, options: ['+dnssec'] });
    assert.equal(signed.answer.filter((l) => / RRSIG A 1[35] /.test(l)).length, 2, signed.answer.join('\n'));
    assert.match(signed.edns ?? '', /flags: do/);
  });

  it('a signed answer too large for UDP truncates, and completes over TCP', async () => {
    const udp = await dig({ server: '127.0.0.1', port: server.port, name: `big.${ZONE}`, type: 'TXT', options: ['+dnssec', '+ignore', '+bufsize=1232'] });
    assert.ok(udp.flags.includes('tc'), udp.raw);
    const retried = await dig({ server: '127.0.0.1', port: server.port, name: `big.${ZONE}`, type: 'TXT', options: ['+dnssec', '+bufsize=1232'] });
    assert.ok(retried.retriedOverTcp, retried.raw);
    assert.equal(retried.answer.filter((l) => / IN TXT /.test(l)).length, BIG_TXT_STRINGS.length);
    assert.equal(retried.answer.filter((l) => / RRSIG TXT /.test(l)).length, 2);
  });
});

describe('a key directory that does not fit the zone', () => {
  let dir: string;
  let zones: ZoneDir;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-badkeys-'));
    zones = await makeZoneDir({ 'zone.yaml': zoneYaml });
  });
  after(async () => {
    await zones?.remove();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** Starts a server on `keys` and returns the zone's load error and what a query gets. */
  const attempt = async (keys: string) => {
    const server = await startServerProcess({ zonesDir: zones.dir, args: ['--no-rrl', '--dnssec-keys', keys] });
    try {
      const line = await server.waitForLog((l) => l.msg.startsWith('zone policy invalid'));
      const reply = await dig({ server: '127.0.0.1', port: server.port, name: `www.${ZONE}`, options: ['+dnssec'] });
      return { issue: String(line.issue), status: reply.status, logs: JSON.stringify(server.logs) };
    } finally {
      await server.stop();
    }
  };

  it("another zone's key under this zone's name", async (t) => {
    const keys = path.join(dir, 'other');
    await run('mkdir', ['-p', keys]);
    await keygen('other.example.test', keys);
    for (const file of await readdir(keys)) await rename(path.join(keys, file), path.join(keys, file.replace('Kother.example.test.', `K${ZONE}.`)));
    const { issue, status } = await attempt(keys);
    t.diagnostic(issue);
    assert.match(issue, /zone\.yaml:5:1: no usable DNSSEC key: cannot use the DNSSEC key Ksigned\.example\.test\.\+013\+\d{5}\.key: .*other\.example\.test/);
    assert.equal(status, 'SERVFAIL');
  });

  it('a private key that is garbage, and its content never in the logs', async () => {
    const keys = path.join(dir, 'garbage');
    await run('mkdir', ['-p', keys]);
    await keygen(ZONE, keys);
    const secret = 'Z2FyYmFnZSBzZWNyZXQgbWF0ZXJpYWw=';
    for (const file of await readdir(keys))
      if (file.endsWith('.private'))
        await writeFile(path.join(keys, file), `Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${secret}\n`);
    const { issue, status, logs } = await attempt(keys);
    assert.match(issue, /no usable DNSSEC key: cannot use the DNSSEC key Ksigned\.example\.test\.\+013\+\d{5}\.key: /);
    assert.equal(status, 'SERVFAIL');
    assert.ok(!logs.includes(secret), 'the private key is never logged');
  });

  it('no key at all: the message says how to make one', async () => {
    const keys = path.join(dir, 'empty');
    await run('mkdir', ['-p', keys]);
    const { issue, status } = await attempt(keys);
    assert.match(issue, new RegExp(`no usable DNSSEC key: no key for ${ZONE} in .*empty \\(make one with: meridian dnssec keygen ${ZONE} --dir `));
    assert.equal(status, 'SERVFAIL');
  });
});

describe('a signing server with DNS workers', () => {
  let keys: string;
  let zones: ZoneDir;
  let server: ServerProcess;
  let anchor: string;
  before(async () => {
    keys = await mkdtemp(path.join(os.tmpdir(), 'meridian-keys-'));
    await keygen(ZONE, keys, '--ksk');
    const ds = (await run(process.execPath, [MERIDIAN_BIN, 'dnssec', 'ds', ZONE, '--dir', keys])).stdout.split('\n').find((l) => / DS /.test(l))!;
    const [tag, algorithm, digestType, digest] = ds.trim().split(/\s+/).slice(-4);
    anchor = path.join(keys, 'anchor.conf');
    await writeFile(anchor, `trust-anchors { ${ZONE}. static-ds ${tag} ${algorithm} ${digestType} "${digest}"; };\n`);
    zones = await makeZoneDir({ 'zone.yaml': zoneYaml });
    server = await startServerProcess({ zonesDir: zones.dir, port: await freePort(), args: ['--no-rrl', '--workers', '2', '--dnssec-keys', keys] });
  });
  after(async () => {
    await server?.stop();
    await zones?.remove();
    if (keys !== undefined) await rm(keys, { recursive: true, force: true });
  });

  it('every worker signs its answers: delv validates many queries, spread over both workers', async () => {
    // SO_REUSEPORT spreads queries by source port: each delv run comes from a new one.
    for (let i = 0; i < 6; i++) {
      const { stdout, stderr } = await run('delv', [
        '@127.0.0.1',
        '-p',
        String(server.port),
        '-a',
        anchor,
        `+root=${ZONE}`,
        i % 2 === 0 ? `www.${ZONE}` : `nope${i}.${ZONE}`,
        'A',
      ]).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
      assert.match(`${stdout}${stderr}`, /; (negative response, )?fully validated/, `${stdout}${stderr}`);
    }
  });
});
