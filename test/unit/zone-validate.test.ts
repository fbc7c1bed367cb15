// parseZoneText: every invalid case gives exact `file:line:column: message` lines, every valid file normalises to
// the expected ZoneConfig. Positions are written as (line, text on that line where the problem starts) so a case
// reads like the file it describes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseZoneText } from '../../src/zone/load.js';
import { formatZoneIssue, type CheckConfig, type ZoneConfig } from '../../src/zone/model.js';
import { deriveSerial, validateZoneText, type ReadTextFile } from '../../src/zone/validate.js';
import {
  ZONE_FILE as FILE,
  formatExpected,
  noFiles,
  parseValid,
  ZONE_HEAD as HEAD,
  zoneProblems as problems,
  zoneText as text,
  type Expected,
} from '../helpers/zone-text.js';

/** [line, where on the line (the text the problem starts at, or a column), message]; line 0 for the whole file. */

interface InvalidCase {
  readonly name: string;
  readonly lines: readonly string[];
  readonly expected: readonly Expected[];
  readonly readFile?: ReadTextFile;
}

const RECORD_KEYS = 'a, aaaa, answers, caa, check, cname, mx, policy, srv, sticky, targets, ttl, txt, whenAllDown';
const CHECK_KEYS = 'body, expect, fall, fastInterval, headers, host, interval, path, port, protocol, rise, timeout, tls';
const DURATION = 'must be a duration such as 500ms, 5s, 1m or 1h30m';

const OUT_OF_ZONE_WARNING = (name: string) =>
  `warning: name server '${name}' lies outside the zone, so its addresses are not data of this zone and are ignored; give it an empty list ([])`;

