// The real server, started as `meridian serve` on an ephemeral port, checked with dig (BIND) and kdig (Knot)
// over UDP and TCP.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dig, kdig } from '../helpers/dig.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { BIG_TXT_STRINGS, makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

describe('meridian serve, checked with dig and kdig', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  const q = (name: string, type = 'A', options: string[] = []) => dig({ server: server.host, port: server.port, name, type, options });
  const SOA = /^gslb\.example\.test\. 20 IN SOA ns1\.gslb\.example\.test\. hostmaster\.example\.test\. \d+ 3600 600 86400 20$/;

  before(async () => {
    zones = await makeZoneDir();
    server = await startServerProcess({ zonesDir: zones.dir });
  });
  after(async () => {
    await server?.stop();
    await zones?.remove();
  });

  for (const transport of ['UDP', 'TCP'] as const) {
    const options = transport === 'TCP' ? ['+tcp'] : [];
    describe(`over ${transport}`, () => {
      it('answers authoritatively, without recursion available', async () => {
        const r = await q('shop.gslb.example.test', 'A', options);
        assert.equal(r.status, 'NOERROR');
        assert.ok(r.flags.includes('aa'), `flags ${r.flags.join(',')}`);
        assert.ok(!r.flags.includes('ra'));
        assert.deepEqual(r.answer, ['shop.gslb.example.test. 15 IN A 192.0.2.30']);
        assert.equal(r.transport, transport);
      });

      it('NXDOMAIN carries the SOA', async () => {
        const r = await q('nope.gslb.example.test', 'A', options);
        assert.equal(r.status, 'NXDOMAIN');
        assert.ok(r.flags.includes('aa'));
        assert.equal(r.answer.length, 0);
        assert.equal(r.authority.length, 1);
        assert.match(r.authority[0], SOA);
      });

      it('NODATA carries the SOA, also for an empty non-terminal', async () => {
        for (const [name, type] of [
          ['app.gslb.example.test', 'TXT'],
          ['eu.gslb.example.test', 'A'],
        ] as const) {
          const r = await q(name, type, options);
          assert.equal(r.status, 'NOERROR', `${name} ${type}`);
          assert.equal(r.answer.length, 0);
          assert.match(r.authority[0] ?? '', SOA);
        }
      });

      it('REFUSED outside its zones', async () => {
        const r = await q('www.example.org', 'A', options);
        assert.equal(r.status, 'REFUSED');
        assert.ok(!r.flags.includes('aa'));
      });
    });
  }

  it('echoes the question with the asker’s case (0x20)', async () => {
    const r = await q('ShOp.GsLb.ExAmPlE.tEsT', 'A');
    assert.deepEqual(r.question, ['ShOp.GsLb.ExAmPlE.tEsT. IN A']);
    assert.equal(r.answer.length, 1);
    assert.match(r.answer[0], /^ShOp\.GsLb\.ExAmPlE\.tEsT\. 15 IN A 192\.0\.2\.30$/);
  });

  it('EDNS: OPT echoed with payload 1232, DO copied', async () => {
    const plain = await q('shop.gslb.example.test', 'A', ['+edns=0']);
    assert.match(plain.edns ?? '', /^version: 0, flags:; udp: 1232$/);
    const dnssec = await q('shop.gslb.example.test', 'A', ['+dnssec']);
    assert.match(dnssec.edns ?? '', /^version: 0, flags: do; udp: 1232$/);
    const none = await q('shop.gslb.example.test', 'A', ['+noedns']);
    assert.equal(none.edns, undefined);
    assert.equal(none.answer.length, 1);
  });

  it('EDNS version 1 gets BADVERS', async () => {
    const r = await q('shop.gslb.example.test', 'A', ['+edns=1', '+noednsneg']);
    assert.equal(r.status, 'BADVERS');
    assert.match(r.edns ?? '', /^version: 0,/);
  });

  it('a large answer is truncated over UDP, and dig retries over TCP and gets it whole', async () => {
    const truncated = await q('big.gslb.example.test', 'TXT', ['+ignore']);
    assert.ok(truncated.flags.includes('tc'), `flags ${truncated.flags.join(',')}`);
    assert.equal(truncated.answer.length, 0);
    assert.match(truncated.edns ?? '', /udp: 1232/, 'OPT kept on the truncated answer');

    const retried = await q('big.gslb.example.test', 'TXT');
    assert.equal(retried.retriedOverTcp, true);
    assert.equal(retried.transport, 'TCP');
    assert.deepEqual(
      retried.answer,
      BIG_TXT_STRINGS.map((s) => `big.gslb.example.test. 30 IN TXT "${s}"`),
    );

    const classic = await q('big.gslb.example.test', 'TXT', ['+noedns', '+ignore']);
    assert.ok(classic.flags.includes('tc'));
  });

  it('apex NS with glue, SOA, and ANY as one RRset (RFC 8482)', async () => {
    const ns = await q('gslb.example.test', 'NS');
    assert.deepEqual(ns.answer, ['gslb.example.test. 30 IN NS ns1.gslb.example.test.', 'gslb.example.test. 30 IN NS ns2.gslb.example.test.']);
    assert.deepEqual(ns.additional, [
      'ns1.gslb.example.test. 30 IN A 127.0.0.1',
      'ns2.gslb.example.test. 30 IN A 127.0.0.2',
      'ns2.gslb.example.test. 30 IN AAAA ::1',
    ]);
    const soa = await q('gslb.example.test', 'SOA');
    assert.equal(soa.answer.length, 1);
    const any = await q('app.gslb.example.test', 'ANY');
    assert.equal(any.status, 'NOERROR');
    assert.equal(any.answer.length, 1);
    assert.match(any.answer[0], / IN A /);
  });

  it('CNAME answers include the in-zone target', async () => {
    const r = await q('www.gslb.example.test', 'AAAA');
    assert.deepEqual(r.answer, ['www.gslb.example.test. 30 IN CNAME app.gslb.example.test.', 'app.gslb.example.test. 30 IN AAAA 2001:db8::20']);
  });

  it('refuses zone transfers', async () => {
    const r = await q('gslb.example.test', 'AXFR');
    assert.match(r.raw, /Transfer failed|REFUSED/);
  });

  it('kdig agrees, over UDP and TCP, and sees the truncation', async () => {
    for (const [options, transport] of [
      [[], 'UDP'],
      [['+tcp'], 'TCP'],
    ] as const) {
      const r = await kdig({ server: server.host, port: server.port, name: 'shop.gslb.example.test', type: 'A', options });
      assert.equal(r.status, 'NOERROR');
      assert.ok(r.flags.includes('aa'));
      assert.equal(r.transport, transport);
      assert.deepEqual(r.question, ['shop.gslb.example.test. IN A']);
      assert.deepEqual(r.answer, ['shop.gslb.example.test. 15 IN A 192.0.2.30']);
    }
    const truncated = await kdig({ server: server.host, port: server.port, name: 'big.gslb.example.test', type: 'TXT', options: ['+ignore', '+bufsize=1232'] });
    assert.ok(truncated.flags.includes('tc'), truncated.raw);
    const nx = await kdig({ server: server.host, port: server.port, name: 'nope.gslb.example.test', type: 'A' });
    assert.equal(nx.status, 'NXDOMAIN');
    assert.match(nx.authority[0] ?? '', SOA);
  });

  it('weighted answers follow the weights (3:1) over many queries', async () => {
    let first = 0;
    const n = 160;
    for (let batch = 0; batch < n / 16; batch++) {
      const answers = await Promise.all(Array.from({ length: 16 }, () => q('app.gslb.example.test', 'A')));
      for (const r of answers) if (r.answer[0]?.endsWith('192.0.2.10')) first++;
    }
    // Binomial(160, 0.75): mean 120, sd ≈ 5.5; ±5 sd keeps false failures below one in a million.
    assert.ok(first > 92 && first < 148, `192.0.2.10 answered ${first} of ${n}`);
  });

  it('is still running and logged no handler errors', () => {
    assert.ok(server.alive());
    assert.equal(server.logs.filter((l) => l.level === 'error').length, 0);
  });
});
