// NSEC3 denial (RFC 5155 with RFC 9276's settings: SHA-1, no extra iterations, no salt, no opt-out). Hashes
// against ldns-nsec3-hash (`ldns-nsec3-hash -t 0 -s "" NAME`) and RFC 4648's base32hex vector; answers checked by
// what each proof must show: the NSEC3 matching an existing name lacks the type asked; an NXDOMAIN has the NSEC3
// matching the closest encloser, and NSEC3s covering the next closer name and the wildcard.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { AnswerTableBuilder } from '../../src/answers/build.js';
import { nameToKey } from '../../src/answers/wire.js';
import { QueryHandler } from '../../src/dns/handler.js';
import { base32hex, nsec3Hash, nsec3HashHex } from '../../src/dnssec/nsec3.js';
import { verifyRRset } from '../../src/dnssec/sign.js';
import { keySetFingerprint, ZoneSigner } from '../../src/dnssec/zone-signer.js';
import type { ZoneConfig } from '../../src/zone/model.js';
import { buildQuery } from '../helpers/dns-message.js';
import { readMessage, readRrsig, type WireRecord } from '../helpers/dnssec-wire.js';
import { fixtureZone, staticTargets } from '../helpers/fixture-zone.js';

const T = { A: 1, NS: 2, SOA: 6, MX: 15, AAAA: 28, RRSIG: 46, NSEC: 47, DNSKEY: 48, NSEC3: 50, NSEC3PARAM: 51 };
const ZONE = 'gslb.example.com';
const zone: ZoneConfig = { ...fixtureZone, dnssec: { denial: 'nsec3', validityMs: 86_400_000, refreshMs: 3_600_000 } };

const hashLabel = (name: string) => base32hex(nsec3Hash(nameToKey(name)));

describe('NSEC3 hashes', () => {
  const vectors: Array<[string, string]> = [
    ['example', '3msev9usmd4br9s97v51r2tdvmr9iqo1'],
    ['app.gslb.example.com', 'joaeubu7ei9d9e889qiqsjpbtvpuplf0'],
  ];
  for (const [name, expected] of vectors) it(`${name} -> ${expected} (ldns-nsec3-hash)`, () => assert.equal(hashLabel(name), expected));
  it('base32hex of "foobar" is RFC 4648\'s CPNMUOJ1E8 (lowercase, unpadded)', () => assert.equal(base32hex(Buffer.from('foobar')), 'cpnmuoj1e8'));
  it("the query path's hex hash equals the build's, for ASCII names and for names with octets above 0x7f", () => {
    for (const key of [nameToKey('app.gslb.example.com'), '\x03a\xe9b\x04gslb\x07example\x03com\x00', '\x01\xff\x00'])
      assert.equal(nsec3HashHex(key), nsec3Hash(key).toString('hex'));
  });
});

/** NSEC3 RDATA: the next hashed owner (base32hex) and the types of the bitmap. */
function readNsec3(rdata: Buffer): { next: string; types: number[]; iterations: number; saltLength: number } {
  const saltLength = rdata[4];
  const hashLength = rdata[5 + saltLength];
  const next = base32hex(rdata.subarray(6 + saltLength, 6 + saltLength + hashLength));
  const types: number[] = [];
  for (let at = 6 + saltLength + hashLength; at < rdata.length;) {
    const window = rdata[at];
    const length = rdata[at + 1];
    for (let i = 0; i < length; i++) for (let bit = 0; bit < 8; bit++) if (rdata[at + 2 + i] & (0x80 >> bit)) types.push(window * 256 + i * 8 + bit);
    at += 2 + length;
  }
  return { next, types, iterations: rdata.readUInt16BE(2), saltLength };
}

function covers(record: WireRecord, name: string): boolean {
  const owner = record.owner.split('.')[0];
  const { next } = readNsec3(record.rdata);
  const hash = hashLabel(name);
  return owner < next ? owner < hash && hash < next : owner < hash || hash < next;
}

