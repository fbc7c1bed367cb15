// The peer link on real loopback sockets: a stream with the right token, one without, a peer that sends
// garbage, one that says it is someone else, one with an endless line, and one whose stream ends mid-way.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { MeridianError } from '../../src/base/errors.js';
import { silentLogger } from '../../src/base/logger.js';
import { PeerClient, PEER_STREAM_PATH, startPeerServer, type PeerServer, type VerdictFeed } from '../../src/peers/link.js';
import { MAX_PEER_MESSAGE_OCTETS, PeerMessageReader, type PeerMessage, type Verdict } from '../../src/peers/protocol.js';
import { waitForValue } from '../helpers/dns-client.js';
import { createTlsFixtures } from '../helpers/tls-fixtures.js';

const TOKEN = 'a-shared-secret'; // a bearer token has no spaces (RFC 6750's b64token)
const DEADLINE_MS = 5_000;
const FAST_RETRY = { initialMs: 20, maxMs: 50 };

/** A feed a test drives: its snapshot, and changes pushed to every subscriber. */
function testFeed(snapshot: Verdict[]): VerdictFeed & { push(verdicts: Verdict[], removed: string[]): void } {
  const listeners = new Set<(message: PeerMessage) => void>();
  return {
    opening: () => [{ type: 'snapshot', verdicts: snapshot }],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push: (verdicts, removed) => listeners.forEach((listener) => listener({ type: 'changes', verdicts, removed })),
  };
}

interface Heard {
  readonly messages: PeerMessage[];
  readonly rejected: string[];
  readonly connected: boolean[];
}

function follow(port: number, instance: string, token = TOKEN, tls?: { readonly host: string; readonly caPem: string }): { client: PeerClient; heard: Heard } {
  const heard: Heard = { messages: [], rejected: [], connected: [] };
  const client = new PeerClient({
    instance,
    url: new URL(tls === undefined ? `http://127.0.0.1:${port}` : `https://${tls.host}:${port}`),
    token,
    ...(tls === undefined ? {} : { caPem: tls.caPem }),
    reader: new PeerMessageReader(),
    onMessage: (message) => heard.messages.push(message),
    onRejected: (reason) => heard.rejected.push(reason),
    onConnected: (connected) => heard.connected.push(connected),
    logger: silentLogger,
    backoff: FAST_RETRY,
  });
  client.start();
  return { client, heard };
}

/** A fake peer that answers every stream request with these lines, then ends the response or keeps it open. */
async function fakePeer(lines: string[], end: boolean): Promise<{ port: number; close(): Promise<void> }> {
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((request, response) => {
    assert.equal(request.url, PEER_STREAM_PATH);
    open.add(response);
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const line of lines) response.write(`${line}\n`);
    if (end) response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    port: address.port,
    close: () =>
      new Promise((done) => {
        open.forEach((r) => r.destroy());
        server.close(() => done());
      }),
  };
}

const types = (heard: Heard) => heard.messages.map((m) => m.type).join(',');
const hello = (instance: string) => JSON.stringify({ type: 'hello', protocol: 1, instance, sentAt: Date.now() });

