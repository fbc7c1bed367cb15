// Table-driven tests of how the query parser reads EDNS Client Subnet (RFC 7871 §6): what a well-formed option
// records on ParsedQuery, and every way an option can be malformed, each of which is FORMERR without ECS.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newParsedQuery, parseQuery, QueryStatus, type ParsedQuery } from '../../src/dns/query.js';
import { buildQuery, ecsOption } from '../helpers/dns-message.js';

const IPV4 = 1;
const IPV6 = 2;

/** A query for app.gslb.example.com A whose OPT RDATA is `options`. */
const withOptions = (options: Buffer, version = 0) => buildQuery({ name: 'app.gslb.example.com', type: 1, edns: { version, options } });
const withEcs = (family: number, source: number, scope: number, address: number[]) => withOptions(ecsOption(family, source, scope, address));
/** An option that is not ECS (a client cookie, RFC 7873), to sit beside it. */
const cookie = Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]);

interface Valid {
  name: string;
  message: Buffer;
  family: number;
  source: number;
  scope: number;
  /** The address zero-padded to the family's width, as hex. */
  address: string;
  octets: number;
  clientFromEcs: boolean;
}

const valid: Valid[] = [
  { name: 'IPv4 /24', message: withEcs(IPV4, 24, 0, [192, 0, 2]), family: 1, source: 24, scope: 0, address: 'c0000200', octets: 3, clientFromEcs: true },
  { name: 'IPv4 /32', message: withEcs(IPV4, 32, 0, [192, 0, 2, 77]), family: 1, source: 32, scope: 0, address: 'c000024d', octets: 4, clientFromEcs: true },
  {
    name: 'IPv4 /20: the last octet keeps its bits inside the prefix',
    message: withEcs(IPV4, 20, 0, [198, 51, 0x70]),
    family: 1,
    source: 20,
    scope: 0,
    address: 'c6337000',
    octets: 3,
    clientFromEcs: true,
  },
  {
    name: 'IPv4 /0 without address octets: "do not use my address"',
    message: withEcs(IPV4, 0, 0, []),
    family: 1,
    source: 0,
    scope: 0,
    address: '00000000',
    octets: 0,
    clientFromEcs: false,
  },
  {
    name: 'IPv6 /56',
    message: withEcs(IPV6, 56, 0, [0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56]),
    family: 2,
    source: 56,
    scope: 0,
    address: '20010db8123456000000000000000000',
    octets: 7,
    clientFromEcs: true,
  },
  {
    name: 'IPv6 /128',
    message: withEcs(IPV6, 128, 0, [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 1]),
    family: 2,
    source: 128,
    scope: 0,
    address: '20010db8000000000000000000000001',
    octets: 16,
    clientFromEcs: true,
  },
  {
    name: 'IPv6 /0 without address octets',
    message: withEcs(IPV6, 0, 0, []),
    family: 2,
    source: 0,
    scope: 0,
    address: '00000000000000000000000000000000',
    octets: 0,
    clientFromEcs: false,
  },
  // RFC 7871 §6 makes the scope 0 in queries but gives a server nothing to do otherwise: kept, not rejected.
  {
    name: 'a nonzero SCOPE PREFIX-LENGTH is recorded as sent',
    message: withEcs(IPV4, 24, 16, [192, 0, 2]),
    family: 1,
    source: 24,
    scope: 16,
    address: 'c0000200',
    octets: 3,
    clientFromEcs: true,
  },
  {
    name: 'ECS after another option',
    message: withOptions(Buffer.concat([cookie, ecsOption(IPV4, 24, 0, [203, 0, 113])])),
    family: 1,
    source: 24,
    scope: 0,
    address: 'cb007100',
    octets: 3,
    clientFromEcs: true,
  },
  {
    name: 'ECS before another option',
    message: withOptions(Buffer.concat([ecsOption(IPV4, 24, 0, [203, 0, 113]), cookie])),
    family: 1,
    source: 24,
    scope: 0,
    address: 'cb007100',
    octets: 3,
    clientFromEcs: true,
  },
];

