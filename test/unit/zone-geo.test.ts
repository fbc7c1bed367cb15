// The geo client map of a zone file (issue 18): `geo:` with client rules and a default order, `region` on targets,
// `policy: geo` and `sticky`. Every invalid case gives exact `file:line:column: message` lines; valid files give
// the expected GeoConfig, the same on the fast path and the positioned one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseZoneText } from '../../src/zone/load.js';
import { formatZoneIssue, type GeoConfig } from '../../src/zone/model.js';
import { compileZoneSchema, type ValidationOptions } from '../../src/zone/validate.js';
import { ZONE_FILE as FILE, formatExpected, noFiles, ZONE_HEAD as HEAD, zoneText as text, type Expected } from '../helpers/zone-text.js';

const SCHEMA = compileZoneSchema();
const WITH_GEOIP: ValidationOptions = { hasGeoipDatabase: true };
const GEOIP_NEEDED = (kind: string) => `${kind} need a GeoIP database: start with --geoip-db FILE.mmdb`;
const KNOWN = '(regions: eu-west, us-east)';

/** A geo record with one target in each of two regions (lines 5 to 9). */
const GEO_RECORD = [
  '  app:',
  '    policy: geo',
  '    targets:',
  '      - { address: 192.0.2.10, region: eu-west }',
  '      - { address: 198.51.100.10, region: us-east }',
] as const;

/** The zone head, the geo record, then `geo:` from line 10 with these lines. */
function geoZone(geoLines: readonly string[]): string[] {
  return [...HEAD, ...GEO_RECORD, 'geo:', ...geoLines];
}

function problems(lines: readonly string[], options: ValidationOptions = {}): string[] {
  return parseZoneText(text(lines), FILE, noFiles, options, SCHEMA).issues.map(formatZoneIssue);
}

interface InvalidCase {
  readonly name: string;
  readonly lines: readonly string[];
  readonly expected: readonly Expected[];
  readonly options?: ValidationOptions;
}

