// EDNS Client Subnet end to end, with Unbound from Debian and its `subnetcache` module:
//
//   clients 127.0.1.5, 127.0.2.9, 127.0.3.7 ──►  Unbound (127.0.18.4:53), send-client-subnet: Meridian,
//                                                  │   max-client-subnet-ipv4: 24
//                                                  └── stub ──►  `meridian serve` (127.0.18.2), a geo zone
//                                                                 probing ingresses 127.0.18.71–.73
//
// Unbound sends every query to Meridian from its own address, so only the ECS option it adds can tell the
// clients apart: each client getting its own region's address shows that Unbound sent the client's /24 and that
// Meridian answered by it. Meridian's scope (24, the rules' prefix) tells Unbound to cache one answer per /24,
// so the second round, asked in a different order, comes from Unbound's subnet cache and must still keep the
// clients apart. Unbound listens on port 53 of a loopback address of its own: this test needs root, as CI has.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startUnbound, unboundModules, type Unbound } from '../helpers/dns-daemons.js';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { ecsOption } from '../helpers/dns-message.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const MERIDIAN = '127.0.18.2';
const RESOLVER = '127.0.18.4';
const NAME = 'shop.gslb.example.test';
const EU = '127.0.18.71';
const US = '127.0.18.72';
const AP = '127.0.18.73';

// Three regions, so that any answer given to the wrong client shows: the default is a region no rule prefers.
function zoneYaml(port: number): string {
  return `zone: gslb.example.test
ttl: 60
soa: { rname: hostmaster.example.test, minimum: 5 }
nameservers: { ns1.gslb.example.test: [${MERIDIAN}] }
geo:
  clients:
    - { subnets: [127.0.1.0/24], prefer: [eu-west, us-east] }
    - { subnets: [127.0.2.0/24], prefer: [us-east, eu-west] }
  default: [ap-south, us-east, eu-west]
records:
  shop:
    policy: geo
    check: { protocol: http, port: ${port}, path: /healthz, interval: 1s, timeout: 1s, rise: 1 }
    targets:
      - { address: ${EU}, region: eu-west }
      - { address: ${US}, region: us-east }
      - { address: ${AP}, region: ap-south }
`;
}

const isRoot = process.getuid?.() === 0;
const hasSubnetcache = (await unboundModules()).includes('subnetcache');
const skip = !isRoot
  ? 'needs root to bind port 53 on loopback (CI runs as root)'
  : !hasSubnetcache
    ? 'this Unbound build has no subnetcache module (`unbound -V`: configure with --enable-subnet)'
    : false;

describe('EDNS Client Subnet through Unbound with subnetcache', { skip }, () => {
  let ingresses: HttpIngress[] = [];
  let zones: ZoneDir;
  let meridian: ServerProcess;
  let unbound: Unbound;
  const clients = new Map<string, DnsClient>();

  /** Unbound's counter `name` (unbound-control stats_noreset). */
  const stat = async (name: string) => {
    const line = (await unbound.control('stats_noreset')).split('\n').find((l) => l.startsWith(`${name}=`));
    return Number(line?.split('=')[1] ?? 0);
  };
  const answerFor = async (client: string) => (await clients.get(client)!.query(NAME)).answer.map((a) => a.split(' ').at(-1)).join(',');

  before(async () => {
    const first = await startHttpIngress({ host: EU });
    ingresses = [first, await startHttpIngress({ host: US, port: first.port }), await startHttpIngress({ host: AP, port: first.port })];
    zones = await makeZoneDir({ 'gslb.example.test.yaml': zoneYaml(first.port) });
    meridian = await startServerProcess({ zonesDir: zones.dir, host: MERIDIAN, args: ['--no-rrl'] });
    unbound = await startUnbound({
      address: RESOLVER,
      port: 53,
      controlPort: 8953,
      stubs: [{ name: 'gslb.example.test', addresses: [`${MERIDIAN}@${meridian.port}`] }],
      clientSubnet: { sendTo: [MERIDIAN], maxIpv4: 24 },
    });
    for (const client of ['127.0.1.5', '127.0.2.9', '127.0.3.7']) clients.set(client, await dnsClient({ host: RESOLVER, port: 53 }, client));
    // Every region is up before the first question: a geo answer given while targets are unprobed is cached.
    await waitForValue(async () => (await fetch(`http://127.0.0.1:${meridian.adminPort}/readyz`)).status, 200, 10_000);
  });
  after(async () => {
    for (const client of clients.values()) client.close();
    await unbound?.stop();
    await meridian?.stop();
    for (const ingress of ingresses) await ingress.close();
    await zones?.remove();
  });

  const expected: ReadonlyArray<[client: string, address: string]> = [
    ['127.0.1.5', EU],
    ['127.0.2.9', US],
    ['127.0.3.7', AP],
  ];

  it('clients in different subnets get their own regions', async () => {
    const before = await stat('num.query.subnet');
    for (const [client, address] of expected) assert.equal(await answerFor(client), address, `client ${client}`);
    // Each answer came back from Meridian with an ECS option that Unbound accepted.
    assert.equal((await stat('num.query.subnet')) - before, expected.length, unbound.output());
  });

  it("Meridian scopes the answer to the query Unbound sends (the client's /24) to 24 bits", async () => {
    const direct = await dnsClient(meridian);
    try {
      for (const [client, address] of expected) {
        const network = client.split('.').slice(0, 3).map(Number);
        const response = await direct.query(NAME, 1, 2_000, { options: ecsOption(1, 24, 0, network) });
        assert.deepEqual(
          [response.answer.map((a) => a.split(' ').at(-1)).join(','), response.ecs?.sourcePrefix, response.ecs?.scopePrefix],
          [address, 24, 24],
          `ECS ${network.join('.')}.0/24`,
        );
      }
    } finally {
      direct.close();
    }
  });

  it("asked again in another order, every client keeps its answer, from Unbound's subnet cache", async () => {
    const before = await stat('num.query.subnet_cache');
    for (const [client, address] of [...expected].reverse()) assert.equal(await answerFor(client), address, `client ${client}, second time`);
    for (const [client, address] of expected) assert.equal(await answerFor(client), address, `client ${client}, third time`);
    assert.equal((await stat('num.query.subnet_cache')) - before, 2 * expected.length, 'answered from the per-subnet cache');
  });

  it("another client of a subnet that was answered shares that subnet's cached answer", async () => {
    const neighbour = await dnsClient({ host: RESOLVER, port: 53 }, '127.0.1.200');
    clients.set('127.0.1.200', neighbour);
    const before = await stat('num.query.subnet_cache');
    assert.equal(await answerFor('127.0.1.200'), EU);
    assert.equal((await stat('num.query.subnet_cache')) - before, 1);
  });
});
