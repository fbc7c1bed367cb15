// MX, SRV and CAA answers: what the handler sends for them (decoded), the exact RDATA octets of the precomputed
// templates (SRV targets never compressed, RFC 2782), additional A/AAAA records for in-zone static targets, and
// ANY (RFC 8482).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAnswerTable } from '../../src/answers/build.js';
import { nameToKey } from '../../src/answers/wire.js';
import { QueryHandler, type Transport } from '../../src/dns/handler.js';
import type { ZoneConfig } from '../../src/zone/model.js';
import { buildQuery, decodeResponse, encodeName, type QuerySpec } from '../helpers/dns-message.js';
import { staticTargets, zoneOf } from '../helpers/fixture-zone.js';

const T = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, SRV: 33, ANY: 255, CAA: 257 };
const ZONE = 'rr.example.com';

const zone: ZoneConfig = zoneOf(ZONE, [
  {
    kind: 'static',
    name: ZONE,
    ttl: 30,
    a: [],
    aaaa: [],
    txt: [],
    mx: [
      { preference: 10, exchange: `mail.${ZONE}` },
      { preference: 20, exchange: 'mx.example.net' },
    ],
    caa: [
      { flags: 0, tag: 'issue', value: 'letsencrypt.org' },
      { flags: 128, tag: 'iodef', value: 'mailto:security@example.com' },
    ],
  },
  { kind: 'static', name: `mail.${ZONE}`, ttl: 60, a: ['192.0.2.25'], aaaa: ['2001:db8::25'], txt: [] },
  {
    kind: 'static',
    name: `_sip._tcp.${ZONE}`,
    ttl: 300,
    a: [],
    aaaa: [],
    txt: [],
    srv: [
      { priority: 10, weight: 5, port: 5060, target: `sip.${ZONE}` },
      { priority: 20, weight: 0, port: 5060, target: `lb.${ZONE}` },
      { priority: 30, weight: 0, port: 5060, target: `ns1.${ZONE}` },
      { priority: 40, weight: 0, port: 5060, target: 'sip.example.net' },
    ],
  },
  { kind: 'static', name: `sip.${ZONE}`, ttl: 30, a: ['192.0.2.60'], aaaa: [], txt: [] },
  // Balanced: its addresses follow health, so they are not copied into other names' additional sections.
  {
    kind: 'balanced',
    name: `lb.${ZONE}`,
    policy: 'failover',
    ttl: 30,
    answers: 1,
    whenAllDown: 'all',
    targets: [{ kind: 'static', addresses: ['192.0.2.70'], weight: 1 }],
  },
  { kind: 'static', name: `nomail.${ZONE}`, ttl: 30, a: [], aaaa: [], txt: [], mx: [{ preference: 0, exchange: '' }] },
  { kind: 'static', name: `_imap._tcp.${ZONE}`, ttl: 30, a: [], aaaa: [], txt: [], srv: [{ priority: 0, weight: 0, port: 0, target: '' }] },
  { kind: 'cname', name: `alias.${ZONE}`, ttl: 60, target: ZONE },
]);

const table = buildAnswerTable([zone], staticTargets());
const handler = new QueryHandler({ current: table }, { random: () => 0 });
const ask = (query: QuerySpec, transport: Transport = 'udp') => handler.handle(buildQuery(query), transport)!;
const SOA = `${ZONE}. 30 IN SOA ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 600 86400 30`;

const APEX_MX = [`${ZONE}. 30 IN MX 10 mail.${ZONE}.`, `${ZONE}. 30 IN MX 20 mx.example.net.`];
const MAIL_ADDRESSES = [`mail.${ZONE}. 60 IN A 192.0.2.25`, `mail.${ZONE}. 60 IN AAAA 2001:db8::25`];

interface Case {
  readonly name: string;
  readonly query: QuerySpec;
  readonly answer: readonly string[];
  readonly authority?: readonly string[];
  readonly additional?: readonly string[];
}

const cases: readonly Case[] = [
  { name: 'MX, with the in-zone exchange’s static addresses in additional', query: { name: ZONE, type: T.MX }, answer: APEX_MX, additional: MAIL_ADDRESSES },
  {
    name: 'SRV in file order, with additional addresses for static in-zone targets and glue, not for balanced or outside ones',
    query: { name: `_sip._tcp.${ZONE}`, type: T.SRV },
    answer: [
      `_sip._tcp.${ZONE}. 300 IN SRV 10 5 5060 sip.${ZONE}.`,
      `_sip._tcp.${ZONE}. 300 IN SRV 20 0 5060 lb.${ZONE}.`,
      `_sip._tcp.${ZONE}. 300 IN SRV 30 0 5060 ns1.${ZONE}.`,
      `_sip._tcp.${ZONE}. 300 IN SRV 40 0 5060 sip.example.net.`,
    ],
    additional: [`sip.${ZONE}. 30 IN A 192.0.2.60`, `ns1.${ZONE}. 30 IN A 192.0.2.53`],
  },
  {
    name: 'CAA',
    query: { name: ZONE, type: T.CAA },
    answer: [`${ZONE}. 30 IN CAA 0 issue "letsencrypt.org"`, `${ZONE}. 30 IN CAA 128 iodef "mailto:security@example.com"`],
  },
  { name: 'null MX (RFC 7505)', query: { name: `nomail.${ZONE}`, type: T.MX }, answer: [`nomail.${ZONE}. 30 IN MX 0 .`] },
  { name: 'SRV "." (service not available)', query: { name: `_imap._tcp.${ZONE}`, type: T.SRV }, answer: [`_imap._tcp.${ZONE}. 30 IN SRV 0 0 0 .`] },
  {
    name: 'a CNAME chases into MX, with its additional records',
    query: { name: `alias.${ZONE}`, type: T.MX },
    answer: [`alias.${ZONE}. 60 IN CNAME ${ZONE}.`, ...APEX_MX],
    additional: MAIL_ADDRESSES,
  },
  { name: 'NODATA for MX at a name without one', query: { name: `mail.${ZONE}`, type: T.MX }, answer: [], authority: [SOA] },
  { name: 'NODATA for CAA at a name with only SRV', query: { name: `_sip._tcp.${ZONE}`, type: T.CAA }, answer: [], authority: [SOA] },
  // RFC 8482: one RRset; static data comes before the apex SOA and NS, as TXT does.
  { name: 'ANY at the apex gets the MX RRset alone', query: { name: ZONE, type: T.ANY }, answer: APEX_MX, additional: MAIL_ADDRESSES },
  { name: 'ANY at an SRV owner gets the SRV RRset', query: { name: `_imap._tcp.${ZONE}`, type: T.ANY }, answer: [`_imap._tcp.${ZONE}. 30 IN SRV 0 0 0 .`] },
];

