// RRSIG wire data and signatures against the RFCs' own examples: RFC 6605 §6.1 (ECDSA P-256: the signed data,
// octet for octet, and its published signature verified) and RFC 8080 §6.1 with Errata 4935 (Ed25519, which is
// deterministic: the signature made here from the RFC's private key equals the published one). Canonical RR
// order (RFC 4034 §6.3) and the Labels field (§3.1.3) as tables.

import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalRdataOrder, labelCount, nameWire, rrsigHead, signedData, signRRset, verifyRRset } from '../../src/dnssec/sign.js';

const b64 = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'base64');

describe('RFC 6605 §6.1: ECDSA P-256 with SHA-256', () => {
  const dnskey = Buffer.concat([
    Buffer.from([0x01, 0x01, 3, 13]),
    b64('GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA=='),
  ]);
  // www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 55648 example.net. qx6w...
  const fields = {
    typeCovered: 1,
    algorithm: 13 as const,
    labels: 3,
    originalTtl: 3600,
    expiration: 1284026679,
    inception: 1281607479,
    keyTag: 55648,
    signer: 'example.net',
  };
  const signature = b64('qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXA yGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==');
  const a = Buffer.from([192, 0, 2, 1]);

  it('the data signed, octet for octet', () => {
    assert.equal(
      signedData(rrsigHead(fields), 'www.example.net', 1, 3600, [a]).toString('hex'),
      '00010d0300000e104c88b1374c63c737d960076578616d706c65036e65740003777777076578616d706c65036e6574000001000100000e100004c0000201',
    );
  });
  it('the published signature verifies, and not over other data', () => {
    const rrsig = Buffer.concat([rrsigHead(fields), signature]);
    assert.equal(verifyRRset('www.example.net', 1, 3600, [a], rrsig, dnskey), true);
    assert.equal(verifyRRset('www.example.net', 1, 3600, [Buffer.from([192, 0, 2, 2])], rrsig, dnskey), false);
    assert.equal(verifyRRset('www.example.net', 1, 300, [a], rrsig, dnskey), false, 'the original TTL is signed');
  });
  it('a signature made here verifies (ECDSA is randomised: not comparable byte for byte)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const own = Buffer.concat([Buffer.from([0x01, 0x01, 3, 13]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    const rrsig = signRRset('www.example.net', 1, 3600, [a], { algorithm: 13, keyTag: 1, privateKey }, 'example.net', fields.inception, fields.expiration);
    assert.equal(rrsig.length, 18 + nameWire('example.net').length + 64, 'r || s, 32 octets each');
    assert.equal(verifyRRset('www.example.net', 1, 3600, [a], rrsig, own), true);
  });
});

describe('RFC 8080 §6.1 (Errata 4935): Ed25519', () => {
  const vectors = [
    {
      seed: 'ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=',
      publicKey: 'l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=',
      keyTag: 3613,
      signature: 'oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==',
    },
  ];
  for (const v of vectors)
    it(`key ${v.keyTag}: the signature of example.com. MX 10 mail.example.com. is the RFC's, byte for byte`, () => {
      const privateKey = createPrivateKey({
        key: { kty: 'OKP', crv: 'Ed25519', d: b64(v.seed).toString('base64url'), x: b64(v.publicKey).toString('base64url') },
        format: 'jwk',
      });
      const mx = Buffer.concat([Buffer.from([0, 10]), nameWire('mail.example.com')]);
      const rrsig = signRRset('example.com', 15, 3600, [mx], { algorithm: 15, keyTag: v.keyTag, privateKey }, 'example.com', 1438207200, 1440021600);
      assert.equal(rrsig.subarray(rrsig.length - 64).toString('base64'), v.signature);
      assert.equal(rrsig[3], 2, 'Labels: example.com has 2');
      assert.equal(verifyRRset('example.com', 15, 3600, [mx], rrsig, Buffer.concat([Buffer.from([0x01, 0x01, 3, 15]), b64(v.publicKey)])), true);
    });
});

describe('canonical form', () => {
  const orders: Array<[string, string[], string[]]> = [
    ['octets compared left-justified', ['c0000202', 'c0000201'], ['c0000201', 'c0000202']],
    ['a shorter RDATA that is a prefix first', ['0001ff', '0001'], ['0001', '0001ff']],
    ['duplicates dropped', ['0a', '0b', '0a'], ['0a', '0b']],
  ];
  for (const [what, input, expected] of orders)
    it(`RR order: ${what}`, () => {
      assert.deepEqual(
        canonicalRdataOrder(input.map((h) => Buffer.from(h, 'hex'))).map((b) => b.toString('hex')),
        expected,
      );
    });
  const labels: Array<[string, number]> = [
    ['www.example.net', 3],
    ['example.com', 2],
    ['*.example.com', 2],
    ['', 0],
  ];
  for (const [name, count] of labels) it(`Labels of ${JSON.stringify(name)}: ${count}`, () => assert.equal(labelCount(name), count));
  it('names lowercase and uncompressed', () => assert.equal(nameWire('WWW.Example.NET.').toString('hex'), '03777777076578616d706c65036e657400'));
});