const invalidCases: readonly InvalidCase[] = [
  {
    name: 'a region in prefer that no target has',
    lines: geoZone(['  clients:', '    - { subnets: [10.1.0.0/16], prefer: [eu-wset, us-east] }', '  default: [us-east, eu-west]']),
    expected: [[12, 'eu-wset', `region 'eu-wset' is not the region of any target in this zone ${KNOWN}`]],
  },
  {
    name: 'a region in default that no target has',
    lines: geoZone(['  default: [us-east, eu-west, ap-south]']),
    expected: [[11, 'ap-south', `region 'ap-south' is not the region of any target in this zone ${KNOWN}`]],
  },
  {
    name: 'regions named while no target has one',
    lines: [...HEAD, '  app: { policy: weighted, targets: [{ address: 192.0.2.10 }] }', 'geo:', '  default: [eu-west]'],
    expected: [[7, 'eu-west', "region 'eu-west' is not the region of any target in this zone (no target of this zone has a region)"]],
  },
  {
    name: 'empty prefer and default lists',
    lines: geoZone(['  clients:', '    - { subnets: [10.1.0.0/16], prefer: [] }', '  default: []']),
    expected: [
      [12, '[]', 'geo.clients[0].prefer must not be empty'],
      [13, '[]', 'geo.default must not be empty'],
    ],
  },
  {
    name: 'a rule without prefer, and geo without default',
    lines: geoZone(['  clients:', '    - { subnets: [10.1.0.0/16] }']),
    expected: [
      [11, 'clients', "missing required key 'default' in geo"],
      [12, '{', "missing required key 'prefer' in geo.clients[0]"],
    ],
  },
  {
    name: 'duplicates inside one list',
    lines: geoZone([
      '  clients:',
      '    - { subnets: [10.1.0.0/16, 10.2.0.0/16, 10.1.0.0/16], prefer: [eu-west, eu-west] }',
      '    - { countries: [DE, de], prefer: [eu-west] }',
      '    - { continents: [EU, NA, eu], prefer: [eu-west] }',
      '  default:',
      '    - us-east',
      '    - eu-west',
      '    - us-east',
    ]),
    options: WITH_GEOIP,
    expected: [
      [12, '10.1.0.0/16]', "duplicate subnet '10.1.0.0/16' (also at line 12)"],
      [12, 'eu-west]', "duplicate region 'eu-west' (also at line 12)"],
      [13, 'de]', "duplicate country 'de' (also at line 13)"],
      [14, 'eu]', "duplicate continent 'eu' (also at line 14)"],
      [18, 'us-east', "duplicate region 'us-east' (also at line 16)"],
    ],
  },
  {
    name: 'the same subnet in two rules, however it is written',
    lines: geoZone([
      '  clients:',
      '    - { subnets: [10.1.0.0/16, "2001:db8:1::/48"], prefer: [eu-west] }',
      '    - { subnets: [10.2.0.0/16, "2001:DB8:1:0::/48"], prefer: [us-east] }',
      '    - { subnets: ["::ffff:10.1.0.0/112"], prefer: [us-east] }',
      '  default: [us-east, eu-west]',
    ]),
    expected: [
      [13, '"2001:DB8', "subnet '2001:DB8:1:0::/48' is also in geo.clients[0] (line 12): overlapping identical subnets: a client there would match both rules"],
      [14, '"::ffff', "subnet '::ffff:10.1.0.0/112' is also in geo.clients[0] (line 12): overlapping identical subnets: a client there would match both rules"],
    ],
  },
  {
    name: 'the same country or continent in two rules',
    lines: geoZone([
      '  clients:',
      '    - { countries: [DE, FR], prefer: [eu-west] }',
      '    - { countries: [fr], prefer: [us-east] }',
      '    - { continents: [EU], prefer: [eu-west] }',
      '    - { continents: [eu], prefer: [us-east] }',
      '  default: [us-east, eu-west]',
    ]),
    options: WITH_GEOIP,
    expected: [
      [13, 'fr', "country 'fr' is also in geo.clients[0] (line 12): a client there would match both rules"],
      [15, 'eu]', "continent 'eu' is also in geo.clients[2] (line 14): a client there would match both rules"],
    ],
  },
  {
    name: 'invalid subnets',
    lines: geoZone([
      '  clients:',
      '    - { subnets: [10.1.0.1/16, 10.0.0.0/33, 10.1.0.0, "2001:db8::1/32"], prefer: [eu-west] }',
      '  default: [us-east, eu-west]',
    ]),
    expected: [
      [12, '10.1.0.1/16', "subnet '10.1.0.1/16' has host bits set; did you mean 10.1.0.0/16?"],
      [12, '10.0.0.0/33', "'10.0.0.0/33' is not a subnet: the prefix length must be 0 to 32 for IPv4"],
      [12, '10.1.0.0,', "'10.1.0.0' is not a subnet: write ADDRESS/PREFIX, such as 10.1.0.0/16"],
      [12, '"2001', "subnet '2001:db8::1/32' has host bits set; did you mean 2001:db8::/32?"],
    ],
  },
  {
    name: 'an unquoted IPv6 subnet, a number, and bad codes',
    lines: geoZone([
      '  clients:',
      '    - { subnets: [10], prefer: [eu-west] }',
      '    - { countries: [DEU, UK], continents: [XX], prefer: [EU-West] }',
      '  default: [us-east, eu-west]',
    ]),
    options: WITH_GEOIP,
    expected: [
      [12, '10]', 'geo.clients[0].subnets[0] must be a string (got 10)'],
      [13, '{', 'a client rule takes exactly one of subnets, countries or continents (found: countries, continents)'],
      [13, 'DEU', "geo.clients[1].countries[0] must be a two-letter code (a country such as DE, or a continent such as EU) (got 'DEU')"],
      [13, 'UK', "'UK' is not an ISO 3166-1 alpha-2 code: the United Kingdom is GB"],
      [13, 'XX', "'XX' is not a continent code (AF, AN, AS, EU, NA, OC, SA)"],
      [
        13,
        'EU-West',
        "geo.clients[1].prefer[0] must be a region name: a DNS label of lowercase letters, digits and '-', at most 63 characters (got 'EU-West')",
      ],
    ],
  },
  {
    name: 'a rule that covers no clients, and empty client lists',
    lines: geoZone(['  clients:', '    - { prefer: [eu-west] }', '    - { subnets: [], prefer: [eu-west] }', '  default: [us-east, eu-west]']),
    expected: [
      [12, '{', 'a client rule needs one of subnets, countries or continents'],
      [13, '[]', 'geo.clients[1].subnets must not be empty'],
    ],
  },
  {
    name: 'countries and continents without a GeoIP database',
    lines: geoZone([
      '  clients:',
      '    - { countries: [DE], prefer: [eu-west] }',
      '    - continents: [NA]',
      '      prefer: [us-east]',
      '  default: [us-east, eu-west]',
    ]),
    expected: [
      [12, 'countries', GEOIP_NEEDED('countries')],
      [13, 'continents', GEOIP_NEEDED('continents')],
    ],
  },
  {
    name: 'policy geo in a zone without geo',
    lines: [...HEAD, ...GEO_RECORD],
    expected: [[6, 'geo', "policy geo needs the zone's client map: add a top-level geo: with default (and clients)"]],
  },
  {
    name: 'a target of a geo record without a region',
    lines: [
      ...HEAD,
      '  app:',
      '    policy: geo',
      '    targets:',
      '      - { address: 192.0.2.10, region: eu-west }',
      '      - { cluster: us-east-1 }',
      'geo: { default: [eu-west] }',
    ],
    expected: [[9, '{', 'a target of a geo record needs a region (the region named in geo.clients[].prefer and geo.default)']],
  },
  {
    name: 'a bad region name on a target',
    lines: [...HEAD, '  app:', '    policy: geo', '    targets:', '      - { address: 192.0.2.10, region: eu_west }', 'geo: { default: [eu-west] }'],
    expected: [
      [8, 'eu_west', "region must be a region name: a DNS label of lowercase letters, digits and '-', at most 63 characters (got 'eu_west')"],
      [9, 'eu-west', "region 'eu-west' is not the region of any target in this zone (no target of this zone has a region)"],
    ],
  },
  {
    name: 'sticky on a failover record, and outside a balanced record',
    lines: [
      ...HEAD,
      '  app: { policy: failover, sticky: true, targets: [{ address: 192.0.2.10 }] }',
      '  www: { a: [192.0.2.20], sticky: true }',
      '  api: { policy: weighted, sticky: yes, targets: [{ address: 192.0.2.30 }] }',
    ],
    expected: [
      [5, 'sticky', 'sticky has no meaning in a failover record (the first healthy target answers; sticky is for weighted and geo)'],
      [6, 'sticky', "'sticky' belongs in a record with a policy (weighted, failover or geo)"],
      [7, 'yes', "sticky must be true or false (got 'yes')"],
    ],
  },
  {
    name: 'stickyPrefix out of bounds, and unknown geo keys',
    lines: geoZone(['  default: [us-east, eu-west]', '  stickyPrefix: { ipv4: 33, ipv6: 0 }', '  client: []']),
    expected: [
      [13, 'client', "unknown key 'client' (allowed: clients, default, stickyPrefix)"],
      [12, '33', 'geo.stickyPrefix.ipv4 must be at most 32'],
      [12, '0 }', 'geo.stickyPrefix.ipv6 must be at least 1'],
    ],
  },
];

