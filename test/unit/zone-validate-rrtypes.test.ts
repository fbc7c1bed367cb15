// MX, SRV and CAA in zone policy files: every invalid case gives exact `file:line:column: message` lines, and
// valid records normalise as the answer table expects them. Positions are written as (line, text on that line
// where the problem starts), as in zone-validate.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatExpected, parseValid, ZONE_HEAD as HEAD, zoneProblems as problems, type Expected } from '../helpers/zone-text.js';

interface InvalidCase {
  readonly name: string;
  readonly lines: readonly string[];
  readonly expected: readonly Expected[];
}

const FITS = "the answer must fit in one DNS message, which leaves 61093 for a record's values (see Limits)";
const ISSUE_VALUE = "is not an issuer domain name with optional parameters ('ca.example' or 'ca.example; key=value'), nor ';' for no issuer (RFC 8659 §4.2)";
const IODEF_VALUE = 'must be a mailto: or https: URL (RFC 8659 §4.4)';
const CAA_TAG = 'must be 1 to 15 ASCII letters and digits (RFC 8659 §4.1)';
const SRV_OWNER = "an SRV record's name must start with _service._proto (RFC 2782), such as _sip._tcp";

const invalidCases: readonly InvalidCase[] = [
  {
    name: 'numbers out of range, missing and unknown keys (the schema)',
    lines: [
      ...HEAD,
      '  mail: { mx: [{ preference: 65536, exchange: mail.example.com }] }',
      '  _sip._tcp: { srv: [{ priority: -1, weight: 70000, port: 65536, target: sip.example.com }] }',
      '  c: { caa: [{ flags: 256, tag: issue, value: ca.example }] }',
      '  m: { mx: [{ preference: 10 }, { preference: 10, exchange: mx.example.com, prio: 1 }] }',
      '  _a._udp: { srv: [{ priority: 1, weight: 1, target: a.example.com }] }',
      '  d: { caa: [{ flags: 0, tag: issue }] }',
    ],
    expected: [
      [5, '65536', 'mx[0].preference must be at most 65535'],
      [6, '-1', 'srv[0].priority must be at least 0'],
      [6, '70000', 'srv[0].weight must be at most 65535'],
      [6, '65536', 'srv[0].port must be at most 65535'],
      [7, '256', 'caa[0].flags must be at most 255'],
      [8, '{ preference: 10 }', "missing required key 'exchange' in mx[0]"],
      [8, 'prio', "unknown key 'prio' (allowed: exchange, preference)"],
      [9, '{ priority', "missing required key 'port' in srv[0]"],
      [10, '{ flags', "missing required key 'value' in caa[0]"],
    ],
  },
  {
    name: 'MX exchange: a fully qualified host name, not an address; null MX (RFC 7505) has preference 0 and stands alone',
    lines: [
      ...HEAD,
      '  a: { mx: [{ preference: 10, exchange: 192.0.2.25 }] }',
      '  b: { mx: [{ preference: 10, exchange: "2001:db8::25" }] }',
      '  c: { mx: [{ preference: 10, exchange: mail }] }',
      '  d: { mx: [{ preference: 10, exchange: "bad name.example.com" }] }',
      '  e: { mx: [{ preference: 10, exchange: "." }] }',
      '  f: { mx: [{ preference: 0, exchange: "." }, { preference: 10, exchange: mail.example.com }] }',
    ],
    expected: [
      [5, '192.0.2.25', "mx[0].exchange '192.0.2.25' is an IP address; an MX exchange is a host name with its own A or AAAA records"],
      [6, '"2001', "mx[0].exchange '2001:db8::25' is an IP address; an MX exchange is a host name with its own A or AAAA records"],
      [7, 'mail', "mx[0].exchange 'mail' is a single label; write the fully qualified name (mail.gslb.example.com)"],
      [8, '"bad', "'bad name.example.com' is not a valid DNS name (' ' is not allowed; a label holds only letters, digits, '_' and '-')"],
      [9, '10', "a null MX (exchange '.') must have preference 0 (RFC 7505)"],
      [10, '{ preference: 0', "a null MX (exchange '.') must be the only MX record of its name (RFC 7505)"],
    ],
  },
  {
    name: 'SRV: the owner is _service._proto (RFC 2782); a target is a host name; target "." stands alone',
    lines: [
      ...HEAD,
      '  sip: { srv: [{ priority: 10, weight: 5, port: 5060, target: sip.example.com }] }',
      '  _sip.x: { srv: [{ priority: 10, weight: 5, port: 5060, target: sip.example.com }] }',
      '  _sip._tcp: { srv: [{ priority: 10, weight: 5, port: 5060, target: "." }, { priority: 20, weight: 0, port: 5060, target: sip.example.com }] }',
      '  _xmpp._tcp: { srv: [{ priority: 10, weight: 5, port: 5222, target: 192.0.2.5 }, { priority: 10, weight: 5, port: 5222, target: xmpp }] }',
    ],
    expected: [
      [5, 'srv', `${SRV_OWNER}; 'sip.gslb.example.com' does not`],
      [6, 'srv', `${SRV_OWNER}; '_sip.x.gslb.example.com' does not`],
      [7, '{ priority: 10', "an SRV target '.' (the service is not available) must be the only SRV record of its name (RFC 2782)"],
      [8, '192.0.2.5', "srv[0].target '192.0.2.5' is an IP address; an SRV target is a host name with its own A or AAAA records"],
      [8, 'xmpp }', "srv[1].target 'xmpp' is a single label; write the fully qualified name (xmpp.gslb.example.com)"],
    ],
  },
  {
    name: 'CAA: tag syntax (RFC 8659 §4.1), issue/issuewild values (§4.2, §4.3), iodef URLs (§4.4), text',
    lines: [
      ...HEAD,
      '  "@":',
      '    caa:',
      '      - { flags: 0, tag: issue, value: letsencrypt.org }',
      '      - { flags: 0, tag: "is-sue", value: x }',
      '      - { flags: 0, tag: abcdefghijklmnop, value: x }',
      '      - { flags: 0, tag: issuewild, value: "not a domain" }',
      '      - { flags: 0, tag: issue, value: "ca.example; account=123; policy=ev" }',
      '      - { flags: 0, tag: iodef, value: "http://example.com/report" }',
      '      - { flags: 0, tag: iodef, value: "security@example.com" }',
      '      - { flags: 128, tag: ISSUE, value: "-bad-.example" }',
      '      - { tag: issuewild, value: ";" }',
      '      - { flags: 0, tag: iodef, value: "mailto:security@example.com" }',
      '      - { flags: 0, tag: issue, value: "ca.example; account" }',
      '      - { flags: 0, tag: contactemail, value: "\\ud800" }',
      '      - { flags: 0, tag: iodef, value: "https://ca.example/caa-report" }',
    ],
    expected: [
      [8, '"is-sue"', `caa[1].tag ${CAA_TAG} (got 'is-sue')`],
      [9, 'abcdefghijklmnop', `caa[2].tag ${CAA_TAG} (got 'abcdefghijklmnop')`],
      [10, '"not a domain"', `caa[3].value ${ISSUE_VALUE} (got 'not a domain')`],
      [12, '"http:', `caa[5].value ${IODEF_VALUE} (got 'http://example.com/report')`],
      [13, '"security', `caa[6].value ${IODEF_VALUE} (got 'security@example.com')`],
      [14, '"-bad-', `caa[7].value ${ISSUE_VALUE} (got '-bad-.example')`],
      [17, '"ca.example; account"', `caa[10].value ${ISSUE_VALUE} (got 'ca.example; account')`],
      [18, '"\\ud800"', 'caa[11].value is not valid UTF-8 text (it holds a lone surrogate)'],
    ],
  },
  {
    name: 'the same record twice in an RRset (RFC 2181 §5), names compared as names',
    lines: [
      ...HEAD,
      '  "@":',
      '    mx: [{ preference: 10, exchange: mail.example.com }, { preference: 10, exchange: MAIL.example.com. }]',
      '    caa: [{ flags: 0, tag: issue, value: ca.example }, { tag: issue, value: ca.example }]',
      '  _sip._tcp: { srv: [{ priority: 1, weight: 1, port: 5060, target: a.example.com }, { priority: 1, weight: 1, port: 5060, target: A.example.com. }] }',
    ],
    expected: [
      [6, '{ preference: 10, exchange: MAIL', "duplicate mx value '10 mail.example.com.' (also at line 6)"],
      [7, '{ tag', 'duplicate caa value \'0 issue "ca.example"\' (also at line 7)'],
      [8, '{ priority: 1, weight: 1, port: 5060, target: A', "duplicate srv value '1 1 5060 a.example.com.' (also at line 8)"],
    ],
  },
  {
    name: 'the kinds of record: a CNAME stands alone, no static data beside a policy, at least one value',
    lines: [
      ...HEAD,
      '  www: { cname: app.gslb.example.com, mx: [{ preference: 10, exchange: mail.example.com }] }',
      '  app: { policy: weighted, targets: [{ address: 192.0.2.1 }], caa: [{ tag: issue, value: ";" }] }',
      '  s: { mx: [], srv: [], caa: [] }',
      '  e: { ttl: 60 }',
    ],
    expected: [
      [5, 'cname', 'a CNAME cannot stand beside other data (mx)'],
      [6, 'caa', "'caa' cannot stand beside 'policy': a balanced record answers with the addresses of its targets"],
      [7, '{', 'a static record needs at least one a, aaaa, txt, mx, srv or caa value'],
      [8, '{', 'the record holds no data: give it a policy and targets, a cname, or a, aaaa, txt, mx, srv or caa values'],
    ],
  },
  {
    // Owner "big.gslb.example.com" counts 22 octets, type to RDLENGTH 10, RDATA 2 + 4 (tag) + 40,000.
    name: 'CAA values that together cannot fit in one DNS message',
    lines: [...HEAD, `  big: { caa: [{ tag: note, value: "${'x'.repeat(40_000)}" }, { tag: note, value: "${'y'.repeat(40_000)}" }] }`],
    expected: [[5, 'caa', `record 'big' has CAA values of 80076 octets on the wire; ${FITS}`]],
  },
];

