// Signed answers from the answer table (issue 19): with DO set, every authoritative RRset of a response comes
// with an RRSIG that verifies against the zone's DNSKEY; NODATA and NXDOMAIN carry the SOA's signature and the
// NSEC records that prove them (RFC 4035 §3.1.3), checked here by their spans; DO clear gets the bytes an unsigned
// zone gives; and signatures are reused when an answer comes back.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { AnswerTableBuilder, type TargetSource } from '../../src/answers/build.js';
import type { ResolvedTarget } from '../../src/answers/select.js';
import { QueryHandler } from '../../src/dns/handler.js';
import { compareCanonical } from '../../src/dnssec/nsec.js';
import { verifyRRset, type SigningKey } from '../../src/dnssec/sign.js';
import { keySetFingerprint, ZoneSigner } from '../../src/dnssec/zone-signer.js';
import type { AddressHealth } from '../../src/health/state.js';
import type { ZoneConfig } from '../../src/zone/model.js';
import { buildQuery, ecsOption } from '../helpers/dns-message.js';
import { parseValid, ZONE_HEAD } from '../helpers/zone-text.js';
import { readMessage, readNsec, readRrsig, type WireRecord } from '../helpers/dnssec-wire.js';
import { childZone, fixtureZone } from '../helpers/fixture-zone.js';
import { dsRdata, keyTagOf } from '../../src/dnssec/keys.js';

const T = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, DS: 43, RRSIG: 46, NSEC: 47, DNSKEY: 48, CDS: 59, CDNSKEY: 60 };
const ZONE = 'gslb.example.com';
const signedZone: ZoneConfig = { ...fixtureZone, dnssec: { denial: 'nsec', validityMs: 14 * 86_400_000, refreshMs: 7 * 86_400_000 } };
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

