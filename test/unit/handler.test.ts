// Table-driven tests of the query handler, CoreDNS style: (qname, qtype, flags) → (rcode, answer, authority,
// additional). The handler is exercised exactly as the listeners call it, on encoded bytes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAnswerTable } from '../../src/answers/build.js';
import { QueryHandler, type Transport } from '../../src/dns/handler.js';
import { buildQuery, decodeResponse, encodeName, optRecord, type DecodedResponse, type QuerySpec } from '../helpers/dns-message.js';
import type { ZoneConfig } from '../../src/zone/model.js';
import { childZone, fixtureZone, SERIAL, staticTargets, zoneOf } from '../helpers/fixture-zone.js';

/** 14 name servers, each with A and AAAA glue: the NS answer fits 512 octets, the glue does not. */
const wide = Array.from({ length: 14 }, (_, i) => `ns${String(i + 1).padStart(2, '0')}.wide.example.net`);
const wideZone: ZoneConfig = {
  ...zoneOf('wide.example.net', []),
  nameservers: wide.map((name, i) => ({ name, addresses: [`192.0.2.${i + 1}`, `2001:db8::${i + 1}`] })),
};
const wideNs = wide.map((name) => `wide.example.net. 30 IN NS ${name}.`);
/** The glue of the first `pairs` name servers (A then AAAA), then the A of the next one. */
const wideGlue = (pairs: number) => [
  ...wide.slice(0, pairs).flatMap((name, i) => [`${name}. 30 IN A 192.0.2.${i + 1}`, `${name}. 30 IN AAAA 2001:db8::${i + 1}`]),
  `${wide[pairs]}. 30 IN A 192.0.2.${pairs + 1}`,
];

/** The fixture parent zone with a CNAME into its child zone, which the same table serves. */
const parentZone: ZoneConfig = {
  ...fixtureZone,
  records: [...fixtureZone.records, { kind: 'cname', name: 'tochild.gslb.example.com', ttl: 60, target: 'x.sub.gslb.example.com' }],
};

const table = buildAnswerTable([parentZone, childZone, wideZone], staticTargets());
/** random() = 0 pins weighted picks to the first target, so answers are predictable. */
const handler = new QueryHandler({ current: table }, { random: () => 0 });

const SOA = `gslb.example.com. 20 IN SOA ns1.gslb.example.com. hostmaster.example.com. ${SERIAL} 3600 600 86400 20`;
const CHILD_SOA = 'sub.gslb.example.com. 60 IN SOA ns1.gslb.example.com. hostmaster.example.com. 7 3600 600 86400 120';
const T = { A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, OPT: 41, IXFR: 251, AXFR: 252, ANY: 255 };

interface Expected {
  rcode: number;
  aa?: boolean;
  tc?: boolean;
  answer?: string[];
  authority?: string[];
  additional?: string[];
  /** Expected OPT: omitted means "no OPT in the response". */
  opt?: { udp: number; version: number; do: boolean; extendedRcode: number };
}

interface Case {
  name: string;
  query: QuerySpec;
  transport?: Transport;
  expect: Expected;
}

