// The handler meets hostile input in-process, where every response can be checked: it never throws, it answers
// only with well-formed responses to the asker's ID, and it keeps answering correctly afterwards.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packet } from 'dns2';
import { generateKeyPairSync } from 'node:crypto';
import { AnswerTableBuilder, buildAnswerTable } from '../../src/answers/build.js';
import { keySetFingerprint, ZoneSigner } from '../../src/dnssec/zone-signer.js';
import { QueryHandler } from '../../src/dns/handler.js';
import { buildQuery, decodeResponse } from '../helpers/dns-message.js';
import { fixtureZone, staticTargets } from '../helpers/fixture-zone.js';
import { createFuzzer, FUZZ_KINDS } from '../helpers/fuzz.js';

const NAMES = ['app.gslb.example.com', 'www.gslb.example.com', 'gslb.example.com', 'big.gslb.example.com', 'nope.gslb.example.com', 'example.org'];

describe('query handler under fuzzing', () => {
  it('never throws, and every response is a well-formed reply to the same ID (200,000 packets)', () => {
    const handler = new QueryHandler({ current: buildAnswerTable([fixtureZone], staticTargets()) });
    const fuzzer = createFuzzer(20261121, NAMES);
    const answered = new Map<string, number>(FUZZ_KINDS.map((k) => [k, 0]));
    for (let i = 0; i < 200_000; i++) {
      const { kind, packet } = fuzzer.next();
      const response = handler.handle(packet, i % 2 === 0 ? 'udp' : 'tcp');
      if (response === null) continue;
      answered.set(kind, answered.get(kind)! + 1);
      assert.ok(response.length >= 12, `${kind}: response shorter than a header`);
      assert.equal(response.readUInt16BE(0), packet.readUInt16BE(0), `${kind}: ID not echoed`);
      assert.equal(response[2] & 0x80, 0x80, `${kind}: QR not set`);
      if (i % 2 === 0) assert.ok(response.length <= 1232, `${kind}: UDP response of ${response.length} octets`);
      const parsed = Packet.parse(response);
      assert.equal(parsed.errors.length, 0, `${kind}: response does not decode: ${parsed.errors[0]?.message}`);
    }
    // Every kind of input produced some answers (FORMERR at least): the generator is really exercising them.
    for (const [kind, count] of answered) assert.ok(count > 0, `no answers for ${kind}`);
    const after = decodeResponse(handler.handle(buildQuery({ name: 'shop.gslb.example.com', type: 1 }), 'udp')!);
    assert.deepEqual(after.answer, ['shop.gslb.example.com. 15 IN A 192.0.2.30']);
  });
});

describe('query handler of a signed zone under fuzzing', () => {
  it('never throws, and every response is well formed (100,000 packets, every other one with DO set)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const dnskey = Buffer.concat([Buffer.from([0x01, 0x01, 3, 15]), Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')]);
    const signing = [{ algorithm: 15 as const, keyTag: 1, privateKey }];
    for (const denial of ['nsec', 'nsec3'] as const) {
      const signer = new ZoneSigner(new Map([[fixtureZone.zone, { dnskeys: [dnskey], signing, fingerprint: keySetFingerprint([dnskey], signing) }]]));
      const zone = { ...fixtureZone, dnssec: { denial, validityMs: 86_400_000, refreshMs: 3_600_000 } };
      const handler = new QueryHandler({ current: new AnswerTableBuilder(staticTargets(), { signer }).build([zone]) });
      const fuzzer = createFuzzer(20261204, NAMES);
      let signed = 0;
      for (let i = 0; i < 50_000; i++) {
        const { kind, packet } = fuzzer.next();
        // Set DO on every other packet that has room for an OPT record's flags: the signed paths get the fuzz too.
        const withDo = i % 2 === 0 ? Buffer.concat([packet, optWithDo]) : packet;
        if (i % 2 === 0 && withDo.length >= 12 && withDo.readUInt16BE(10) < 0xffff) withDo.writeUInt16BE(withDo.readUInt16BE(10) + 1, 10);
        const response = handler.handle(withDo, i % 4 < 2 ? 'udp' : 'tcp');
        if (response === null) continue;
        assert.equal(response.readUInt16BE(0), withDo.readUInt16BE(0), `${kind}: ID not echoed`);
        const parsed = Packet.parse(response) as unknown as { errors: unknown[]; answers: { type: number }[]; authorities: { type: number }[] };
        assert.equal(parsed.errors.length, 0, `${kind} (${denial}): response does not decode`);
        if ([...parsed.answers, ...parsed.authorities].some((r) => r.type === 46)) signed++;
      }
      // The signed paths were reached: answers and denials with RRSIGs among the responses.
      assert.ok(signed > 100, `${denial}: only ${signed} signed responses`);
    }
  });
});

/** An OPT record with DO set, appended to a fuzzed packet (ARCOUNT raised to match). */
const optWithDo = Buffer.from([0, 0, 41, 0x10, 0x00, 0, 0, 0x80, 0, 0, 0]);
