// Geo rules by country and continent, on the real server with a GeoIP database the test writes itself (a
// MaxMind DB of a few networks, test/helpers/mmdb-writer.ts): clients are placed by their country, then their
// continent; the scope of an ECS answer is the database network's; a changed database is picked up without a
// restart, and one that cannot be read is refused while the last good one keeps answering.

import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { ecsOption } from '../helpers/dns-message.js';
import { countryDatabase, type MmdbNetwork } from '../helpers/mmdb-writer.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';
import type { BalancedExplanation } from '../../src/observability/status-document.js';

const NAME = 'shop.gslb.example.test';
const [EU, US, AP] = ['192.0.2.71', '192.0.2.72', '192.0.2.73'];
const ZONE = `zone: gslb.example.test
ttl: 5
soa: { rname: hostmaster.example.test, minimum: 5 }
nameservers: { ns1.gslb.example.test: [127.0.0.1] }
geo:
  clients:
    - { countries: [DE, FR], prefer: [eu-west, us-east] }
    - { continents: [NA], prefer: [us-east, eu-west] }
  default: [ap-south, eu-west, us-east]
records:
  shop:
    policy: geo
    targets:
      - { address: ${EU}, region: eu-west }
      - { address: ${US}, region: us-east }
      - { address: ${AP}, region: ap-south }
`;
const NETWORKS: MmdbNetwork[] = [
  { cidr: '127.0.4.0/24', country: 'DE', continent: 'EU' },
  { cidr: '127.0.5.0/24', country: 'CA', continent: 'NA' },
  { cidr: '127.0.6.0/24', country: 'JP', continent: 'AS' },
];

describe('geo rules by country and continent, from a GeoIP database', () => {
  let zones: ZoneDir;
  let dir: string;
  let server: ServerProcess;
  const clients = new Map<string, DnsClient>();
  const answerFrom = async (source: string) => {
    let client = clients.get(source);
    if (client === undefined) clients.set(source, (client = await dnsClient(server, source)));
    return client.addresses(NAME);
  };
  /** Replaces the database the way a download job does: write aside, then rename over it. */
  const publish = async (bytes: Buffer) => {
    await writeFile(path.join(dir, 'next.mmdb'), bytes);
    await rename(path.join(dir, 'next.mmdb'), path.join(dir, 'country.mmdb'));
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-geoip-'));
    await writeFile(path.join(dir, 'country.mmdb'), countryDatabase(NETWORKS));
    zones = await makeZoneDir({ 'zone.yaml': ZONE });
    server = await startServerProcess({ zonesDir: zones.dir, args: ['--no-rrl', '--geoip-db', path.join(dir, 'country.mmdb')] });
  });
  after(async () => {
    for (const client of clients.values()) client.close();
    await server?.stop();
    await zones?.remove();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const placed: Array<[name: string, source: string, expected: string]> = [
    ['a client in DE gets its country rule: eu-west', '127.0.4.9', EU],
    ['a client in CA gets its continent rule (NA): us-east', '127.0.5.9', US],
    ['a client in JP, which no rule names, gets the default list: ap-south', '127.0.6.9', AP],
    ['a client the database does not know gets the default list', '127.0.0.1', AP],
  ];
  for (const [name, source, expected] of placed) it(name, async () => assert.equal(await answerFrom(source), expected));

  it('an ECS client is placed by the database too, scoped to its network there', async () => {
    const client = await dnsClient(server);
    const response = await client.query(NAME, 1, 2_000, { options: ecsOption(1, 24, 0, [127, 0, 4]) });
    client.close();
    assert.deepEqual(
      response.answer.map((a) => a.split(' ').at(-1)),
      [EU],
    );
    assert.equal(response.ecs?.scopePrefix, 24);
  });

  it('explain --client names the country or continent rule and what the database says of the client', async () => {
    const explain = async (client: string) =>
      ((await (await fetch(`http://127.0.0.1:${server.adminPort}/explain?name=${NAME}&client=${client}`)).json()) as BalancedExplanation).client;
    const de = await explain('127.0.4.9');
    assert.deepEqual(
      [de?.match?.by, de?.match?.rule, de?.match?.country, de?.match?.continent, de?.region, de?.scope],
      ['country', 0, 'DE', 'EU', 'eu-west', 24],
    );
    const ca = await explain('127.0.5.9');
    assert.deepEqual([ca?.match?.by, ca?.match?.rule, ca?.match?.country, ca?.region], ['continent', 1, 'CA', 'us-east']);
    const jp = await explain('127.0.6.9');
    assert.deepEqual([jp?.match?.by, jp?.match?.rule, jp?.match?.country, jp?.region], ['default', null, 'JP', 'ap-south']);
  });

  it('a changed database is used without a restart; one that cannot be read is refused and the last good one stays', async () => {
    await publish(countryDatabase([{ cidr: '127.0.4.0/24', country: 'US', continent: 'NA' }, ...NETWORKS.slice(1)]));
    await server.waitForLog((l) => l.msg === 'GeoIP database reloaded');
    await waitForValue(() => answerFrom('127.0.4.9'), US, 5_000);
    const seen = server.logs.length;
    await publish(Buffer.from('not a database'));
    await server.waitForLog((l) => server.logs.indexOf(l) >= seen && l.msg.startsWith('GeoIP database changed but cannot be read'));
    assert.equal(await answerFrom('127.0.4.9'), US);
    assert.ok(server.alive());
  });

  it('refuses to start with a file that is not a GeoIP database', async () => {
    await writeFile(path.join(dir, 'broken.mmdb'), 'nope');
    await assert.rejects(startServerProcess({ zonesDir: zones.dir, args: ['--geoip-db', path.join(dir, 'broken.mmdb')], startTimeoutMs: 5_000 }));
  });
});
