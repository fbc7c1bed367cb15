// SIGTERM drains for a rolling update: /readyz turns false at once, queries keep being answered during the drain
// delay, a TCP query in progress when the listeners close still gets its answer, and the process exits within
// the drain budget with status 0.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildQuery } from '../helpers/dns-message.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const DRAIN_DELAY_MS = 1_500;
const DRAIN_TIMEOUT_MS = 3_000;

async function waitFor(condition: () => Promise<boolean> | boolean, deadlineMs: number, what: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await condition()) return performance.now() - started;
    if (performance.now() - started > deadlineMs) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SIGTERM drain (meridian serve)', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  before(async () => {
    zones = await makeZoneDir();
    server = await startServerProcess({ zonesDir: zones.dir, args: ['--drain-delay', `${DRAIN_DELAY_MS}ms`, '--drain-timeout', `${DRAIN_TIMEOUT_MS}ms`] });
    const admin = `http://127.0.0.1:${server.adminPort}/readyz`;
    await waitFor(async () => (await fetch(admin)).status === 200, 10_000, 'ready');
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await zones?.remove();
  });

  it('turns unready at once, answers every query sent until then, finishes TCP, and exits 0 in time', async () => {
    const admin = `http://127.0.0.1:${server.adminPort}/readyz`;
    // A client sending steadily, as a resolver would, until the load balancer takes the server out.
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const outstanding = new Set<number>();
    let answered = 0;
    socket.on('message', (msg) => {
      if (outstanding.delete(msg.readUInt16BE(0))) answered++;
    });
    let id = 0;
    const sender = setInterval(() => {
      for (let n = 0; n < 5; n++) {
        id = (id + 1) & 0xffff;
        outstanding.add(id);
        socket.send(buildQuery({ name: 'shop.gslb.example.test', type: 1, id }), server.port, server.host);
      }
    }, 5);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // A TCP client in the middle of a message when the drain starts.
    const tcp = net.connect(server.port, server.host);
    await once(tcp, 'connect');
    const query = buildQuery({ name: 'shop.gslb.example.test', type: 1, id: 4242 });
    const framed = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
    tcp.write(framed.subarray(0, 5));
    const tcpReplies: Buffer[] = [];
    tcp.on('data', (chunk: Buffer) => tcpReplies.push(chunk));
    const tcpClosed = once(tcp, 'close');

    const exited = once(server.child, 'exit');
    const termAt = performance.now();
    server.child.kill('SIGTERM');
    const unreadyMs = await waitFor(async () => (await fetch(admin).catch(() => ({ status: 0 }))).status === 503, 1_000, '/readyz 503');

    // The load balancer needs a moment to notice; the client keeps sending meanwhile, then stops.
    await new Promise((resolve) => setTimeout(resolve, 500));
    clearInterval(sender);
    const sent = id;
    await waitFor(() => outstanding.size === 0, 2_000, 'answers to every query sent before the cut-over').catch(() => undefined);
    socket.close();

    // The rest of the TCP message arrives after the UDP/TCP listeners have closed (the delay has passed).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, DRAIN_DELAY_MS + 300 - (performance.now() - termAt))));
    tcp.write(framed.subarray(5));
    await tcpClosed;
    const [code] = (await exited) as [number | null];
    const exitMs = performance.now() - termAt;

    process.stdout.write(
      `# /readyz 503 after ${unreadyMs.toFixed(0)} ms; ${answered}/${sent} UDP queries answered; TCP answered after close: ${tcpReplies.length > 0}; exit ${code} after ${exitMs.toFixed(0)} ms\n`,
    );
    assert.ok(unreadyMs < 500, `/readyz took ${unreadyMs} ms to turn 503`);
    assert.equal(outstanding.size, 0, `${outstanding.size} of ${sent} queries lost`);
    const reply = Buffer.concat(tcpReplies);
    assert.ok(reply.length > 4 && reply.readUInt16BE(2) === 4242, 'the TCP query in progress was answered before the connection closed');
    assert.equal(code, 0);
    assert.ok(exitMs >= DRAIN_DELAY_MS, `exited after ${exitMs} ms, before the drain delay`);
    assert.ok(exitMs < DRAIN_DELAY_MS + DRAIN_TIMEOUT_MS + 1_000, `exited after ${exitMs} ms`);
    assert.ok(server.logs.some((l) => l.msg.startsWith('draining')));
    assert.deepEqual(
      server.logs.filter((l) => l.level === 'error'),
      [],
    );
  });
});