describe('parseZoneText: invalid MX, SRV and CAA records', () => {
  for (const testCase of invalidCases) {
    it(testCase.name, () => {
      const expected = testCase.expected.map((item) => formatExpected(testCase.lines, item));
      assert.deepEqual(problems(testCase.lines), expected);
    });
  }
});

describe('parseZoneText: valid MX, SRV and CAA records', () => {
  it('normalises names, fills the CAA flags default, keeps file order and leaves out the types a record lacks', () => {
    const zone = parseValid([
      ...HEAD,
      '  "@":',
      '    txt: ["v=spf1 mx -all"]',
      '    mx:',
      '      - { preference: 10, exchange: mail.gslb.example.com. }',
      '      - { preference: 20, exchange: Backup.Example.COM }',
      '    caa:',
      '      - { flags: 0, tag: issue, value: "letsencrypt.org" }',
      '      - { tag: issuewild, value: ";" }',
      '      - { flags: 128, tag: iodef, value: "mailto:security@example.com" }',
      '      - { flags: 0, tag: issue, value: "ca.example; account=123" }',
      '  _sip._tcp: { ttl: 300, srv: [{ priority: 10, weight: 5, port: 5060, target: sip.gslb.example.com }] }',
      '  _imap._tcp: { srv: [{ priority: 0, weight: 0, port: 0, target: "." }] }',
      '  nomail: { mx: [{ preference: 0, exchange: "." }] }',
      '  mail: { a: [192.0.2.25] }',
    ]);
    assert.deepEqual(zone.records, [
      {
        kind: 'static',
        name: 'gslb.example.com',
        ttl: 30,
        a: [],
        aaaa: [],
        txt: ['v=spf1 mx -all'],
        mx: [
          { preference: 10, exchange: 'mail.gslb.example.com' },
          { preference: 20, exchange: 'backup.example.com' },
        ],
        caa: [
          { flags: 0, tag: 'issue', value: 'letsencrypt.org' },
          { flags: 0, tag: 'issuewild', value: ';' },
          { flags: 128, tag: 'iodef', value: 'mailto:security@example.com' },
          { flags: 0, tag: 'issue', value: 'ca.example; account=123' },
        ],
      },
      {
        kind: 'static',
        name: '_sip._tcp.gslb.example.com',
        ttl: 300,
        a: [],
        aaaa: [],
        txt: [],
        srv: [{ priority: 10, weight: 5, port: 5060, target: 'sip.gslb.example.com' }],
      },
      // "." is the root name, written '' like every name without its trailing dot.
      { kind: 'static', name: '_imap._tcp.gslb.example.com', ttl: 30, a: [], aaaa: [], txt: [], srv: [{ priority: 0, weight: 0, port: 0, target: '' }] },
      { kind: 'static', name: 'nomail.gslb.example.com', ttl: 30, a: [], aaaa: [], txt: [], mx: [{ preference: 0, exchange: '' }] },
      { kind: 'static', name: 'mail.gslb.example.com', ttl: 30, a: ['192.0.2.25'], aaaa: [], txt: [] },
    ]);
  });

  it('takes the same answer-size bound as TXT: a record just inside it is accepted', () => {
    // 22 (owner) + 10 + 2 + 4 + 61055 = 61093 octets, the bound exactly.
    const zone = parseValid([...HEAD, `  big: { caa: [{ tag: note, value: "${'x'.repeat(61_055)}" }] }`]);
    assert.equal(zone.records.length, 1);
  });
});
