// The client map's longest-prefix match, as a table: which rule a client falls under, and the scope (how many
// leading bits decided it), by packet source and by ECS address bytes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ipaddr from 'ipaddr.js';
import { ClientClassifier, NO_RULE, ruleOf, scopeOf, type SubnetRule } from '../../src/answers/client-classifier.js';

const subnet = (cidr: string, rule: number): SubnetRule => {
  const [address, prefix] = ipaddr.parseCIDR(cidr);
  return { family: address.kind() === 'ipv4' ? 4 : 6, bytes: address.toByteArray(), prefix, rule };
};
const classifier = new ClientClassifier([
  subnet('10.1.0.0/16', 0),
  subnet('10.1.2.0/24', 1),
  subnet('2001:db8:1::/48', 2),
  subnet('198.51.100.7/32', 3),
  subnet('10.1.0.0/16', 4), // the same subnet again: the first rule keeps it
]);

describe('ClientClassifier: by source address', () => {
  const cases: Array<[source: string, rule: number, scope: number]> = [
    ['10.1.2.3', 1, 24],
    ['10.1.3.4', 0, 24], // 10.1.3.0/24 is all rule 0: the walk left the /24 at its last bit
    ['10.1.255.1', 0, 17],
    ['10.2.0.1', NO_RULE, 15],
    ['192.0.2.1', NO_RULE, 6], // parts from 198.51.100.7/32 at its sixth bit
    ['198.51.100.7', 3, 32],
    ['198.51.100.6', NO_RULE, 32],
    ['::ffff:10.1.2.3', 1, 24], // an IPv4-mapped source from a dual-stack socket is IPv4
    ['2001:db8:1:2::53', 2, 48],
    ['2001:db8:2::1', NO_RULE, 47],
    ['fe80::1', NO_RULE, 1],
    ['not an address', NO_RULE, 0],
  ];
  for (const [source, rule, scope] of cases) {
    it(`${source} → rule ${rule}, scope /${scope}`, () => {
      const packed = classifier.matchSource(source);
      assert.deepEqual([ruleOf(packed), scopeOf(packed)], [rule, scope]);
      assert.equal(classifier.matchSource(source), packed, 'the same again, from the cache');
    });
  }
});

describe('ClientClassifier: by ECS address bytes (zero beyond the source prefix)', () => {
  const cases: Array<[name: string, family: 4 | 6, address: string, rule: number, scope: number]> = [
    ['a /24 inside the /24 rule', 4, '10.1.2.0', 1, 24],
    ['a /16 that is the /16 rule: its /24 is decided at 24', 4, '10.1.0.0', 0, 23],
    ['a /8 with longer rules inside: the scope is longer than the source', 4, '10.0.0.0', NO_RULE, 16],
    ['a /56 inside the /48 rule', 6, '2001:db8:1:ff00::', 2, 48],
    ['no rule of the family matches', 6, '2a00::', NO_RULE, 5],
  ];
  for (const [name, family, address, rule, scope] of cases) {
    it(name, () => {
      const packed = classifier.matchBytes(family, ipaddr.parse(address).toByteArray());
      assert.deepEqual([ruleOf(packed), scopeOf(packed)], [rule, scope]);
    });
  }

  it('a classifier without rules decides at /0 for everyone', () => {
    const packed = new ClientClassifier([]).matchSource('192.0.2.1');
    assert.deepEqual([ruleOf(packed), scopeOf(packed)], [NO_RULE, 0]);
  });
});

describe('ClientClassifier with a GeoIP database', () => {
  const db = {
    generation: 1,
    places: new Map<string, { country?: string; continent?: string; prefix: number }>([
      ['10.1.2.3', { country: 'DE', continent: 'EU', prefix: 20 }],
      ['192.0.2.1', { country: 'DE', continent: 'EU', prefix: 24 }],
      ['192.0.2.2', { country: 'CA', continent: 'NA', prefix: 12 }],
      ['192.0.2.3', { country: 'JP', continent: 'AS', prefix: 16 }],
    ]),
    lookups: 0,
    lookup(address: string) {
      this.lookups++;
      return this.places.get(address) ?? { prefix: 8 };
    },
  };
  const byCountry = new ClientClassifier([subnet('10.1.0.0/16', 0)], { lookup: db, countries: new Map([['DE', 1]]), continents: new Map([['NA', 2]]) });
  const cases: Array<[name: string, source: string, rule: number, scope: number]> = [
    ['a subnet rule wins over the country', '10.1.2.3', 0, 16],
    ['then the country, scoped to the database network', '192.0.2.1', 1, 24],
    ['then the continent; the scope is the larger of the two', '192.0.2.2', 2, 12],
    ['a country and continent no rule names: the default list', '192.0.2.3', NO_RULE, 16],
    ['an address the database does not know', '198.18.0.1', NO_RULE, 8],
  ];
  for (const [name, source, rule, scope] of cases) {
    it(name, () => {
      const packed = byCountry.matchSource(source);
      assert.deepEqual([ruleOf(packed), scopeOf(packed)], [rule, scope]);
    });
  }

  it('reads the database once per client, and again after it is replaced', () => {
    const before = db.lookups;
    byCountry.matchSource('192.0.2.1');
    byCountry.matchBytes(4, [192, 0, 2, 1]);
    byCountry.matchBytes(4, [192, 0, 2, 1]);
    assert.equal(db.lookups, before + 1, 'the source was cached; the ECS network once');
    db.places.set('192.0.2.1', { country: 'CA', continent: 'NA', prefix: 24 });
    db.generation++;
    assert.equal(ruleOf(byCountry.matchSource('192.0.2.1')), 2);
  });
});