const cases: Case[] = [
  // Weighted, failover and static data.
  {
    name: 'weighted A picks by weight (pinned to first)',
    query: { name: 'app.gslb.example.com', type: T.A },
    expect: { rcode: 0, answer: ['app.gslb.example.com. 30 IN A 192.0.2.10'] },
  },
  {
    name: 'weighted AAAA only among targets with IPv6',
    query: { name: 'app.gslb.example.com', type: T.AAAA },
    expect: { rcode: 0, answer: ['app.gslb.example.com. 30 IN AAAA 2001:db8::20'] },
  },
  {
    name: 'failover answers the first target',
    query: { name: 'shop.gslb.example.com', type: T.A },
    expect: { rcode: 0, answer: ['shop.gslb.example.com. 15 IN A 192.0.2.30'] },
  },
  { name: 'failover without IPv6 targets is NODATA', query: { name: 'shop.gslb.example.com', type: T.AAAA }, expect: { rcode: 0, authority: [SOA] } },
  { name: 'static A', query: { name: 'static.gslb.example.com', type: T.A }, expect: { rcode: 0, answer: ['static.gslb.example.com. 30 IN A 192.0.2.1'] } },
  {
    name: 'static AAAA',
    query: { name: 'static.gslb.example.com', type: T.AAAA },
    expect: { rcode: 0, answer: ['static.gslb.example.com. 30 IN AAAA 2001:db8::1'] },
  },
  { name: 'TXT', query: { name: 'info.gslb.example.com', type: T.TXT }, expect: { rcode: 0, answer: ['info.gslb.example.com. 30 IN TXT "hello"'] } },
  {
    name: 'multi-label name',
    query: { name: 'api.eu.gslb.example.com', type: T.A },
    expect: { rcode: 0, answer: ['api.eu.gslb.example.com. 30 IN A 192.0.2.50'] },
  },

  // Negative answers (RFC 2308): SOA in authority with TTL min(SOA TTL, minimum).
  { name: 'NODATA for a type the name lacks', query: { name: 'app.gslb.example.com', type: T.TXT }, expect: { rcode: 0, authority: [SOA] } },
  { name: 'empty non-terminal is NODATA, not NXDOMAIN', query: { name: 'eu.gslb.example.com', type: T.A }, expect: { rcode: 0, authority: [SOA] } },
  { name: 'unknown name is NXDOMAIN', query: { name: 'nope.gslb.example.com', type: T.A }, expect: { rcode: 3, authority: [SOA] } },
  { name: 'below an existing name is NXDOMAIN', query: { name: 'deep.app.gslb.example.com', type: T.A }, expect: { rcode: 3, authority: [SOA] } },
  { name: 'NXDOMAIN for an unknown type too', query: { name: 'nope.gslb.example.com', type: 99 }, expect: { rcode: 3, authority: [SOA] } },

  // Apex.
  {
    name: 'apex SOA',
    query: { name: 'gslb.example.com', type: T.SOA },
    expect: { rcode: 0, answer: [`gslb.example.com. 30 IN SOA ns1.gslb.example.com. hostmaster.example.com. ${SERIAL} 3600 600 86400 20`] },
  },
  {
    name: 'apex NS with in-zone glue in additional',
    query: { name: 'gslb.example.com', type: T.NS },
    expect: {
      rcode: 0,
      answer: [
        'gslb.example.com. 30 IN NS ns1.gslb.example.com.',
        'gslb.example.com. 30 IN NS ns2.gslb.example.com.',
        'gslb.example.com. 30 IN NS ns.other.example.net.',
      ],
      additional: [
        'ns1.gslb.example.com. 30 IN A 203.0.113.53',
        'ns2.gslb.example.com. 30 IN A 198.51.100.53',
        'ns2.gslb.example.com. 30 IN AAAA 2001:db8::53',
      ],
    },
  },
  { name: 'apex A without data is NODATA', query: { name: 'gslb.example.com', type: T.A }, expect: { rcode: 0, authority: [SOA] } },
  {
    name: 'name server glue name answers A',
    query: { name: 'ns2.gslb.example.com', type: T.AAAA },
    expect: { rcode: 0, answer: ['ns2.gslb.example.com. 30 IN AAAA 2001:db8::53'] },
  },

  // CNAME.
  {
    name: 'CNAME with the in-zone target records',
    query: { name: 'www.gslb.example.com', type: T.A },
    expect: { rcode: 0, answer: ['www.gslb.example.com. 60 IN CNAME app.gslb.example.com.', 'app.gslb.example.com. 30 IN A 192.0.2.10'] },
  },
  {
    name: 'CNAME query gets the CNAME alone',
    query: { name: 'www.gslb.example.com', type: T.CNAME },
    expect: { rcode: 0, answer: ['www.gslb.example.com. 60 IN CNAME app.gslb.example.com.'] },
  },
  {
    name: 'CNAME to a name without the type: NODATA after the CNAME',
    query: { name: 'www.gslb.example.com', type: T.TXT },
    expect: { rcode: 0, answer: ['www.gslb.example.com. 60 IN CNAME app.gslb.example.com.'], authority: [SOA] },
  },
  {
    name: 'CNAME to a missing in-zone name: NXDOMAIN (RFC 6604)',
    query: { name: 'dangling.gslb.example.com', type: T.A },
    expect: { rcode: 3, answer: ['dangling.gslb.example.com. 60 IN CNAME missing.gslb.example.com.'], authority: [SOA] },
  },
  // The child zone is another zone even though its names end in the parent's: its data is not the parent's.
  {
    name: 'CNAME into a served child zone stops at the CNAME, NOERROR',
    query: { name: 'tochild.gslb.example.com', type: T.A },
    expect: { rcode: 0, answer: ['tochild.gslb.example.com. 60 IN CNAME x.sub.gslb.example.com.'] },
  },
  {
    name: 'CNAME into a served child zone, any type',
    query: { name: 'tochild.gslb.example.com', type: T.TXT },
    expect: { rcode: 0, answer: ['tochild.gslb.example.com. 60 IN CNAME x.sub.gslb.example.com.'] },
  },
  {
    name: 'CNAME out of zone is left to the resolver',
    query: { name: 'away.gslb.example.com', type: T.A },
    expect: { rcode: 0, answer: ['away.gslb.example.com. 60 IN CNAME www.example.org.'] },
  },

  // ANY (RFC 8482): one RRset, never the whole name.
  {
    name: 'ANY gets one RRset',
    query: { name: 'static.gslb.example.com', type: T.ANY },
    expect: { rcode: 0, answer: ['static.gslb.example.com. 30 IN A 192.0.2.1'] },
  },
  {
    name: 'ANY at the apex gets the SOA',
    query: { name: 'gslb.example.com', type: T.ANY },
    expect: { rcode: 0, answer: [`gslb.example.com. 30 IN SOA ns1.gslb.example.com. hostmaster.example.com. ${SERIAL} 3600 600 86400 20`] },
  },
  {
    name: 'ANY at a CNAME gets the CNAME',
    query: { name: 'www.gslb.example.com', type: T.ANY },
    expect: { rcode: 0, answer: ['www.gslb.example.com. 60 IN CNAME app.gslb.example.com.'] },
  },

  // Zones: longest match, and nothing outside them.
  {
    name: 'child zone wins by longest match',
    query: { name: 'x.sub.gslb.example.com', type: T.A },
    expect: { rcode: 0, answer: ['x.sub.gslb.example.com. 60 IN A 192.0.2.99'] },
  },
  {
    name: 'NXDOMAIN in the child zone carries the child SOA',
    query: { name: 'y.sub.gslb.example.com', type: T.A },
    expect: { rcode: 3, authority: [CHILD_SOA] },
  },
  { name: 'parent of a zone is REFUSED', query: { name: 'example.com', type: T.A }, expect: { rcode: 5, aa: false } },
  { name: 'unrelated name is REFUSED', query: { name: 'www.example.org', type: T.A }, expect: { rcode: 5, aa: false } },
  { name: 'root is REFUSED', query: { name: '.', type: T.NS }, expect: { rcode: 5, aa: false } },

  // Transfers and classes.
  { name: 'AXFR is REFUSED', query: { name: 'gslb.example.com', type: T.AXFR }, transport: 'tcp', expect: { rcode: 5, aa: false } },
  { name: 'IXFR is REFUSED', query: { name: 'gslb.example.com', type: T.IXFR }, expect: { rcode: 5, aa: false } },
  { name: 'class CH is REFUSED', query: { name: 'version.bind', type: T.TXT, qclass: 3 }, expect: { rcode: 5, aa: false } },

  // EDNS0 (RFC 6891).
  {
    name: 'OPT echoed with our payload size and DO copied',
    query: { name: 'app.gslb.example.com', type: T.A, edns: { udp: 4096, do: true } },
    expect: { rcode: 0, answer: ['app.gslb.example.com. 30 IN A 192.0.2.10'], opt: { udp: 1232, version: 0, do: true, extendedRcode: 0 } },
  },
  {
    name: 'OPT on NXDOMAIN',
    query: { name: 'nope.gslb.example.com', type: T.A, edns: { udp: 1232 } },
    expect: { rcode: 3, authority: [SOA], opt: { udp: 1232, version: 0, do: false, extendedRcode: 0 } },
  },
  {
    name: 'EDNS version 1 gets BADVERS',
    query: { name: 'app.gslb.example.com', type: T.A, edns: { version: 1 } },
    expect: { rcode: 16, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 1 } },
  },

  // Truncation: the big TXT set is ~1.7 kB.
  { name: 'large answer over UDP without EDNS is truncated', query: { name: 'big.gslb.example.com', type: T.TXT }, expect: { rcode: 0, tc: true } },
  {
    name: 'large answer over UDP with EDNS is truncated and keeps OPT',
    query: { name: 'big.gslb.example.com', type: T.TXT, edns: { udp: 4096 } },
    expect: { rcode: 0, tc: true, opt: { udp: 1232, version: 0, do: false, extendedRcode: 0 } },
  },
  // Glue is optional: drop additional RRsets from the end until the answer fits, TC only when the answer and
  // authority themselves do not fit (RFC 2181 §9). 600 - 11 (OPT) leaves room for 6 names' glue and one A.
  {
    name: 'NS with too much glue keeps every NS and trims glue (EDNS 600)',
    query: { name: 'wide.example.net', type: T.NS, edns: { udp: 600 } },
    expect: { rcode: 0, answer: wideNs, additional: wideGlue(6), opt: { udp: 1232, version: 0, do: false, extendedRcode: 0 } },
  },
  {
    name: 'NS with too much glue keeps every NS and trims glue (512)',
    query: { name: 'wide.example.net', type: T.NS },
    expect: { rcode: 0, answer: wideNs, additional: wideGlue(4) },
  },
  {
    name: 'NS with all its glue over TCP',
    query: { name: 'wide.example.net', type: T.NS },
    transport: 'tcp',
    expect: { rcode: 0, answer: wideNs, additional: wideGlue(13).concat(`${wide[13]}. 30 IN AAAA 2001:db8::14`) },
  },
  {
    name: 'large answer over TCP is whole',
    query: { name: 'big.gslb.example.com', type: T.TXT },
    transport: 'tcp',
    expect: { rcode: 0, answer: Array.from({ length: 8 }, (_, i) => `big.gslb.example.com. 30 IN TXT ${JSON.stringify(`${i}`.repeat(200))}`) },
  },

  // Malformed and unsupported.
  { name: 'a response sent as a query gets FORMERR', query: { name: 'app.gslb.example.com', type: T.A, qr: true }, expect: { rcode: 1, aa: false } },
  { name: 'NOTIFY (opcode 4) gets NOTIMP', query: { name: 'gslb.example.com', type: T.SOA, opcode: 4 }, expect: { rcode: 4, aa: false } },
  { name: 'UPDATE (opcode 5) gets NOTIMP', query: { name: 'gslb.example.com', type: T.SOA, opcode: 5 }, expect: { rcode: 4, aa: false } },
  { name: 'QTYPE OPT gets FORMERR', query: { name: 'app.gslb.example.com', type: T.OPT }, expect: { rcode: 1, aa: false } },

  // Error responses carry an OPT when the query did (RFC 6891 §6.1.1), and an unknown EDNS version is BADVERS
  // before the opcode or the question is looked at (§6.1.3).
  {
    name: 'NOTIFY with EDNS gets NOTIMP with OPT',
    query: { name: 'gslb.example.com', type: T.SOA, opcode: 4, edns: { do: true } },
    expect: { rcode: 4, aa: false, opt: { udp: 1232, version: 0, do: true, extendedRcode: 0 } },
  },
  {
    name: 'UPDATE with EDNS gets NOTIMP with OPT',
    query: { name: 'gslb.example.com', type: T.SOA, opcode: 5, edns: {} },
    expect: { rcode: 4, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 0 } },
  },
  {
    name: 'IQUERY with EDNS gets NOTIMP with OPT',
    query: { name: 'gslb.example.com', type: T.SOA, opcode: 1, edns: {} },
    expect: { rcode: 4, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 0 } },
  },
  {
    name: 'STATUS with EDNS gets NOTIMP with OPT',
    query: { name: 'gslb.example.com', type: T.SOA, opcode: 2, edns: {} },
    expect: { rcode: 4, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 0 } },
  },
  {
    name: 'opcode 15 with EDNS gets NOTIMP with OPT',
    query: { name: 'gslb.example.com', type: T.SOA, opcode: 15, edns: {} },
    expect: { rcode: 4, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 0 } },
  },
  {
    name: 'QR=1 with EDNS gets FORMERR with OPT',
    query: { name: 'app.gslb.example.com', type: T.A, qr: true, edns: {} },
    expect: { rcode: 1, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 0 } },
  },
  {
    name: 'QTYPE OPT with EDNS gets FORMERR with OPT',
    query: { name: 'app.gslb.example.com', type: T.OPT, edns: {} },
    expect: { rcode: 1, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 0 } },
  },
  {
    name: 'NOTIFY with EDNS version 1 gets BADVERS',
    query: { name: 'gslb.example.com', type: T.SOA, opcode: 4, edns: { version: 1 } },
    expect: { rcode: 16, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 1 } },
  },
  {
    name: 'UPDATE with EDNS version 1 gets BADVERS',
    query: { name: 'gslb.example.com', type: T.SOA, opcode: 5, edns: { version: 1 } },
    expect: { rcode: 16, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 1 } },
  },
  {
    name: 'QTYPE OPT with EDNS version 1 gets BADVERS',
    query: { name: 'app.gslb.example.com', type: T.OPT, edns: { version: 1 } },
    expect: { rcode: 16, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 1 } },
  },
  // A response is not a request, so there is no version to negotiate: FORMERR still, with OPT.
  {
    name: 'QR=1 with EDNS version 1 stays FORMERR',
    query: { name: 'app.gslb.example.com', type: T.A, qr: true, edns: { version: 1 } },
    expect: { rcode: 1, aa: false, opt: { udp: 1232, version: 0, do: false, extendedRcode: 0 } },
  },
];

