// A rebuild keeps the answers of zones whose fingerprint did not change (they are kept up to date in place),
// and encodes again only the zones that changed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerTableBuilder } from '../../src/answers/build.js';
import type { ResolvedTarget } from '../../src/answers/select.js';
import { nameToKey } from '../../src/answers/wire.js';
import type { BalancedRecord, ZoneConfig } from '../../src/zone/model.js';
import { zoneOf } from '../helpers/fixture-zone.js';

const down = new Set<string>();
const targets = {
  resolve: (_zone: ZoneConfig, record: BalancedRecord): ResolvedTarget[] =>
    record.targets.map((t) => ({
      weight: t.weight,
      addresses: (t.kind === 'static' ? t.addresses : []).map((address) => ({
        address,
        family: 4 as const,
        health: down.has(address) ? ('down' as const) : ('up' as const),
      })),
    })),
};

function failover(name: string, a: string, b: string): BalancedRecord {
  return {
    kind: 'balanced',
    name,
    policy: 'failover',
    ttl: 30,
    answers: 1,
    whenAllDown: 'all',
    targets: [
      { kind: 'static', addresses: [a], weight: 1 },
      { kind: 'static', addresses: [b], weight: 1 },
    ],
  };
}

const zoneA = (fingerprint: string): ZoneConfig => ({
  ...zoneOf('a.test', [failover('x.a.test', '192.0.2.1', '192.0.2.2'), failover('deep.er.a.test', '192.0.2.5', '192.0.2.6')]),
  fingerprint,
});
const zoneB = (fingerprint: string, second = '192.0.2.4'): ZoneConfig => ({ ...zoneOf('b.test', [failover('y.b.test', '192.0.2.3', second)]), fingerprint });

/** The A record a name answers, from the table's wire template (the last 4 octets of a one-answer response). */
function answerOf(builder: AnswerTableBuilder, name: string): string {
  const table = builder.refresh([]);
  const template = table.name(nameToKey(name))!.types.get(1)!.templates[0];
  return [...template.subarray(template.length - 4)].join('.');
}