describe('the peer link', () => {
  const cleanups: Array<() => unknown> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('streams hello, the snapshot and then the changes to a peer with the token', async () => {
    const feed = testFeed([['k 192.0.2.1', true]]);
    const server: PeerServer = await startPeerServer({
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      instance: 'east',
      feed,
      logger: silentLogger,
      heartbeatMs: 60_000,
    });
    cleanups.push(() => server.close());
    const { client, heard } = follow(server.port, 'east');
    cleanups.push(() => client.stop());
    await waitForValue(() => types(heard), 'hello,snapshot', DEADLINE_MS);
    assert.deepEqual(heard.messages[1], { type: 'snapshot', verdicts: [['k 192.0.2.1', true]] });
    feed.push([['k 192.0.2.1', false]], ['gone 192.0.2.9']);
    await waitForValue(() => types(heard), 'hello,snapshot,changes', DEADLINE_MS);
    assert.deepEqual(heard.messages[2], { type: 'changes', verdicts: [['k 192.0.2.1', false]], removed: ['gone 192.0.2.9'] });
    assert.deepEqual(heard.rejected, []);
  });

  it('fails to start with MERIDIAN_LISTEN_FAILED on a port that is taken', async () => {
    const first = await startPeerServer({ host: '127.0.0.1', port: 0, token: TOKEN, instance: 'east', feed: testFeed([]), logger: silentLogger });
    cleanups.push(() => first.close());
    await assert.rejects(
      startPeerServer({ host: '127.0.0.1', port: first.port, token: TOKEN, instance: 'east', feed: testFeed([]), logger: silentLogger }),
      (error: unknown) =>
        error instanceof MeridianError &&
        error.code === 'MERIDIAN_LISTEN_FAILED' &&
        error.message === `cannot listen for the peer link on 127.0.0.1:${first.port}: EADDRINUSE`,
    );
  });

  it('answers 401 and nothing else to a wrong token, and counts it', async () => {
    let unauthorized = 0;
    const server = await startPeerServer({
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      instance: 'east',
      feed: testFeed([]),
      logger: silentLogger,
      onUnauthorized: () => unauthorized++,
    });
    cleanups.push(() => server.close());
    const { client, heard } = follow(server.port, 'east', 'not the secret');
    cleanups.push(() => client.stop());
    await waitForValue(() => unauthorized >= 2, true, DEADLINE_MS); // it keeps trying, with backoff
    client.stop();
    assert.equal(types(heard), '');
    const status = await new Promise<number | undefined>((resolve) =>
      http.get(`http://127.0.0.1:${server.port}${PEER_STREAM_PATH}`, (r) => {
        r.resume();
        resolve(r.statusCode);
      }),
    );
    assert.equal(status, 401);
  });

  it('rejects garbage lines with their reason and goes on reading', async () => {
    const peer = await fakePeer([hello('west'), 'not json', '{"type":"gossip"}', JSON.stringify({ type: 'heartbeat', sentAt: 1 })], false);
    cleanups.push(() => peer.close());
    const { client, heard } = follow(peer.port, 'west');
    cleanups.push(() => client.stop());
    await waitForValue(() => types(heard), 'hello,heartbeat', DEADLINE_MS);
    assert.deepEqual(heard.rejected, ['not-json', 'schema']);
  });

  it("ends a stream that does not start with the peer's own hello", async () => {
    const peer = await fakePeer([hello('mallory'), JSON.stringify({ type: 'snapshot', verdicts: [['k', false]] })], false);
    cleanups.push(() => peer.close());
    const { client, heard } = follow(peer.port, 'west');
    cleanups.push(() => client.stop());
    await waitForValue(() => heard.rejected.includes('identity'), true, DEADLINE_MS);
    assert.equal(types(heard), '', 'nothing of an impostor is taken');
  });

  it('ends a stream whose line grows past any message before it ends', async () => {
    // Twice the limit: the reader gives up while the line is still arriving, without holding all of it.
    const peer = await fakePeer([hello('west') + '\n' + 'x'.repeat(2 * MAX_PEER_MESSAGE_OCTETS)], false);
    cleanups.push(() => peer.close());
    const { client, heard } = follow(peer.port, 'west');
    cleanups.push(() => client.stop());
    await waitForValue(() => heard.rejected.includes('too-large'), true, DEADLINE_MS);
    await waitForValue(() => heard.connected.includes(false), true, DEADLINE_MS);
  });

  it('connects again after a stream ends mid-way, and hears the snapshot again', async () => {
    const peer = await fakePeer([hello('west'), JSON.stringify({ type: 'snapshot', verdicts: [] })], true);
    cleanups.push(() => peer.close());
    const { client, heard } = follow(peer.port, 'west');
    cleanups.push(() => client.stop());
    await waitForValue(() => types(heard).startsWith('hello,snapshot,hello,snapshot'), true, DEADLINE_MS);
    assert.deepEqual(heard.connected.slice(0, 3), [true, false, true]);
  });

  it('over TLS, verifies the peer against --peer-ca, and refuses a certificate it does not trust', async () => {
    const fixtures = await createTlsFixtures({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const feed = testFeed([['k 192.0.2.1', true]]);
    const server = await startPeerServer({ host: '127.0.0.1', port: 0, token: TOKEN, instance: 'east', feed, logger: silentLogger, tls: fixtures.server });
    cleanups.push(() => server.close());
    const trusted = follow(server.port, 'east', TOKEN, { host: '127.0.0.1', caPem: fixtures.caPem });
    cleanups.push(() => trusted.client.stop());
    await waitForValue(() => types(trusted.heard), 'hello,snapshot', DEADLINE_MS);
    let served = 0;
    const impostor = await startPeerServer({
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      instance: 'east',
      feed: { opening: () => (served++, [{ type: 'snapshot', verdicts: [] }]), subscribe: () => () => {} },
      logger: silentLogger,
      tls: fixtures.unrelated,
    });
    cleanups.push(() => impostor.close());
    const wary = follow(impostor.port, 'east', TOKEN, { host: '127.0.0.1', caPem: fixtures.caPem });
    cleanups.push(() => wary.client.stop());
    await waitForValue(() => wary.heard.connected.filter((c) => !c).length >= 2, true, DEADLINE_MS); // tried, and again
    assert.equal(types(wary.heard), '');
    assert.equal(served, 0, 'the token never reached a peer whose certificate is not trusted');
  });
});
