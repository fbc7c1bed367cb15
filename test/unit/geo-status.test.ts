// Geo and sticky records in /status and /explain (src/observability/geo-status.ts): a geo record's answer is
// its default walk's, not a draw over every region; each region's state and each walk's answer are listed;
// `explain --client` says which rule placed the client, its walk, the region that answers, why nearer regions
// were skipped, the sticky target and the ECS scope, and says what the query path really answers that client
// (checked against the handler with an ECS query for every case). Documents pass their schemas.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerTableBuilder, type TargetSource } from '../../src/answers/build.js';
import type { GeoIpLookup } from '../../src/answers/client-classifier.js';
import type { ResolvedTarget } from '../../src/answers/select.js';
import { silentLogger } from '../../src/base/logger.js';
import { QueryHandler } from '../../src/dns/handler.js';
import type { SubscriptionView } from '../../src/health/monitor.js';
import type { AddressHealth } from '../../src/health/state.js';
import { parseClient } from '../../src/observability/geo-status.js';
import type { BalancedExplanation, BalancedRecordStatus } from '../../src/observability/status-document.js';
import { createDocumentReader } from '../../src/observability/status-schema.js';
import { buildExplanation, buildStatus, type StatusInput } from '../../src/observability/status.js';
import type { ZoneConfig } from '../../src/zone/model.js';
import { buildQuery, decodeResponse, ecsOption } from '../helpers/dns-message.js';
import { FakeClock } from '../helpers/fake-time.js';
import { createStaticEndpointSource } from '../helpers/static-endpoints.js';
import { ZONE_FILE, ZONE_HEAD, zoneText } from '../helpers/zone-text.js';
import { parseZoneText } from '../../src/zone/load.js';

/** The zone has a country rule, which validation accepts only when the server has a GeoIP database. */
function parseWithDatabase(lines: readonly string[]): ZoneConfig {
  const { zone, issues } = parseZoneText(zoneText(lines), ZONE_FILE, () => undefined, { hasGeoipDatabase: true });
  assert.deepEqual(issues, []);
  return zone!;
}

const EU = '192.0.2.1';
const EU_V6 = '2001:db8::1';
const US = '192.0.2.2';
const AP = '192.0.2.3';
const STICKY = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];

const zone = parseWithDatabase([
  ...ZONE_HEAD.slice(0, 3),
  'geo:',
  '  clients:',
  '    - { subnets: [10.1.0.0/16, "2001:db8:1::/48"], prefer: [eu-west, us-east] }',
  '    - { subnets: [10.1.2.0/24], prefer: [ap-south, us-east] }',
  '    - { countries: [JP], prefer: [ap-south] }',
  '  default: [us-east, eu-west, ap-south]',
  'records:',
  '  shop:',
  '    policy: geo',
  '    check: { protocol: http, port: 8080 }',
  '    targets:',
  `      - { addresses: [${EU}, "${EU_V6}"], region: eu-west }`,
  `      - { address: ${US}, region: us-east }`,
  `      - { address: ${AP}, region: ap-south }`,
  '  pinned:',
  '    policy: weighted',
  '    sticky: true',
  '    check: { protocol: http, port: 8080 }',
  '    targets:',
  ...STICKY.map((address) => `      - { address: ${address} }`),
  '  plain:',
  '    policy: weighted',
  '    targets: [ { address: 192.0.2.9 } ]',
]);

/** A GeoIP database of one network: 203.0.113.0/24 is in Japan. */
const geoip: GeoIpLookup = {
  generation: 1,
  lookup: (address) => (address.startsWith('203.0.113.') ? { country: 'JP', continent: 'AS', prefix: 24 } : { prefix: 8 }),
};

type Health = Record<string, AddressHealth | 'drained'>;

function targetsWith(health: Health): TargetSource {
  return {
    resolve: (_zone, record) =>
      record.targets.map((target): ResolvedTarget => ({
        weight: target.weight,
        unit: true,
        addresses: (target.kind === 'static' ? target.addresses : []).map((address) => {
          const h = health[address] ?? 'up';
          return { address, family: address.includes(':') ? 6 : 4, health: h === 'drained' ? 'up' : h, drained: h === 'drained' };
        }),
      })),
  };
}

