// The serial and fingerprint of a normalised zone. How the serial follows the file's content is tested through
// validation in zone-validate.test.ts; these check serial.ts on ZoneConfigs directly.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ZoneConfig } from '../../src/zone/model.js';
import { deriveSerial, serialAndFingerprint } from '../../src/zone/serial.js';
import { checkConfig, zoneOf } from '../helpers/fixture-zone.js';

const zone: ZoneConfig = {
  ...zoneOf('serial.test', [
    {
      kind: 'balanced',
      name: 'app.serial.test',
      policy: 'failover',
      ttl: 30,
      answers: 1,
      whenAllDown: 'all',
      check: checkConfig({ protocol: 'https', tls: { insecureSkipVerify: false, caPem: 'PEM', caFile: 'zones/ca.pem' } }),
      targets: [{ kind: 'static', addresses: ['192.0.2.1'], weight: 1 }],
    },
  ]),
  maintenance: [{ target: '192.0.2.1', cron: '0 3 * * *', durationMs: 3_600_000, line: 12 }],
};

describe('deriveSerial', () => {
  it('is a 32-bit number other than 0', () => {
    const serial = deriveSerial(zone);
    assert.ok(Number.isInteger(serial) && serial > 0 && serial <= 0xffff_ffff);
  });

  const sameZone: Array<[name: string, changed: ZoneConfig]> = [
    ['the file path', { ...zone, file: 'elsewhere/serial.test.yaml' }],
    ['the serial itself', { ...zone, soa: { ...zone.soa, serial: 42 } }],
    ['the fingerprint', { ...zone, fingerprint: 'x' }],
    ['the lines of the maintenance windows', { ...zone, maintenance: zone.maintenance?.map((window) => ({ ...window, line: 99 })) }],
    [
      'the path of a CA file',
      {
        ...zone,
        records: zone.records.map((record) =>
          record.kind === 'balanced' && record.check ? { ...record, check: { ...record.check, tls: { ...record.check.tls, caFile: 'other.pem' } } } : record,
        ),
      },
    ],
    ['the order of keys', Object.fromEntries(Object.entries(zone).reverse()) as unknown as ZoneConfig],
  ];
  for (const [name, changed] of sameZone) {
    it(`does not change with ${name}`, () => assert.equal(deriveSerial(changed), deriveSerial(zone)));
  }

  const otherZone: Array<[name: string, changed: ZoneConfig]> = [
    ['the zone TTL', { ...zone, ttl: 31 }],
    [
      'the CA certificate',
      {
        ...zone,
        records: zone.records.map((record) =>
          record.kind === 'balanced' && record.check ? { ...record, check: { ...record.check, tls: { ...record.check.tls, caPem: 'OTHER' } } } : record,
        ),
      },
    ],
    ['a maintenance window', { ...zone, maintenance: zone.maintenance?.map((window) => ({ ...window, durationMs: 60_000 })) }],
  ];
  for (const [name, changed] of otherZone) {
    it(`changes with ${name}`, () => assert.notEqual(deriveSerial(changed), deriveSerial(zone)));
  }
});

describe('serialAndFingerprint', () => {
  it("takes the file's serial when there is one, else the derived one", () => {
    assert.equal(serialAndFingerprint(zone, 7).serial, 7);
    assert.equal(serialAndFingerprint(zone, undefined).serial, deriveSerial(zone));
  });

  it('gives a fingerprint that changes with the serial and with the content, not with the file path', () => {
    const { fingerprint } = serialAndFingerprint(zone, 7);
    assert.match(fingerprint, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(serialAndFingerprint({ ...zone, file: 'moved.yaml' }, 7).fingerprint, fingerprint);
    assert.notEqual(serialAndFingerprint(zone, 8).fingerprint, fingerprint);
    assert.notEqual(serialAndFingerprint({ ...zone, ttl: 31 }, 7).fingerprint, fingerprint);
  });
});
