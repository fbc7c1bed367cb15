// `meridian serve --workers 2`: two DNS worker processes share the port; probing happens once, in the primary,
// and every worker follows the same answers. A worker that dies is replaced while the other keeps answering.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it, type TestContext } from 'node:test';
import { dig } from '../helpers/dig.js';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { MERIDIAN_BIN, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { childPids, freePort } from '../helpers/processes.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';
import { fixtureZone } from '../helpers/fixture-zone.js';
import { silentLogger } from '../../src/base/logger.js';
import { WorkerPool } from '../../src/workers/pool.js';

const ZONE = 'gslb.example.test';

describe('meridian serve --workers 2', () => {
  let ingresses: HttpIngress[];
  let zones: ZoneDir;
  let server: ServerProcess;
  let clients: DnsClient[];

  /** Answers seen by many clients (many source ports, so the kernel spreads them over both workers). */
  const answers = async () => new Set(await Promise.all(clients.map((c) => c.addresses(`shop.${ZONE}`))));

  before(async () => {
    const first = await startHttpIngress({ host: '127.0.0.71' });
    ingresses = [first, await startHttpIngress({ host: '127.0.0.72', port: first.port })];
    zones = await makeZoneDir({
      'zone.yaml': `zone: ${ZONE}
soa: { rname: hostmaster.example.test }
nameservers: { ns1.${ZONE}: [127.0.0.1] }
geo:
  clients: [ { subnets: [127.0.0.0/8], prefer: [local] } ]
  default: [local, far]
records:
  shop:
    policy: failover
    check: { protocol: http, port: ${first.port}, path: /healthz, interval: 1s, timeout: 1s, fall: 1, rise: 1 }
    targets: [ { address: 127.0.0.71 }, { address: 127.0.0.72 } ]
  near:
    policy: geo
    targets: [ { address: 192.0.2.71, region: local }, { address: 192.0.2.72, region: far } ]
`,
    });
    server = await startServerProcess({ zonesDir: zones.dir, port: await freePort(), args: ['--workers', '2'] });
    clients = await Promise.all(Array.from({ length: 16 }, () => dnsClient({ host: server.host, port: server.port })));
    await waitForValue(async () => (await fetch(`http://127.0.0.1:${server.adminPort}/readyz`)).status, 200, 10_000);
  });
  after(async () => {
    for (const client of clients ?? []) client.close();
    await server?.stop();
    for (const ingress of ingresses ?? []) await ingress.close();
    await zones?.remove();
  });

  it('runs two workers that answer on UDP and TCP', async () => {
    assert.equal(childPids(server.child.pid!).length, 2);
    assert.deepEqual([...(await answers())], ['127.0.0.71']);
    const tcp = await dig({ server: server.host, port: server.port, name: `shop.${ZONE}`, options: ['+tcp'] });
    assert.deepEqual(
      tcp.answer.map((a) => a.split(' ').at(-1)),
      ['127.0.0.71'],
    );
  });

  it('probes once, in the primary, not once per worker', async () => {
    const before = ingresses[0].requests.length;
    const started = performance.now();
    await waitForValue(() => ingresses[0].requests.length >= before + 3, true, 10_000, 50);
    const perSecond = (ingresses[0].requests.length - before) / ((performance.now() - started) / 1000);
    // One prober at a 1 s interval: about one probe a second (three workers probing would make three).
    assert.ok(perSecond < 1.6, `${perSecond.toFixed(2)} probes per second`);
  });

  it('every worker follows a failover', async (t: TestContext) => {
    await ingresses[0].kill();
    const ms = await waitForValue(async () => [...(await answers())].join(), '127.0.0.72', 8_000, 20);
    t.diagnostic(`all 16 clients saw the failover after ${Math.round(ms)} ms`);
    await ingresses[0].revive();
    await waitForValue(async () => [...(await answers())].join(), '127.0.0.71', 8_000, 20);
  });

  it('replaces a worker that dies, while the other keeps answering', async () => {
    const [victim] = childPids(server.child.pid!);
    process.kill(victim, 'SIGKILL');
    // Queries keep being answered throughout (each client retries on its own timeout, like a resolver).
    for (let i = 0; i < 20; i++) {
      const seen = await Promise.all(clients.map((c) => c.addresses(`shop.${ZONE}`).catch(() => c.addresses(`shop.${ZONE}`))));
      assert.ok(
        seen.every((a) => a === '127.0.0.71'),
        `answers ${seen.join(',')}`,
      );
    }
    await waitForValue(
      () => {
        const pids = childPids(server.child.pid!);
        return pids.length === 2 && !pids.includes(victim);
      },
      true,
      10_000,
    );
    await waitForValue(async () => (await fetch(`http://127.0.0.1:${server.adminPort}/readyz`)).status, 200, 10_000);
  });

  it('counts every worker’s queries in the primary’s /metrics', async () => {
    await waitForValue(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${server.adminPort}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith(`meridian_dns_queries_total{zone="${ZONE}",qtype="A",rcode="NOERROR",transport="udp"}`));
        return Number(line?.split(' ').at(-1) ?? 0) > 0;
      },
      true,
      5_000,
    );
  });

  it('counts every worker’s geo answers by region in the primary’s /metrics', async () => {
    // 16 clients on as many source ports, spread by the kernel over both workers: the sum must reach 16.
    assert.deepEqual(new Set(await Promise.all(clients.map((c) => c.addresses(`near.${ZONE}`)))), new Set(['192.0.2.71']));
    await waitForValue(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${server.adminPort}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith(`meridian_geo_answers_total{zone="${ZONE}",record="near.${ZONE}",region="local"}`));
        return Number(line?.split(' ').at(-1) ?? 0);
      },
      16,
      5_000,
    );
  });
});