function inputWith(health: Health, zones: readonly ZoneConfig[] = [zone]): StatusInput {
  const clock = new FakeClock(1_000_000);
  return {
    zones,
    lastReload: { ok: true, at: new Date(0).toISOString(), issues: [], serials: {} },
    ready: true,
    health: {
      subscriptionOf: (ref): SubscriptionView | undefined => {
        const h = health[ref.address] === 'down' ? 'down' : 'up';
        const result = { ok: h === 'up', reason: h === 'up' ? 'status 200' : 'status 503', durationMs: 1, at: 999_000 };
        return {
          ref: { ...ref, targetId: '' },
          spec: {
            key: '',
            protocol: 'http',
            address: ref.address,
            port: 8080,
            host: 'x',
            path: '/',
            timeoutMs: 1000,
            expect: [[200, 399]],
            headers: {},
            tls: { insecureSkipVerify: false },
          },
          state: { health: h, consecutiveSuccesses: 0, consecutiveFailures: 0, since: 0, lastResult: result, lastFailure: undefined },
          decided: h,
          verdictKey: '',
          pendingUntilProbed: false,
        };
      },
    },
    endpoints: createStaticEndpointSource(silentLogger),
    clock,
    clusters: [],
    clusterSyncDeadline: 0,
    targets: targetsWith(health),
    geoip,
  };
}

/** What the query path answers `client` (an ECS network) for `name`, and the scope it says. */
function served(health: Health, name: string, client: string, type = 1): { addresses: string[]; scope: number } {
  const parsed = parseClient(client)!;
  const table = new AnswerTableBuilder(targetsWith(health), { geoip }).build([zone]);
  const handler = new QueryHandler({ current: table }, { random: () => 0 });
  const octets = [...parsed.bytes.slice(0, (parsed.prefix + 7) >> 3)];
  const query = buildQuery({ name, type, edns: { udp: 1232, options: ecsOption(parsed.family === 4 ? 1 : 2, parsed.prefix, 0, octets) } });
  const response = decodeResponse(handler.handle(query, 'udp', '127.0.0.1')!);
  return { addresses: response.answer.map((rr) => rr.split(/\s+/).at(-1)!).sort(), scope: response.ecs?.scopePrefix ?? -1 };
}

const reader = createDocumentReader();
const explain = (health: Health, name: string, client?: string, type: 'A' | 'AAAA' = 'A') => {
  const doc = buildExplanation(inputWith(health), name, type, client === undefined ? undefined : parseClient(client));
  return reader.explain(JSON.parse(JSON.stringify(doc)), 'test') as BalancedExplanation;
};
const shopStatus = (health: Health) => {
  const doc = reader.status(JSON.parse(JSON.stringify(buildStatus(inputWith(health)))), 'test');
  return doc.zones[0].records.find((r) => r.name === 'shop.gslb.example.com') as BalancedRecordStatus;
};

describe('/status for a geo record', () => {
  it("answers with the default walk's region, not a draw over every region", () => {
    const record = shopStatus({});
    // Before: the record was drawn as weighted over all three regions (three sets of 1/3).
    assert.deepEqual(record.answer?.A, [{ addresses: [US], probability: 1 }]);
    // us-east has no IPv6 address: the walk goes on to eu-west for AAAA.
    assert.deepEqual(record.answer?.AAAA, [{ addresses: [EU_V6], probability: 1 }]);
  });

  const regionCases: Array<{ name: string; health: Health; regions: Record<string, string>; walks: Record<string, string> }> = [
    {
      name: 'all healthy: every walk answers its first region',
      health: {},
      regions: { 'us-east': 'up/none', 'eu-west': 'up/up', 'ap-south': 'up/none' },
      walks: {
        'eu-west,us-east,ap-south': `geo.clients[0] (subnets 10.1.0.0/16, 2001:db8:1::/48): eu-west ${EU} skipped -`,
        'ap-south,us-east,eu-west': `geo.clients[1] (subnets 10.1.2.0/24),geo.clients[2] (countries JP): ap-south ${AP} skipped -`,
        'us-east,eu-west,ap-south': `default: us-east ${US} skipped -`,
      },
    },
    {
      name: 'us-east down, ap-south drained: walks pass over them',
      health: { [US]: 'down', [AP]: 'drained' },
      regions: { 'us-east': 'down/none', 'eu-west': 'up/up', 'ap-south': 'drained/none' },
      walks: {
        'eu-west,us-east,ap-south': `geo.clients[0] (subnets 10.1.0.0/16, 2001:db8:1::/48): eu-west ${EU} skipped -`,
        'ap-south,us-east,eu-west': `geo.clients[1] (subnets 10.1.2.0/24),geo.clients[2] (countries JP): eu-west ${EU} skipped ap-south,us-east`,
        'us-east,eu-west,ap-south': `default: eu-west ${EU} skipped us-east`,
      },
    },
  ];
  for (const c of regionCases)
    it(`lists regions and every walk's answer: ${c.name}`, () => {
      const record = shopStatus(c.health);
      assert.ok(record.geo);
      assert.deepEqual(Object.fromEntries(record.geo.regions.map((r) => [r.region, `${r.A}/${r.AAAA}`])), c.regions);
      assert.deepEqual(
        Object.fromEntries(
          record.geo.walks.map((w) => [
            w.walk.join(','),
            `${w.clients.join(',')}: ${w.A.region} ${w.A.answer.map((s) => s.addresses.join(' ')).join('|')} skipped ${w.A.skipped.join(',') || '-'}`,
          ]),
        ),
        c.walks,
      );
      assert.deepEqual(
        record.targets.map((t) => t.region),
        ['eu-west', 'us-east', 'ap-south'],
      );
    });

  it('names the subnet sizes of a sticky record', () => {
    const doc = buildStatus(inputWith({}));
    const pinned = doc.zones[0].records.find((r) => r.name === 'pinned.gslb.example.com') as BalancedRecordStatus;
    assert.deepEqual(pinned.sticky, { ipv4Prefix: 24, ipv6Prefix: 56 });
    assert.equal(pinned.geo, undefined);
  });
});

