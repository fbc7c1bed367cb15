// The handler and EDNS Client Subnet (RFC 7871 §7.2.1): every response with an OPT record echoes the query's
// ECS option (FAMILY, SOURCE PREFIX-LENGTH and ADDRESS as sent, SCOPE PREFIX-LENGTH 0 while no answer depends on
// the client), sizes count the longer OPT record, and a malformed option gets FORMERR without one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAnswerTable } from '../../src/answers/build.js';
import { QueryHandler, type Transport } from '../../src/dns/handler.js';
import { buildQuery, decodeResponse, ecsOption, type DecodedEcs, type QuerySpec } from '../helpers/dns-message.js';
import { childZone, fixtureZone, staticTargets, zoneOf } from '../helpers/fixture-zone.js';
import type { ZoneConfig } from '../../src/zone/model.js';

/** 14 name servers with A and AAAA glue, as in handler.test.ts: the glue is what gets cut to fit. */
const wide = Array.from({ length: 14 }, (_, i) => `ns${String(i + 1).padStart(2, '0')}.wide.example.net`);
const wideZone: ZoneConfig = {
  ...zoneOf('wide.example.net', []),
  nameservers: wide.map((name, i) => ({ name, addresses: [`192.0.2.${i + 1}`, `2001:db8::${i + 1}`] })),
};
const handler = new QueryHandler({ current: buildAnswerTable([fixtureZone, childZone, wideZone], staticTargets()) }, { random: () => 0 });

const T = { A: 1, NS: 2, SOA: 6, TXT: 16, AAAA: 28, AXFR: 252 };
const V4_24 = ecsOption(1, 24, 0, [192, 0, 2]);
const V4_24_ECHO: DecodedEcs = { family: 1, sourcePrefix: 24, scopePrefix: 0, address: '192.0.2.0', addressOctets: 3, optRdlength: 11 };
const V6_56 = ecsOption(2, 56, 0, [0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0xef]);
const V6_56_ECHO: DecodedEcs = { family: 2, sourcePrefix: 56, scopePrefix: 0, address: '2001:db8:abcd:ef00::', addressOctets: 7, optRdlength: 15 };

interface Case {
  name: string;
  query: QuerySpec;
  transport?: Transport;
  rcode: number;
  tc?: boolean;
  ecs: DecodedEcs | undefined;
}

const ask = (name: string, type: number, options: Buffer, extra: Partial<QuerySpec> = {}): QuerySpec => ({
  name,
  type,
  ...extra,
  edns: { udp: 1232, options },
});

const cases: Case[] = [
  { name: 'an answer', query: ask('app.gslb.example.com', T.A, V4_24), rcode: 0, ecs: V4_24_ECHO },
  { name: 'an answer over TCP', query: ask('app.gslb.example.com', T.A, V4_24), transport: 'tcp', rcode: 0, ecs: V4_24_ECHO },
  { name: 'an answer to an IPv6 /56 (7 address octets)', query: ask('app.gslb.example.com', T.AAAA, V6_56), rcode: 0, ecs: V6_56_ECHO },
  {
    name: 'IPv4 /32',
    query: ask('app.gslb.example.com', T.A, ecsOption(1, 32, 0, [192, 0, 2, 77])),
    rcode: 0,
    ecs: { family: 1, sourcePrefix: 32, scopePrefix: 0, address: '192.0.2.77', addressOctets: 4, optRdlength: 12 },
  },
  {
    name: 'IPv6 /128',
    query: ask('app.gslb.example.com', T.AAAA, ecsOption(2, 128, 0, [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 9])),
    rcode: 0,
    ecs: { family: 2, sourcePrefix: 128, scopePrefix: 0, address: '2001:db8::9', addressOctets: 16, optRdlength: 24 },
  },
  {
    name: 'source prefix 0: the option comes back without address octets',
    query: ask('app.gslb.example.com', T.A, ecsOption(1, 0, 0, [])),
    rcode: 0,
    ecs: { family: 1, sourcePrefix: 0, scopePrefix: 0, address: '0.0.0.0', addressOctets: 0, optRdlength: 8 },
  },
  {
    name: 'a nonzero scope in the query is not echoed: the scope is ours',
    query: ask('app.gslb.example.com', T.A, ecsOption(1, 24, 20, [192, 0, 2])),
    rcode: 0,
    ecs: V4_24_ECHO,
  },
  {
    name: 'only ECS is echoed, not the options beside it',
    query: ask('app.gslb.example.com', T.A, Buffer.concat([Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]), V4_24])),
    rcode: 0,
    ecs: V4_24_ECHO,
  },
  { name: 'NODATA', query: ask('app.gslb.example.com', T.TXT, V4_24), rcode: 0, ecs: V4_24_ECHO },
  { name: 'NXDOMAIN', query: ask('nope.gslb.example.com', T.A, V6_56), rcode: 3, ecs: V6_56_ECHO },
  { name: 'REFUSED outside the zones', query: ask('www.example.org', T.A, V4_24), rcode: 5, ecs: V4_24_ECHO },
  { name: 'REFUSED for a transfer', query: ask('gslb.example.com', T.AXFR, V4_24), transport: 'tcp', rcode: 5, ecs: V4_24_ECHO },
  { name: 'NOTIMP', query: ask('gslb.example.com', T.SOA, V4_24, { opcode: 4 }), rcode: 4, ecs: V4_24_ECHO },
  { name: 'a truncated answer', query: ask('big.gslb.example.com', T.TXT, V4_24), rcode: 0, tc: true, ecs: V4_24_ECHO },
  // Malformed: FORMERR, with an OPT record (RFC 6891 §6.1.1) but without ECS.
  { name: 'FORMERR for an unknown family', query: ask('app.gslb.example.com', T.A, ecsOption(3, 0, 0, [])), rcode: 1, ecs: undefined },
  { name: 'FORMERR for too many address octets', query: ask('app.gslb.example.com', T.A, ecsOption(1, 24, 0, [192, 0, 2, 0])), rcode: 1, ecs: undefined },
  { name: 'FORMERR for bits beyond the prefix', query: ask('app.gslb.example.com', T.A, ecsOption(1, 23, 0, [192, 0, 3])), rcode: 1, ecs: undefined },
  { name: 'FORMERR for two ECS options', query: ask('app.gslb.example.com', T.A, Buffer.concat([V4_24, V4_24])), rcode: 1, ecs: undefined },
];

