// Three Meridian instances, each in its own network namespace (its own vantage point), in one peer group
// deciding health by a majority quorum. Each probes the same two ingresses, which the test serves on the lab's
// bridge; a path is cut for one instance only by the lab's neighbour trick (packets silently dropped). Shows:
// one vantage point cut from a healthy ingress changes nothing; a real outage moves every instance, on the
// same verdict and at nearly the same moment; the survivors of an instance failure plus a cut keep the target;
// and after recovery all agree again. Needs root (CI runs as root); skipped otherwise.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { dnsClient, type DnsClient } from '../helpers/dns-client.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { createLab, whyNoNamespaces, type NetnsLab } from '../helpers/netns-lab.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { failoverZoneYaml, makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const ZONE = 'gslb.example.test';
const NAME = `shop.${ZONE}`;
const INSTANCES = ['a', 'b', 'c'] as const;
type Instance = (typeof INSTANCES)[number];
const PEER_PORT = 7853;
/** Short, so that the instance-failure case does not wait long for the dead peer to go stale. */
const STALE_AFTER = '2s';
/** Generous deadlines: a flip takes about a second at interval 1 s; CI machines can be slow. */
const DEADLINE_MS = 10_000;
/** How long an answer that must not change is watched: three probe intervals, each a chance to flip. */
const STEADY_MS = 3_000;
const TOKEN = 'peer-group-test-token-0123456789';

const noNamespaces = await whyNoNamespaces();

interface AddressStatus {
  address: string;
  health: string;
  here?: string;
  votes?: Array<{ instance: string; verdict: string; fresh: boolean }>;
  quorum?: string;
}
interface StatusDoc {
  drains: Array<{ target: string; by: string }>;
  peerGroup?: { instance: string; peers: Array<{ instance: string; connected: boolean; fresh: boolean; unknownVerdicts: number }> };
  zones: Array<{ records: Array<{ name: string; targets?: Array<{ addresses: AddressStatus[] }> }> }>;
}