interface ClientCase {
  name: string;
  record: string;
  client: string;
  type?: 'A' | 'AAAA';
  health: Health;
  by?: string;
  rule?: number | null;
  subnet?: string;
  walk?: string;
  region?: string;
  skipped?: string[];
  scope: number;
  network: string;
}

const clientCases: ClientCase[] = [
  {
    name: 'a subnet rule',
    record: 'shop',
    client: '10.1.7.9',
    health: {},
    by: 'subnet',
    rule: 0,
    subnet: '10.1.0.0/16',
    walk: 'eu-west > us-east > ap-south',
    region: 'eu-west',
    skipped: [],
    // The trie parts from 10.1.2.0/24 at the 22nd bit: the answer holds for the /22 around the client.
    scope: 22,
    network: '10.1.4.0/22',
  },
  {
    name: 'the longer of two subnets wins',
    record: 'shop',
    client: '10.1.2.0/24',
    health: {},
    by: 'subnet',
    rule: 1,
    subnet: '10.1.2.0/24',
    walk: 'ap-south > us-east > eu-west',
    region: 'ap-south',
    skipped: [],
    scope: 24,
    network: '10.1.2.0/24',
  },
  {
    name: 'the nearest region down: why it was skipped',
    record: 'shop',
    client: '10.1.7.9',
    health: { [EU]: 'down' },
    by: 'subnet',
    rule: 0,
    walk: 'eu-west > us-east > ap-south',
    region: 'us-east',
    skipped: [`eu-west: no healthy A target in eu-west: ${EU} down (status 503)`],
    scope: 22,
    network: '10.1.4.0/22',
  },
  {
    name: 'two regions passed over, one drained',
    record: 'shop',
    client: '10.1.2.9',
    health: { [AP]: 'drained', [US]: 'down' },
    by: 'subnet',
    rule: 1,
    region: 'eu-west',
    skipped: [
      'ap-south: every target in ap-south is drained (meridian drain or a maintenance window)',
      `us-east: no healthy A target in us-east: ${US} down (status 503)`,
    ],
    scope: 24,
    network: '10.1.2.0/24',
  },
  {
    name: 'a country rule, by the GeoIP database',
    record: 'shop',
    client: '203.0.113.5',
    health: {},
    by: 'country',
    rule: 2,
    walk: 'ap-south > us-east > eu-west',
    region: 'ap-south',
    skipped: [],
    scope: 24,
    network: '203.0.113.0/24',
  },
  {
    name: 'no rule: the default list',
    record: 'shop',
    client: '192.0.2.200',
    health: {},
    by: 'default',
    rule: null,
    walk: 'us-east > eu-west > ap-south',
    region: 'us-east',
    skipped: [],
    scope: 8,
    network: '192.0.0.0/8',
  },
  {
    name: 'AAAA: regions without IPv6 addresses are skipped',
    record: 'shop',
    client: '2001:db8:5::1',
    type: 'AAAA',
    health: {},
    by: 'default',
    rule: null,
    region: 'eu-west',
    skipped: ['us-east: no AAAA address in us-east'],
    // Apart from 2001:db8:1::/48 and 2001:db8:2::/48 at the 46th bit.
    scope: 46,
    network: '2001:db8:4::/46',
  },
  { name: 'a weighted record: the same for every client', record: 'plain', client: '10.1.7.9', health: {}, scope: 0, network: '0.0.0.0/0' },
];