const malformed: Array<[string, Buffer]> = [
  ['FAMILY 0 (the old draft\u2019s "no address")', withEcs(0, 0, 0, [])],
  ['FAMILY 3', withEcs(3, 0, 0, [])],
  ['FAMILY 256', withEcs(256, 8, 0, [10])],
  ['IPv4 source prefix 33', withEcs(IPV4, 33, 0, [192, 0, 2, 1, 0])],
  ['IPv6 source prefix 129', withEcs(IPV6, 129, 0, Array<number>(17).fill(0))],
  ['IPv4 /24 with 4 address octets (too many)', withEcs(IPV4, 24, 0, [192, 0, 2, 0])],
  ['IPv4 /24 with 2 address octets (too few)', withEcs(IPV4, 24, 0, [192, 0])],
  ['IPv4 /0 with an address octet', withEcs(IPV4, 0, 0, [0])],
  ['IPv4 /32 with 5 address octets', withEcs(IPV4, 32, 0, [192, 0, 2, 1, 0])],
  ['IPv6 /56 with 8 address octets', withEcs(IPV6, 56, 0, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0])],
  ['IPv4 /23 with a bit set beyond the prefix', withEcs(IPV4, 23, 0, [192, 0, 3])],
  ['IPv4 /31 with the last bit set', withEcs(IPV4, 31, 0, [192, 0, 2, 1])],
  ['IPv4 /1 with a bit set beyond the prefix', withEcs(IPV4, 1, 0, [0x40])],
  ['IPv6 /60 with bits set beyond the prefix', withEcs(IPV6, 60, 0, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x0f])],
  ['option length 0', withOptions(Buffer.from([0, 8, 0, 0]))],
  ['option length 3 (no room for the prefixes)', withOptions(Buffer.from([0, 8, 0, 3, 0, 1, 0]))],
  ['option length past the OPT RDATA', withOptions(Buffer.from([0, 8, 0, 7, 0, 1, 24, 0, 192, 0]))],
  ['two ECS options, the same twice', withOptions(Buffer.concat([ecsOption(IPV4, 24, 0, [192, 0, 2]), ecsOption(IPV4, 24, 0, [192, 0, 2])]))],
  ['two ECS options, IPv4 and IPv6', withOptions(Buffer.concat([ecsOption(IPV4, 24, 0, [192, 0, 2]), ecsOption(IPV6, 32, 0, [0x20, 0x01, 0x0d, 0xb8])]))],
  ['a good ECS option and a malformed one', withOptions(Buffer.concat([ecsOption(IPV4, 24, 0, [192, 0, 2]), ecsOption(IPV4, 24, 0, [192, 0])]))],
];

const parse = (message: Buffer, into: ParsedQuery = newParsedQuery()) => {
  parseQuery(message, into);
  return into;
};

describe('EDNS Client Subnet parsing (RFC 7871 §6)', () => {
  for (const testCase of valid) {
    it(`reads ${testCase.name}`, () => {
      // The scratch address first holds a full-width address of another query, so the zero padding is checked.
      const parsed = parse(withEcs(IPV6, 128, 0, Array<number>(16).fill(0xff)));
      parse(testCase.message, parsed);
      assert.equal(parsed.status, QueryStatus.OK);
      assert.equal(parsed.ecs, true, 'ecs');
      assert.deepEqual(
        {
          family: parsed.ecsFamily,
          source: parsed.ecsSourcePrefix,
          scope: parsed.ecsScopePrefix,
          address: parsed.ecsAddress.toString('hex', 0, testCase.family === IPV4 ? 4 : 16),
          octets: parsed.ecsAddressLength,
          clientFromEcs: parsed.clientFromEcs,
        },
        {
          family: testCase.family,
          source: testCase.source,
          scope: testCase.scope,
          address: testCase.address,
          octets: testCase.octets,
          clientFromEcs: testCase.clientFromEcs,
        },
      );
    });
  }

  for (const [name, message] of malformed) {
    it(`FORMERR without ECS: ${name}`, () => {
      const parsed = parse(message);
      assert.equal(parsed.status, QueryStatus.FORMERR);
      assert.equal(parsed.edns, true, 'the OPT record still counts, so the FORMERR carries one');
      assert.equal(parsed.ecs, false, 'ecs');
      assert.equal(parsed.clientFromEcs, false, 'clientFromEcs');
    });
  }

  it('leaves ECS alone in an OPT of another version: BADVERS, even when the option is malformed', () => {
    for (const options of [ecsOption(IPV4, 24, 0, [192, 0, 2]), ecsOption(7, 99, 0, [1])]) {
      const parsed = parse(withOptions(options, 1));
      assert.equal(parsed.status, QueryStatus.BADVERS);
      assert.equal(parsed.ecs, false);
    }
  });

  it('forgets the option on the next query without one, the scratch object being reused', () => {
    const parsed = parse(withEcs(IPV4, 24, 0, [192, 0, 2]));
    assert.equal(parsed.ecs, true);
    for (const next of [buildQuery({ name: 'app.gslb.example.com', type: 1 }), buildQuery({ name: 'app.gslb.example.com', type: 1, edns: {} })]) {
      parse(next, parsed);
      assert.equal(parsed.status, QueryStatus.OK);
      assert.deepEqual(
        [parsed.ecs, parsed.ecsFamily, parsed.ecsSourcePrefix, parsed.ecsScopePrefix, parsed.ecsAddressLength, parsed.clientFromEcs],
        [false, 0, 0, 0, 0, false],
      );
    }
  });

  it('parses without allocating a new address buffer', () => {
    const parsed = newParsedQuery();
    const scratch = parsed.ecsAddress;
    parse(withEcs(IPV4, 24, 0, [192, 0, 2]), parsed);
    parse(withEcs(IPV6, 56, 0, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0]), parsed);
    assert.equal(parsed.ecsAddress, scratch);
    assert.equal(scratch.length, 16);
  });
});