describe('ECS in responses (RFC 7871 §7.2.1)', () => {
  for (const testCase of cases) {
    it(`${testCase.name}: rcode ${testCase.rcode}, ECS ${testCase.ecs === undefined ? 'absent' : 'echoed'}`, () => {
      const bytes = handler.handle(buildQuery(testCase.query), testCase.transport ?? 'udp');
      assert.ok(bytes);
      const response = decodeResponse(bytes);
      assert.equal(response.rcode, testCase.rcode, 'rcode');
      assert.equal(response.flags.tc, testCase.tc ?? false, 'TC');
      assert.ok(response.opt, 'an OPT record');
      assert.deepEqual(response.ecs, testCase.ecs, 'ECS');
      // Our OPT record is the last record: root owner, type 41, then RDLENGTH octets of RDATA.
      const rdlength = testCase.ecs?.optRdlength ?? 0;
      const opt = bytes.length - rdlength - 11;
      assert.deepEqual([bytes[opt], bytes.readUInt16BE(opt + 1), bytes.readUInt16BE(opt + 9)], [0, 41, rdlength], 'OPT at the end, RDLENGTH');
    });
  }

  it('no ECS in the query, none in the response (§7.2.1), with or without EDNS', () => {
    for (const edns of [{}, undefined]) {
      const response = decodeResponse(handler.handle(buildQuery({ name: 'app.gslb.example.com', type: T.A, edns }), 'udp')!);
      assert.equal(response.ecs, undefined);
    }
  });

  it('an EDNS version 1 query gets BADVERS without interpreting or echoing ECS', () => {
    const response = decodeResponse(handler.handle(buildQuery({ name: 'app.gslb.example.com', type: T.A, edns: { version: 1, options: V4_24 } }), 'udp')!);
    assert.equal(response.rcode, 16);
    assert.equal(response.ecs, undefined);
  });

  it('the truncated reply RRL slips echoes ECS too', () => {
    const query = buildQuery(ask('app.gslb.example.com', T.A, V6_56));
    assert.ok(handler.handle(query, 'udp'));
    const slipped = decodeResponse(handler.truncatedReply(query));
    assert.equal(slipped.flags.tc, true);
    assert.deepEqual(slipped.ecs, V6_56_ECHO);
  });

  // The NS answer with all its glue is 14 NS records and 28 glue records; cuts drop glue from the end. With a
  // payload of 600 and no ECS, 6 glue pairs and one A fit (handler.test.ts); ECS makes the OPT record 16 octets
  // (IPv6 /128) to 24 octets longer, which must come out of the glue, never push the response past 600.
  it('counts the longer OPT record against the UDP size: the glue cut happens earlier', () => {
    const plain = handler.handle(buildQuery({ name: 'wide.example.net', type: T.NS, edns: { udp: 600 } }), 'udp')!;
    const v6 = ecsOption(2, 128, 0, [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(12).fill(0)]);
    const withEcs = handler.handle(buildQuery({ name: 'wide.example.net', type: T.NS, edns: { udp: 600, options: v6 } }), 'udp')!;
    assert.ok(plain.length <= 600 && withEcs.length <= 600, `${plain.length} and ${withEcs.length} octets`);
    const [p, e] = [decodeResponse(plain), decodeResponse(withEcs)];
    assert.equal(e.flags.tc, false);
    assert.equal(e.answer.length, 14, 'every NS kept');
    assert.ok(e.additional.length < p.additional.length, `glue ${e.additional.length} < ${p.additional.length}`);
    assert.equal(e.ecs?.addressOctets, 16);
  });

  it('keeps UDP responses within the requestor size with the largest ECS echo, whatever the name', () => {
    const v6 = ecsOption(2, 128, 0, [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(12).fill(0)]);
    for (const [name, type] of [
      ['big.gslb.example.com', T.TXT],
      ['wide.example.net', T.NS],
      ['gslb.example.com', T.NS],
      ['nope.gslb.example.com', T.A],
    ] as const) {
      for (const udp of [512, 600, 1232]) {
        const bytes = handler.handle(buildQuery({ name, type, edns: { udp, options: v6 } }), 'udp')!;
        assert.ok(bytes.length <= udp, `${name} at ${udp}: ${bytes.length} octets`);
        assert.equal(decodeResponse(bytes).ecs?.addressOctets, 16, `${name} at ${udp}: ECS echoed`);
      }
    }
  });
});