describe('meridian serve --workers, a second server on the same address', () => {
  let zones: ZoneDir;
  let otherZones: ZoneDir;
  let first: ServerProcess;

  before(async () => {
    zones = await makeZoneDir({ 'zone.yaml': oneRecordZone(ZONE) });
    // The second server serves another zone: a query it took would be answered REFUSED.
    otherZones = await makeZoneDir({ 'zone.yaml': oneRecordZone('other.example.test') });
    first = await startServerProcess({ zonesDir: zones.dir, port: await freePort(), args: ['--workers', '3'] });
    await waitForValue(async () => (await fetch(`http://127.0.0.1:${first.adminPort}/readyz`)).status, 200, 10_000);
  });
  after(async () => {
    await first?.stop();
    await zones?.remove();
    await otherZones?.remove();
  });

  it('fails with MERIDIAN_LISTEN_FAILED, and the first server keeps every query', async () => {
    // SO_REUSEPORT would let the second server's workers join the first's sockets and take a share of the queries.
    const second = spawn(
      process.execPath,
      [MERIDIAN_BIN, 'serve', '--zones', otherZones.dir, '--listen', `${first.host}:${first.port}`, '--no-admin', '--workers', '2'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    const outcome = await new Promise<number | null | 'listening'>((resolve) => {
      second.once('exit', (code) => resolve(code));
      second.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('"msg":"listening"')) resolve('listening');
      });
    });
    // Fresh clients (new source ports), so that the kernel's spread over a shared port would show.
    const rcodes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const c = await dnsClient({ host: first.host, port: first.port });
      try {
        rcodes.push((await c.query(`www.${ZONE}`)).rcode);
      } finally {
        c.close();
      }
    }
    if (outcome === 'listening') {
      second.kill('SIGKILL');
      await once(second, 'exit');
    }
    assert.notEqual(outcome, 'listening', `the second server started; the first answered ${rcodes.filter((r) => r === 0).length} of 30 queries`);
    assert.equal(outcome, 1);
    assert.match(stderr, new RegExp(`MERIDIAN_LISTEN_FAILED: cannot listen for .* on 127\\.0\\.0\\.1:${first.port}`));
    assert.ok(first.alive());
    assert.deepEqual(rcodes, Array(30).fill(0));
  });
});

describe('meridian serve --workers 2, one zone file that fails to load', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  before(async () => {
    zones = await makeZoneDir({ 'good.yaml': oneRecordZone(ZONE), 'bad.yaml': oneRecordZone('bad.example.test').replace('www: {', 'www: { aa: [127.0.0.1],') });
    server = await startServerProcess({ zonesDir: zones.dir, port: await freePort(), args: ['--workers', '2'] });
  });
  after(async () => {
    await server?.stop();
    await zones?.remove();
  });

  it('every worker answers the good zone and SERVFAIL for the broken one', async () => {
    // Fresh clients (new source ports), so that the kernel spreads the queries over both workers.
    const rcodes: Array<[number, number]> = [];
    for (let i = 0; i < 16; i++) {
      const c = await dnsClient({ host: server.host, port: server.port });
      try {
        rcodes.push([(await c.query(`www.${ZONE}`)).rcode, (await c.query('www.bad.example.test')).rcode]);
      } finally {
        c.close();
      }
    }
    assert.deepEqual(rcodes, Array(16).fill([0, 2]));
    await waitForValue(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${server.adminPort}/metrics`)).text();
        const line = text
          .split('\n')
          .find((l) => l.startsWith('meridian_dns_queries_total{zone="bad.example.test",qtype="A",rcode="SERVFAIL",transport="udp"}'));
        return Number(line?.split(' ').at(-1) ?? 0);
      },
      16,
      5_000,
    );
  });
});

describe('WorkerPool: the zones answered SERVFAIL reach the worker', () => {
  // One worker: this runs where TCP SO_REUSEPORT (Node 22.12+) is missing, unlike the --workers 2 cases.
  let pool: WorkerPool;
  let client: DnsClient;
  before(async () => {
    pool = await WorkerPool.start({ count: 1, endpoints: [{ host: '127.0.0.1', port: await freePort() }], logLevel: 'error', logger: silentLogger });
    client = await dnsClient(pool.endpoints[0]);
  });
  after(async () => {
    client?.close();
    await pool?.stop();
  });

  it('answers SERVFAIL for a failed zone sent with the zone set, and stops once it is sent without it', async () => {
    pool.sendZones([fixtureZone], new Map(), ['broken.example.test']);
    await waitForValue(async () => (await client.query('www.broken.example.test')).rcode, 2, 5_000);
    assert.equal((await client.query('info.gslb.example.com', 16)).rcode, 0);
    pool.sendZones([fixtureZone], new Map(), []);
    await waitForValue(async () => (await client.query('www.broken.example.test')).rcode, 5, 5_000);
  });
});

function oneRecordZone(zone: string): string {
  return `zone: ${zone}
soa: { rname: hostmaster.example.test }
nameservers: { ns1.${zone}: [127.0.0.1] }
records:
  www: { a: [127.0.0.71] }
`;
}
