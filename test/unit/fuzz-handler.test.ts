// The handler meets hostile input in-process, where every response can be checked: it never throws, it answers
// only with well-formed responses to the asker's ID, and it keeps answering correctly afterwards.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packet } from 'dns2';
import { buildAnswerTable } from '../../src/answers/build.js';
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