describe('NSEC3 answers', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const dnskey = Buffer.concat([Buffer.from([0x01, 0x01, 3, 15]), Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')]);
  const signing = [{ algorithm: 15 as const, keyTag: 4242, privateKey }];
  const signer = new ZoneSigner(new Map([[ZONE, { dnskeys: [dnskey], signing, fingerprint: keySetFingerprint([dnskey], signing) }]]));
  const handler = new QueryHandler({ current: new AnswerTableBuilder(staticTargets(), { signer }).build([zone]) }, { random: () => 0 });
  const ask = (name: string, type: number) =>
    readMessage(handler.handle(buildQuery({ name, type, edns: { udp: 4096, options: Buffer.alloc(0), do: true } }), 'tcp', '127.0.0.1')!);
  const nsec3s = (records: readonly WireRecord[]) => records.filter((r) => r.type === T.NSEC3);
  const verified = (records: readonly WireRecord[]) => {
    for (const r of nsec3s(records)) {
      const sig = records.find((s) => s.type === T.RRSIG && s.owner === r.owner && readRrsig(s.rdata).typeCovered === T.NSEC3);
      assert.ok(sig && verifyRRset(r.owner, r.type, r.ttl, [r.rdata], sig.rdata, dnskey), `the NSEC3 at ${r.owner} is signed`);
    }
  };

  it('NSEC3PARAM at the apex: SHA-1, no flags, 0 iterations, no salt', () => {
    const response = ask(ZONE, T.NSEC3PARAM);
    assert.deepEqual(
      response.answer.filter((r) => r.type === T.NSEC3PARAM).map((r) => r.rdata.toString('hex')),
      ['0100000000'],
    );
  });

  it('NODATA: the NSEC3 matching the name, without the type asked, and no NSEC anywhere', () => {
    const response = ask('static.gslb.example.com', T.MX);
    const [match] = nsec3s(response.authority);
    assert.equal(match.owner, `${hashLabel('static.gslb.example.com')}.${ZONE}`);
    assert.deepEqual(readNsec3(match.rdata).types, [T.A, T.AAAA, T.RRSIG]);
    assert.equal(readNsec3(match.rdata).iterations, 0);
    assert.equal(readNsec3(match.rdata).saltLength, 0);
    assert.ok(!response.authority.some((r) => r.type === T.NSEC));
    verified(response.authority);
  });

  it('NODATA at an empty non-terminal: its own NSEC3, with no types', () => {
    const response = ask('eu.gslb.example.com', T.A);
    const [match] = nsec3s(response.authority);
    assert.equal(match.owner, `${hashLabel('eu.gslb.example.com')}.${ZONE}`);
    assert.deepEqual(readNsec3(match.rdata).types, []);
  });

  const missing: Array<[name: string, encloser: string, nextCloser: string]> = [
    ['nope.gslb.example.com', ZONE, 'nope.gslb.example.com'],
    ['a.b.static.gslb.example.com', 'static.gslb.example.com', 'b.static.gslb.example.com'],
    ['x.eu.gslb.example.com', 'eu.gslb.example.com', 'x.eu.gslb.example.com'],
  ];
  for (const [name, encloser, nextCloser] of missing)
    it(`NXDOMAIN ${name}: the closest encloser ${encloser} matched, ${nextCloser} and *.${encloser} covered`, () => {
      const response = ask(name, T.A);
      assert.equal(response.rcode, 3);
      const proofs = nsec3s(response.authority);
      assert.ok(
        proofs.some((r) => r.owner === `${hashLabel(encloser)}.${ZONE}`),
        'the closest encloser matched',
      );
      assert.ok(
        proofs.some((r) => covers(r, nextCloser)),
        'the next closer name covered',
      );
      assert.ok(
        proofs.some((r) => covers(r, `*.${encloser}`)),
        'the wildcard covered',
      );
      assert.ok(proofs.length <= 3);
      verified(response.authority);
    });

  it('an NSEC query is NODATA: the zone has no NSEC records', () => {
    const response = ask('static.gslb.example.com', T.NSEC);
    assert.deepEqual(response.answer, []);
  });
});
