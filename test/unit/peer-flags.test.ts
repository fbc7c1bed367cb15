// The peer group from `meridian serve`'s flags and environment: who, where to listen, the files read once,
// the quorum and stale-after; every mistake refused at start with its own code.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeridianError } from '../../src/base/errors.js';
import { peerGroupConfig, type PeerFlags } from '../../src/cli/peer-flags.js';

const FILES: Readonly<Record<string, string>> = {
  '/run/token': '  a-shared-secret-of-32-characters\n',
  '/run/short': 'short',
  '/run/spaced': 'a shared secret with spaces inside\n',
  '/run/cert.pem': 'CERT',
  '/run/key.pem': 'KEY',
  '/run/ca.pem': 'CA',
};
const readText = (file: string) => {
  const text = FILES[file];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
  return text;
};
const GROUP: PeerFlags = {
  instance: 'a',
  peer: ['a=http://10.0.0.1:7853', 'b=http://10.0.0.2:7853'],
  peerTokenFile: '/run/token',
  peerListen: '10.0.0.1:7853',
};

describe('peerGroupConfig', () => {
  const cases: ReadonlyArray<{ name: string; flags: PeerFlags; env?: Record<string, string>; expect: Record<string, unknown> | undefined | string }> = [
    { name: 'no peers: no group, other peer flags ignored', flags: { peerListen: 'bogus' }, expect: undefined },
    { name: 'only oneself listed: no group', flags: { instance: 'a', peer: ['a=http://10.0.0.1:7853'] }, expect: undefined },
    {
      name: 'a group with the defaults: majority, 5 s',
      flags: GROUP,
      expect: {
        instance: 'a',
        token: 'a-shared-secret-of-32-characters',
        listen: { host: '10.0.0.1', port: 7853 },
        quorum: { kind: 'majority' },
        staleAfterMs: 5_000,
      },
    },
    {
      name: 'everything from the environment',
      flags: {},
      env: {
        MERIDIAN_INSTANCE: 'b',
        MERIDIAN_PEERS: 'a=http://10.0.0.1:7853,b=http://10.0.0.2:7853',
        MERIDIAN_PEER_TOKEN_FILE: '/run/token',
        MERIDIAN_PEER_LISTEN: '10.0.0.2:7853',
        MERIDIAN_QUORUM: '60%',
        MERIDIAN_PEER_STALE_AFTER: '3s',
        MERIDIAN_PEER_CA: '/run/ca.pem',
      },
      expect: { instance: 'b', listen: { host: '10.0.0.2', port: 7853 }, quorum: { kind: 'healthy-share', percent: 60 }, staleAfterMs: 3_000, caPem: 'CA' },
    },
    {
      name: 'TLS: the certificate and key read',
      flags: { ...GROUP, peerTlsCert: '/run/cert.pem', peerTlsKey: '/run/key.pem' },
      expect: { tls: { certPem: 'CERT', keyPem: 'KEY' } },
    },
    {
      name: 'a flag wins over the environment',
      flags: { ...GROUP, quorum: 'majority' },
      env: { MERIDIAN_QUORUM: '10%' },
      expect: { quorum: { kind: 'majority' } },
    },
    { name: 'peers without a token file', flags: { ...GROUP, peerTokenFile: undefined }, expect: 'MERIDIAN_PEER_TOKEN_REQUIRED' },
    { name: 'peers without --peer-listen', flags: { ...GROUP, peerListen: undefined }, expect: 'MERIDIAN_PEER_LISTEN_REQUIRED' },
    { name: 'a listen address that is not one', flags: { ...GROUP, peerListen: 'localhost:7853' }, expect: 'MERIDIAN_BAD_PEER_SETTING' },
    { name: 'a token file that is not there', flags: { ...GROUP, peerTokenFile: '/run/missing' }, expect: 'MERIDIAN_PEER_FILE' },
    { name: 'a token too short to be a secret', flags: { ...GROUP, peerTokenFile: '/run/short' }, expect: 'MERIDIAN_PEER_FILE' },
    { name: 'a token with whitespace inside, which no bearer header carries', flags: { ...GROUP, peerTokenFile: '/run/spaced' }, expect: 'MERIDIAN_PEER_FILE' },
    { name: 'a certificate without its key', flags: { ...GROUP, peerTlsCert: '/run/cert.pem' }, expect: 'MERIDIAN_PEER_TLS' },
    { name: 'a CA file that is not there', flags: { ...GROUP, peerCa: '/run/nope.pem' }, expect: 'MERIDIAN_PEER_FILE' },
    { name: 'a quorum that is not one', flags: { ...GROUP, quorum: 'most' }, expect: 'MERIDIAN_BAD_QUORUM' },
    { name: 'a stale-after below a second', flags: { ...GROUP, peerStaleAfter: '500ms' }, expect: 'MERIDIAN_BAD_PEER_SETTING' },
    { name: 'a stale-after that is not a duration', flags: { ...GROUP, peerStaleAfter: '5 seconds' }, expect: 'MERIDIAN_BAD_PEER_SETTING' },
  ];
  for (const { name, flags, env, expect } of cases) {
    it(name, () => {
      const run = () => peerGroupConfig(flags, env ?? {}, 'host.example', readText);
      if (typeof expect === 'string') {
        assert.throws(run, (error) => error instanceof MeridianError && error.code === expect);
        return;
      }
      const config = run();
      if (expect === undefined) return assert.equal(config, undefined);
      assert.ok(config !== undefined);
      for (const [key, value] of Object.entries(expect)) assert.deepEqual(config[key as keyof typeof config], value, key);
    });
  }
});
