// A normalised zone, written directly as the loader would produce it, so handler tests do not depend on YAML.

import type { TargetSource } from '../../src/answers/build.js';
import { createStaticEndpointSource } from './static-endpoints.js';
import { healthAnnotatedTargets } from '../../src/answers/targets.js';
import { silentLogger } from '../../src/base/logger.js';
import type { CheckConfig, ZoneConfig } from '../../src/zone/model.js';

export const SERIAL = 2026112101;

export const fixtureZone: ZoneConfig = {
  file: 'fixture.yaml',
  maintenance: [],
  zone: 'gslb.example.com',
  ttl: 30,
  soa: { mname: 'ns1.gslb.example.com', rname: 'hostmaster.example.com', serial: SERIAL, refresh: 3600, retry: 600, expire: 86400, minimum: 20 },
  nameservers: [
    { name: 'ns1.gslb.example.com', addresses: ['203.0.113.53'] },
    { name: 'ns2.gslb.example.com', addresses: ['198.51.100.53', '2001:db8::53'] },
    { name: 'ns.other.example.net', addresses: [] },
  ],
  records: [
    {
      kind: 'balanced',
      name: 'app.gslb.example.com',
      policy: 'weighted',
      ttl: 30,
      answers: 1,
      whenAllDown: 'all',
      targets: [
        { kind: 'static', addresses: ['192.0.2.10'], weight: 3 },
        { kind: 'static', addresses: ['192.0.2.20', '2001:db8::20'], weight: 1 },
      ],
    },
    {
      kind: 'balanced',
      name: 'shop.gslb.example.com',
      policy: 'failover',
      ttl: 15,
      answers: 1,
      whenAllDown: 'all',
      targets: [
        { kind: 'static', addresses: ['192.0.2.30'], weight: 1 },
        { kind: 'static', addresses: ['192.0.2.40'], weight: 1 },
      ],
    },
    { kind: 'cname', name: 'www.gslb.example.com', ttl: 60, target: 'app.gslb.example.com' },
    { kind: 'cname', name: 'dangling.gslb.example.com', ttl: 60, target: 'missing.gslb.example.com' },
    { kind: 'cname', name: 'away.gslb.example.com', ttl: 60, target: 'www.example.org' },
    { kind: 'static', name: 'info.gslb.example.com', ttl: 30, a: [], aaaa: [], txt: ['hello'] },
    { kind: 'static', name: 'static.gslb.example.com', ttl: 30, a: ['192.0.2.1'], aaaa: ['2001:db8::1'], txt: [] },
    { kind: 'static', name: 'api.eu.gslb.example.com', ttl: 30, a: ['192.0.2.50'], aaaa: [], txt: [] },
    { kind: 'static', name: 'big.gslb.example.com', ttl: 30, a: [], aaaa: [], txt: Array.from({ length: 8 }, (_, i) => `${i}`.repeat(200)) },
  ],
};

export const childZone: ZoneConfig = {
  file: 'child.yaml',
  zone: 'sub.gslb.example.com',
  maintenance: [],
  ttl: 60,
  soa: { mname: 'ns1.gslb.example.com', rname: 'hostmaster.example.com', serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 120 },
  nameservers: [{ name: 'ns1.gslb.example.com', addresses: [] }],
  records: [{ kind: 'static', name: 'x.sub.gslb.example.com', ttl: 60, a: ['192.0.2.99'], aaaa: [], txt: [] }],
};

/** Targets as discovery gives them with no health checking: every address up. */
export function staticTargets(): TargetSource {
  return healthAnnotatedTargets(createStaticEndpointSource(silentLogger), undefined);
}

/** A normalised check with the loader's defaults (tcp on 443), overridable per test. */
export function checkConfig(overrides: Partial<CheckConfig> = {}): CheckConfig {
  return {
    protocol: 'tcp',
    port: 443,
    path: '/',
    host: 'shop.gslb.example.com',
    intervalMs: 5000,
    timeoutMs: 1000,
    fastIntervalMs: 1000,
    rise: 2,
    fall: 2,
    expect: [[200, 399]],
    headers: {},
    tls: { insecureSkipVerify: false },
    ...overrides,
  };
}

/** A zone around the given records, with a fixed SOA and one name server. */
export function zoneOf(zone: string, records: ZoneConfig['records']): ZoneConfig {
  return {
    file: `${zone}.yaml`,
    zone,
    ttl: 30,
    soa: { mname: `ns1.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 30 },
    nameservers: [{ name: `ns1.${zone}`, addresses: ['192.0.2.53'] }],
    records,
    maintenance: [],
  };
}