describe('zone geo: invalid files', () => {
  for (const c of invalidCases) {
    it(c.name, () => {
      const actual = problems(c.lines, c.options);
      const expected = c.expected.map((e) => formatExpected(c.lines, e));
      assert.deepEqual([...actual].sort(), [...expected].sort());
    });
  }
});

describe('zone geo: warnings', () => {
  it('warns of a region of a geo record that no walk reaches', () => {
    const lines = [
      ...HEAD,
      ...GEO_RECORD,
      '      - { address: 203.0.113.10, region: ap-south }',
      'geo:',
      '  clients: [{ subnets: [10.1.0.0/16], prefer: [eu-west] }]',
      '  default: [us-east, eu-west]',
    ];
    assert.deepEqual(problems(lines), [
      formatExpected(lines, [10, 'ap-south', "warning: region 'ap-south' is in neither geo.default nor any prefer list, so no client is answered from it"]),
    ]);
  });
});

describe('zone geo: valid files', () => {
  const lines = [
    ...HEAD,
    '  app:',
    '    policy: geo',
    '    sticky: true',
    '    answers: 2',
    '    targets:',
    '      - { cluster: eu-west-1, region: eu-west, weight: 3 }',
    '      - { address: 198.51.100.10, region: us-east }',
    '  plain: { policy: weighted, targets: [{ address: 192.0.2.99, region: eu-west }] }',
    'geo:',
    '  clients:',
    '    - { subnets: [10.1.0.0/16, "2001:db8:1::/48"], prefer: [eu-west, us-east] }',
    '    - countries: [de, FR]',
    '      prefer: [eu-west]',
    '    - { continents: [na, SA], prefer: [us-east, eu-west] }',
    '  default: [us-east, eu-west]',
    '  stickyPrefix: { ipv4: 20 }',
  ];
  const expected: GeoConfig = {
    clients: [
      {
        match: 'subnets',
        subnets: [
          { family: 4, bytes: [10, 1, 0, 0], prefix: 16, text: '10.1.0.0/16' },
          { family: 6, bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], prefix: 48, text: '2001:db8:1::/48' },
        ],
        countries: [],
        continents: [],
        prefer: ['eu-west', 'us-east'],
        line: 15,
      },
      { match: 'countries', subnets: [], countries: ['DE', 'FR'], continents: [], prefer: ['eu-west'], line: 16 },
      { match: 'continents', subnets: [], countries: [], continents: ['NA', 'SA'], prefer: ['us-east', 'eu-west'], line: 18 },
    ],
    default: ['us-east', 'eu-west'],
    stickyPrefix: { ipv4: 20, ipv6: 56 },
  };

  it('normalises the client map, regions and sticky, with each rule’s line, on both paths', () => {
    const { zone, issues } = parseZoneText(text(lines), FILE, noFiles, WITH_GEOIP, SCHEMA);
    assert.deepEqual(issues, []);
    assert.ok(zone);
    assert.deepEqual(zone.geo, expected);
    const app = zone.records.find((record) => record.name === 'app.gslb.example.com');
    assert.ok(app?.kind === 'balanced');
    assert.equal(app.policy, 'geo');
    assert.equal(app.sticky, true);
    assert.equal(app.answers, 2);
    assert.deepEqual(
      app.targets.map((target) => [target.region, target.weight]),
      [
        ['eu-west', 3],
        ['us-east', 1],
      ],
    );
    const plain = zone.records.find((record) => record.name === 'plain.gslb.example.com');
    assert.ok(plain?.kind === 'balanced');
    assert.equal('sticky' in plain, false);
  });

  it('gives the positioned path the same zone as the fast path', () => {
    // An integer-like record key sends the file down the positioned path (yaml-plain.ts); it is added to both.
    const withKey = [...lines.slice(0, 4), '  "1": { a: [192.0.2.1] }', ...lines.slice(4)];
    const fast = parseZoneText(text([...withKey.slice(0, 4), '  one: { a: [192.0.2.1] }', ...withKey.slice(5)]), FILE, noFiles, WITH_GEOIP, SCHEMA).zone;
    const positioned = parseZoneText(text(withKey), FILE, noFiles, WITH_GEOIP, SCHEMA).zone;
    assert.ok(fast?.geo && positioned?.geo);
    assert.deepEqual(positioned.geo, fast.geo);
    assert.deepEqual(
      fast.geo.clients.map((rule) => rule.line),
      [16, 17, 19],
    );
  });

  it('fills the sticky prefix defaults and takes a map without rules', () => {
    const zone = parseZoneText(text(geoZone(['  default: [eu-west, us-east]'])), FILE, noFiles, {}, SCHEMA).zone;
    assert.deepEqual(zone?.geo, { clients: [], default: ['eu-west', 'us-east'], stickyPrefix: { ipv4: 24, ipv6: 56 } });
  });

  // Zones without geo keep their serials (the model gains only keys a file writes): zone-serial.test.ts pins them.
  it('ignores where rules are written in the serial and fingerprint, not what they say', () => {
    const zone = (extra: readonly string[]) => parseZoneText(text(geoZone([...extra, '  default: [us-east, eu-west]'])), FILE, noFiles, {}, SCHEMA).zone;
    const a = zone(['  clients: [{ subnets: [10.1.0.0/16], prefer: [eu-west] }]']);
    const b = zone(['  clients:', '', '    - { subnets: [10.1.0.0/16], prefer: [eu-west] }']);
    const c = zone(['  clients: [{ subnets: [10.2.0.0/16], prefer: [eu-west] }]']);
    assert.ok(a && b && c);
    assert.notEqual(a.geo?.clients[0].line, b.geo?.clients[0].line);
    assert.equal(a.soa.serial, b.soa.serial);
    assert.equal(a.fingerprint, b.fingerprint);
    assert.notEqual(a.soa.serial, c.soa.serial);
  });
});