const invalidCases: readonly InvalidCase[] = [
  {
    name: 'unknown top-level key',
    lines: [...HEAD, '  app: { a: [192.0.2.1] }', 'colour: blue'],
    expected: [[6, 'colour', "unknown key 'colour' (allowed: dnssec, geo, maintenance, nameservers, records, soa, ttl, zone)"]],
  },
  {
    name: 'unknown record key',
    lines: [...HEAD, '  app: { policy: weighted, wieght: 2, targets: [{ address: 192.0.2.1 }] }'],
    expected: [[5, 'wieght', `unknown key 'wieght' (allowed: ${RECORD_KEYS})`]],
  },
  {
    name: 'unknown target key',
    lines: [...HEAD, '  app:', '    policy: weighted', '    targets:', '      - { address: 192.0.2.10, weigth: 3 }'],
    expected: [[8, 'weigth', "unknown key 'weigth' (allowed: address, addresses, cluster, gateway, ingress, region, service, weight)"]],
  },
  {
    name: 'unknown check and tls keys',
    lines: [
      ...HEAD,
      '  app:',
      '    policy: weighted',
      '    targets: [{ address: 192.0.2.10 }]',
      '    check:',
      '      protocol: https',
      '      intervall: 5s',
      '      tls: { insecure: true }',
    ],
    expected: [
      [10, 'intervall', `unknown key 'intervall' (allowed: ${CHECK_KEYS})`],
      [11, 'insecure', "unknown key 'insecure' (allowed: ca, insecureSkipVerify)"],
    ],
  },
  {
    name: 'unknown soa key',
    lines: ['zone: gslb.example.com', 'soa: { rname: hostmaster.example.com, serail: 5 }', 'nameservers: { ns.example.net: [] }'],
    expected: [[2, 'serail', "unknown key 'serail' (allowed: expire, minimum, refresh, retry, rname, serial)"]],
  },
  {
    name: 'bad IPv4 and IPv6 addresses',
    lines: [
      ...HEAD,
      '  app:',
      '    policy: weighted',
      '    targets:',
      '      - { address: 300.1.2.3 }',
      '      - { addresses: [192.0.2.1, "2001:db8::g"] }',
      '  static: { a: ["2001:db8::1", 192.0.2.256], aaaa: [192.0.2.1, "fe80::1%eth0"] }',
    ],
    expected: [
      [8, '300.1.2.3', "'300.1.2.3' is not an IPv4 or IPv6 address"],
      [9, '"2001:db8::g"', "'2001:db8::g' is not an IPv4 or IPv6 address"],
      [10, '"2001:db8::1"', "'2001:db8::1' is an IPv6 address; list it under aaaa"],
      [10, '192.0.2.256', "'192.0.2.256' is not an IPv4 address"],
      [10, '192.0.2.1,', "'192.0.2.1' is an IPv4 address; list it under a"],
      [10, '"fe80', "'fe80::1%eth0' is not an IPv6 address"],
    ],
  },
  {
    // Two targets of a record with one identity would be one target twice, and one series name (metrics.md).
    name: 'duplicate targets: the same address set in any order, or the same cluster and object',
    lines: [
      ...HEAD,
      '  app:',
      '    policy: weighted',
      '    targets:',
      '      - { addresses: [192.0.2.1, "2001:DB8::1"] }',
      '      - { cluster: eu-west }',
      '      - { addresses: ["2001:db8::1", 192.0.2.1], weight: 2 }',
      '      - { cluster: eu-west, weight: 2 }',
      '      - { cluster: eu-west, service: web/app }',
      '      - { address: 192.0.2.1 }',
    ],
    expected: [
      [10, '{', "duplicate target '192.0.2.1,2001:db8::1' (also at line 8): a record names each target once"],
      [11, '{', "duplicate target 'eu-west' (also at line 9): a record names each target once"],
    ],
  },
  {
    name: 'bad glue address and duplicate address',
    lines: [
      'zone: gslb.example.com',
      'soa: { rname: hostmaster.example.com }',
      'nameservers: { ns1.gslb.example.com: [203.0.113.300] }',
      'records:',
      '  s: { a: [192.0.2.1, 192.0.2.1] }',
    ],
    expected: [
      [3, '203.0.113.300', "'203.0.113.300' is not an IPv4 or IPv6 address"],
      [5, '192.0.2.1]', "duplicate address '192.0.2.1' (also at line 5)"],
    ],
  },
  {
    // An RRset holds each record once (RFC 2181 §5); the second of two equal strings is the one reported.
    name: 'duplicate txt value in a flow list',
    lines: [...HEAD, '  info: { txt: [same, same] }'],
    expected: [[5, 'same]', "duplicate txt value 'same' (also at line 5)"]],
  },
  {
    // Quoting does not make a value different, but letter case does: TXT data is compared octet for octet.
    name: 'duplicate txt value in a block list, quoted the second time',
    lines: [...HEAD, '  info:', '    txt:', '      - same', '      - Same', '      - other', '      - "same"'],
    expected: [[10, '"same"', "duplicate txt value 'same' (also at line 7)"]],
  },
  {
    name: 'weights that are not greater than 0',
    lines: [
      ...HEAD,
      '  app:',
      '    policy: weighted',
      '    targets:',
      '      - { address: 192.0.2.1, weight: 0 }',
      '      - { address: 192.0.2.2, weight: -1.5 }',
    ],
    expected: [
      [8, '0 }', 'weight must be greater than 0'],
      [9, '-1.5', 'weight must be greater than 0'],
    ],
  },
  {
    name: 'an interval shorter than its timeout, given or by default',
    lines: [
      ...HEAD,
      '  app:',
      '    policy: weighted',
      '    targets: [{ address: 192.0.2.1 }]',
      '    check: { protocol: http, interval: 1s, timeout: 2s }',
      '  db:',
      '    policy: failover',
      '    targets: [{ address: 192.0.2.2 }]',
      '    check: { protocol: tcp, port: 5432, timeout: 10s }',
    ],
    expected: [
      [8, '1s', 'check.interval (1s) is shorter than check.timeout (2s)'],
      [12, '10s', 'check.interval (5s, the default) is shorter than check.timeout (10s)'],
    ],
  },
  {
    name: 'duplicate names: relative, other case, absolute, and a name server',
    lines: [...HEAD, '  app: { a: [192.0.2.1] }', '  App: { a: [192.0.2.2] }', '  app.gslb.example.com.: { a: [192.0.2.3] }', '  ns1: { a: [192.0.2.4] }'],
    expected: [
      [6, 'App', "duplicate name 'app.gslb.example.com' (also at line 5)"],
      [7, 'app.gslb', "duplicate name 'app.gslb.example.com' (also at line 5)"],
      [8, 'ns1', "duplicate name 'ns1.gslb.example.com' (also at line 3)"],
    ],
  },
  {
    name: 'a name server that collides with an earlier record is reported at the name server',
    lines: [
      'zone: gslb.example.com',
      'soa: { rname: hostmaster.example.com }',
      'records:',
      '  ns1: { a: [192.0.2.4] }',
      'nameservers:',
      '  NS1.gslb.example.com.: [203.0.113.53]',
      '  ns1.gslb.example.com: [203.0.113.54]',
    ],
    expected: [
      [6, 'NS1', "duplicate name 'ns1.gslb.example.com' (also at line 4)"],
      [7, 'ns1', "duplicate name 'ns1.gslb.example.com' (also at line 4)"],
    ],
  },
  {
    name: 'a CNAME beside other data',
    lines: [
      ...HEAD,
      '  www: { cname: app.gslb.example.com, ttl: 60, a: [192.0.2.1], txt: [x] }',
      '  web: { policy: weighted, cname: www.example.org, targets: [{ address: 192.0.2.1 }] }',
    ],
    expected: [
      [5, 'cname', 'a CNAME cannot stand beside other data (a, txt)'],
      [6, 'cname', 'a CNAME cannot stand beside other data (policy, targets)'],
    ],
  },
  {
    name: 'a CNAME at the apex',
    lines: [...HEAD, '  "@": { cname: www.example.org }'],
    expected: [[5, '"@"', 'a CNAME cannot be at the apex: it would stand beside the SOA and NS records']],
  },
  {
    name: 'CNAME loops and bad CNAME targets',
    lines: [
      ...HEAD,
      '  c1: { cname: c2.gslb.example.com }',
      '  c2: { cname: C1.gslb.example.com. }',
      '  me: { cname: me.gslb.example.com }',
      '  bad: { cname: "bad name.example.org" }',
      '  short: { cname: app }',
    ],
    expected: [
      [5, 'c2.', 'CNAME loop: c1.gslb.example.com → c2.gslb.example.com → c1.gslb.example.com'],
      [6, 'C1.', 'CNAME loop: c2.gslb.example.com → c1.gslb.example.com → c2.gslb.example.com'],
      [7, 'me.', 'a CNAME cannot point at itself'],
      [8, '"bad', "'bad name.example.org' is not a valid DNS name (' ' is not allowed; a label holds only letters, digits, '_' and '-')"],
      [9, 'app', "cname 'app' is a single label; write the fully qualified name (app.gslb.example.com)"],
    ],
  },
  {
    name: 'names outside the zone and invalid names',
    lines: [...HEAD, '  app.other.org.: { a: [192.0.2.1] }', '  "-app": { a: [192.0.2.2] }', '  a..b: { a: [192.0.2.3] }'],
    expected: [
      [5, 'app.other.org.', "name 'app.other.org.' is outside the zone gslb.example.com"],
      [6, '"-app"', "'-app' is not a valid DNS name (label '-app' starts with '-')"],
      [7, 'a..b', "'a..b' is not a valid DNS name (it has an empty label)"],
    ],
  },
  {
    name: 'an invalid zone name and an e-mail address as rname',
    lines: ['zone: gslb..example.com', 'soa: { rname: hostmaster@example.com }', 'nameservers: { ns.example.net: [] }'],
    expected: [
      [1, 'gslb', "'gslb..example.com' is not a valid DNS name (it has an empty label)"],
      [2, 'hostmaster', 'soa.rname must be written as a domain name (hostmaster.example.com), not as an e-mail address'],
    ],
  },
  {
    name: 'a YAML syntax error stops at the YAML problems',
    lines: [...HEAD, '  app: { a: [192.0.2.1 }', '  unknown: 1'],
    expected: [
      [5, '}', 'Flow sequence in block collection must be sufficiently indented and end with a ]'],
      [6, 'unknown', 'Flow map in block collection must be sufficiently indented and end with a }'],
    ],
  },
  {
    name: "an unquoted '@' key",
    lines: [...HEAD, '  @: { a: [192.0.2.1] }'],
    expected: [[5, '@', `'@' is reserved in YAML; quote the apex key: "@":`]],
  },
  {
    name: 'several YAML documents',
    lines: [...HEAD, '  app: { a: [192.0.2.1] }', '---', 'zone: other.example.com'],
    expected: [[6, '---', 'a zone policy file holds one YAML document; this one holds several (---)']],
  },
  {
    name: 'duplicate YAML keys, which do not stop validation',
    lines: [...HEAD, '  app: { a: [192.0.2.1] }', '  app: { a: [192.0.2.2], a: [192.0.2.3] }', '  web: { weight: 1 }'],
    expected: [
      [6, 'app', "duplicate key 'app' (also at line 5)"],
      [6, 'a: [192.0.2.3]', "duplicate key 'a' (also at line 6)"],
      [7, '{', 'the record holds no data: give it a policy and targets, a cname, or a, aaaa, txt, mx, srv or caa values'],
      [7, 'weight', `unknown key 'weight' (allowed: ${RECORD_KEYS})`],
    ],
  },
  {
    name: 'missing required keys, positioned at their map',
    lines: [
      'ttl: 30',
      'records:',
      '  app: { policy: weighted }',
      '  api:',
      '    policy: failover',
      '    targets: [{ address: 192.0.2.1 }]',
      '    check: { port: 80 }',
      '  db:',
      '    policy: failover',
      '    targets: [{ address: 192.0.2.2 }]',
      '    check: { protocol: tcp }',
    ],
    expected: [
      [1, 1, "missing required key 'zone'"],
      [1, 1, "missing required key 'soa'"],
      [1, 1, "missing required key 'nameservers'"],
      [3, '{', "missing required key 'targets' in record 'app'"],
      [7, '{', "missing required key 'protocol' in check"],
      [11, '{', "missing required key 'port' in check (a tcp check has no default port)"],
    ],
  },
  {
    name: 'soa without rname',
    lines: ['zone: gslb.example.com', 'soa: { refresh: 60 }', 'nameservers: { ns.example.net: [] }'],
    expected: [[2, '{', "missing required key 'rname' in soa"]],
  },
  {
    name: 'wrong types',
    lines: [
      'zone: gslb.example.com',
      'ttl: thirty',
      'soa: { rname: hostmaster.example.com, refresh: 1h }',
      'nameservers: { ns1.gslb.example.com: 203.0.113.53 }',
      'records:',
      '  app:',
      '    policy: weighted',
      '    targets: { address: 192.0.2.1 }',
      '  info: { txt: hello }',
      '  www: app.gslb.example.com',
      '  s: { a: [192.0.2.1], ttl: 1.5 }',
      '  c:',
      '    policy: weighted',
      '    targets: [{ address: 192.0.2.1, weight: "2" }]',
      '    check: { protocol: https, port: "443", rise: true, tls: { insecureSkipVerify: "yes" } }',
      '  n:',
      '  v6: { aaaa: [2001:db8::] }',
    ],
    expected: [
      [2, 'thirty', "ttl must be an integer (got 'thirty')"],
      [3, '1h', "soa.refresh must be an integer (got '1h')"],
      [4, '203.0.113.53', "name server 'ns1.gslb.example.com' must be a list (got '203.0.113.53')"],
      [8, '{', 'targets must be a list (got a map)'],
      [9, 'hello', "txt must be a list (got 'hello')"],
      [10, 'app.gslb', "record 'www' must be a map (got 'app.gslb.example.com')"],
      [11, '1.5', 'ttl must be an integer (got 1.5)'],
      [14, '"2"', "weight must be a number (got '2')"],
      [15, '"443"', "check.port must be an integer (got '443')"],
      [15, 'true', 'check.rise must be an integer (got true)'],
      [15, '"yes"', "check.tls.insecureSkipVerify must be true or false (got 'yes')"],
      [16, 'n', "record 'n' must be a map (got nothing)"],
      [17, '2001', "aaaa[0] must be a string (got a map; quote IPv6 addresses that end in '::')"],
    ],
  },
  {
    name: 'not a map at all',
    lines: ['- zone: gslb.example.com'],
    expected: [[1, 1, 'a zone policy file must hold a map of settings (got a list)']],
  },
  {
    name: 'an empty file',
    lines: ['# only a comment'],
    expected: [[0, 0, 'the file is empty; expected a zone policy (zone, soa, nameservers, records)']],
  },
  {
    name: 'bad durations',
    lines: [
      ...HEAD,
      '  app:',
      '    policy: weighted',
      '    targets: [{ address: 192.0.2.1 }]',
      '    check: { protocol: http, interval: 5, timeout: 1.5s, fastInterval: 5sm }',
      '  web:',
      '    policy: weighted',
      '    targets: [{ address: 192.0.2.1 }]',
      '    check: { protocol: http, interval: 25h, timeout: 0s }',
    ],
    expected: [
      [8, '5,', `check.interval ${DURATION} (got 5)`],
      [8, '1.5s', `check.timeout ${DURATION} (got '1.5s')`],
      [8, '5sm', `check.fastInterval ${DURATION} (got '5sm')`],
      [12, '25h', 'check.interval must be at most 24h'],
      [12, '0s', 'check.timeout must be longer than 0'],
    ],
  },
  {
    name: 'out-of-range numbers',
    lines: [
      'zone: gslb.example.com',
      'ttl: 2147483648',
      'soa: { rname: hostmaster.example.com, serial: 0 }',
      'nameservers: { ns.example.net: [] }',
      'records:',
      '  app:',
      '    policy: weighted',
      '    answers: 0',
      '    targets: [{ address: 192.0.2.1 }]',
      '    check: { protocol: http, port: 70000, rise: 0 }',
    ],
    expected: [
      [2, '2147483648', 'ttl must be at most 2147483647'],
      [3, '0 }', 'soa.serial must be at least 1'],
      [8, '0', 'answers must be at least 1'],
      [10, '70000', 'check.port must be at most 65535'],
      [10, '0 }', 'check.rise must be at least 1'],
    ],
  },
  {
    name: 'answers and weight in a failover record',
    lines: [...HEAD, '  shop:', '    policy: failover', '    answers: 2', '    targets: [{ address: 192.0.2.1, weight: 2 }, { address: 192.0.2.2 }]'],
    expected: [
      [7, 'answers', 'answers has no meaning in a failover record (the first healthy target answers)'],
      [8, 'weight', 'weight has no meaning in a failover record'],
    ],
  },
  {
    name: 'targets that are not exactly one of address, addresses or cluster',
    lines: [
      ...HEAD,
      '  app:',
      '    policy: weighted',
      '    targets:',
      '      - { address: 192.0.2.1, cluster: eu-west }',
      '      - { weight: 2 }',
      '      - { addresses: [] }',
      '      - { cluster: EU_West }',
    ],
    expected: [
      [8, '{', 'a target takes exactly one of address, addresses or cluster (found: address, cluster)'],
      [9, '{', 'a target needs one of address, addresses or cluster'],
      [10, '[]', 'addresses must not be empty'],
      [11, 'EU', "cluster must be a cluster name of lowercase letters, digits and '-' (got 'EU_West')"],
    ],
  },
  {
    name: 'check keys that do not apply to the protocol',
    lines: [
      ...HEAD,
      '  a1:',
      '    policy: weighted',
      '    targets: [{ address: 192.0.2.1 }]',
      '    check: { protocol: none, port: 80 }',
      '  a2:',
      '    policy: weighted',
      '    targets: [{ address: 192.0.2.1 }]',
      '    check: { protocol: tcp, port: 22, path: /x, tls: { insecureSkipVerify: true } }',
      '  a3:',
      '    policy: weighted',
      '    targets: [{ address: 192.0.2.1 }]',
      '    check: { protocol: http, tls: { insecureSkipVerify: true } }',
    ],
    expected: [
      [8, 'port', "'port' has no meaning when protocol is none"],
      [12, 'path', "'path' applies only to http and https checks"],
      [12, 'tls', "'tls' applies only to https checks"],
      [16, 'tls', "'tls' applies only to https checks"],
    ],
  },
  {
    name: 'values outside their enums',
    lines: [...HEAD, '  app:', '    policy: roundrobin', '    whenAllDown: some', '    targets: [{ address: 192.0.2.1 }]', '    check: { protocol: udp }'],
    expected: [
      [6, 'roundrobin', "policy must be weighted, failover or geo (got 'roundrobin')"],
      [7, 'some', "whenAllDown must be all or none (got 'some')"],
      [9, 'udp', "check.protocol must be http, https, tcp or none (got 'udp')"],
    ],
  },
  {
    name: 'records of no kind or of two kinds',
    lines: [
      ...HEAD,
      '  s: { a: [], txt: [] }',
      '  e: { ttl: 60 }',
      '  t: { targets: [{ address: 192.0.2.1 }] }',
      '  u: { policy: weighted, targets: [{ address: 192.0.2.1 }], a: [192.0.2.2] }',
    ],
    expected: [
      [5, '{', 'a static record needs at least one a, aaaa, txt, mx, srv or caa value'],
      [6, '{', 'the record holds no data: give it a policy and targets, a cname, or a, aaaa, txt, mx, srv or caa values'],
      [7, 'targets', "'targets' belongs in a record with a policy (weighted, failover or geo)"],
      [8, 'a: [', "'a' cannot stand beside 'policy': a balanced record answers with the addresses of its targets"],
    ],
  },
  {
    name: 'name servers: glue inside the zone, addresses outside ignored with a warning, valid names, not empty',
    lines: [
      'zone: gslb.example.com',
      'soa: { rname: hostmaster.example.com }',
      'nameservers:',
      '  ns1.gslb.example.com: []',
      '  ns.example.net: [192.0.2.53]',
      '  "ns 3.example.net": []',
    ],
    expected: [
      [4, '[]', "name server 'ns1.gslb.example.com' lies inside the zone and needs at least one glue address"],
      [5, '[', OUT_OF_ZONE_WARNING('ns.example.net')],
      [6, '"ns', "'ns 3.example.net' is not a valid DNS name (' ' is not allowed; a label holds only letters, digits, '_' and '-')"],
    ],
  },
  {
    name: 'an empty name server map',
    lines: ['zone: gslb.example.com', 'soa: { rname: hostmaster.example.com }', 'nameservers: {}'],
    expected: [[3, '{}', 'nameservers must not be empty']],
  },
  {
    name: 'https check details: CA files, expect, headers, host, path',
    readFile: (path) => (path === 'zones/certs/not-pem.txt' ? 'hello' : undefined),
    lines: [
      ...HEAD,
      '  app:',
      '    policy: weighted',
      '    targets: [{ address: 192.0.2.1 }]',
      '    check:',
      '      protocol: https',
      '      path: healthz',
      '      host: "bad host"',
      '      expect: ["399-200", abc, 204]',
      '      headers: { Host: x, "bad header": y }',
      '      tls: { ca: certs/missing.pem }',
      '  web:',
      '    policy: weighted',
      '    targets: [{ address: 192.0.2.1 }]',
      '    check: { protocol: https, tls: { ca: certs/not-pem.txt } }',
    ],
    expected: [
      [10, 'healthz', "check.path must start with '/' and hold no spaces (got 'healthz')"],
      [11, '"bad', "'bad host' is not a valid host name or address (' ' is not allowed; a label holds only letters, digits, '_' and '-')"],
      [12, '"399', "status range '399-200' runs backwards (write 200-399)"],
      [12, 'abc', "check.expect[1] must be a status code or a range such as 200-399 (got 'abc')"],
      [13, 'Host', 'set the Host header with check.host, not in headers'],
      [13, '"bad header"', "'bad header' is not a valid HTTP header name"],
      [14, 'certs', "cannot read CA file 'zones/certs/missing.pem'"],
      [18, 'certs', "CA file 'zones/certs/not-pem.txt' holds no PEM certificate (-----BEGIN CERTIFICATE-----)"],
    ],
  },
  {
    // Each string is within one TXT record's limit, but the RRset (an answer carries it whole) is not.
    name: 'TXT values that together cannot fit in one DNS message',
    lines: [...HEAD, `  big: { txt: ["${'x'.repeat(40_000)}", "${'y'.repeat(40_000)}"] }`, `  fits: { txt: ["${'z'.repeat(60_000)}"] }`],
    expected: [
      [
        5,
        'txt',
        "record 'big' has TXT values of 80378 octets on the wire; the answer must fit in one DNS message, which leaves 61093 for a record's values (see Limits)",
      ],
    ],
  },
  {
    name: 'text that is not well-formed Unicode',
    lines: [...HEAD, '  info: { txt: ["ok", "\\ud800"] }'],
    expected: [[5, '"\\ud800"', 'txt[1] is not valid UTF-8 text (it holds a lone surrogate)']],
  },
  {
    name: 'object selectors: only with cluster, one at a time, as NAMESPACE/NAME',
    lines: [
      ...HEAD,
      '  app:',
      '    policy: weighted',
      '    targets:',
      '      - { address: 192.0.2.1, ingress: shop/web }',
      '      - { cluster: eu-west, ingress: shop/web, service: shop/lb }',
      '      - { cluster: eu-west, gateway: public }',
    ],
    expected: [
      [8, 'ingress', 'ingress needs cluster: it names an object in a Kubernetes cluster'],
      [9, 'service', 'a cluster target follows one object (found: ingress, service)'],
      [10, 'public', "gateway must be NAMESPACE/NAME of a Kubernetes object (got 'public')"],
    ],
  },
];