describe('query handler', () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      const query = buildQuery(testCase.query);
      const bytes = handler.handle(query, testCase.transport ?? 'udp');
      assert.ok(bytes, 'expected a response');
      const response = decodeResponse(bytes);
      const expected = testCase.expect;
      assert.equal(response.id, 0x1234);
      assert.equal(response.rcode, expected.rcode, 'rcode');
      assert.equal(response.flags.qr, true, 'QR');
      assert.equal(response.flags.aa, expected.aa ?? true, 'AA');
      assert.equal(response.flags.tc, expected.tc ?? false, 'TC');
      assert.equal(response.flags.ra, false, 'RA');
      assert.deepEqual(response.answer, expected.answer ?? [], 'answer');
      assert.deepEqual(response.authority, expected.authority ?? [], 'authority');
      assert.deepEqual(response.additional, expected.additional ?? [], 'additional');
      assert.deepEqual(response.opt, expected.opt, 'OPT');
    });
  }
});

describe('header and question handling', () => {
  it('echoes the question with its original case (0x20)', () => {
    const bytes = handler.handle(buildQuery({ name: 'ApP.GsLb.ExAmPlE.CoM', type: T.A }), 'udp')!;
    const response = decodeResponse(bytes);
    assert.deepEqual(response.question, ['ApP.GsLb.ExAmPlE.CoM. A']);
    assert.equal(response.answer.length, 1);
    assert.match(response.answer[0], /192\.0\.2\.10$/);
  });

  it('echoes case on NXDOMAIN too, and points the SOA owner at the zone inside the question', () => {
    const response = decodeResponse(handler.handle(buildQuery({ name: 'NoPe.GSLB.example.COM', type: T.A }), 'udp')!);
    assert.deepEqual(response.question, ['NoPe.GSLB.example.COM. A']);
    assert.equal(response.rcode, 3);
    assert.equal(response.authority.length, 1);
    assert.match(response.authority[0], /^GSLB\.example\.COM\. 20 IN SOA /);
  });

  it('copies RD and CD, never sets RA', () => {
    for (const rd of [true, false]) {
      for (const cd of [true, false]) {
        const response = decodeResponse(handler.handle(buildQuery({ name: 'app.gslb.example.com', type: T.A, rd, cd }), 'udp')!);
        assert.equal(response.flags.rd, rd);
        assert.equal(response.flags.cd, cd);
        assert.equal(response.flags.ra, false);
      }
    }
  });

  it('echoes the opcode in NOTIMP', () => {
    const response = decodeResponse(handler.handle(buildQuery({ name: 'gslb.example.com', type: T.SOA, opcode: 4 }), 'udp')!);
    assert.equal(response.opcode, 4);
  });

  it('drops messages shorter than a header', () => {
    for (const length of [0, 1, 11]) assert.equal(handler.handle(Buffer.alloc(length), 'udp'), null);
  });

  it('drops error responses (a FORMERR ping-pong guard)', () => {
    const query = buildQuery({ name: 'app.gslb.example.com', type: T.A, qr: true });
    query[3] = 1;
    assert.equal(handler.handle(query, 'udp'), null);
  });

  const header = (qdcount: number, arcount = 0) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(0x4242, 0);
    h.writeUInt16BE(qdcount, 4);
    h.writeUInt16BE(arcount, 10);
    return h;
  };
  const question = Buffer.concat([encodeName('app.gslb.example.com'), Buffer.from([0, 1, 0, 1])]);
  const formerrCases: Array<[string, Buffer]> = [
    ['QDCOUNT 0', header(0)],
    ['QDCOUNT 2', Buffer.concat([header(2), question, question])],
    ['question name runs past the end', Buffer.concat([header(1), Buffer.from([3, 0x61, 0x70])])],
    ['question without type and class', Buffer.concat([header(1), encodeName('app.gslb.example.com')])],
    ['compression pointer in the question', Buffer.concat([header(1), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])])],
    ['label length 64 (reserved bits)', Buffer.concat([header(1), Buffer.from([0x40]), Buffer.alloc(64, 0x61), Buffer.from([0, 0, 1, 0, 1])])],
    [
      'name longer than 255 octets',
      Buffer.concat([header(1), ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])), Buffer.from([0, 0, 1, 0, 1])]),
    ],
    ['ARCOUNT 1 with nothing there', Buffer.concat([header(1, 1), question])],
    ['two OPT records', Buffer.concat([header(1, 2), question, optRecord(1232, 0, false), optRecord(1232, 0, false)])],
    ['OPT option overruns RDATA', Buffer.concat([header(1, 1), question, optRecord(1232, 0, false, Buffer.from([0, 8, 0, 9, 1]))])],
    ['OPT RDATA longer than the message', Buffer.concat([header(1, 1), question, optRecord(1232, 0, false).subarray(0, 9), Buffer.from([0, 40])])],
  ];
  for (const [name, message] of formerrCases) {
    it(`FORMERR: ${name}`, () => {
      const bytes = handler.handle(message, 'udp');
      assert.ok(bytes);
      assert.equal(bytes.readUInt16BE(0), 0x4242, 'ID echoed');
      assert.equal(bytes[2] & 0x80, 0x80, 'QR set');
      assert.equal(bytes[3] & 0x0f, 1, 'FORMERR');
    });
  }

  // Messages without one usable question: their OPT, when it parses, still comes back (RFC 6891 §6.1.1).
  const opt0 = optRecord(1232, 0, true);
  const optV1 = optRecord(1232, 1, false);
  const noQuestionCases: Array<{ name: string; message: Buffer; rcode: number; opt: DecodedResponse['opt'] }> = [
    { name: 'QDCOUNT 0 with OPT', message: Buffer.concat([header(0, 1), opt0]), rcode: 1, opt: { udp: 1232, version: 0, do: true, extendedRcode: 0 } },
    {
      name: 'QDCOUNT 2 with OPT',
      message: Buffer.concat([header(2, 1), question, question, opt0]),
      rcode: 1,
      opt: { udp: 1232, version: 0, do: true, extendedRcode: 0 },
    },
    {
      name: 'QDCOUNT 0 with EDNS version 1',
      message: Buffer.concat([header(0, 1), optV1]),
      rcode: 16,
      opt: { udp: 1232, version: 0, do: false, extendedRcode: 1 },
    },
    { name: 'QDCOUNT 0 without OPT', message: header(0), rcode: 1, opt: undefined },
    {
      name: 'QDCOUNT 0 with two OPT records',
      message: Buffer.concat([header(0, 2), opt0, opt0]),
      rcode: 1,
      opt: { udp: 1232, version: 0, do: true, extendedRcode: 0 },
    },
    { name: 'QDCOUNT 0, ARCOUNT 1 with nothing there', message: header(0, 1), rcode: 1, opt: undefined },
  ];
  for (const testCase of noQuestionCases) {
    it(`no usable question: ${testCase.name}`, () => {
      const response = decodeResponse(handler.handle(testCase.message, 'udp')!);
      assert.equal(response.id, 0x4242);
      assert.equal(response.rcode, testCase.rcode, 'rcode');
      assert.deepEqual(response.question, [], 'no question echoed');
      assert.deepEqual(response.opt, testCase.opt, 'OPT');
    });
  }

  it('clamps an EDNS payload below 512 to 512 (RFC 6891 §6.2.5)', () => {
    const small = decodeResponse(handler.handle(buildQuery({ name: 'gslb.example.com', type: T.NS, edns: { udp: 100 } }), 'udp')!);
    assert.equal(small.flags.tc, false);
    assert.equal(small.answer.length, 3);
  });

  it('truncates to the requestor payload when it is below ours', () => {
    const bytes = handler.handle(buildQuery({ name: 'big.gslb.example.com', type: T.TXT, edns: { udp: 600 } }), 'udp')!;
    assert.equal(decodeResponse(bytes).flags.tc, true);
    assert.ok(bytes.length <= 600);
  });
});

