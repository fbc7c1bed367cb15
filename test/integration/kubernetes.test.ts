// Kubernetes discovery end to end: fake API servers speaking the real list/watch protocol, driven by
// @kubernetes/client-node through a real kubeconfig file with one context per cluster, and real ingresses on
// 127.0.0.x that the health checks probe. Every change in a cluster must reach the DNS answers.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startMeridian, type Meridian } from '../../src/runtime/meridian.js';
import { silentLogger } from '../../src/base/logger.js';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { FakeApiServer, gateway, ingress, service, writeKubeconfig } from '../helpers/fake-apiserver.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const ZONE = 'gslb.example.test';
const DEADLINE_MS = 8_000;

interface StatusDoc {
  ready: boolean;
  clusters: Array<{ name: string; synced: boolean; late: boolean; errors: number; resources: Array<{ resource: string; state: string; lastError?: string }> }>;
}

function zoneYaml(port: number): string {
  return `zone: ${ZONE}
ttl: 5
soa: { rname: hostmaster.example.test, minimum: 5 }
nameservers: { ns1.${ZONE}: [127.0.0.1] }
records:
  shop:
    policy: failover
    check: { protocol: http, port: ${port}, path: /healthz, interval: 1s, timeout: 1s, rise: 1, fall: 1 }
    targets: [ { cluster: eu-west }, { cluster: us-east } ]
  web:
    policy: weighted
    targets: [ { cluster: eu-west, ingress: web/web } ]
  lb:
    policy: weighted
    targets: [ { cluster: us-east, service: ingress-nginx/controller } ]
  gw:
    policy: weighted
    targets: [ { cluster: eu-west, gateway: gateways/public } ]
`;
}