describe('parseZoneText: invalid files', () => {
  for (const testCase of invalidCases) {
    it(testCase.name, () => {
      const expected = testCase.expected.map((item) => formatExpected(testCase.lines, item));
      assert.deepEqual(problems(testCase.lines, testCase.readFile), expected);
    });
  }

  it('names a cluster that is not registered, when the registered ones are known', () => {
    const lines = [...HEAD, '  app:', '    policy: failover', '    targets: [ { cluster: eu-west }, { cluster: us-east } ]'];
    const issues = parseZoneText(text(lines), FILE, noFiles, { knownClusters: new Set(['eu-west', 'ap-south']) }).issues.map(formatZoneIssue);
    assert.deepEqual(issues, [
      formatExpected(lines, [7, 'us-east', "cluster 'us-east' is not registered (registered: ap-south, eu-west; use --cluster or --in-cluster)"]),
    ]);
    assert.deepEqual(parseZoneText(text(lines), FILE, noFiles).issues, [], 'without a cluster list, any name is accepted');
  });

  it('reads object selectors into the target', () => {
    const zone = parseValid([...HEAD, '  app:', '    policy: failover', '    targets: [ { cluster: eu-west, service: ingress-nginx/controller } ]']);
    const record = zone.records[0];
    assert.ok(record?.kind === 'balanced');
    assert.deepEqual(record.targets[0], {
      kind: 'cluster',
      cluster: 'eu-west',
      select: { by: 'service', namespace: 'ingress-nginx', name: 'controller' },
      weight: 1,
    });
  });

  it('returns no zone when there is any problem', () => {
    const result = parseZoneText(text([...HEAD, '  app: { a: [300.1.2.3] }']), FILE, noFiles);
    assert.equal(result.zone, undefined);
    assert.equal(result.issues.length, 1);
  });
});