describe('zones whose file failed to load', () => {
  // gslb.example.com is served and its child sub.gslb.example.com too; example.com (its parent), a zone below
  // it and an unrelated zone failed to load.
  const failed = ['example.com', 'broken.gslb.example.com', 'broken.example.org'];
  const failing = new QueryHandler({ current: buildAnswerTable([fixtureZone, childZone], staticTargets(), failed) }, { random: () => 0 });
  const cases: Array<{ name: string; qname: string; rcode: number; aa: boolean }> = [
    { name: 'the apex of a failed zone', qname: 'broken.example.org', rcode: 2, aa: false },
    { name: 'a name below a failed zone', qname: 'app.broken.example.org', rcode: 2, aa: false },
    { name: 'a failed zone below a served one', qname: 'x.broken.gslb.example.com', rcode: 2, aa: false },
    { name: 'a failed parent of a served zone, outside it', qname: 'www.example.com', rcode: 2, aa: false },
    { name: 'a served zone below a failed parent answers', qname: 'app.gslb.example.com', rcode: 0, aa: true },
    { name: 'a served child zone answers', qname: 'sub.gslb.example.com', rcode: 0, aa: true },
    { name: 'a served zone still has NXDOMAIN', qname: 'nothing.gslb.example.com', rcode: 3, aa: true },
    { name: 'a name in no zone is still refused', qname: 'example.net', rcode: 5, aa: false },
  ];
  for (const testCase of cases) {
    it(`${testCase.name}: rcode ${testCase.rcode}`, () => {
      const bytes = failing.handle(buildQuery({ name: testCase.qname, type: T.A, edns: {} }), 'udp');
      assert.ok(bytes);
      const response = decodeResponse(bytes);
      assert.equal(response.rcode, testCase.rcode);
      assert.equal(response.flags.aa, testCase.aa, 'AA');
      assert.deepEqual(response.question, [`${testCase.qname}. A`], 'the question is echoed');
      if (testCase.rcode === 2) {
        assert.deepEqual([response.answer, response.authority, response.additional], [[], [], []]);
        assert.ok(response.opt, 'EDNS is echoed');
      }
    });
  }
});
