// The peer group from flags and environment, as tables: who the peers are, and every refusal.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePeerSpec, peerGroupMembers } from '../../src/peers/settings.js';

type Flags = Parameters<typeof peerGroupMembers>[0];
type Env = Parameters<typeof peerGroupMembers>[1];

describe('parsePeerSpec', () => {
  it('reads NAME=URL', () => {
    const spec = parsePeerSpec(' eu-west=https://meridian.eu-west.example:8053 ');
    assert.deepEqual([spec.name, spec.url.href], ['eu-west', 'https://meridian.eu-west.example:8053/']);
  });
  for (const value of ['eu-west', '=http://a', 'EU=http://a', 'eu=ftp://a', 'eu=not a url', 'eu=', 'eu_west=http://a']) {
    it(`refuses '${value}' with MERIDIAN_BAD_PEER`, () => {
      assert.throws(
        () => parsePeerSpec(value),
        (error: Error & { code?: string }) => error.code === 'MERIDIAN_BAD_PEER',
      );
    });
  }
});

describe('peerGroupMembers', () => {
  const valid: Array<[name: string, flags: Flags, env: Env, instance: string, peers: string[]]> = [
    ['no peers: alone, as today', {}, {}, 'host-1', []],
    ['the host name is the default instance, lowercased', {}, {}, 'host-1', []],
    ['--instance wins over the environment', { instance: 'eu' }, { MERIDIAN_INSTANCE: 'us' }, 'eu', []],
    [
      'oneself in the list is ignored, so every instance gets the same list',
      { instance: 'eu', peer: ['eu=http://10.0.0.1:8053', 'us=http://10.0.0.2:8053'], peerTokenFile: '/t' },
      {},
      'eu',
      ['us'],
    ],
    [
      'flags and environment add up; the same peer twice with the same URL is one',
      { instance: 'eu', peer: ['us=http://10.0.0.2:8053'], peerTokenFile: '/t' },
      { MERIDIAN_PEERS: 'us=http://10.0.0.2:8053, ap=http://10.0.0.3:8053\nsa=http://10.0.0.4:8053' },
      'eu',
      ['us', 'ap', 'sa'],
    ],
    ['the token file from the environment', { instance: 'eu', peer: ['us=http://10.0.0.2:8053'] }, { MERIDIAN_PEER_TOKEN_FILE: '/t' }, 'eu', ['us']],
  ];
  for (const [name, flags, env, instance, peers] of valid) {
    it(name, () => {
      const settings = peerGroupMembers(flags, env, 'Host-1');
      assert.equal(settings.instance, instance);
      assert.deepEqual(
        settings.peers.map((p) => p.name),
        peers,
      );
    });
  }

  const refused: Array<[name: string, flags: Flags, env: Env, code: string]> = [
    ['peers without a token file', { instance: 'eu', peer: ['us=http://10.0.0.2:8053'] }, {}, 'MERIDIAN_PEER_TOKEN_REQUIRED'],
    [
      'a peer given twice with different URLs',
      { instance: 'eu', peer: ['us=http://10.0.0.2:8053', 'us=http://10.0.0.9:8053'], peerTokenFile: '/t' },
      {},
      'MERIDIAN_DUPLICATE_PEER',
    ],
    ['an instance name that is not a DNS label', { instance: 'eu_west' }, {}, 'MERIDIAN_BAD_INSTANCE'],
    ['a malformed peer in the environment', { instance: 'eu', peerTokenFile: '/t' }, { MERIDIAN_PEERS: 'us:http://10.0.0.2' }, 'MERIDIAN_BAD_PEER'],
  ];
  for (const [name, flags, env, code] of refused) {
    it(`refuses ${name} (${code})`, () => {
      assert.throws(
        () => peerGroupMembers(flags, env, 'host-1'),
        (error: Error & { code?: string }) => error.code === code,
      );
    });
  }

  it("takes a fully qualified host name's first label", () => {
    assert.equal(peerGroupMembers({}, {}, 'Node-7.eu-west.example.com').instance, 'node-7');
  });

  it('a host name that is not a DNS label does not matter without peers', () => {
    assert.deepEqual(peerGroupMembers({}, {}, 'host_1.example').peers, []);
  });

  it('a host name that is not a DNS label asks for --instance in a group', () => {
    assert.throws(
      () => peerGroupMembers({ peer: ['us=http://10.0.0.2:8053'], peerTokenFile: '/t' }, {}, 'host_1.example'),
      (error: Error & { code?: string }) => error.code === 'MERIDIAN_BAD_INSTANCE' && error.message.includes('--instance'),
    );
  });
});