describe('parseZoneText: warnings', () => {
  const lines = [
    'zone: gslb.example.com',
    'soa: { rname: hostmaster.example.com }',
    'nameservers:',
    '  ns1.gslb.example.com: [203.0.113.53]',
    '  ns1.other.example: [192.0.2.1, "2001:db8::1"]',
    '  ns2.other.example: []',
  ];

  it('loads a zone whose out-of-zone name server has addresses, ignoring them with a warning', () => {
    const { zone, issues } = parseZoneText(text(lines), FILE, noFiles);
    assert.deepEqual(issues.map(formatZoneIssue), [formatExpected(lines, [5, '[', OUT_OF_ZONE_WARNING('ns1.other.example')])]);
    assert.equal(issues[0]?.severity, 'warning');
    assert.ok(zone, 'a zone with only warnings loads');
    assert.deepEqual(zone.nameservers, [
      { name: 'ns1.gslb.example.com', addresses: ['203.0.113.53'] },
      { name: 'ns1.other.example', addresses: [] },
      { name: 'ns2.other.example', addresses: [] },
    ]);
  });

  it('gives the zone the serial and fingerprint of the same file with the addresses left out', () => {
    const { zone } = parseZoneText(text(lines), FILE, noFiles);
    const without = parseValid(lines.map((line) => line.replace('[192.0.2.1, "2001:db8::1"]', '[]')));
    assert.equal(zone?.soa.serial, without.soa.serial);
    assert.equal(zone?.fingerprint, without.fingerprint);
  });

  it('hands the ignored addresses, where they are written, to the checks across zones', () => {
    const { outOfZoneGlue } = validateZoneText(text(lines), FILE, noFiles);
    assert.deepEqual(outOfZoneGlue, [{ name: 'ns1.other.example', addresses: ['192.0.2.1', '2001:db8::1'], line: 5, column: 22 }]);
  });

  it('puts warnings among the errors of an invalid file, in file order', () => {
    const broken = [...lines, 'records:', '  app: { a: [300.1.2.3] }'];
    assert.deepEqual(problems(broken), [
      formatExpected(broken, [5, '[', OUT_OF_ZONE_WARNING('ns1.other.example')]),
      formatExpected(broken, [8, '300', "'300.1.2.3' is not an IPv4 address"]),
    ]);
    assert.equal(parseZoneText(text(broken), FILE, noFiles).zone, undefined);
  });
});

