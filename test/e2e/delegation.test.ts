// Delegation end to end, with real software from Debian:
//
//   Unbound (127.0.53.4)  ──stub──►  Knot, parent zone example.test (127.0.53.1)
//        │                            └─ gslb NS ns1/ns2.gslb.example.test, glue 127.0.53.2 / 127.0.53.3
//        └──── follows the delegation ──►  two `meridian serve` processes on 127.0.53.2:53 and 127.0.53.3:53
//                                          probing test ingresses on 127.0.53.21–.24
//
// Resolvers contact name servers on port 53 at their glue addresses, so Knot, Meridian and Unbound bind port 53
// on loopback addresses of their own: this test needs root, as CI has.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dig } from '../helpers/dig.js';
import { startKnot, startUnbound, type Daemon, type Unbound } from '../helpers/dns-daemons.js';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { BIG_TXT_STRINGS, makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const PARENT = '127.0.53.1';
const NS1 = '127.0.53.2';
const NS2 = '127.0.53.3';
const RESOLVER = '127.0.53.4';
const NEGATIVE_TTL = 3;

const PARENT_ZONE = `$ORIGIN example.test.
$TTL 300
@        SOA  ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@        NS   ns.example.test.
ns       A    ${PARENT}
; The delegation of gslb.example.test to Meridian, with glue.
gslb     NS   ns1.gslb.example.test.
gslb     NS   ns2.gslb.example.test.
ns1.gslb A    ${NS1}
ns2.gslb A    ${NS2}
`;

function meridianZone(port: number): string {
  return `zone: gslb.example.test
ttl: 30
soa: { rname: hostmaster.example.test, minimum: ${NEGATIVE_TTL} }
nameservers:
  ns1.gslb.example.test: [${NS1}]
  ns2.gslb.example.test: [${NS2}]
records:
  app:
    policy: weighted
    ttl: 1
    check: { protocol: http, port: ${port}, path: /healthz, interval: 1s, timeout: 1s }
    targets: [ { address: 127.0.53.21, weight: 3 }, { address: 127.0.53.22, weight: 1 } ]
  shop:
    policy: failover
    ttl: 2
    check: { protocol: http, port: ${port}, path: /healthz, interval: 1s, timeout: 1s, fall: 1 }
    targets: [ { address: 127.0.53.23 }, { address: 127.0.53.24 } ]
  big:
    txt:
${BIG_TXT_STRINGS.map((s) => `      - "${s}"`).join('\n')}
`;
}

const isRoot = process.getuid?.() === 0;

describe(
  'delegation from a real parent zone through a real resolver',
  { skip: isRoot ? false : 'needs root to bind port 53 on loopback (CI runs as root)' },
  () => {
    let ingresses: HttpIngress[] = [];
    let zones: ZoneDir;
    let knot: Daemon;
    let meridians: ServerProcess[] = [];
    let unbound: Unbound;
    let resolver: DnsClient;

    /** Queries Meridian answered, summed over both instances, from their /metrics. */
    const answered = async (rcode: string, transport = 'udp', qtype?: string) => {
      let total = 0;
      for (const meridian of meridians) {
        const text = await (await fetch(`http://127.0.0.1:${meridian.adminPort}/metrics`)).text();
        for (const line of text.split('\n')) {
          if (!line.startsWith('meridian_dns_queries_total{')) continue;
          if (!line.includes(`rcode="${rcode}"`) || !line.includes(`transport="${transport}"`)) continue;
          if (qtype !== undefined && !line.includes(`qtype="${qtype}"`)) continue;
          total += Number(line.split(' ').at(-1));
        }
      }
      return total;
    };

    before(async () => {
      const first = await startHttpIngress({ host: '127.0.53.21' });
      ingresses = [first];
      for (const host of ['127.0.53.22', '127.0.53.23', '127.0.53.24']) ingresses.push(await startHttpIngress({ host, port: first.port }));
      zones = await makeZoneDir({ 'gslb.example.test.yaml': meridianZone(first.port) });
      knot = await startKnot(PARENT, 53, { 'example.test': PARENT_ZONE });
      meridians = [
        await startServerProcess({ zonesDir: zones.dir, host: NS1, port: 53 }),
        await startServerProcess({ zonesDir: zones.dir, host: NS2, port: 53 }),
      ];
      unbound = await startUnbound({ address: RESOLVER, port: 53, controlPort: 8953, stubs: [{ name: 'example.test', addresses: [PARENT] }] });
      resolver = await dnsClient({ host: RESOLVER, port: 53 });
      // Both instances have probed their targets.
      for (const meridian of meridians) {
        await waitForValue(async () => (await fetch(`http://127.0.0.1:${meridian.adminPort}/readyz`)).status, 200, 10_000);
      }
    });
    after(async () => {
      resolver?.close();
      await unbound?.stop();
      for (const meridian of meridians) await meridian.stop();
      await knot?.stop();
      for (const ingress of ingresses) await ingress.close();
      await zones?.remove();
    });

    it('the delegation resolves through the resolver', async () => {
      const r = await dig({ server: RESOLVER, port: 53, name: 'shop.gslb.example.test', options: ['+rec'] });
      assert.equal(r.status, 'NOERROR');
      assert.ok(r.flags.includes('ra'), 'answered by the recursive resolver');
      assert.ok(!r.flags.includes('aa'), 'not authoritative: it came through the delegation');
      assert.deepEqual(
        r.answer.map((a) => a.split(' ').at(-1)),
        ['127.0.53.23'],
      );
      const referral = await dig({ server: PARENT, port: 53, name: 'shop.gslb.example.test' });
      assert.deepEqual(referral.authority.map((a) => a.split(' ').at(-1)).sort(), ['ns1.gslb.example.test.', 'ns2.gslb.example.test.']);
      assert.deepEqual(referral.additional.map((a) => a.split(' ').at(-1)).sort(), [NS1, NS2]);
    });

    it('both instances answer consistently: same SOA serial, same NS set', async () => {
      const view = async (server: string) => {
        const soa = await dig({ server, port: 53, name: 'gslb.example.test', type: 'SOA' });
        const ns = await dig({ server, port: 53, name: 'gslb.example.test', type: 'NS' });
        return { serial: soa.answer[0]?.split(' ')[6], ns: ns.answer.map((a) => a.split(' ').at(-1)).sort(), aa: soa.flags.includes('aa') };
      };
      const [one, two] = [await view(NS1), await view(NS2)];
      assert.ok(one.serial && one.aa);
      assert.deepEqual(one, two);
      assert.deepEqual(one.ns, ['ns1.gslb.example.test.', 'ns2.gslb.example.test.']);
    });

    it('weighted answers follow the weights with the cache flushed (chi-square)', async (t) => {
      const counts = new Map<string, number>();
      const n = 120;
      for (let i = 0; i < n; i++) {
        await unbound.control('flush', 'app.gslb.example.test');
        const answer = await resolver.addresses('app.gslb.example.test');
        counts.set(answer, (counts.get(answer) ?? 0) + 1);
      }
      const observed = [counts.get('127.0.53.21') ?? 0, counts.get('127.0.53.22') ?? 0];
      assert.equal(observed[0] + observed[1], n, `unexpected answers: ${JSON.stringify([...counts])}`);
      const expected = [n * 0.75, n * 0.25];
      const chiSquare = observed.reduce((sum, o, i) => sum + (o - expected[i]) ** 2 / expected[i], 0);
      t.diagnostic(`weights 3:1 through Unbound: ${observed.join(':')} of ${n}, chi-square ${chiSquare.toFixed(2)}`);
      assert.ok(chiSquare < 10.83, `chi-square ${chiSquare} (0.1% critical value 10.83)`);
    });

    it('killing the primary of a failover record flips the answer once the TTL expires', async (t) => {
      assert.equal(await resolver.addresses('shop.gslb.example.test'), '127.0.53.23');
      await ingresses[2].kill();
      const killed = performance.now();
      // Straight after the kill the resolver still serves its cached answer: that is what TTLs are for.
      assert.equal(await resolver.addresses('shop.gslb.example.test'), '127.0.53.23');
      const ms = await waitForValue(() => resolver.addresses('shop.gslb.example.test'), '127.0.53.24', 10_000, 100);
      t.diagnostic(`failover seen through the resolver after ${Math.round(performance.now() - killed)} ms (TTL 2 s, check every 1 s)`);
      assert.ok(ms > 0);
      await ingresses[2].revive();
    });

    it(`NXDOMAIN is negatively cached for the SOA minimum (${NEGATIVE_TTL} s)`, async (t) => {
      const name = `nx-${Date.now()}.gslb.example.test`;
      // Start from a cold cache: a reply's SOA is taken from the resolver's RRset cache, which earlier tests filled.
      await unbound.control('flush_zone', 'gslb.example.test');
      const before = await answered('NXDOMAIN');
      const first = await dig({ server: RESOLVER, port: 53, name, options: ['+rec'] });
      assert.equal(first.status, 'NXDOMAIN');
      const soaTtl = Number(first.authority[0]?.split(' ')[1]);
      assert.ok(soaTtl > 0 && soaTtl <= NEGATIVE_TTL, `negative TTL ${soaTtl}:\n${first.raw}`);
      assert.equal(await answered('NXDOMAIN'), before + 1);
      const cachedAt = performance.now();
      // Within the negative TTL the resolver answers from its cache: Meridian sees nothing more.
      const again = await dig({ server: RESOLVER, port: 53, name, options: ['+rec'] });
      assert.equal(again.status, 'NXDOMAIN');
      assert.equal(await answered('NXDOMAIN'), before + 1);
      // Once it has expired, the resolver asks Meridian again.
      await waitForValue(
        async () => {
          await resolver.query(name).catch(() => undefined);
          return await answered('NXDOMAIN');
        },
        before + 2,
        10_000,
        250,
      );
      const cachedFor = (performance.now() - cachedAt) / 1000;
      t.diagnostic(`NXDOMAIN served from the resolver's cache for ${cachedFor.toFixed(1)} s`);
      assert.ok(cachedFor >= NEGATIVE_TTL - 1.5, `re-asked after only ${cachedFor} s`);
    });

    it('a large answer reaches the client through the resolver, which falls back to TCP', async () => {
      const tcpBefore = await answered('NOERROR', 'tcp', 'TXT');
      const r = await dig({ server: RESOLVER, port: 53, name: 'big.gslb.example.test', type: 'TXT', options: ['+rec', '+tcp'] });
      assert.equal(r.status, 'NOERROR');
      assert.deepEqual(r.answer.map((a) => a.slice(a.indexOf('"') + 1, -1)).sort(), [...BIG_TXT_STRINGS].sort());
      assert.ok((await answered('NOERROR', 'tcp', 'TXT')) > tcpBefore, 'Unbound retried over TCP after a truncated UDP answer');
    });
  },
);