describe('Kubernetes discovery', () => {
  let dir: string;
  let zones: ZoneDir;
  let eu: FakeApiServer;
  let us: FakeApiServer;
  let ingresses: HttpIngress[];
  let meridian: Meridian;
  let dns: DnsClient;
  const answer = (name: string) => dns.addresses(`${name}.${ZONE}`);
  const follows = async (t: TestContext, what: string, name: string, expected: string) => {
    const ms = await waitForValue(() => answer(name), expected, DEADLINE_MS, 10);
    t.diagnostic(`${what}: answer followed after ${Math.round(ms)} ms`);
    return ms;
  };
  const status = () => meridian.status() as StatusDoc;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-k8s-'));
    // The ingress controllers' load balancer addresses: real HTTP servers, all on one port.
    const first = await startHttpIngress({ host: '127.0.0.41' });
    ingresses = [first];
    for (const host of ['127.0.0.42', '127.0.0.43', '127.0.0.44']) ingresses.push(await startHttpIngress({ host, port: first.port }));

    eu = await FakeApiServer.start();
    us = await FakeApiServer.start({ gatewayApiInstalled: false });
    eu.apply('ingresses', ingress({ namespace: 'shop', name: 'shop', hosts: [`shop.${ZONE}`], ips: ['127.0.0.41'] }));
    eu.apply('ingresses', ingress({ namespace: 'web', name: 'web', hosts: ['web.example.test'], ips: ['192.0.2.10'] }));
    eu.apply('gateways', gateway({ namespace: 'gateways', name: 'public', addresses: [{ type: 'IPAddress', value: '192.0.2.30' }] }));
    us.apply('ingresses', ingress({ namespace: 'shop', name: 'shop', hosts: [`shop.${ZONE}`], ips: ['127.0.0.43'] }));
    us.apply('services', service({ namespace: 'ingress-nginx', name: 'controller', ips: ['192.0.2.20'] }));

    // One kubeconfig with a context per cluster, as an operator would have.
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, [
      { server: eu, clusterName: 'eu-west', contextName: 'admin@eu-west' },
      { server: us, clusterName: 'us-east', contextName: 'admin@us-east' },
    ]);
    zones = await makeZoneDir({ 'zone.yaml': zoneYaml(first.port) });
    meridian = await startMeridian({
      zonesDir: zones.dir,
      listen: [{ host: '127.0.0.1', port: 0 }],
      logger: silentLogger,
      watch: false,
      clusters: [
        { name: 'eu-west', source: { kubeconfig, context: 'admin@eu-west' } },
        { name: 'us-east', source: { kubeconfig, context: 'admin@us-east' } },
      ],
    });
    dns = await dnsClient(meridian.dnsEndpoints[0]);
    await waitForValue(() => meridian.ready(), true, DEADLINE_MS);
  });
  after(async () => {
    dns?.close();
    await meridian?.stop();
    for (const server of [eu, us]) await server?.close();
    for (const ingress of ingresses ?? []) await ingress.close();
    await zones?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers with what each cluster exposes: ingress by host, named ingress, service and gateway', async () => {
    assert.equal(await answer('shop'), '127.0.0.41');
    assert.equal(await answer('web'), '192.0.2.10');
    assert.equal(await answer('lb'), '192.0.2.20');
    assert.equal(await answer('gw'), '192.0.2.30');
    const clusters = status().clusters;
    assert.deepEqual(
      clusters.map((c) => [c.name, c.synced]),
      [
        ['eu-west', true],
        ['us-east', true],
      ],
    );
    const gateways = clusters[1].resources.find((r) => r.resource === 'gateways');
    assert.equal(gateways?.state, 'unsupported', 'a cluster without the Gateway API CRD');
    assert.equal(us.requests.filter((r) => r.resource === 'gateways').length, 1, 'the missing CRD is not retried in a loop');
    let metrics = '';
    for await (const chunk of meridian.metrics.render()) metrics += chunk;
    assert.match(metrics, /^meridian_cluster_synced\{cluster="eu-west"\} 1$/m);
    assert.match(metrics, /^meridian_cluster_synced\{cluster="us-east"\} 1$/m);
    assert.match(metrics, /^meridian_cluster_last_event_age_seconds\{cluster="eu-west"\} [\d.e-]+$/m);
  });

  it("follows an Ingress's status address as it changes", async (t) => {
    // No check on web: a new address is served at once.
    eu.apply('ingresses', ingress({ namespace: 'web', name: 'web', hosts: ['web.example.test'], ips: ['192.0.2.11'] }));
    const ms = await follows(t, 'status address change (no check)', 'web', '192.0.2.11');
    assert.ok(ms < DEADLINE_MS);
    // With a check: the new address is probed at once and served once healthy.
    eu.apply('ingresses', ingress({ namespace: 'shop', name: 'shop', hosts: [`shop.${ZONE}`], ips: ['127.0.0.42'] }));
    await follows(t, 'status address change (probed first)', 'shop', '127.0.0.42');
    assert.ok(
      ingresses[1].requests.some((r) => r.host === `shop.${ZONE}:${ingresses[1].port}`),
      'the new address was probed through its ingress',
    );
  });

  it('an address that fails its first probe is not served', async () => {
    await ingresses[3].kill();
    eu.apply('ingresses', ingress({ namespace: 'shop', name: 'shop', hosts: [`shop.${ZONE}`], ips: ['127.0.0.44'] }));
    // eu-west now offers only a dead address: failover goes to us-east.
    await waitForValue(() => answer('shop'), '127.0.0.43', DEADLINE_MS, 10);
    await ingresses[3].revive();
    await waitForValue(() => answer('shop'), '127.0.0.44', DEADLINE_MS, 10);
  });

  it('a deleted Ingress takes its addresses with it', async (t) => {
    eu.remove('ingresses', 'shop', 'shop');
    await follows(t, 'ingress deleted', 'shop', '127.0.0.43');
    eu.remove('ingresses', 'web', 'web');
    // No address at all for web: NODATA (the record has no other target).
    await waitForValue(async () => (await dns.query(`web.${ZONE}`)).answer.length, 0, DEADLINE_MS, 10);
  });

  it('a dead API server keeps its last known endpoints served and probed', async () => {
    await us.stop();
    await waitForValue(() => (status().clusters[1]?.errors ?? 0) > 0, true, DEADLINE_MS);
    assert.equal(await answer('shop'), '127.0.0.43');
    assert.equal(await answer('lb'), '192.0.2.20');
    // Still probed: when its ingress dies, the answer moves (eu-west has no shop Ingress now, so all are down
    // and failover fails open to the first target, which is this very address).
    eu.apply('ingresses', ingress({ namespace: 'shop', name: 'shop', hosts: [`shop.${ZONE}`], ips: ['127.0.0.41'] }));
    await waitForValue(() => answer('shop'), '127.0.0.41', DEADLINE_MS, 10);
    await ingresses[0].kill();
    await waitForValue(() => answer('shop'), '127.0.0.43', DEADLINE_MS, 10);
    const requestsBefore = ingresses[2].requests.length;
    await waitForValue(() => ingresses[2].requests.length > requestsBefore + 1, true, DEADLINE_MS);
    await ingresses[0].revive();
    await us.start();
    await waitForValue(() => status().clusters[1].resources.every((r) => r.state === 'watching' || r.state === 'unsupported'), true, 45_000);
  });

  it('relists after a watch hits 410 Gone, and keeps following changes', async (t) => {
    const lists = () => eu.requests.filter((r) => r.resource === 'ingresses' && !r.watch).length;
    const listsBefore = lists();
    const errorsBefore = status().clusters[0].errors;
    // While eu-west is unreachable, a change happens and the server compacts its history past our
    // resourceVersion: the watch that resumes from it gets 410 Gone.
    await eu.stop();
    await waitForValue(() => status().clusters[0].errors > errorsBefore, true, DEADLINE_MS);
    eu.apply('ingresses', ingress({ namespace: 'web', name: 'web', hosts: ['web.example.test'], ips: ['192.0.2.12'] }));
    eu.compact('ingresses');
    await eu.start();
    const ms = await follows(t, 'change made during an outage, after 410 and a relist', 'web', '192.0.2.12');
    assert.ok(ms > 0);
    assert.ok(lists() > listsBefore, 'listed again');
    assert.ok(
      eu.requests.some((r) => r.resource === 'ingresses' && r.watch && r.at > 0),
      'watching again',
    );
  });
});