// ---------------------------------------------------------------------------------------------------------------

const DEFAULT_SOA = { refresh: 3600, retry: 600, expire: 86400, minimum: 30 };

function defaultCheck(overrides: Partial<CheckConfig> & Pick<CheckConfig, 'protocol' | 'port' | 'host'>): CheckConfig {
  return {
    path: '/',
    intervalMs: 5000,
    timeoutMs: 2000,
    fastIntervalMs: 1000,
    rise: 2,
    fall: 2,
    expect: [[200, 399]],
    headers: {},
    tls: { insecureSkipVerify: false },
    ...overrides,
  };
}

/** The zone without its serial, which has its own tests. */
function withoutSerial(zone: ZoneConfig): unknown {
  const { fingerprint, ...rest } = zone;
  assert.match(fingerprint ?? '', /^[A-Za-z0-9_-]{43}$/, 'every loaded zone has a fingerprint');
  return { ...rest, soa: { ...zone.soa, serial: 'derived' } };
}

describe('parseZoneText: valid files', () => {
  it('fills every default of a minimal zone', () => {
    const zone = parseValid(['zone: GSLB.Example.com.', 'soa: { rname: Hostmaster.Example.com. }', 'nameservers: { ns.example.net: [] }']);
    assert.deepEqual(withoutSerial(zone), {
      file: FILE,
      zone: 'gslb.example.com',
      ttl: 30,
      soa: { mname: 'ns.example.net', rname: 'hostmaster.example.com', serial: 'derived', ...DEFAULT_SOA },
      nameservers: [{ name: 'ns.example.net', addresses: [] }],
      records: [],
      maintenance: [],
    });
  });

  it('normalises the example of the zone policy contract', () => {
    const zone = parseValid([
      'zone: gslb.example.com          # the delegated subdomain',
      'ttl: 30',
      'soa: { rname: hostmaster.example.com, refresh: 3600, retry: 600, expire: 86400, minimum: 30 }',
      'nameservers:',
      '  ns1.gslb.example.com: [203.0.113.53]',
      '  ns2.gslb.example.com: [198.51.100.53, "2001:db8::53"]',
      'records:',
      '  app:',
      '    policy: weighted',
      '    ttl: 30',
      '    check: { protocol: https, port: 443, path: /healthz, host: app.example.com,',
      '             interval: 5s, timeout: 2s, rise: 2, fall: 2 }',
      '    whenAllDown: all',
      '    targets:',
      '      - { address: 192.0.2.10, weight: 3 }',
      '      - { addresses: [192.0.2.20, "2001:db8::20"], weight: 1 }',
      '      - { cluster: eu-west, weight: 1 }',
      '  shop:',
      '    policy: failover',
      '    targets: [ { address: 192.0.2.10 }, { address: 192.0.2.20 } ]',
      '  www: { cname: app.gslb.example.com }',
      '  info: { txt: ["hello"] }',
      '  static: { a: [192.0.2.1], aaaa: ["2001:db8::1"] }',
    ]);
    assert.deepEqual(withoutSerial(zone), {
      file: FILE,
      zone: 'gslb.example.com',
      ttl: 30,
      soa: { mname: 'ns1.gslb.example.com', rname: 'hostmaster.example.com', serial: 'derived', ...DEFAULT_SOA },
      nameservers: [
        { name: 'ns1.gslb.example.com', addresses: ['203.0.113.53'] },
        { name: 'ns2.gslb.example.com', addresses: ['198.51.100.53', '2001:db8::53'] },
      ],
      records: [
        {
          kind: 'balanced',
          name: 'app.gslb.example.com',
          policy: 'weighted',
          ttl: 30,
          answers: 1,
          check: defaultCheck({ protocol: 'https', port: 443, path: '/healthz', host: 'app.example.com' }),
          whenAllDown: 'all',
          targets: [
            { kind: 'static', addresses: ['192.0.2.10'], weight: 3 },
            { kind: 'static', addresses: ['192.0.2.20', '2001:db8::20'], weight: 1 },
            { kind: 'cluster', cluster: 'eu-west', select: { by: 'host' }, weight: 1 },
          ],
        },
        {
          kind: 'balanced',
          name: 'shop.gslb.example.com',
          policy: 'failover',
          ttl: 30,
          answers: 1,
          whenAllDown: 'all',
          targets: [
            { kind: 'static', addresses: ['192.0.2.10'], weight: 1 },
            { kind: 'static', addresses: ['192.0.2.20'], weight: 1 },
          ],
        },
        { kind: 'cname', name: 'www.gslb.example.com', ttl: 30, target: 'app.gslb.example.com' },
        { kind: 'static', name: 'info.gslb.example.com', ttl: 30, a: [], aaaa: [], txt: ['hello'] },
        { kind: 'static', name: 'static.gslb.example.com', ttl: 30, a: ['192.0.2.1'], aaaa: ['2001:db8::1'], txt: [] },
      ],
      maintenance: [],
    });
  });

  it('keeps records in file order and resolves every spelling of a name', () => {
    const zone = parseValid([
      'zone: gslb.example.com',
      'ttl: 60',
      'soa: { rname: hostmaster.example.com }',
      'nameservers: { ns1.gslb.example.com: ["2001:DB8:0:0::53"] }',
      'records:',
      '  b: { a: [192.0.2.2], ttl: 5 }',
      '  1: { a: [192.0.2.1] }',
      '  "@": { aaaa: ["2001:0db8::0001"] }',
      '  API.EU: { txt: [""] }',
      '  Deep.GSLB.Example.COM.: { cname: Target.Example.ORG. }',
    ]);
    assert.deepEqual(zone.nameservers, [{ name: 'ns1.gslb.example.com', addresses: ['2001:db8::53'] }]);
    assert.deepEqual(zone.records, [
      { kind: 'static', name: 'b.gslb.example.com', ttl: 5, a: ['192.0.2.2'], aaaa: [], txt: [] },
      { kind: 'static', name: '1.gslb.example.com', ttl: 60, a: ['192.0.2.1'], aaaa: [], txt: [] },
      { kind: 'static', name: 'gslb.example.com', ttl: 60, a: [], aaaa: ['2001:db8::1'], txt: [] },
      { kind: 'static', name: 'api.eu.gslb.example.com', ttl: 60, a: [], aaaa: [], txt: [''] },
      { kind: 'cname', name: 'deep.gslb.example.com', ttl: 60, target: 'target.example.org' },
    ]);
  });

  it('fills check defaults per protocol and reads expect, headers, body and answers', () => {
    const zone = parseValid([
      ...HEAD,
      '  web:',
      '    policy: weighted',
      '    answers: 2',
      '    whenAllDown: none',
      '    targets: [{ address: 192.0.2.1, weight: 0.5 }, { address: 192.0.2.2 }]',
      '    check:',
      '      protocol: http',
      '      expect: [204, "300-302", "404"]',
      '      body: ok',
      '      headers: { X-Probe: meridian }',
      '      fastInterval: 500ms',
      '      interval: 1m',
      '      timeout: 1m',
      '      rise: 3',
      '      fall: 1',
      '  db:',
      '    policy: failover',
      '    targets: [{ address: 192.0.2.3 }]',
      '    check: { protocol: tcp, port: 5432 }',
      '  api.eu:',
      '    policy: failover',
      '    targets: [{ address: 192.0.2.4 }]',
      '    check: { protocol: none }',
    ]);
    const [web, db, api] = zone.records;
    assert.ok(web?.kind === 'balanced' && db?.kind === 'balanced' && api?.kind === 'balanced');
    assert.equal(web.answers, 2);
    assert.equal(web.whenAllDown, 'none');
    assert.deepEqual(
      web.targets.map((t) => t.weight),
      [0.5, 1],
    );
    assert.deepEqual(web.check, {
      ...defaultCheck({ protocol: 'http', port: 80, host: 'web.gslb.example.com' }),
      expect: [
        [204, 204],
        [300, 302],
        [404, 404],
      ],
      body: 'ok',
      headers: { 'X-Probe': 'meridian' },
      intervalMs: 60_000,
      timeoutMs: 60_000,
      fastIntervalMs: 500,
      rise: 3,
      fall: 1,
    });
    assert.deepEqual(db.check, defaultCheck({ protocol: 'tcp', port: 5432, host: 'db.gslb.example.com' }));
    assert.deepEqual(api.check, defaultCheck({ protocol: 'none', port: 0, host: 'api.eu.gslb.example.com' }));
  });

  it("reads the CA file named by tls.ca relative to the zone file's directory", () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const asked: string[] = [];
    const zone = parseValid(
      [
        ...HEAD,
        '  app:',
        '    policy: weighted',
        '    targets: [{ address: 192.0.2.1 }]',
        '    check: { protocol: https, tls: { ca: ./certs/../certs/ca.pem } }',
      ],
      (path) => {
        asked.push(path);
        return pem;
      },
    );
    assert.deepEqual(asked, ['zones/certs/ca.pem']);
    const app = zone.records[0];
    assert.ok(app?.kind === 'balanced');
    assert.deepEqual(app.check?.tls, { insecureSkipVerify: false, caPem: pem, caFile: 'zones/certs/ca.pem' });
  });
});