describe('explain --client', () => {
  for (const c of clientCases)
    it(c.name, () => {
      const doc = explain(c.health, c.record, c.client, c.type);
      const client = doc.client;
      assert.ok(client, 'the explanation has a client part');
      assert.equal(client.address, c.client);
      assert.equal(client.match?.by, c.by);
      if (c.rule !== undefined) assert.equal(client.match?.rule, c.rule);
      if (c.subnet !== undefined) assert.equal(client.match?.subnet, c.subnet);
      if (c.walk !== undefined) assert.equal(client.walk?.join(' > '), c.walk);
      assert.equal(client.region, c.region);
      if (c.skipped !== undefined)
        assert.deepEqual(
          client.skipped?.map((s) => `${s.region}: ${s.why}`),
          c.skipped,
        );
      assert.equal(client.scope, c.scope);
      assert.equal(client.network, c.network);
      // What explain says is what the query path answers that client's network, with that scope.
      const answer = served(c.health, `${c.record}.gslb.example.com`, c.client, c.type === 'AAAA' ? 28 : 1);
      assert.deepEqual(answer.addresses, [...doc.answer.flatMap((s) => s.addresses)].sort());
      assert.equal(answer.scope, parseClient(c.client)!.prefix === 0 ? 0 : c.scope);
      if (c.region !== undefined) assert.match(doc.summary, new RegExp(`${c.region} is the first region`));
    });

  it('a sticky record: the target the subnet hashes to is the one served, for many subnets', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const client = `10.${i}.${(i * 7) % 256}.1`;
      const doc = explain({}, 'pinned', client);
      const sticky = doc.client?.sticky;
      assert.ok(sticky);
      assert.equal(sticky.subnet, `10.${i}.${(i * 7) % 256}.0/24`);
      assert.deepEqual(doc.answer, [{ addresses: sticky.addresses, probability: 1 }]);
      assert.deepEqual(
        doc.targets.filter((t) => t.chosen).map((t) => t.index),
        sticky.targets,
      );
      const answer = served({}, 'pinned.gslb.example.com', client);
      assert.deepEqual(answer.addresses, sticky.addresses);
      assert.equal(answer.scope, 24);
      assert.equal(doc.client?.scope, 24);
      seen.add(sticky.addresses.join());
    }
    assert.equal(seen.size, 3, 'subnets spread over every target');
  });

  it("a sticky record's client moves only when its own target goes down", () => {
    const before = explain({}, 'pinned', '10.9.9.9').client!.sticky!;
    const other = STICKY.find((a) => a !== before.addresses[0])!;
    assert.deepEqual(explain({ [other]: 'down' }, 'pinned', '10.9.9.9').client?.sticky?.addresses, before.addresses);
    assert.notDeepEqual(explain({ [before.addresses[0]]: 'down' }, 'pinned', '10.9.9.9').client?.sticky?.addresses, before.addresses);
  });

  it('without a client, a geo record is explained for the default walk and lists its regions', () => {
    const doc = explain({ [US]: 'down' }, 'shop');
    assert.equal(doc.client, undefined);
    assert.deepEqual(doc.answer, [{ addresses: [EU], probability: 1 }]);
    assert.deepEqual(
      doc.regions?.map((r) => `${r.region} ${r.A}`),
      ['us-east down', 'eu-west up', 'ap-south up'],
    );
    assert.match(doc.summary, /clients no rule covers/);
    assert.match(doc.summary, /skipped: no healthy A target in us-east/);
    assert.deepEqual(
      doc.targets.map((t) => t.region),
      ['eu-west', 'us-east', 'ap-south'],
    );
  });
});

describe('parseClient', () => {
  const cases: Array<[text: string, expected: string | undefined]> = [
    ['10.1.2.3', '4 10.1.2.3/32'],
    ['10.1.2.3/24', '4 10.1.2.0/24'],
    ['2001:db8::1', '6 2001:db8::1/128'],
    ['2001:db8:1:2::/56', '6 2001:db8:1::/56'],
    ['::ffff:10.1.2.3', '4 10.1.2.3/32'],
    ['::ffff:10.1.2.0/120', '4 10.1.2.0/24'],
    ['0.0.0.0/0', '4 0.0.0.0/0'],
    ['nonsense', undefined],
    ['10.1.2.3/33', undefined],
    ['10.1.2', undefined],
    ['', undefined],
  ];
  for (const [text, expected] of cases)
    it(`${JSON.stringify(text)} -> ${expected ?? 'refused'}`, () => {
      const parsed = parseClient(text);
      if (expected === undefined) return assert.equal(parsed, undefined);
      assert.ok(parsed);
      const address = parsed.family === 4 ? [...parsed.bytes].join('.') : compactV6(parsed.bytes);
      assert.equal(`${parsed.family} ${address}/${parsed.prefix}`, expected);
    });
});

function compactV6(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
