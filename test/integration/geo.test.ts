// The geo policy on the real server: clients in different subnets (queries sent from different 127.0.x.y
// addresses, every one of them local on Linux) and clients named by an ECS option get their region's target,
// with the scope of the rule that decided; killing the nearest region's ingress moves its clients to the next
// region within the usual failover time, and they come back when it recovers.

import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { ecsOption } from '../helpers/dns-message.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MERIDIAN_BIN, REPO_ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import type { BalancedExplanation, BalancedRecordStatus, StatusDocument } from '../../src/observability/status-document.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const NAME = 'shop.gslb.example.test';
const EU = '127.0.0.71';
const US = '127.0.0.72';
const DEADLINE_MS = 10_000;

function zoneYaml(port: number): string {
  return `zone: gslb.example.test
ttl: 5
soa: { rname: hostmaster.example.test, minimum: 5 }
nameservers: { ns1.gslb.example.test: [127.0.0.1] }
geo:
  clients:
    - { subnets: [127.0.1.0/24, 10.1.0.0/16], prefer: [eu-west, us-east] }
    - { subnets: [127.0.2.0/24, "2001:db8:2::/48"], prefer: [us-east, eu-west] }
  default: [us-east, eu-west]
records:
  shop:
    policy: geo
    check: { protocol: http, port: ${port}, path: /healthz, interval: 1s, timeout: 1s, fastInterval: 1s, rise: 1, fall: 1 }
    targets:
      - { address: ${EU}, region: eu-west }
      - { address: ${US}, region: us-east }
  www:
    cname: shop.gslb.example.test
  cart:
    policy: weighted
    sticky: true
    targets:
      - { address: 127.0.0.81 }
      - { address: 127.0.0.82 }
      - { address: 127.0.0.83 }
`;
}

