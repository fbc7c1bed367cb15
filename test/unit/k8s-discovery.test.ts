// Cluster registration, cluster target selection and load balancer hostname resolution: the pure and
// clock-driven parts of discovery.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterExposure } from '../../src/discovery/kubernetes/cluster.js';
import { discoverySettings, parseClusterSpec } from '../../src/discovery/kubernetes/registration.js';
import { clusterTargetEndpoints, HostnameCache, type HostnameLookup, type ResolvedAddress } from '../../src/discovery/kubernetes/source.js';
import { silentLogger } from '../../src/base/logger.js';
import type { BalancedRecord, ClusterSelector } from '../../src/zone/model.js';
import { FakeClock } from '../helpers/fake-time.js';
import { checkConfig } from '../helpers/fixture-zone.js';

describe('cluster registration', () => {
  const valid: Array<[string, unknown]> = [
    ['eu-west=/etc/k/eu', { name: 'eu-west', source: { kubeconfig: '/etc/k/eu' } }],
    ['eu-west=/etc/k/all#admin@eu-west', { name: 'eu-west', source: { kubeconfig: '/etc/k/all', context: 'admin@eu-west' } }],
    ['a=./relative/kubeconfig', { name: 'a', source: { kubeconfig: './relative/kubeconfig' } }],
  ];
  for (const [spec, expected] of valid) it(`parses ${spec}`, () => assert.deepEqual(parseClusterSpec(spec), expected));

  for (const spec of ['eu-west', 'EU=/k', '=/k', 'eu west=/k', 'eu=', 'eu=/k#', '-eu=/k']) {
    it(`rejects '${spec}'`, () => assert.throws(() => parseClusterSpec(spec), { code: 'MERIDIAN_BAD_CLUSTER' }));
  }

  it('adds flags and the environment up, and refuses a name registered twice', () => {
    const settings = discoverySettings(
      { cluster: ['eu-west=/k/eu'], namespace: 'shop' },
      { MERIDIAN_CLUSTERS: 'us-east=/k/us,\nap-south=/k/all#ap', MERIDIAN_IN_CLUSTER: 'home', MERIDIAN_NAMESPACE: 'ignored' },
    );
    assert.deepEqual(
      settings.clusters.map((c) => c.name),
      ['eu-west', 'us-east', 'ap-south', 'home'],
    );
    assert.deepEqual(settings.clusters[3].source, { inCluster: true });
    assert.equal(settings.namespace, 'shop', 'a flag wins over the environment');
    assert.equal(discoverySettings({}, { MERIDIAN_NAMESPACE: 'web' }).namespace, 'web');
    assert.throws(() => discoverySettings({ cluster: ['eu=/a'] }, { MERIDIAN_CLUSTERS: 'eu=/b' }), { code: 'MERIDIAN_DUPLICATE_CLUSTER' });
  });
});

describe('cluster target selection', () => {
  const endpoint = (kind: 'Ingress' | 'Service' | 'Gateway', namespace: string, name: string, hosts: string[], ips: string[]) => ({
    kind,
    ref: { namespace, name },
    hosts,
    ips,
    hostnames: [],
  });
  const cluster: ClusterExposure = {
    ingresses: [
      endpoint('Ingress', 'shop', 'shop', ['shop.gslb.example.com'], ['192.0.2.1']),
      endpoint('Ingress', 'shop', 'shop-canary', ['shop.gslb.example.com', 'canary.example.com'], ['192.0.2.2']),
      endpoint('Ingress', 'web', 'web', ['www.example.com'], ['192.0.2.3']),
    ],
    services: [endpoint('Service', 'ingress-nginx', 'controller', [], ['192.0.2.4'])],
    gateways: [endpoint('Gateway', 'gateways', 'public', ['*.example.com'], ['192.0.2.5'])],
  };
  const record = (host?: string): BalancedRecord => ({
    kind: 'balanced',
    name: 'shop.gslb.example.com',
    policy: 'weighted',
    ttl: 30,
    answers: 1,
    whenAllDown: 'all',
    ...(host === undefined ? {} : { check: checkConfig({ host }) }),
    targets: [],
  });
  const cases: Array<[string, ClusterSelector, string | undefined, string[]]> = [
    ['by host: every Ingress routing the record name', { by: 'host' }, undefined, ['shop/shop', 'shop/shop-canary']],
    ['by host: the check host when set', { by: 'host' }, 'www.example.com', ['web/web']],
    ['by host: nothing routes it', { by: 'host' }, 'nothing.example.com', []],
    ['a named Ingress', { by: 'ingress', namespace: 'web', name: 'web' }, undefined, ['web/web']],
    ['a named Service', { by: 'service', namespace: 'ingress-nginx', name: 'controller' }, undefined, ['ingress-nginx/controller']],
    ['a named Gateway', { by: 'gateway', namespace: 'gateways', name: 'public' }, undefined, ['gateways/public']],
    ['a named object that does not exist', { by: 'service', namespace: 'shop', name: 'shop' }, undefined, []],
  ];
  for (const [name, select, host, expected] of cases) {
    it(name, () => {
      const found = clusterTargetEndpoints({ kind: 'cluster', cluster: 'eu', select, weight: 1 }, record(host), cluster);
      assert.deepEqual(
        found.map((e) => `${e.ref.namespace}/${e.ref.name}`),
        expected,
      );
    });
  }
});

describe('load balancer hostname resolution', () => {
  class ScriptedLookup implements HostnameLookup {
    answers = new Map<string, ResolvedAddress[] | Error>();
    calls: Array<{ hostname: string; at: number }> = [];
    readonly clock: FakeClock;
    constructor(clock: FakeClock) {
      this.clock = clock;
    }
    lookup(hostname: string): Promise<readonly ResolvedAddress[]> {
      this.calls.push({ hostname, at: this.clock.now() });
      const answer = this.answers.get(hostname);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer ?? []);
    }
  }

  it('resolves in the background, re-resolves on the TTL, and keeps the last addresses when a lookup fails', async () => {
    const clock = new FakeClock(0);
    const lookup = new ScriptedLookup(clock);
    let changes = 0;
    const cache = new HostnameCache(lookup, clock, silentLogger, () => changes++);
    const name = 'lb-1.elb.example.com';
    lookup.answers.set(name, [
      { address: '192.0.2.7', ttl: 60 },
      { address: '2001:db8::7', ttl: 20 },
    ]);
    assert.deepEqual(cache.addressesOf(name), [], 'nothing known before the first lookup');
    await clock.advance(1);
    assert.deepEqual(cache.addressesOf(name), ['192.0.2.7', '2001:db8::7']);
    assert.equal(changes, 1);

    lookup.answers.set(name, [{ address: '192.0.2.8', ttl: 60 }]);
    await clock.advance(20_000); // the shortest TTL was 20 s
    assert.deepEqual(cache.addressesOf(name), ['192.0.2.8']);
    assert.equal(changes, 2);
    assert.deepEqual(
      lookup.calls.map((c) => c.at),
      [0, 20_000],
    );

    lookup.answers.set(name, new Error('queryA ETIMEOUT'));
    await clock.advance(60_000);
    assert.deepEqual(cache.addressesOf(name), ['192.0.2.8'], 'a failed lookup keeps the last addresses');
    assert.equal(changes, 2);
    cache.stop();
  });
});
