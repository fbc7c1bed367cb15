// Geo answers counted per region: the builder names a slot per (zone, record, region), the handler counts the
// slot of the walk that answered, and QueryCounts turns the slots back into labels. Fail open counts under the
// region whose addresses went out, and a CNAME chased into a geo record counts under the geo record.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerTableBuilder, type TargetSource } from '../../src/answers/build.js';
import type { ResolvedTarget } from '../../src/answers/select.js';
import { QueryHandler } from '../../src/dns/handler.js';
import type { AddressHealth } from '../../src/health/state.js';
import { QueryCounts } from '../../src/observability/metrics.js';
import { buildQuery, ecsOption } from '../helpers/dns-message.js';
import { parseValid, ZONE_HEAD } from '../helpers/zone-text.js';

const zone = parseValid([
  ...ZONE_HEAD.slice(0, 3),
  'geo:',
  '  clients:',
  '    - { subnets: [10.1.0.0/16], prefer: [eu-west, us-east] }',
  '  default: [us-east, eu-west]',
  'records:',
  '  shop:',
  '    policy: geo',
  '    whenAllDown: all',
  '    targets:',
  '      - { address: 192.0.2.1, region: eu-west }',
  '      - { address: 192.0.2.2, region: us-east }',
  '  www: { cname: shop.gslb.example.com }',
  '  plain:',
  '    policy: weighted',
  '    targets: [ { address: 192.0.2.9 } ]',
]);

const targetsWith = (health: Record<string, AddressHealth>): TargetSource => ({
  resolve: (_zone, record) =>
    record.targets.map((target): ResolvedTarget => ({
      weight: 1,
      unit: true,
      addresses: (target.kind === 'static' ? target.addresses : []).map((address) => ({ address, family: 4, health: health[address] ?? 'up', drained: false })),
    })),
});

const EU_CLIENT = ecsOption(1, 24, 0, [10, 1, 7]);
const OTHER_CLIENT = ecsOption(1, 24, 0, [192, 0, 2]);

interface Case {
  name: string;
  health: Record<string, AddressHealth>;
  queries: Array<[name: string, ecs: Buffer]>;
  counts: Record<string, number>;
}

const cases: Case[] = [
  {
    name: 'each client counts under its region',
    health: {},
    queries: [
      ['shop.gslb.example.com', EU_CLIENT],
      ['shop.gslb.example.com', EU_CLIENT],
      ['shop.gslb.example.com', OTHER_CLIENT],
    ],
    counts: { 'shop.gslb.example.com eu-west': 2, 'shop.gslb.example.com us-east': 1 },
  },
  {
    name: 'the nearest region down: its clients count under the next one',
    health: { '192.0.2.1': 'down' },
    queries: [['shop.gslb.example.com', EU_CLIENT]],
    counts: { 'shop.gslb.example.com us-east': 1 },
  },
  {
    name: 'every region down, failing open: under the region whose addresses went out',
    health: { '192.0.2.1': 'down', '192.0.2.2': 'down' },
    queries: [
      ['shop.gslb.example.com', EU_CLIENT],
      ['shop.gslb.example.com', OTHER_CLIENT],
    ],
    counts: { 'shop.gslb.example.com eu-west': 1, 'shop.gslb.example.com us-east': 1 },
  },
  {
    name: 'a CNAME chased into the geo record counts under the geo record',
    health: {},
    queries: [['www.gslb.example.com', EU_CLIENT]],
    counts: { 'shop.gslb.example.com eu-west': 1 },
  },
  {
    name: 'records that are not geo count nothing here',
    health: {},
    queries: [['plain.gslb.example.com', EU_CLIENT]],
    counts: {},
  },
];

describe('geo answers per region', () => {
  for (const c of cases)
    it(c.name, () => {
      const builder = new AnswerTableBuilder(targetsWith(c.health));
      const counts = new QueryCounts();
      const handler = new QueryHandler({ current: builder.build([zone]) }, { observer: counts, random: () => 0 });
      for (const [name, ecs] of c.queries) handler.handle(buildQuery({ name, type: 1, edns: { udp: 1232, options: ecs } }), 'udp', '127.0.0.1');
      const labels = builder.regionLabels();
      const seen = Object.fromEntries(
        [...counts.regionEntries((slot) => labels[slot])].map(([l, value]) => {
          assert.equal(l.zone, 'gslb.example.com');
          return [`${l.record} ${l.region}`, value];
        }),
      );
      assert.deepEqual(seen, c.counts);
    });

  it('slots are stable across rebuilds: a health change counts on under the same labels', () => {
    const builder = new AnswerTableBuilder(targetsWith({}));
    builder.build([zone]);
    const before = builder.regionLabels().map((l) => `${l.record} ${l.region}`);
    builder.build([zone]);
    assert.deepEqual(
      builder.regionLabels().map((l) => `${l.record} ${l.region}`),
      before,
    );
  });
});
