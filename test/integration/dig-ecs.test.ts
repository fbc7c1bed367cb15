// EDNS Client Subnet (RFC 7871) against the real server: dig (BIND) and kdig (Knot) send +subnet and read the
// echoed option back (the CLIENT-SUBNET line of the OPT pseudo-section, ADDRESS/SOURCE/SCOPE); malformed options,
// sent with dig +ednsopt and as raw bytes, get FORMERR without one.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { dig, kdig } from '../helpers/dig.js';
import { buildQuery, decodeResponse, ecsOption, type DecodedResponse } from '../helpers/dns-message.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

/** One query over UDP as raw bytes, for options no client would send. */
async function exchange(server: { host: string; port: number }, message: Buffer): Promise<DecodedResponse> {
  const socket = dgram.createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((resolve, reject) => {
      socket.once('message', resolve);
      socket.once('error', reject);
    });
    socket.send(message, server.port, server.host);
    return decodeResponse(await reply);
  } finally {
    socket.close();
  }
}

describe('meridian serve and EDNS Client Subnet, checked with dig and kdig', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  const q = (name: string, type: string, options: string[]) => dig({ server: server.host, port: server.port, name, type, options });
  const k = (name: string, type: string, options: string[]) => kdig({ server: server.host, port: server.port, name, type, options });

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
    it(`dig +subnet over ${transport}: the option comes back with scope 0, beside the usual answer`, async () => {
      const r = await q('shop.gslb.example.test', 'A', ['+subnet=192.0.2.0/24', ...options]);
      assert.equal(r.status, 'NOERROR');
      assert.equal(r.transport, transport);
      assert.deepEqual(r.answer, ['shop.gslb.example.test. 15 IN A 192.0.2.30']);
      assert.equal(r.clientSubnet, '192.0.2.0/24/0', r.raw);
      assert.match(r.edns ?? '', /udp: 1232/);
    });
  }

  it('dig +subnet: IPv6 /56, a host /32, and /0 ("do not use my address")', async () => {
    for (const [subnet, echoed] of [
      ['2001:db8:abcd:ef00::/56', '2001:db8:abcd:ef00::/56/0'],
      ['198.51.100.7/32', '198.51.100.7/32/0'],
      ['0', '0.0.0.0/0/0'],
    ] as const) {
      const r = await q('app.gslb.example.test', 'A', [`+subnet=${subnet}`]);
      assert.equal(r.status, 'NOERROR', subnet);
      assert.equal(r.answer.length, 1, subnet);
      assert.equal(r.clientSubnet, echoed, r.raw);
    }
  });

  it('dig +subnet: NXDOMAIN, NODATA, REFUSED and a truncated answer echo it too', async () => {
    for (const [name, type, status] of [
      ['nope.gslb.example.test', 'A', 'NXDOMAIN'],
      ['app.gslb.example.test', 'TXT', 'NOERROR'],
      ['www.example.org', 'A', 'REFUSED'],
    ] as const) {
      const r = await q(name, type, ['+subnet=192.0.2.0/24']);
      assert.equal(r.status, status, `${name} ${type}`);
      assert.equal(r.clientSubnet, '192.0.2.0/24/0', r.raw);
    }
    const truncated = await q('big.gslb.example.test', 'TXT', ['+subnet=192.0.2.0/24', '+ignore']);
    assert.ok(truncated.flags.includes('tc'), `flags ${truncated.flags.join(',')}`);
    assert.equal(truncated.clientSubnet, '192.0.2.0/24/0', truncated.raw);
  });

  it('no +subnet, no option in the reply', async () => {
    const r = await q('shop.gslb.example.test', 'A', []);
    assert.equal(r.clientSubnet, undefined);
    assert.match(r.edns ?? '', /udp: 1232/);
  });

  it('kdig +subnet agrees, over UDP and TCP, IPv4 and IPv6', async () => {
    for (const options of [[], ['+tcp']]) {
      const v4 = await k('shop.gslb.example.test', 'A', ['+subnet=192.0.2.0/24', ...options]);
      assert.equal(v4.status, 'NOERROR');
      assert.deepEqual(v4.answer, ['shop.gslb.example.test. 15 IN A 192.0.2.30']);
      assert.equal(v4.clientSubnet, '192.0.2.0/24/0', v4.raw);
      const v6 = await k('app.gslb.example.test', 'AAAA', ['+subnet=2001:db8:abcd:ef00::/56', ...options]);
      assert.equal(v6.status, 'NOERROR');
      assert.equal(v6.clientSubnet, '2001:db8:abcd:ef00::/56/0', v6.raw);
    }
  });

  // dig +ednsopt sends an option's bytes as given: FAMILY, SOURCE, SCOPE, ADDRESS.
  for (const [name, hex] of [
    ['an unknown family', '00030000'],
    ['too many address octets for /24', '00011800c0000200'],
    ['too few address octets for /24', '00011800c000'],
    ['a bit set beyond a /23', '00011700c00003'],
    ['a source prefix of 33', '00012100c000020100'],
  ] as const) {
    it(`dig +ednsopt with ${name}: FORMERR without the option`, async () => {
      const r = await q('shop.gslb.example.test', 'A', [`+ednsopt=8:${hex}`]);
      assert.equal(r.status, 'FORMERR', r.raw);
      assert.equal(r.clientSubnet, undefined, r.raw);
      assert.match(r.edns ?? '', /udp: 1232/, 'an OPT record, as for any EDNS query');
    });
  }

  it('raw bytes: two ECS options, or one with a /0 and an address octet, get FORMERR without the option', async () => {
    for (const options of [Buffer.concat([ecsOption(1, 24, 0, [192, 0, 2]), ecsOption(1, 24, 0, [192, 0, 2])]), ecsOption(1, 0, 0, [0])]) {
      const response = await exchange(server, buildQuery({ name: 'shop.gslb.example.test', type: 1, edns: { options } }));
      assert.equal(response.rcode, 1);
      assert.ok(response.opt);
      assert.equal(response.ecs, undefined);
    }
    const good = await exchange(server, buildQuery({ name: 'shop.gslb.example.test', type: 1, edns: { options: ecsOption(1, 24, 0, [192, 0, 2]) } }));
    assert.equal(good.rcode, 0);
    assert.deepEqual(good.ecs, { family: 1, sourcePrefix: 24, scopePrefix: 0, address: '192.0.2.0', addressOctets: 3, optRdlength: 11 });
  });

  it('is still running and logged no handler errors', () => {
    assert.ok(server.alive());
    assert.deepEqual(
      server.logs.filter((l) => l.level === 'error'),
      [],
    );
  });
});