describe('geo answers by client', () => {
  let zones: ZoneDir;
  let ingresses: HttpIngress[];
  let server: ServerProcess;
  const clients = new Map<string, DnsClient>();
  const from = async (address: string) => {
    let client = clients.get(address);
    if (client === undefined) clients.set(address, (client = await dnsClient(server, address)));
    return client;
  };
  const answerFrom = async (address: string, name = NAME) => (await from(address)).addresses(name);
  const withEcs = async (family: number, prefix: number, address: number[]) => {
    const response = await (await from('127.0.0.1')).query(NAME, 1, 2_000, { options: ecsOption(family, prefix, 0, address) });
    return { answer: response.answer.map((a) => a.split(' ').at(-1)).join(','), ecs: response.ecs };
  };

  const admin = () => `http://127.0.0.1:${server.adminPort}`;
  const explainFor = async (client: string) => {
    const response = await fetch(`${admin()}/explain?name=${NAME}&client=${encodeURIComponent(client)}`);
    assert.equal(response.status, 200);
    return (await response.json()) as BalancedExplanation;
  };

  before(async () => {
    const first = await startHttpIngress({ host: EU });
    ingresses = [first, await startHttpIngress({ host: US, port: first.port })];
    zones = await makeZoneDir({ 'zone.yaml': zoneYaml(first.port) });
    server = await startServerProcess({ zonesDir: zones.dir, args: ['--no-rrl'] });
  });
  after(async () => {
    for (const client of clients.values()) client.close();
    await server?.stop();
    await Promise.all((ingresses ?? []).map((i) => i.close()));
    await zones?.remove();
  });

  const bySource: Array<[name: string, source: string, expected: string]> = [
    ['a client in 127.0.1.0/24 gets eu-west', '127.0.1.5', EU],
    ['a client in 127.0.2.0/24 gets us-east', '127.0.2.9', US],
    ['a client no rule names gets the default list: us-east', '127.0.0.1', US],
  ];
  for (const [name, source, expected] of bySource) it(name, async () => assert.equal(await answerFrom(source), expected));

  it('counts each answer under the region whose addresses went out, a CNAME chase under the geo record', async () => {
    const regionCount = async (region: string) => {
      const text = await (await fetch(`http://127.0.0.1:${server.adminPort}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`meridian_geo_answers_total{zone="gslb.example.test",record="${NAME}",region="${region}"}`));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const [euBefore, usBefore] = [await regionCount('eu-west'), await regionCount('us-east')];
    for (let i = 0; i < 5; i++) assert.equal(await answerFrom('127.0.1.5'), EU);
    for (let i = 0; i < 3; i++) assert.equal(await answerFrom('127.0.2.9'), US);
    assert.equal(await answerFrom('127.0.2.9', 'www.gslb.example.test'), `${US},${NAME}.`);
    assert.deepEqual([(await regionCount('eu-west')) - euBefore, (await regionCount('us-east')) - usBefore], [5, 4]);
  });

  it('a CNAME into the geo record answers by client too', async () => {
    // The answer is the CNAME and then the target's address (the helper sorts the last fields).
    assert.equal(await answerFrom('127.0.1.5', 'www.gslb.example.test'), `${EU},${NAME}.`);
    assert.equal(await answerFrom('127.0.2.9', 'www.gslb.example.test'), `${US},${NAME}.`);
  });

  it('an ECS option names the client: its rule decides, and the scope says how many bits did', async () => {
    const eu = await withEcs(1, 24, [10, 1, 7]);
    assert.equal(eu.answer, EU);
    assert.deepEqual([eu.ecs?.sourcePrefix, eu.ecs?.scopePrefix, eu.ecs?.address], [24, 16, '10.1.7.0']);
    const us = await withEcs(2, 56, [0x20, 0x01, 0x0d, 0xb8, 0, 2, 0]);
    assert.equal(us.answer, US);
    assert.equal(us.ecs?.scopePrefix, 48);
    const elsewhere = await withEcs(1, 24, [192, 0, 2]);
    assert.equal(elsewhere.answer, US, 'the default list');
    assert.equal(elsewhere.ecs?.scopePrefix, 1, '192/1 holds no rule at all');
    // SOURCE PREFIX-LENGTH 0: "do not use my address"; the packet's source decides, and the answer is for everyone.
    const anonymous = await withEcs(1, 0, []);
    assert.equal(anonymous.answer, US);
    assert.equal(anonymous.ecs?.scopePrefix, 0);
  });

  it('explain --client says which rule placed a client, its walk, region and scope; /status lists every walk', async (t: TestContext) => {
    const why = await explainFor('127.0.1.5');
    assert.equal(why.client?.match?.rule, 0);
    assert.equal(why.client?.match?.subnet, '127.0.1.0/24');
    assert.deepEqual(why.client?.walk, ['eu-west', 'us-east']);
    assert.equal(why.client?.region, 'eu-west');
    assert.equal(why.client?.scope, 24);
    assert.deepEqual(why.answer, [{ addresses: [EU], probability: 1 }]);
    const bad = await fetch(`${admin()}/explain?name=${NAME}&client=nonsense`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /client must be an IP address or a network/);

    const status = (await (await fetch(`${admin()}/status`)).json()) as StatusDocument;
    const record = status.zones[0].records.find((r) => r.name === NAME) as BalancedRecordStatus;
    assert.deepEqual(
      record.geo?.walks.map((w) => `${w.walk.join('>')}: ${w.A.region}`),
      ['eu-west>us-east: eu-west', 'us-east>eu-west: us-east'],
    );
    assert.deepEqual(record.answer?.A, [{ addresses: [US], probability: 1 }], "the default walk's answer");

    // The operator command, as an operator runs it.
    const run = await promisify(execFile)(process.execPath, [MERIDIAN_BIN, 'explain', 'shop', '--client', '127.0.2.9', '--admin', admin()], { cwd: REPO_ROOT });
    t.diagnostic(run.stdout);
    assert.match(run.stdout, /matched: geo\.clients\[1\] \(line \d+\): subnets 127\.0\.2\.0\/24, 2001:db8:2::\/48 -> us-east, eu-west/);
    assert.match(run.stdout, /region: us-east/);
    assert.match(run.stdout, /ECS scope: \/24 \(the answer holds for 127\.0\.2\.0\/24\)/);
  });

  it("killing the nearest region's ingress moves its clients to the next region, and back after recovery", async (t: TestContext) => {
    await ingresses[0].kill();
    try {
      const moved = await waitForValue(() => answerFrom('127.0.1.5'), US, DEADLINE_MS);
      t.diagnostic(`eu-west clients moved to us-east after ${Math.round(moved)} ms`);
      assert.equal(await answerFrom('127.0.2.9'), US, 'us-east clients stay');
      const why = await explainFor('127.0.1.5');
      assert.equal(why.client?.region, 'us-east');
      assert.deepEqual(
        why.client?.skipped?.map((s) => s.region),
        ['eu-west'],
      );
      assert.match(why.client?.skipped?.[0]?.why ?? '', new RegExp(`no healthy A target in eu-west: ${EU.replaceAll('.', '\\.')} down \\(`));
      t.diagnostic(`explain: ${why.summary}`);
    } finally {
      await ingresses[0].revive();
    }
    const back = await waitForValue(() => answerFrom('127.0.1.5'), EU, DEADLINE_MS);
    t.diagnostic(`and back after ${Math.round(back)} ms`);
  });

  it('a sticky record gives one client subnet the same target every time, and with ECS says the /24 decided', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add(await answerFrom('127.0.1.5', 'cart.gslb.example.test'));
    assert.equal(seen.size, 1, `one target for one subnet, got ${[...seen].join(' ')}`);
    assert.equal(await answerFrom('127.0.1.200', 'cart.gslb.example.test'), [...seen][0], 'another host of the same /24');
    const answers = new Set<string>();
    for (let subnet = 0; subnet < 64; subnet++) {
      const response = await (await from('127.0.0.1')).query('cart.gslb.example.test', 1, 2_000, { options: ecsOption(1, 24, 0, [10, 9, subnet]) });
      answers.add(response.answer.map((a) => a.split(' ').at(-1)).join(','));
      assert.equal(response.ecs?.scopePrefix, 24);
    }
    assert.equal(answers.size, 3, 'many subnets spread over every target');
  });
});
