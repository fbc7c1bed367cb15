import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCaFile, type CaFileRead } from '../../src/zone/ca-files.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const FILES: Record<string, string> = { 'zones/certs/ca.pem': PEM, '/etc/meridian/ca.pem': PEM, 'zones/key.pem': '-----BEGIN PRIVATE KEY-----\n' };

describe('readCaFile', () => {
  const cases: Array<[name: string, zoneFile: string, ca: string, expected: CaFileRead]> = [
    ['resolves a relative path from the zone file', 'zones/a.yaml', 'certs/ca.pem', { caFile: 'zones/certs/ca.pem', caPem: PEM }],
    ['normalises the joined path', 'zones/a.yaml', './certs/../certs/ca.pem', { caFile: 'zones/certs/ca.pem', caPem: PEM }],
    ['keeps an absolute path', 'zones/a.yaml', '/etc/meridian/ca.pem', { caFile: '/etc/meridian/ca.pem', caPem: PEM }],
    ['says when the file cannot be read', 'zones/a.yaml', 'missing.pem', { caFile: 'zones/missing.pem', problem: "cannot read CA file 'zones/missing.pem'" }],
    [
      'says when the file holds no certificate',
      'zones/a.yaml',
      'key.pem',
      { caFile: 'zones/key.pem', problem: "CA file 'zones/key.pem' holds no PEM certificate (-----BEGIN CERTIFICATE-----)" },
    ],
  ];
  for (const [name, zoneFile, ca, expected] of cases) {
    it(name, () => {
      const asked: string[] = [];
      const read = readCaFile(zoneFile, ca, (path) => {
        asked.push(path);
        return FILES[path];
      });
      assert.deepEqual(read, expected);
      assert.deepEqual(asked, [expected.caFile], 'reads the one resolved path');
    });
  }
});