describe('zone serial', () => {
  const base = [
    'zone: gslb.example.com',
    'soa: { rname: hostmaster.example.com }',
    'nameservers: { ns1.gslb.example.com: [203.0.113.53] }',
    'records:',
    '  app: { a: [192.0.2.1] }',
  ];
  const serialOf = (lines: readonly string[], file = FILE) => {
    const { zone, issues } = parseZoneText(text(lines), file, noFiles);
    assert.deepEqual(issues, []);
    assert.ok(zone);
    return zone.soa.serial;
  };

  it('is the one in the file when there is one', () => {
    assert.equal(serialOf(['zone: gslb.example.com', 'soa: { rname: h.example.com, serial: 2026112101 }', 'nameservers: { ns.example.net: [] }']), 2026112101);
  });

  it('is derived from the normalised content: a 32-bit number that deriveSerial recomputes', () => {
    const { zone } = parseZoneText(text(base), FILE, noFiles);
    assert.ok(zone);
    assert.ok(Number.isInteger(zone.soa.serial) && zone.soa.serial >= 1 && zone.soa.serial <= 0xffff_ffff);
    assert.equal(deriveSerial(zone), zone.soa.serial);
    assert.equal(deriveSerial({ ...zone, soa: { ...zone.soa, serial: 12345 } }), zone.soa.serial);
  });

  it('does not change with comments, layout, spelling of names or the path of the file', () => {
    const same = [
      '# a comment',
      'zone: GSLB.example.com.',
      'soa:',
      '  rname: hostmaster.example.com   # who to call',
      'nameservers:',
      '  ns1.gslb.example.com.: [203.0.113.53]',
      'records:',
      '  App:',
      '    a:',
      '      - 192.0.2.1',
    ];
    assert.equal(serialOf(same, '/elsewhere/other-name.yml'), serialOf(base));
  });

  it('changes with any change of configuration', () => {
    const original = serialOf(base);
    const changed = [
      [...base.slice(0, 4), '  app: { a: [192.0.2.2] }'],
      [...base.slice(0, 4), '  app: { a: [192.0.2.1], ttl: 31 }'],
      [...base.slice(0, 4), '  app2: { a: [192.0.2.1] }'],
      ['ttl: 31', ...base],
      [base[0], 'soa: { rname: hostmaster.example.com, minimum: 31 }', ...base.slice(2)],
    ];
    for (const lines of changed) assert.notEqual(serialOf(lines), original, lines.join(' | '));
  });
});