describe('AnswerTableBuilder with reuseUnchangedZones', () => {
  it('keeps unchanged zones as they are, including what was refreshed in place, and rebuilds changed ones', () => {
    down.clear();
    const builder = new AnswerTableBuilder(targets, { reuseUnchangedZones: true });
    builder.build([zoneA('a1'), zoneB('b1')]);
    down.add('192.0.2.1');
    builder.refresh([{ zone: 'a.test', name: 'x.a.test' }]);
    assert.equal(answerOf(builder, 'x.a.test'), '192.0.2.2');
    const entryBefore = builder.refresh([]).name(nameToKey('x.a.test'));
    const entOfA = builder.refresh([]).name(nameToKey('er.a.test'));
    assert.ok(entOfA !== undefined, 'the empty non-terminal has an entry');

    const table = builder.build([zoneA('a1'), zoneB('b2', '192.0.2.9')]);
    assert.equal(table.name(nameToKey('x.a.test')), entryBefore, 'zone a was reused, not encoded again');
    assert.equal(table.name(nameToKey('er.a.test')), entOfA, 'its empty non-terminal too');
    assert.equal(answerOf(builder, 'x.a.test'), '192.0.2.2');
    // Zone b changed: rebuilt, and later refreshes reach it.
    down.add('192.0.2.3');
    builder.refresh([{ zone: 'b.test', name: 'y.b.test' }]);
    assert.equal(answerOf(builder, 'y.b.test'), '192.0.2.9');
    // The reused zone still refreshes in place.
    down.delete('192.0.2.1');
    builder.refresh([{ zone: 'a.test', name: 'x.a.test' }]);
    assert.equal(answerOf(builder, 'x.a.test'), '192.0.2.1');
  });

  it('encodes a zone again when a child zone is added below it, though its fingerprint is unchanged', () => {
    const builder = new AnswerTableBuilder(targets, { reuseUnchangedZones: true });
    const parent = { ...zoneOf('a.test', [{ kind: 'cname' as const, name: 'c.a.test', ttl: 30, target: 'x.sub.a.test' }]), fingerprint: 'p1' };
    const rcodeOf = (table: ReturnType<AnswerTableBuilder['build']>) => table.name(nameToKey('c.a.test'))!.otherwise!.rcode;
    assert.equal(rcodeOf(builder.build([parent])), 3, 'alone, the target is a missing name of a.test');
    const child = { ...zoneOf('sub.a.test', [failover('x.sub.a.test', '192.0.2.7', '192.0.2.8')]), fingerprint: 'c1' };
    assert.equal(rcodeOf(builder.build([parent, child])), 0, "with sub.a.test served, the target is not a.test's to deny");
    assert.equal(rcodeOf(builder.build([parent])), 3, 'and back');
  });

  it('encodes everything again without the option, or without fingerprints', () => {
    for (const [options, fingerprint] of [
      [{}, 'a1'],
      [{ reuseUnchangedZones: true }, undefined],
    ] as const) {
      const builder = new AnswerTableBuilder(targets, options);
      const zone = fingerprint === undefined ? zoneOf('a.test', [failover('x.a.test', '192.0.2.1', '192.0.2.2')]) : zoneA(fingerprint);
      const first = builder.build([zone]).name(nameToKey('x.a.test'));
      const second = builder.build([zone]).name(nameToKey('x.a.test'));
      assert.notEqual(first, second);
    }
  });

  it('builds a new table when a zone is added, keeping the entries of a zone whose balanced records changed', () => {
    down.clear();
    const builder = new AnswerTableBuilder(targets, { reuseUnchangedZones: true });
    const first = builder.build([zoneA('a1')]);
    const x = first.name(nameToKey('x.a.test'));
    const second = builder.build([zoneA('a1'), zoneB('b1')]);
    assert.notEqual(second, first);
    assert.equal(second.name(nameToKey('x.a.test')), x);
    assert.equal(answerOf(builder, 'y.b.test'), '192.0.2.3');
    assert.equal(first.name(nameToKey('y.b.test')), undefined, 'the table being served is left as it was');
  });

  it('drops a zone that is gone', () => {
    const builder = new AnswerTableBuilder(targets, { reuseUnchangedZones: true });
    builder.build([zoneA('a1'), zoneB('b1')]);
    const table = builder.build([zoneA('a1')]);
    assert.equal(table.name(nameToKey('y.b.test')), undefined);
    assert.equal(table.zoneFor(nameToKey('y.b.test')), undefined);
  });

  it('encodes again only the balanced records that changed, the apex and the CNAME owners; the serial follows', () => {
    down.clear();
    const builder = new AnswerTableBuilder(targets, { reuseUnchangedZones: true });
    const cname = { kind: 'cname' as const, name: 'alias.a.test', ttl: 30, target: 'x.a.test' };
    const v1: ZoneConfig = {
      ...zoneOf('a.test', [failover('x.a.test', '192.0.2.1', '192.0.2.2'), failover('z.a.test', '192.0.2.7', '192.0.2.8'), cname]),
      fingerprint: 'v1',
    };
    const first = builder.build([v1]);
    const z = first.name(nameToKey('z.a.test'));
    const v2: ZoneConfig = {
      ...zoneOf('a.test', [failover('x.a.test', '192.0.2.11', '192.0.2.2'), failover('z.a.test', '192.0.2.7', '192.0.2.8'), cname]),
      soa: { ...v1.soa, serial: 2 },
      fingerprint: 'v2',
    };
    const second = builder.build([v2]);
    assert.equal(second, first, 'the same zones: the table is updated in place, not copied');
    assert.equal(second.name(nameToKey('z.a.test')), z, 'an unchanged record keeps its entry');
    assert.equal(answerOf(builder, 'x.a.test'), '192.0.2.11');
    // The CNAME owner chases into the changed record.
    const chased = second.name(nameToKey('alias.a.test'))!.types.get(1)!.templates[0];
    assert.deepEqual([...chased.subarray(chased.length - 4)], [192, 0, 2, 11]);
    // The serial changed everywhere it appears: the zone entry (negative answers) and the apex SOA.
    assert.equal(second.zoneFor(nameToKey('x.a.test'))!.serial, 2);
    const apexSoa = second.name(nameToKey('a.test'))!.types.get(6)!.templates[0];
    assert.ok(apexSoa.includes(Buffer.from([0, 0, 0, 2, 0, 0, 0x0e, 0x10])), 'serial 2 then refresh 3600 in the apex SOA');
    // Later health changes still reach the updated record.
    down.add('192.0.2.11');
    builder.refresh([{ zone: 'a.test', name: 'x.a.test' }]);
    assert.equal(answerOf(builder, 'x.a.test'), '192.0.2.2');
  });

  it('encodes the whole zone again when anything but balanced records changed', () => {
    const builder = new AnswerTableBuilder(targets, { reuseUnchangedZones: true });
    const records = [
      failover('x.a.test', '192.0.2.1', '192.0.2.2'),
      { kind: 'static' as const, name: 's.a.test', ttl: 30, a: ['192.0.2.40'], aaaa: [], txt: [] },
    ];
    const x = builder.build([{ ...zoneOf('a.test', records), fingerprint: 'v1' }]).name(nameToKey('x.a.test'));
    const changedStatic = [records[0], { ...records[1], a: ['192.0.2.41'] }];
    const table = builder.build([{ ...zoneOf('a.test', changedStatic), fingerprint: 'v2' }]);
    assert.notEqual(table.name(nameToKey('x.a.test')), x);
    const s41 = table.name(nameToKey('s.a.test'))!.types.get(1)!.templates[0];
    assert.deepEqual([...s41.subarray(s41.length - 4)], [192, 0, 2, 41]);
  });
});
