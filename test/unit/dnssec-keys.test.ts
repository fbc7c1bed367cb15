// DNSSEC key files (src/dnssec/keys.ts) against the examples of the RFCs: key tags, DS digests and the example
// private keys of RFC 6605 (ECDSA P-256) and RFC 8080 (Ed25519), each private key checked to give its DNSKEY. Then
// every way a key pair can be wrong, each a coded error naming the file and never quoting the private key; the
// timing metadata; and generated keys read back as they were made.

import assert from 'node:assert/strict';
import { createPublicKey, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { MeridianError } from '../../src/base/errors.js';
import { dnskeyPresentation, dsPresentation, dsRdata, generateKeyPair, keyTagOf, parseKeyPair, type ZoneKey } from '../../src/dnssec/keys.js';

const NOW = new Date('2025-06-01T12:00:00Z');

function dnskeyRdata(flags: number, algorithm: number, publicKey: string): Buffer {
  return Buffer.concat([Buffer.of(flags >> 8, flags & 0xff, 3, algorithm), Buffer.from(publicKey, 'base64')]);
}

/** The examples, with the key tag and SHA-256 DS digest each RFC gives. */
const RFC_6605_P256 = {
  zone: 'example.net',
  publicKey: 'GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==',
  privateKey: 'GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=',
  keyTag: 55648,
  ds: 'B4C8C1FE2E7477127B27115656AD6256F424625BF5C1E2770CE6D6E37DF61D17',
};
const RFC_8080_ED25519_1 = {
  zone: 'example.com',
  publicKey: 'l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=',
  privateKey: 'ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=',
  keyTag: 3613,
  ds: '3AA5AB37EFCE57F737FC1627013FEE07BDF241BD10F3B1964AB55C78E79A304B',
};
const RFC_8080_ED25519_2 = {
  zone: 'example.com',
  publicKey: 'zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs=',
  privateKey: 'DSSF3o0s0f+ElWzj9E/Osxw8hLpk55chkmx0LYN5WiY=',
  keyTag: 35217,
  ds: '401781B934E392DE492EC77AE2E15D70F6575A1C0BC59C5275C04EBE80C6614C',
};

const ED25519_PRIVATE_1 = `Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\nPrivateKey: ${RFC_8080_ED25519_1.privateKey}\n`;
const ED25519_KEY_1 = `example.com. 3600 IN DNSKEY 257 3 15 ${RFC_8080_ED25519_1.publicKey}\n`;
const ED25519_FILE_1 = 'Kexample.com.+015+03613.key';

describe('keyTagOf: RFC 4034 Appendix B', () => {
  const cases: ReadonlyArray<{ name: string; rdata: Buffer; keyTag: number }> = [
    {
      name: 'RFC 4034 §5.4 dskey.example.com (RSASHA1)',
      rdata: dnskeyRdata(
        256,
        5,
        'AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==',
      ),
      keyTag: 60485,
    },
    { name: 'RFC 6605 §6.1 (P-256)', rdata: dnskeyRdata(257, 13, RFC_6605_P256.publicKey), keyTag: 55648 },
    {
      name: 'RFC 6605 §6.2 (P-384)',
      rdata: dnskeyRdata(
        257,
        14,
        'xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40',
      ),
      keyTag: 10771,
    },
    { name: 'RFC 8080 §6.1 first Ed25519 key', rdata: dnskeyRdata(257, 15, RFC_8080_ED25519_1.publicKey), keyTag: 3613 },
    { name: 'RFC 8080 §6.1 second Ed25519 key', rdata: dnskeyRdata(257, 15, RFC_8080_ED25519_2.publicKey), keyTag: 35217 },
    // An odd length: the last octet is the high half of a word.
    { name: 'odd length', rdata: Buffer.of(0x01, 0x02, 0x03), keyTag: 0x0402 },
  ];
  for (const { name, rdata, keyTag } of cases) it(`${name}: ${keyTag}`, () => assert.equal(keyTagOf(rdata), keyTag));
});

describe('the RFC example keys', () => {
  const cases = [
    { name: 'RFC 6605 §6.1 P-256', vector: RFC_6605_P256, algorithm: 13 as const, format: 'v1.2', mnemonic: 'ECDSAP256SHA256' },
    { name: 'RFC 8080 §6.1 Ed25519, first key', vector: RFC_8080_ED25519_1, algorithm: 15 as const, format: 'v1.2', mnemonic: 'ED25519' },
    { name: 'RFC 8080 §6.1 Ed25519, second key', vector: RFC_8080_ED25519_2, algorithm: 15 as const, format: 'v1.3', mnemonic: 'ED25519' },
  ];
  for (const { name, vector, algorithm, format, mnemonic } of cases) {
    const file = `K${vector.zone}.+0${algorithm}+${String(vector.keyTag).padStart(5, '0')}.key`;
    const keyText = `${vector.zone}. 3600 IN DNSKEY 257 3 ${algorithm} ${vector.publicKey}\n`;
    const privateText = `Private-key-format: ${format}\nAlgorithm: ${algorithm} (${mnemonic})\nPrivateKey: ${vector.privateKey}\n`;

    it(`${name}: the DS digest is the RFC's`, () => {
      const ds = dsRdata(vector.zone, dnskeyRdata(257, algorithm, vector.publicKey));
      assert.equal(ds.readUInt16BE(0), vector.keyTag);
      assert.deepEqual([ds[2], ds[3]], [algorithm, 2]);
      assert.equal(ds.subarray(4).toString('hex').toUpperCase(), vector.ds);
      // The owner is compared in canonical (lowercase) form, with or without its trailing dot.
      assert.deepEqual(dsRdata(`${vector.zone.toUpperCase()}.`, dnskeyRdata(257, algorithm, vector.publicKey)), ds);
    });

    it(`${name}: the private key parses, derives the DNSKEY's public key and signs for it`, () => {
      const key = parseKeyPair(keyText, privateText, file, NOW);
      assert.deepEqual(
        { zone: key.zone, algorithm: key.algorithm, flags: key.flags, keyTag: key.keyTag, published: key.published, active: key.active, file: key.file },
        { zone: vector.zone, algorithm, flags: 257, keyTag: vector.keyTag, published: true, active: true, file },
      );
      assert.deepEqual(key.dnskeyRdata, dnskeyRdata(257, algorithm, vector.publicKey));
      assert.ok(key.privateKey !== undefined);
      const publicJwk = createPublicKey(key.privateKey).export({ format: 'jwk' });
      const derived =
        algorithm === 13
          ? Buffer.concat([Buffer.from(publicJwk.x!, 'base64url'), Buffer.from(publicJwk.y!, 'base64url')])
          : Buffer.from(publicJwk.x!, 'base64url');
      assert.equal(derived.toString('base64'), vector.publicKey);
      const hash = algorithm === 13 ? 'sha256' : null;
      const signature = sign(hash, Buffer.from('signed data'), key.privateKey);
      assert.ok(verify(hash, Buffer.from('signed data'), createPublicKey(key.privateKey), signature));
    });

    it(`${name}: the presentation lines`, () => {
      const key = parseKeyPair(keyText, undefined, file, NOW);
      assert.equal(dsPresentation(key), `${vector.zone}. IN DS ${vector.keyTag} ${algorithm} 2 ${vector.ds}`);
      assert.equal(dsPresentation(key, 3600), `${vector.zone}. 3600 IN DS ${vector.keyTag} ${algorithm} 2 ${vector.ds}`);
      assert.equal(dnskeyPresentation(key, 3600), `${vector.zone}. 3600 IN DNSKEY 257 3 ${algorithm} ${vector.publicKey}`);
      assert.equal(dnskeyPresentation(key), `${vector.zone}. IN DNSKEY 257 3 ${algorithm} ${vector.publicKey}`);
    });
  }
});

describe('parseKeyPair reads the .key spellings of dnssec-keygen, ldns-keygen and zone files', () => {
  const half = RFC_6605_P256.publicKey.length / 2;
  const cases: ReadonlyArray<{ name: string; keyText: string }> = [
    { name: 'no TTL, no class comments', keyText: `example.net. IN DNSKEY 257 3 13 ${RFC_6605_P256.publicKey}` },
    {
      name: "BIND's comments and base64 split by a space",
      keyText: `; This is a key-signing key, keyid 55648, for example.net.\n; Created: 20100812100439 (Thu Aug 12 10:04:39 2010)\nexample.net. IN DNSKEY 257 3 13 ${RFC_6605_P256.publicKey.slice(0, half)} ${RFC_6605_P256.publicKey.slice(half)}\n`,
    },
    { name: "ldns's tabs and trailing comment", keyText: `example.net.\tIN\tDNSKEY\t257 3 13 ${RFC_6605_P256.publicKey} ;{id = 55648 (ksk), size = 256b}\n` },
    {
      name: 'parentheses across lines, TTL before the class, names in capitals',
      keyText: `EXAMPLE.NET. 3600 IN DNSKEY 257 3 ECDSAP256SHA256 (\n  ${RFC_6605_P256.publicKey.slice(0, half)}\n  ${RFC_6605_P256.publicKey.slice(half)} )\n`,
    },
    { name: 'CRLF line ends', keyText: `; comment\r\nexample.net. 3600 IN DNSKEY 257 3 13 ${RFC_6605_P256.publicKey}\r\n` },
  ];
  for (const { name, keyText } of cases) {
    it(name, () => {
      const key = parseKeyPair(keyText, undefined, 'Kexample.net.+013+55648.key', NOW);
      assert.deepEqual([key.zone, key.keyTag, key.flags], ['example.net', 55648, 257]);
    });
  }
});

describe('parseKeyPair refuses a wrong key pair with a coded error that names the file and keeps the private key out', () => {
  const otherPrivate = `Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\nPrivateKey: ${RFC_8080_ED25519_2.privateKey}\n`;
  const p256Private = `Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${RFC_6605_P256.privateKey}\n`;
  const garbage = 'SECRET-LOOKING GARBAGE 0123456789abcdef\n\x00\x01\x02';
  const cases: ReadonlyArray<{ name: string; keyText: string; privateText?: string; file?: string; reason: RegExp }> = [
    {
      name: 'another owner than the file name',
      keyText: ED25519_KEY_1.replace('example.com.', 'example.org.'),
      reason: /owner is example\.org\., but the file name is for the zone example\.com\./,
    },
    { name: 'public key not base64', keyText: ED25519_KEY_1.replace('l02W', 'l0!W'), reason: /public key is not valid base64/ },
    { name: 'public key base64 cut short', keyText: ED25519_KEY_1.replace('JA4=', 'JA'), reason: /public key is not valid base64/ },
    {
      name: 'public key of the wrong length',
      keyText: ED25519_KEY_1.replace(RFC_8080_ED25519_1.publicKey, 'AAAA'),
      reason: /public key is 3 octets; 15 \(ED25519\) has 32/,
    },
    {
      name: 'a P-256 public key off the curve',
      keyText: `example.com. IN DNSKEY 256 3 13 ${Buffer.alloc(64, 1).toString('base64')}`,
      file: 'Kexample.com.+013+00000.key',
      reason: /public key is not a valid 13 \(ECDSAP256SHA256\) key/,
    },
    {
      name: 'unsupported algorithm 8',
      keyText: 'example.com. IN DNSKEY 257 3 8 AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/DlUmObdk=',
      file: 'Kexample.com.+008+12345.key',
      reason: /algorithm 8 \(RSASHA256\) is not supported; Meridian signs with 13 \(ECDSAP256SHA256\) or 15 \(ED25519\)/,
    },
    { name: 'revoked flags', keyText: ED25519_KEY_1.replace(' 257 ', ' 385 '), reason: /flags are 385; Meridian uses 256 .* or 257/ },
    { name: 'protocol other than 3', keyText: ED25519_KEY_1.replace(' 257 3 ', ' 257 4 '), reason: /protocol is 4; it must be 3/ },
    { name: 'no DNSKEY record', keyText: '; nothing but a comment\n', reason: /holds no DNSKEY record/ },
    { name: 'two DNSKEY records', keyText: ED25519_KEY_1 + ED25519_KEY_1, reason: /more than one DNSKEY record/ },
    { name: 'another class', keyText: ED25519_KEY_1.replace(' IN ', ' CH '), reason: /'CH' before DNSKEY is neither a TTL nor the class IN/ },
    {
      name: 'a key tag other than the file name says',
      keyText: ED25519_KEY_1,
      file: 'Kexample.com.+015+03614.key',
      reason: /file name says algorithm 15 and key tag 3614, the key is algorithm 15 with key tag 3613/,
    },
    {
      name: 'a file name not in the K<zone>.+NNN+TTTTT.key form',
      keyText: ED25519_KEY_1,
      file: 'example.com.key',
      reason: /file name is not K<zone>\.\+<algorithm>\+<key tag>\.key/,
    },
    {
      name: 'a private key of another public key',
      keyText: ED25519_KEY_1,
      privateText: otherPrivate,
      reason: /private key in the \.private file does not belong to the public key/,
    },
    {
      name: 'a private key of another algorithm',
      keyText: ED25519_KEY_1,
      privateText: p256Private,
      reason: /\.private file is for algorithm 13 \(ECDSAP256SHA256\), the \.key file for 15 \(ED25519\)/,
    },
    { name: 'no PrivateKey line', keyText: ED25519_KEY_1, privateText: 'Private-key-format: v1.3\nAlgorithm: 15 (ED25519)\n', reason: /no PrivateKey line/ },
    {
      name: 'private key not base64',
      keyText: ED25519_KEY_1,
      privateText: ED25519_PRIVATE_1.replace('ODIy', 'OD!y'),
      reason: /PrivateKey is not valid base64/,
    },
    {
      name: 'private key of the wrong length',
      keyText: ED25519_KEY_1,
      privateText: ED25519_PRIVATE_1.replace(RFC_8080_ED25519_1.privateKey, 'AAAA'),
      reason: /private key is 3 octets/,
    },
    { name: 'a garbage .private', keyText: ED25519_KEY_1, privateText: garbage, reason: /no Private-key-format line/ },
    {
      name: 'an unknown private key format',
      keyText: ED25519_KEY_1,
      privateText: ED25519_PRIVATE_1.replace('v1.2', 'v2.0'),
      reason: /not Private-key-format v1\.2 or v1\.3/,
    },
    {
      name: 'the private key pasted into another field',
      keyText: ED25519_KEY_1,
      privateText: `Private-key-format: ${RFC_8080_ED25519_1.privateKey}\nAlgorithm: 15 (ED25519)\nPrivateKey: ${RFC_8080_ED25519_1.privateKey}\n`,
      reason: /not Private-key-format v1\.2 or v1\.3/,
    },
    { name: 'no Algorithm line', keyText: ED25519_KEY_1, privateText: ED25519_PRIVATE_1.replace(/Algorithm.*\n/, ''), reason: /no Algorithm line/ },
    {
      name: 'a timing value that is not a time',
      keyText: ED25519_KEY_1,
      privateText: `${ED25519_PRIVATE_1}Activate: 20250231000000\n`,
      reason: /Activate time is not YYYYMMDDHHMMSS/,
    },
    {
      name: 'a P-256 scalar out of range',
      keyText: `example.net. IN DNSKEY 257 3 13 ${RFC_6605_P256.publicKey}`,
      privateText: `Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${Buffer.alloc(32, 0xff).toString('base64')}\n`,
      file: 'Kexample.net.+013+55648.key',
      reason: /private key is not a valid 13 \(ECDSAP256SHA256\) key/,
    },
  ];
  for (const { name, keyText, privateText, file = ED25519_FILE_1, reason } of cases) {
    it(name, () => {
      assert.throws(
        () => parseKeyPair(keyText, privateText, file, NOW),
        (error: unknown) => {
          assert.ok(error instanceof MeridianError);
          assert.equal(error.code, 'MERIDIAN_DNSSEC_KEY');
          assert.ok(error.message.startsWith(`cannot use the DNSSEC key ${file}: `), error.message);
          assert.match(error.message, reason);
          for (const secret of [RFC_8080_ED25519_1.privateKey, RFC_8080_ED25519_2.privateKey, RFC_6605_P256.privateKey, 'SECRET-LOOKING', '0123456789abcdef']) {
            assert.ok(!error.message.includes(secret), `the message quotes the private key: ${error.message}`);
          }
          return true;
        },
      );
    });
  }
});

describe('timing metadata: published (Publish <= now < Delete), active (Activate <= now < Inactive)', () => {
  const PAST = '20250101000000';
  const FUTURE = '20260101000000';
  const cases: ReadonlyArray<{ name: string; timing?: string; privateKey?: boolean; keyComments?: string; published: boolean; active: boolean }> = [
    { name: 'no timing at all (ldns): published and active', published: true, active: true },
    { name: 'published and activated in the past', timing: `Created: ${PAST}\nPublish: ${PAST}\nActivate: ${PAST}`, published: true, active: true },
    { name: 'Activate exactly now', timing: 'Activate: 20250601120000', published: true, active: true },
    {
      name: 'Inactive in the past: published, no longer signing',
      timing: `Publish: ${PAST}\nActivate: ${PAST}\nInactive: ${PAST}`,
      published: true,
      active: false,
    },
    { name: 'Inactive exactly now', timing: 'Inactive: 20250601120000', published: true, active: false },
    { name: 'Publish in the future: neither', timing: `Publish: ${FUTURE}\nActivate: ${PAST}`, published: false, active: false },
    { name: 'Activate in the future: published ahead of a rollover', timing: `Publish: ${PAST}\nActivate: ${FUTURE}`, published: true, active: false },
    { name: 'Delete in the past: gone', timing: `Publish: ${PAST}\nActivate: ${PAST}\nDelete: ${PAST}`, published: false, active: false },
    { name: 'no .private: published, cannot sign', privateKey: false, published: true, active: false },
    {
      name: "no .private: the .key file's comments say when",
      privateKey: false,
      keyComments: `; Publish: ${FUTURE} (Thu Jan  1 00:00:00 2026)\n`,
      published: false,
      active: false,
    },
    {
      name: "with a .private its timing counts, not the .key file's comments",
      timing: `Publish: ${PAST}`,
      keyComments: `; Publish: ${FUTURE}\n`,
      published: true,
      active: true,
    },
  ];
  for (const { name, timing, privateKey = true, keyComments = '', published, active } of cases) {
    it(name, () => {
      const privateText = privateKey ? `${ED25519_PRIVATE_1}${timing === undefined ? '' : `${timing}\n`}` : undefined;
      const key = parseKeyPair(keyComments + ED25519_KEY_1, privateText, ED25519_FILE_1, NOW);
      assert.deepEqual(
        { published: key.published, active: key.active, hasPrivateKey: key.privateKey !== undefined },
        { published, active, hasPrivateKey: privateKey },
      );
    });
  }
});

describe('generateKeyPair', () => {
  const cases = [
    { algorithm: 'ecdsap256sha256' as const, ksk: false, number: 13, flags: 256, octets: 64 },
    { algorithm: 'ecdsap256sha256' as const, ksk: true, number: 13, flags: 257, octets: 64 },
    { algorithm: 'ed25519' as const, ksk: false, number: 15, flags: 256, octets: 32 },
    { algorithm: 'ed25519' as const, ksk: true, number: 15, flags: 257, octets: 32 },
  ];
  for (const { algorithm, ksk, number, flags, octets } of cases) {
    it(`${algorithm}${ksk ? ' KSK' : ''}: BIND's files, which parse back to the same key`, () => {
      const made = generateKeyPair('Gslb.Example.COM.', algorithm, { ksk, now: NOW });
      const tag = String(made.key.keyTag).padStart(5, '0');
      assert.equal(made.basename, `Kgslb.example.com.+0${number}+${tag}`);
      assert.match(made.keyText, new RegExp(`^gslb\\.example\\.com\\. IN DNSKEY ${flags} 3 ${number} [A-Za-z0-9+/]+=*$`, 'm'));
      assert.match(made.privateText, /^Private-key-format: v1\.3\n/);
      assert.match(made.privateText, new RegExp(`^Algorithm: ${number} \\((ECDSAP256SHA256|ED25519)\\)$`, 'm'));
      assert.match(made.privateText, /^Created: 20250601120000\nPublish: 20250601120000\nActivate: 20250601120000$/m);
      const read: ZoneKey = parseKeyPair(made.keyText, made.privateText, `${made.basename}.key`, NOW);
      assert.deepEqual(
        { ...read, privateKey: read.privateKey?.export({ format: 'jwk' }) },
        { ...made.key, privateKey: made.key.privateKey?.export({ format: 'jwk' }) },
      );
      assert.deepEqual([read.zone, read.flags, read.algorithm, read.dnskeyRdata.length - 4, read.active], ['gslb.example.com', flags, number, octets, true]);
      assert.equal(keyTagOf(read.dnskeyRdata), read.keyTag);
    });
  }

  it('two keys are two keys', () => {
    const [a, b] = [1, 2].map(() => generateKeyPair('gslb.example.com', 'ed25519', { ksk: false, now: NOW }));
    assert.notDeepEqual(a.key.dnskeyRdata, b.key.dnskeyRdata);
  });

  for (const zone of ['', 'bad..name', 'under_score-.example']) {
    it(`refuses the zone name '${zone}'`, () => {
      assert.throws(() => generateKeyPair(zone, 'ed25519', { ksk: false, now: NOW }), { code: 'MERIDIAN_DNSSEC_ZONE' });
    });
  }
});