/** A P-256 KSK as a DNSKEY (flags 257, protocol 3, algorithm 13, X || Y) and its signing half, with its real key tag. */
function p256Key() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const dnskey = Buffer.concat([Buffer.from([0x01, 0x01, 3, 13]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return { dnskey, signing: { algorithm: 13 as const, keyTag: keyTagOf(dnskey), privateKey } };
}
function ed25519Key() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const dnskey = Buffer.concat([Buffer.from([0x01, 0x01, 3, 15]), Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')]);
  return { dnskey, signing: { algorithm: 15 as const, keyTag: keyTagOf(dnskey), privateKey } };
}

const targetsWith = (health: Record<string, AddressHealth> = {}): TargetSource => ({
  resolve: (_zone, record) =>
    record.targets.map((target): ResolvedTarget => ({
      weight: target.weight,
      unit: true,
      addresses: (target.kind === 'static' ? target.addresses : []).map((address) => ({
        address,
        family: address.includes(':') ? 6 : 4,
        health: health[address] ?? 'up',
      })),
    })),
});

function setup(keys: ReadonlyArray<{ dnskey: Buffer; signing: SigningKey }> = [p256Key()], health: Record<string, AddressHealth> = {}) {
  const dnskeys = keys.map((k) => k.dnskey);
  const signing = keys.map((k) => k.signing);
  const signer = new ZoneSigner(new Map([[ZONE, { dnskeys, signing, fingerprint: keySetFingerprint(dnskeys, signing) }]]), () => NOW);
  const builder = new AnswerTableBuilder(targetsWith(health), { signer });
  const table = builder.build([signedZone]);
  const handler = new QueryHandler({ current: table }, { random: () => 0 });
  const ask = (name: string, type: number, dnssecOk = true) =>
    readMessage(
      handler.handle(buildQuery({ name, type, edns: { udp: 4096, options: Buffer.alloc(0), ...(dnssecOk ? { do: true } : {}) } }), 'tcp', '127.0.0.1')!,
    );
  return { signer, builder, table, handler, ask, keys };
}

/** Every RRset of the section that is not an RRSIG has one RRSIG per key, each verifying; none is left unsigned. */
function assertSigned(records: readonly WireRecord[], dnskeys: readonly Buffer[]): void {
  const rrsets = new Map<string, WireRecord[]>();
  for (const r of records) if (r.type !== T.RRSIG) rrsets.set(`${r.owner}/${r.type}`, [...(rrsets.get(`${r.owner}/${r.type}`) ?? []), r]);
  assert.ok(rrsets.size > 0, 'something to check');
  for (const [key, rrset] of rrsets) {
    const sigs = records.filter((r) => r.type === T.RRSIG && r.owner === rrset[0].owner && readRrsig(r.rdata).typeCovered === rrset[0].type);
    assert.equal(sigs.length, dnskeys.length, `${key}: one RRSIG per key`);
    for (const sig of sigs) {
      const fields = readRrsig(sig.rdata);
      assert.equal(fields.signer, ZONE);
      assert.equal(fields.originalTtl, rrset[0].ttl);
      assert.ok(fields.inception < NOW / 1000 && fields.expiration > NOW / 1000, 'valid now');
      const ok = dnskeys.some((k) =>
        verifyRRset(
          rrset[0].owner,
          rrset[0].type,
          rrset[0].ttl,
          rrset.map((r) => r.rdata),
          sig.rdata,
          k,
        ),
      );
      assert.ok(ok, `${key}: the RRSIG verifies`);
    }
  }
}

/** owner < name < next in canonical order, wrapping at the end of the chain. */
function covers(nsec: WireRecord, name: string): boolean {
  const { next } = readNsec(nsec.rdata);
  const afterOwner = compareCanonical(nsec.owner, name) < 0;
  const beforeNext = compareCanonical(name, next) < 0;
  return compareCanonical(nsec.owner, next) < 0 ? afterOwner && beforeNext : afterOwner || beforeNext;
}

describe('signed answers (DO=1)', () => {
  const { ask, keys } = setup();
  const dnskeys = keys.map((k) => k.dnskey);
  const positive: Array<[name: string, type: number, types: number[]]> = [
    ['static.gslb.example.com', T.A, [T.A]],
    ['app.gslb.example.com', T.A, [T.A]],
    ['app.gslb.example.com', T.AAAA, [T.AAAA]],
    ['www.gslb.example.com', T.A, [T.CNAME, T.A]],
    ['gslb.example.com', T.SOA, [T.SOA]],
    ['gslb.example.com', T.NS, [T.NS]],
    ['gslb.example.com', T.DNSKEY, [T.DNSKEY]],
    ['info.gslb.example.com', T.TXT, [T.TXT]],
    ['static.gslb.example.com', T.NSEC, [T.NSEC]],
  ];
  for (const [name, type, types] of positive)
    it(`${name} ${type}: ${types.join('+')} with verifying RRSIGs, no additional section`, () => {
      const response = ask(name, type);
      assert.equal(response.rcode, 0);
      assert.deepEqual([...new Set(response.answer.filter((r) => r.type !== T.RRSIG).map((r) => r.type))], types);
      assertSigned(response.answer, dnskeys);
      assert.deepEqual(response.additional, []);
    });

  it('RRSIG: the signatures of every RRset at the name, with DO or without', () => {
    for (const dnssecOk of [true, false]) {
      const response = ask('static.gslb.example.com', T.RRSIG, dnssecOk);
      assert.equal(response.rcode, 0);
      assert.ok(response.answer.every((r) => r.type === T.RRSIG));
      assert.deepEqual(
        response.answer.map((r) => readRrsig(r.rdata).typeCovered).sort((a, b) => a - b),
        [T.A, T.AAAA, T.NSEC],
      );
    }
  });

  it('NODATA: the SOA and the NSEC of the name, both signed; the NSEC lacks the type asked', () => {
    const response = ask('static.gslb.example.com', T.MX);
    assert.equal(response.rcode, 0);
    assert.deepEqual(response.answer, []);
    assertSigned(response.authority, dnskeys);
    const nsec = response.authority.filter((r) => r.type === T.NSEC);
    assert.deepEqual(
      nsec.map((r) => r.owner),
      ['static.gslb.example.com'],
    );
    assert.deepEqual(readNsec(nsec[0].rdata).types, [T.A, T.AAAA, T.RRSIG, T.NSEC]);
  });

  it('a CNAME into a name that does not exist: the CNAME signed, then the SOA and the NSECs denying the target', () => {
    const response = ask('dangling.gslb.example.com', T.A);
    assert.equal(response.rcode, 3);
    assertSigned(response.answer, dnskeys);
    assertSigned(response.authority, dnskeys);
    const nsecs = response.authority.filter((r) => r.type === T.NSEC);
    assert.ok(
      nsecs.some((r) => covers(r, 'missing.gslb.example.com')),
      'the target is covered',
    );
    assert.ok(
      nsecs.some((r) => covers(r, '*.gslb.example.com')),
      'and the wildcard at its closest encloser',
    );
  });

  it("a CNAME into a name without the type: the target's NSEC, without that type", () => {
    const response = ask('www.gslb.example.com', T.MX);
    assert.equal(response.rcode, 0);
    const nsec = response.authority.filter((r) => r.type === T.NSEC);
    assert.deepEqual(
      nsec.map((r) => r.owner),
      ['app.gslb.example.com'],
    );
    assert.ok(!readNsec(nsec[0].rdata).types.includes(T.MX));
    assertSigned(response.authority, dnskeys);
  });

  it('NODATA at an empty non-terminal: the NSEC that covers it, its next name below it', () => {
    const response = ask('eu.gslb.example.com', T.A);
    assert.equal(response.rcode, 0);
    const nsec = response.authority.filter((r) => r.type === T.NSEC);
    assert.equal(nsec.length, 1);
    assert.ok(covers(nsec[0], 'eu.gslb.example.com'));
    assert.equal(readNsec(nsec[0].rdata).next, 'api.eu.gslb.example.com');
    assertSigned(response.authority, dnskeys);
  });

  const missing = ['nope.gslb.example.com', 'x.static.gslb.example.com', 'zzz.gslb.example.com', 'a.b.c.api.eu.gslb.example.com', '0.gslb.example.com'];
  for (const name of missing)
    it(`NXDOMAIN ${name}: NSECs covering the name and the wildcard at its closest encloser, signed`, () => {
      const response = ask(name, T.A);
      assert.equal(response.rcode, 3);
      assertSigned(response.authority, dnskeys);
      const nsecs = response.authority.filter((r) => r.type === T.NSEC);
      assert.ok(
        nsecs.some((r) => covers(r, name)),
        'the name is covered',
      );
      const labels = name.split('.');
      // The closest encloser: the longest ancestor that exists (static, api.eu's ENT eu, or the apex).
      const existing = new Set(['gslb.example.com', 'static.gslb.example.com', 'api.eu.gslb.example.com', 'eu.gslb.example.com']);
      const encloser = labels.map((_, i) => labels.slice(i).join('.')).find((n) => existing.has(n))!;
      assert.ok(
        nsecs.some((r) => covers(r, `*.${encloser}`)),
        `the wildcard *.${encloser} is covered`,
      );
      assert.ok(nsecs.length <= 2);
    });
});

describe('DO=0 and the unsigned zone', () => {
  const unsigned = new QueryHandler({ current: new AnswerTableBuilder(targetsWith()).build([fixtureZone]) }, { random: () => 0 });
  const { handler } = setup();
  const queries: Array<[string, number]> = [
    ['static.gslb.example.com', T.A],
    ['www.gslb.example.com', T.A],
    ['nope.gslb.example.com', T.A],
    ['static.gslb.example.com', T.MX],
    ['gslb.example.com', T.NS],
  ];
  for (const [name, type] of queries)
    it(`${name} ${type}: byte for byte what the unsigned zone answers`, () => {
      for (const edns of [undefined, { udp: 1232, options: Buffer.alloc(0) }]) {
        const query = buildQuery({ name, type, ...(edns === undefined ? {} : { edns }) });
        assert.deepEqual(handler.handle(query, 'udp', '127.0.0.1'), unsigned.handle(query, 'udp', '127.0.0.1'));
      }
    });
});

describe('signatures', () => {
  it('an Ed25519 key and a P-256 key both sign every RRset', () => {
    const { ask, keys } = setup([p256Key(), ed25519Key()]);
    assertSigned(
      ask('static.gslb.example.com', T.A).answer,
      keys.map((k) => k.dnskey),
    );
    assertSigned(
      ask('nope.gslb.example.com', T.A).authority,
      keys.map((k) => k.dnskey),
    );
  });

  it('are reused when an answer comes back: a flip down and up signs only the new answer', () => {
    const health: Record<string, AddressHealth> = {};
    const { signer, builder } = setup([p256Key()], health);
    const before = signer.signaturesMade;
    health['192.0.2.30'] = 'down';
    builder.refresh([{ zone: ZONE, name: 'shop.gslb.example.com' }]);
    const afterDown = signer.signaturesMade;
    assert.ok(afterDown > before, 'the new answer is signed');
    delete health['192.0.2.30'];
    builder.refresh([{ zone: ZONE, name: 'shop.gslb.example.com' }]);
    assert.equal(signer.signaturesMade, afterDown, 'the old answer reuses its signature');
  });

  it('a zone that asks for signing without keys is built unsigned only when no signer has keys for it (the server refuses it before)', () => {
    const table = new AnswerTableBuilder(targetsWith(), { signer: new ZoneSigner(new Map()) }).build([signedZone]);
    assert.equal([...table.zones()][0].dnssec, undefined);
  });
});

describe('DS at a served child apex, from the parent (RFC 4035 §3.1.4.1)', () => {
  const CHILD = 'sub.gslb.example.com';
  const DNSSEC = { denial: 'nsec' as const, validityMs: 14 * 86_400_000, refreshMs: 7 * 86_400_000 };
  const keySet = (key: { dnskey: Buffer; signing: SigningKey }) => ({
    dnskeys: [key.dnskey],
    signing: [key.signing],
    fingerprint: keySetFingerprint([key.dnskey], [key.signing]),
  });

  function serve(parentSigned: boolean, childSigned: boolean) {
    const parentKey = p256Key();
    const childKey = p256Key();
    const signer = new ZoneSigner(
      new Map([
        [ZONE, keySet(parentKey)],
        [CHILD, keySet(childKey)],
      ]),
      () => NOW,
    );
    const zones = [parentSigned ? signedZone : fixtureZone, { ...childZone, ...(childSigned ? { dnssec: DNSSEC } : {}) }];
    const handler = new QueryHandler({ current: new AnswerTableBuilder(targetsWith(), { signer }).build(zones) }, { random: () => 0 });
    const ask = (name: string, type: number) =>
      readMessage(handler.handle(buildQuery({ name, type, edns: { udp: 4096, options: Buffer.alloc(0), do: true } }), 'tcp', '127.0.0.1')!);
    return { ask, parentKey, childKey };
  }

  it("both signed: the child's DS, signed by the parent's key", () => {
    const { ask, parentKey, childKey } = serve(true, true);
    const response = ask(CHILD, T.DS);
    assert.equal(response.rcode, 0);
    const ds = response.answer.filter((r) => r.type === T.DS);
    assert.deepEqual(
      ds.map((r) => r.rdata.toString('hex')),
      [dsRdata(CHILD, childKey.dnskey).toString('hex')],
    );
    assertSigned(response.answer, [parentKey.dnskey]);
    // The child still answers its own apex.
    assert.equal(ask(CHILD, T.SOA).answer.filter((r) => r.type === T.SOA)[0]?.owner, CHILD);
  });

  it("an unsigned child: the parent's NODATA, its NSEC at the cut showing NS and no DS", () => {
    const { ask, parentKey } = serve(true, false);
    const response = ask(CHILD, T.DS);
    assert.equal(response.rcode, 0);
    assert.deepEqual(response.answer, []);
    assert.deepEqual(
      response.authority.filter((r) => r.type === T.SOA).map((r) => r.owner),
      [ZONE],
      "the parent's SOA, not the child's",
    );
    const nsec = response.authority.filter((r) => r.type === T.NSEC);
    assert.deepEqual(
      nsec.map((r) => r.owner),
      [CHILD],
    );
    assert.deepEqual(readNsec(nsec[0].rdata).types, [T.NS, T.RRSIG, T.NSEC]);
    assertSigned(response.authority, [parentKey.dnskey]);
  });

  it('an unsigned parent of a signed child: the DS, unsigned', () => {
    const { ask, childKey } = serve(false, true);
    const response = ask(CHILD, T.DS);
    assert.deepEqual(
      response.answer.map((r) => `${r.type} ${r.rdata.toString('hex')}`),
      [`${T.DS} ${dsRdata(CHILD, childKey.dnskey).toString('hex')}`],
    );
  });
});

describe('CDS and CDNSKEY (RFC 7344)', () => {
  it("publish the active KSK's DS and DNSKEY at the apex, signed; not the ZSK", () => {
    const ksk = p256Key();
    const kskRdata = Buffer.from(ksk.dnskey);
    const zsk = ed25519Key();
    const zskRdata = Buffer.from(zsk.dnskey);
    zskRdata.writeUInt16BE(256, 0);
    const keys = [
      { dnskey: kskRdata, signing: { ...ksk.signing, keyTag: keyTagOf(kskRdata) } },
      { dnskey: zskRdata, signing: { ...zsk.signing, keyTag: keyTagOf(zskRdata) } },
    ];
    const { ask } = setup(keys);
    const cds = ask(ZONE, T.CDS);
    assert.deepEqual(
      cds.answer.filter((r) => r.type === T.CDS).map((r) => r.rdata.toString('hex')),
      [dsRdata(ZONE, kskRdata).toString('hex')],
    );
    assertSigned(cds.answer, [kskRdata, zskRdata]);
    const cdnskey = ask(ZONE, T.CDNSKEY);
    assert.deepEqual(
      cdnskey.answer.filter((r) => r.type === T.CDNSKEY).map((r) => r.rdata.toString('hex')),
      [kskRdata.toString('hex')],
    );
  });
});

describe('signed geo and sticky answers', () => {
  const geoZone: ZoneConfig = {
    ...parseValid([
      ...ZONE_HEAD.slice(0, 3),
      'geo:',
      '  clients:',
      '    - { subnets: [10.1.0.0/16], prefer: [eu-west, us-east] }',
      '  default: [us-east, eu-west]',
      'records:',
      '  shop:',
      '    policy: geo',
      '    targets:',
      '      - { address: 192.0.2.1, region: eu-west }',
      '      - { address: 192.0.2.2, region: us-east }',
      '  cart:',
      '    policy: weighted',
      '    sticky: true',
      '    targets: [ { address: 192.0.2.11 }, { address: 192.0.2.12 }, { address: 192.0.2.13 } ]',
    ]),
    dnssec: { denial: 'nsec', validityMs: 86_400_000, refreshMs: 3_600_000 },
  };
  const key = p256Key();
  const signer = new ZoneSigner(
    new Map([[ZONE, { dnskeys: [key.dnskey], signing: [key.signing], fingerprint: keySetFingerprint([key.dnskey], [key.signing]) }]]),
    () => NOW,
  );
  const handler = new QueryHandler({ current: new AnswerTableBuilder(targetsWith(), { signer }).build([geoZone]) }, { random: () => 0 });
  const askFrom = (name: string, subnet: number[]) =>
    readMessage(handler.handle(buildQuery({ name, type: T.A, edns: { udp: 4096, options: ecsOption(1, 24, 0, subnet), do: true } }), 'udp', '127.0.0.1')!);

  it("each client's region answers, signed", () => {
    const eu = askFrom('shop.gslb.example.com', [10, 1, 7]);
    const us = askFrom('shop.gslb.example.com', [192, 0, 2]);
    assert.deepEqual(
      [eu, us].map((r) => r.answer.filter((a) => a.type === T.A).map((a) => [...a.rdata].join('.'))),
      [['192.0.2.1'], ['192.0.2.2']],
    );
    assertSigned(eu.answer, [key.dnskey]);
    assertSigned(us.answer, [key.dnskey]);
  });

  it("each sticky bucket's target, signed", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const response = askFrom('cart.gslb.example.com', [10, 9, i]);
      assertSigned(response.answer, [key.dnskey]);
      seen.add(
        response.answer
          .filter((a) => a.type === T.A)
          .map((a) => [...a.rdata].join('.'))
          .join(),
      );
    }
    assert.equal(seen.size, 3, 'every target answers some subnet');
  });
});