describe('a peer group of three decides by quorum', { skip: noNamespaces }, () => {
  let lab: NetnsLab;
  let zones: ZoneDir;
  let ingresses: [HttpIngress, HttpIngress];
  let secrets: string;
  let primary: string;
  let standby: string;
  const servers = new Map<Instance, ServerProcess>();
  const clients = new Map<Instance, DnsClient>();

  const start = async (instance: Instance) => {
    const peers = INSTANCES.flatMap((name) => ['--peer', `${name}=http://${lab.instanceAddress(name)}:${PEER_PORT}`]);
    const address = lab.instanceAddress(instance);
    const server = await startServerProcess({
      zonesDir: zones.dir,
      netns: lab.namespaceOf(instance),
      host: address,
      args: [
        '--instance',
        instance,
        ...peers,
        '--peer-listen',
        `${address}:${PEER_PORT}`,
        '--peer-token-file',
        path.join(secrets, 'peer-token'),
        '--admin-token-file',
        path.join(secrets, 'peer-token'),
        '--state-file',
        path.join(secrets, `state-${instance}.json`),
        '--peer-stale-after',
        STALE_AFTER,
        // The test polls from the lab's bridge, which response rate limiting would rightly slow down.
        '--rrl-exempt',
        '198.18.0.0/15',
      ],
    });
    servers.set(instance, server);
    clients.set(instance, await dnsClient(server));
  };
  const answer = async (instance: Instance) => {
    try {
      return await clients.get(instance)!.addresses(NAME);
    } catch (error) {
      const logs = servers
        .get(instance)
        ?.logs.slice(-8)
        .map((l) => JSON.stringify(l))
        .join('\n');
      throw new Error(`${instance}: ${(error as Error).message}; its last log lines:\n${logs}`, { cause: error });
    }
  };
  const status = async (instance: Instance): Promise<StatusDoc> => {
    const server = servers.get(instance)!;
    return (await (await fetch(`http://${server.adminHost}:${server.adminPort}/status`)).json()) as StatusDoc;
  };
  const primaryStatus = async (instance: Instance): Promise<AddressStatus> => {
    const record = (await status(instance)).zones[0].records.find((r) => r.name === NAME)!;
    return record.targets![0].addresses[0];
  };
  /** Polls until `predicate` holds, with a deadline; never a fixed sleep standing in for the event. */
  const until = async (what: string, predicate: () => Promise<boolean>, deadlineMs = DEADLINE_MS) => {
    const started = performance.now();
    while (!(await predicate())) {
      if (performance.now() - started > deadlineMs) throw new Error(`not within ${deadlineMs} ms: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const adminPost = async (instance: Instance, route: string, body: unknown) => {
    const server = servers.get(instance)!;
    const response = await fetch(`http://${server.adminHost}:${server.adminPort}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, `${route} on ${instance}`);
  };
  const running = () => INSTANCES.filter((i) => servers.get(i)?.alive() === true);
  const allAnswer = async (expected: string) => (await Promise.all(running().map(answer))).every((a) => a === expected);
  /** Every running instance keeps answering `expected` for STEADY_MS: checked every 50 ms. */
  const steady = async (expected: string) => {
    const started = performance.now();
    while (performance.now() - started < STEADY_MS) {
      for (const instance of running()) assert.equal(await answer(instance), expected, `${instance} changed its answer`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const linked = async (instance: Instance, expectedPeers: number) => {
    const peers = (await status(instance)).peerGroup?.peers ?? [];
    return peers.filter((p) => p.connected && p.fresh).length === expectedPeers;
  };

  before(async () => {
    lab = await createLab({ instances: [...INSTANCES], ingresses: 2, prefix: 'mrdpg-' });
    [primary, standby] = lab.ingressAddresses;
    const first = await startHttpIngress({ host: primary });
    ingresses = [first, await startHttpIngress({ host: standby, port: first.port })];
    zones = await makeZoneDir({ 'zone.yaml': failoverZoneYaml({ primary, standby, port: first.port, nameserver: lab.bridgeAddress }) });
    secrets = await mkdtemp(path.join(os.tmpdir(), 'meridian-peer-token-'));
    await writeFile(path.join(secrets, 'peer-token'), `${TOKEN}\n`);
    await Promise.all(INSTANCES.map(start));
    for (const instance of INSTANCES) await until(`${instance} linked to both peers`, () => linked(instance, 2));
    await until('every instance serves the primary', () => allAnswer(primary));
    await until('every vantage point has probed', async () => {
      for (const instance of INSTANCES) if ((await primaryStatus(instance)).votes?.some((v) => v.verdict !== 'up') !== false) return false;
      return true;
    });
  });

  after(async () => {
    for (const client of clients.values()) client.close();
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await Promise.all(ingresses?.map((i) => i.close()) ?? []);
    if (secrets !== undefined) await rm(secrets, { recursive: true, force: true });
    await zones?.remove();
    await lab?.destroy();
  });

  it('shows each peer linked and every vantage point voting', async () => {
    for (const instance of INSTANCES) {
      const doc = await status(instance);
      assert.equal(doc.peerGroup?.instance, instance);
      assert.deepEqual(
        doc.peerGroup?.peers.map((p) => [p.instance, p.connected, p.fresh, p.unknownVerdicts]),
        INSTANCES.filter((i) => i !== instance).map((i) => [i, true, true, 0]),
      );
      const shop = await primaryStatus(instance);
      assert.deepEqual(
        shop.votes?.map((v) => `${v.instance}:${v.verdict}`),
        ['self:up', ...INSTANCES.filter((i) => i !== instance).map((i) => `${i}:up`)],
      );
    }
  });

  it('one vantage point cut from a healthy ingress: no instance drops it', async (t: TestContext) => {
    await lab.cut('a', primary);
    try {
      await until("a's own probes see the primary down", async () => (await primaryStatus('a')).here === 'down');
      const seen = await primaryStatus('a');
      assert.equal(seen.health, 'up');
      assert.match(seen.quorum ?? '', /^up by quorum \(a strict majority\): 1 of 3 vantage points see it down \(here: down, b: up, c: up\)$/);
      t.diagnostic(`a: ${seen.quorum}`);
      await steady(primary);
    } finally {
      await lab.heal('a', primary);
    }
    await until("a's own probes see the primary again", async () => (await primaryStatus('a')).here === 'up');
  });

  it('a real outage: every instance drops the target, on the same quorum', async (t: TestContext) => {
    await until('every vantage point sees the primary up', async () => (await primaryStatus('a')).votes?.map((v) => v.verdict).join() === 'up,up,up');
    const switchedAt = new Map<Instance, number>();
    const killedAt = performance.now();
    await ingresses[0].kill();
    try {
      await until(
        'every instance answers the standby',
        async () => {
          await Promise.all(
            INSTANCES.map(async (instance) => {
              if (!switchedAt.has(instance) && (await answer(instance)) === standby) switchedAt.set(instance, performance.now() - killedAt);
            }),
          );
          return switchedAt.size === INSTANCES.length;
        },
        DEADLINE_MS,
      );
      const times = [...switchedAt.values()];
      const spread = Math.max(...times) - Math.min(...times);
      t.diagnostic(
        `failover after the outage: ${INSTANCES.map((i) => `${i} ${Math.round(switchedAt.get(i)!)} ms`).join(', ')}; spread ${Math.round(spread)} ms`,
      );
      // All three decided on votes, not each on its own probes.
      for (const instance of INSTANCES) {
        const shop = await primaryStatus(instance);
        assert.equal(shop.health, 'down');
        assert.match(shop.quorum ?? '', /^down by quorum/);
      }
    } finally {
      await ingresses[0].revive();
    }
  });

  it('recovery: all agree again', async () => {
    await until('every instance serves the primary again', () => allAnswer(primary));
    // Serving it needs a majority; agreeing means every vantage point's own verdict is up again, everywhere.
    await until('every vantage point sees it up, as every instance hears it', async () => {
      for (const instance of INSTANCES) {
        const shop = await primaryStatus(instance);
        if (shop.health !== 'up' || shop.votes?.map((v) => v.verdict).join() !== 'up,up,up') return false;
      }
      return true;
    });
  });

  it('one instance down and another cut from the ingress: the survivors keep it', async () => {
    await servers.get('c')!.stop('SIGKILL');
    clients.get('c')!.close();
    clients.delete('c');
    await until('a and b see c go stale', async () => {
      for (const instance of ['a', 'b'] as const) {
        const c = (await status(instance)).peerGroup?.peers.find((p) => p.instance === 'c');
        if (c?.fresh !== false) return false;
      }
      return true;
    });
    await lab.cut('a', primary);
    try {
      await until("a's own probes see the primary down", async () => (await primaryStatus('a')).here === 'down');
      assert.match((await primaryStatus('a')).quorum ?? '', /^up by quorum .*: 1 of 2 vantage points see it down \(here: down, b: up, c: up \(stale\)\)$/);
      await steady(primary);
    } finally {
      await lab.heal('a', primary);
    }
    await start('c');
    await until('c linked again', () => linked('c', 2));
    await until('all three serve the primary', () => allAnswer(primary));
  });

  it('a drain made on one instance applies to the whole group, and an undrain made on another lifts it everywhere', async () => {
    await adminPost('a', '/drain', { target: primary, reason: 'ingress upgrade' });
    await until('every instance answers the standby', () => allAnswer(standby));
    assert.deepEqual(
      (await status('a')).drains.map((d) => [d.target, d.by]),
      [[primary, 'manual']],
    );
    assert.deepEqual(
      (await status('b')).drains.map((d) => [d.target, d.by]),
      [[primary, 'manual at a']],
    );
    await adminPost('c', '/undrain', { target: primary });
    await until('every instance serves the primary again', () => allAnswer(primary));
    for (const instance of INSTANCES) assert.deepEqual((await status(instance)).drains, [], `${instance} holds no drain`);
  });
});
