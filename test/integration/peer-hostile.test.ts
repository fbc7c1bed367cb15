// The real server among peers that misbehave, on loopback: two fake peers (HTTP servers this test drives) vote
// on the server's primary target. A peer with a wrong token is refused with 401 and counted; a peer that sends
// garbage has every bad line rejected and counted while its good verdicts stand; a line longer than any message
// ends that stream and the server reconnects; a peer that stops mid-stream (connection open, nothing sent)
// stops voting after --peer-stale-after. Throughout, the server stays up and answers every query.

import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PEER_STREAM_PATH } from '../../src/peers/link.js';
import { MAX_PEER_MESSAGE_OCTETS } from '../../src/peers/protocol.js';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { failoverZoneYaml, makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const ZONE = 'gslb.example.test';
const NAME = `shop.${ZONE}`;
const PRIMARY = '127.0.0.61';
const STANDBY = '127.0.0.62';
const TOKEN = 'hostile-peers-test-token-0123456789';
const DEADLINE_MS = 10_000;

/** A fake peer: answers the server's stream request with its hello, then writes what the test tells it to. */
class FakePeer {
  readonly streams: http.ServerResponse[] = [];
  #server: http.Server | undefined;
  #greeting: () => string[];

  constructor(greeting: () => string[]) {
    this.#greeting = greeting;
  }

  async listen(): Promise<number> {
    this.#server = http.createServer((request, response) => {
      if (request.url !== PEER_STREAM_PATH || request.headers.authorization !== `Bearer ${TOKEN}`) {
        response.writeHead(401).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const line of this.#greeting()) response.write(`${line}\n`);
      this.streams.push(response);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as { port: number }).port;
  }

  /** Writes a line to the newest stream. */
  send(line: string): void {
    this.sendRaw(`${line}\n`);
  }

  sendRaw(text: string): void {
    this.streams.at(-1)!.write(text);
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.destroy();
    await new Promise<void>((resolve) => (this.#server === undefined ? resolve() : this.#server.close(() => resolve())));
  }
}

const hello = (instance: string) => JSON.stringify({ type: 'hello', protocol: 1, instance, sentAt: Date.now() });
const heartbeat = () => JSON.stringify({ type: 'heartbeat', sentAt: Date.now() });

describe('a server among hostile and broken peers', () => {
  let zones: ZoneDir;
  let secrets: string;
  let ingresses: HttpIngress[];
  let server: ServerProcess;
  let dns: DnsClient;
  let peerPort: number;
  /** The server's verdict key for its primary: what the fake peers vote on. */
  let primaryKey = '';
  const heartbeats: NodeJS.Timeout[] = [];
  const b = new FakePeer(() => [hello('b'), JSON.stringify({ type: 'snapshot', verdicts: primaryKey === '' ? [] : [[primaryKey, false]] })]);
  const c = new FakePeer(() => [hello('c'), JSON.stringify({ type: 'snapshot', verdicts: primaryKey === '' ? [] : [[primaryKey, false]] })]);
  const answer = () => dns.addresses(NAME);
  const metric = async (line: RegExp) => {
    const text = await (await fetch(`http://127.0.0.1:${server.adminPort}/metrics`)).text();
    const found = text.split('\n').find((l) => line.test(l));
    return found === undefined ? undefined : Number(found.split(' ').at(-1));
  };
  const peerStatus = async (instance: string) => {
    const doc = (await (await fetch(`http://127.0.0.1:${server.adminPort}/status`)).json()) as {
      peerGroup: { peers: Array<{ instance: string; connected: boolean; fresh: boolean }> };
    };
    return doc.peerGroup.peers.find((p) => p.instance === instance)!;
  };
  /** Reads the server's own verdict stream, as a peer with the token would, until it has a verdict on `address`. */
  const ownKeyFor = async (address: string): Promise<string> => {
    for (const started = performance.now(); performance.now() - started < DEADLINE_MS;) {
      const response = await fetch(`http://127.0.0.1:${peerPort}${PEER_STREAM_PATH}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (text.split('\n').length < 3) {
        const { value } = (await reader.read()) as { value: Uint8Array | undefined };
        text += decoder.decode(value, { stream: true });
      }
      await reader.cancel();
      const snapshot = JSON.parse(text.split('\n')[1]) as { verdicts: Array<[string, boolean]> };
      const key = snapshot.verdicts.map(([k]) => k).find((k) => k.includes(` ${address} `));
      if (key !== undefined) return key;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no verdict on ${address} within ${DEADLINE_MS} ms`);
  };

  before(async () => {
    const first = await startHttpIngress({ host: PRIMARY });
    ingresses = [first, await startHttpIngress({ host: STANDBY, port: first.port })];
    zones = await makeZoneDir({ 'zone.yaml': failoverZoneYaml({ primary: PRIMARY, standby: STANDBY, port: first.port, nameserver: '127.0.0.1' }) });
    secrets = await mkdtemp(path.join(os.tmpdir(), 'meridian-peer-token-'));
    await writeFile(path.join(secrets, 'token'), TOKEN);
    const [bPort, cPort] = [await b.listen(), await c.listen()];
    server = await startServerProcess({
      zonesDir: zones.dir,
      args: [
        '--instance',
        'a',
        '--peer',
        `b=http://127.0.0.1:${bPort}`,
        '--peer',
        `c=http://127.0.0.1:${cPort}`,
        '--peer-listen',
        '127.0.0.1:0',
        '--peer-token-file',
        path.join(secrets, 'token'),
        '--peer-stale-after',
        '1s',
      ],
    });
    peerPort = Number((await server.waitForLog((l) => l.msg === 'peer link listening')).port);
    dns = await dnsClient(server);
    primaryKey = await ownKeyFor(PRIMARY);
    // Both fake peers connected before the key was known: end their streams so the server reconnects and gets
    // a snapshot voting the primary down.
    for (const peer of [b, c]) for (const stream of peer.streams.splice(0)) stream.destroy();
    heartbeats.push(setInterval(() => b.streams.at(-1)?.write(`${heartbeat()}\n`), 200));
    heartbeats.push(setInterval(() => c.streams.at(-1)?.write(`${heartbeat()}\n`), 200));
  });

  after(async () => {
    heartbeats.forEach(clearInterval);
    dns?.close();
    await server?.stop();
    await Promise.all([b.close(), c.close(), ...(ingresses ?? []).map((i) => i.close())]);
    await zones?.remove();
    if (secrets !== undefined) await rm(secrets, { recursive: true, force: true });
  });

  it('two peers voting its healthy primary down out-vote it', async () => {
    await waitForValue(answer, STANDBY, DEADLINE_MS);
  });

  it('refuses a wrong token, and no token, with 401 and nothing else; counts and logs them', async () => {
    const before = (await metric(/^meridian_peer_unauthorized_total /)) ?? 0;
    for (const headers of [{ authorization: 'Bearer wrong-token' }, {}] as Array<Record<string, string>>) {
      const response = await fetch(`http://127.0.0.1:${peerPort}${PEER_STREAM_PATH}`, { headers });
      assert.equal(response.status, 401);
      assert.equal(await response.text(), 'unauthorized\n');
    }
    assert.equal(await metric(/^meridian_peer_unauthorized_total /), before + 2);
    await server.waitForLog((l) => l.msg === 'peer request without the right token refused');
    assert.equal(await answer(), STANDBY, 'nothing changed');
  });

  it('rejects and counts every garbage line of a peer; its good verdicts stand', async () => {
    const garbage: Array<[string, string]> = [
      ['not-json', 'this is not json'],
      ['schema', JSON.stringify({ type: 'changes', verdicts: [[primaryKey, 'yes']], removed: [] })],
      ['schema', JSON.stringify({ type: 'snapshot', verdicts: [], extra: true })],
      ['protocol', JSON.stringify({ type: 'hello', protocol: 99, instance: 'b', sentAt: 1 })],
    ];
    for (const [, line] of garbage) b.send(line);
    for (const reason of new Set(garbage.map(([r]) => r))) {
      const expected = garbage.filter(([r]) => r === reason).length;
      await waitForValue(() => metric(new RegExp(`^meridian_peer_rejected_messages_total\\{peer="b",reason="${reason}"\\} `)), expected, DEADLINE_MS);
    }
    assert.ok(server.alive());
    assert.equal(await answer(), STANDBY, "b's verdict from its snapshot still counts");
  });

  it('ends a stream with a line longer than any message, and reconnects', async () => {
    const streams = b.streams.length;
    b.sendRaw('x'.repeat(MAX_PEER_MESSAGE_OCTETS + 1024)); // and no end of line: the stream cannot resynchronise
    await waitForValue(() => metric(/^meridian_peer_rejected_messages_total\{peer="b",reason="too-large"\} /), 1, DEADLINE_MS);
    await waitForValue(() => b.streams.length > streams, true, DEADLINE_MS);
    assert.equal(await answer(), STANDBY);
    assert.ok(server.alive());
  });

  it('a peer that stops mid-stream stops voting after stale-after; the rest decide', async () => {
    heartbeats.splice(1, 1).forEach(clearInterval); // c goes silent, its connection still open
    await waitForValue(async () => (await peerStatus('c')).fresh, false, DEADLINE_MS);
    assert.equal((await peerStatus('c')).connected, true, 'still connected: silence, not a closed link');
    // Left: the server (up) and b (down), a tie, which is healthy.
    await waitForValue(answer, PRIMARY, DEADLINE_MS);
    assert.equal(await metric(/^meridian_peer_up\{peer="c"\} /), 1);
  });
});