describe('MX, SRV and CAA answers', () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      for (const transport of ['udp', 'tcp'] as const) {
        const response = decodeResponse(ask(testCase.query, transport));
        assert.equal(response.rcode, 0);
        assert.ok(response.flags.aa);
        assert.deepEqual(response.answer, testCase.answer, transport);
        assert.deepEqual(response.authority, testCase.authority ?? [], transport);
        assert.deepEqual(response.additional, testCase.additional ?? [], transport);
      }
    });
  }

  it('are precomputed when the table is built: every type has its templates', () => {
    for (const [name, type] of [
      [ZONE, T.MX],
      [ZONE, T.CAA],
      [`_sip._tcp.${ZONE}`, T.SRV],
    ] as const) {
      const set = table.name(nameToKey(name))?.types.get(type);
      assert.ok(set !== undefined && set.templates.length === 1, `${name} ${type}`);
    }
  });
});

/** The answer section's records of a response as (type, RDATA octets), read straight from the wire. */
function answerRdata(message: Buffer): Array<{ type: number; rdata: Buffer }> {
  let offset = 12;
  const skipName = () => {
    for (;;) {
      const length = message[offset];
      if (length >= 0xc0) {
        offset += 2;
        return;
      }
      offset += 1 + length;
      if (length === 0) return;
    }
  };
  skipName();
  offset += 4; // QTYPE, QCLASS
  const records: Array<{ type: number; rdata: Buffer }> = [];
  for (let i = 0; i < message.readUInt16BE(6); i++) {
    skipName();
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 8);
    records.push({ type, rdata: message.subarray(offset + 10, offset + 10 + length) });
    offset += 10 + length;
  }
  return records;
}

const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);

describe('MX, SRV and CAA wire encoding', () => {
  it('MX: preference, then the exchange compressed against the question (RFC 1035 §4.1.4)', () => {
    const [first, second] = answerRdata(ask({ name: ZONE, type: T.MX }));
    // "mail" then a pointer to the question name at offset 12.
    assert.deepEqual(first, { type: T.MX, rdata: Buffer.concat([u16(10), Buffer.from('\x04mail', 'latin1'), Buffer.from([0xc0, 12])]) });
    assert.deepEqual(second, { type: T.MX, rdata: Buffer.concat([u16(20), encodeName('mx.example.net')]) });
  });

  it('MX null exchange is the root name, one zero octet', () => {
    assert.deepEqual(answerRdata(ask({ name: `nomail.${ZONE}`, type: T.MX })), [{ type: T.MX, rdata: Buffer.from([0, 0, 0]) }]);
  });

  it('SRV: priority, weight, port and the target written in full, though the question holds its suffix (RFC 2782)', () => {
    const records = answerRdata(ask({ name: `_sip._tcp.${ZONE}`, type: T.SRV }));
    assert.deepEqual(
      records.map((r) => r.type),
      [T.SRV, T.SRV, T.SRV, T.SRV],
    );
    assert.deepEqual(records[0].rdata, Buffer.concat([u16(10), u16(5), u16(5060), encodeName(`sip.${ZONE}`)]));
    assert.deepEqual(records[3].rdata, Buffer.concat([u16(40), u16(0), u16(5060), encodeName('sip.example.net')]));
    assert.deepEqual(answerRdata(ask({ name: `_imap._tcp.${ZONE}`, type: T.SRV }))[0].rdata, Buffer.from([0, 0, 0, 0, 0, 0, 0]));
  });

  it('CAA: flags, tag length, tag, value (RFC 8659 §4.1)', () => {
    const [issue, iodef] = answerRdata(ask({ name: ZONE, type: T.CAA }));
    assert.deepEqual(issue, { type: T.CAA, rdata: Buffer.from('\x00\x05issueletsencrypt.org', 'latin1') });
    assert.deepEqual(iodef, { type: T.CAA, rdata: Buffer.from('\x80\x05iodefmailto:security@example.com', 'latin1') });
  });
});