describe('Kubernetes discovery against misbehaving API servers', () => {
  let dir: string;
  let zones: ZoneDir;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-k8s-faults-'));
    zones = await makeZoneDir({
      'zone.yaml': `zone: ${ZONE}
soa: { rname: hostmaster.example.test }
nameservers: { ns1.${ZONE}: [127.0.0.1] }
records:
  web: { policy: weighted, targets: [ { cluster: flaky }, { address: 192.0.2.99 } ] }
`,
    });
  });
  after(async () => {
    await zones?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('a server that closes every watch gets backoff, not a flood', async () => {
    const flaky = await FakeApiServer.start();
    flaky.setFault({ kind: 'close-watch-immediately' }, { on: 'watch' });
    const kubeconfig = path.join(dir, 'flaky');
    await flaky.writeKubeconfig(kubeconfig);
    const meridian = await startMeridian({
      zonesDir: zones.dir,
      listen: [{ host: '127.0.0.1', port: 0 }],
      logger: silentLogger,
      watch: false,
      clusters: [{ name: 'flaky', source: { kubeconfig } }],
    });
    try {
      const start = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 8_000)); // the observation window itself, not a synchronisation
      const watches = flaky.requests.filter((r) => r.watch && r.resource === 'ingresses').length;
      const seconds = (performance.now() - start) / 1000;
      // Backoff 1, 2, 4 s (each jittered to half or more): at most ~5 watches per resource in 8 s. Without it,
      // a client re-watching at once would make thousands.
      assert.ok(watches >= 2 && watches <= 8, `${watches} ingress watches in ${seconds.toFixed(1)} s`);
    } finally {
      await meridian.stop();
      await flaky.close();
    }
  });

  it('/readyz waits for every cluster, but not past the sync deadline; /status names the late one', async () => {
    const down = await FakeApiServer.start();
    const kubeconfig = path.join(dir, 'down');
    await down.writeKubeconfig(kubeconfig);
    await down.stop();
    const meridian = await startMeridian({
      zonesDir: zones.dir,
      listen: [{ host: '127.0.0.1', port: 0 }],
      logger: silentLogger,
      watch: false,
      clusters: [{ name: 'flaky', source: { kubeconfig } }],
      clusterSyncTimeoutMs: 1_500,
    });
    try {
      assert.equal(meridian.ready(), false);
      const before = meridian.status() as StatusDoc;
      assert.deepEqual(
        before.clusters.map((c) => [c.name, c.synced, c.late]),
        [['flaky', false, false]],
      );
      await waitForValue(() => meridian.ready(), true, 5_000);
      const late = meridian.status() as StatusDoc;
      assert.deepEqual(
        late.clusters.map((c) => [c.name, c.synced, c.late]),
        [['flaky', false, true]],
      );
      assert.match(late.clusters[0].resources[0].lastError ?? '', /ECONNREFUSED/);
      // The static target still answers.
      const dns = await dnsClient(meridian.dnsEndpoints[0]);
      assert.equal(await dns.addresses(`web.${ZONE}`), '192.0.2.99');
      dns.close();
    } finally {
      await meridian.stop();
      await down.close();
    }
  });

  // Without strict the zone answers SERVFAIL and is reported (test/integration/zone-load-failure.test.ts).
  it('with strict, a zone naming an unregistered cluster is refused with its position', async () => {
    await assert.rejects(
      startMeridian({ zonesDir: zones.dir, listen: [{ host: '127.0.0.1', port: 0 }], logger: silentLogger, watch: false, strict: true }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'MERIDIAN_ZONES_INVALID');
        assert.match(error.message, /zone\.yaml:5:\d+: cluster 'flaky' is not registered \(none are; use --cluster or --in-cluster\)/);
        return true;
      },
    );
  });
});
