// RFC 7766 TCP behaviour and the limits that keep clients from holding the server, on real sockets.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startMeridian, type Meridian } from '../../src/runtime/meridian.js';
import { silentLogger } from '../../src/base/logger.js';
import { buildQuery, decodeResponse } from '../helpers/dns-message.js';
import { firstResponse, frame } from '../helpers/tcp-frames.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const LIMITS = { maxConnections: 3, maxConnectionsPerClient: 2, idleTimeoutMs: 400, readDeadlineMs: 300, maxPendingWriteBytes: 64 * 1024 };

async function connect(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

function closed(socket: net.Socket, deadlineMs = 3_000): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connection still open after the deadline')), deadlineMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * A connection that got an answer. Earlier tests' closes reach the server asynchronously, so a refusal is
 * retried until the deadline rather than trusted at once.
 */
async function servedConnection(port: number, localAddress: string, query: Buffer, deadlineMs = 3_000): Promise<net.Socket> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const socket = await connect(port, localAddress);
    socket.write(query);
    if (await firstResponse(socket)) return socket;
    if (Date.now() > deadline) throw new Error(`no connection from ${localAddress} was served within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('DNS over TCP limits', () => {
  let zones: ZoneDir;
  let meridian: Meridian;
  let port: number;
  const query = frame(buildQuery({ name: 'shop.gslb.example.test', type: 1, id: 77 }));

  before(async () => {
    zones = await makeZoneDir();
    meridian = await startMeridian({ zonesDir: zones.dir, listen: [{ host: '127.0.0.1', port: 0 }], logger: silentLogger, watch: false, tcpLimits: LIMITS });
    port = meridian.dnsEndpoints[0].port;
  });
  after(async () => {
    await meridian?.stop();
    await zones?.remove();
  });

  it('answers pipelined queries in one write, each with its own ID', async () => {
    const socket = await connect(port);
    const ids = [11, 12, 13, 14, 15];
    socket.write(Buffer.concat(ids.map((id) => frame(buildQuery({ name: 'app.gslb.example.test', type: 1, id })))));
    const seen: number[] = [];
    let pending = Buffer.alloc(0);
    for await (const chunk of socket) {
      pending = Buffer.concat([pending, chunk as Buffer]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        seen.push(pending.readUInt16BE(2));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
      }
      if (seen.length === ids.length) break;
    }
    socket.destroy();
    assert.deepEqual(seen, ids);
  });

  it('closes an idle connection', async () => {
    const socket = await connect(port);
    socket.write(query);
    const response = await firstResponse(socket);
    assert.equal(decodeResponse(response!).answer.length, 1);
    await closed(socket);
  });

  it('closes a connection that starts a message and never finishes it (slowloris)', async () => {
    const socket = await connect(port);
    // One octet every 100 ms keeps the idle timer from firing; the read deadline still must.
    const drip = setInterval(() => socket.write(Buffer.from([0])), 100);
    socket.write(Buffer.from([0x00, 0x40]));
    try {
      await closed(socket);
    } finally {
      clearInterval(drip);
    }
  });

  it('caps connections per client', async () => {
    const first = await servedConnection(port, '127.0.0.1', query);
    const second = await servedConnection(port, '127.0.0.1', query);
    const third = await connect(port);
    third.write(query);
    assert.equal(await firstResponse(third), undefined, 'third connection from one client must be refused');
    for (const socket of [first, second]) socket.destroy();
  });

  it('caps connections in total', async () => {
    const held = [];
    for (const address of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) held.push(await servedConnection(port, address, query));
    const extra = await connect(port, '127.0.0.4');
    extra.write(query);
    assert.equal(await firstResponse(extra), undefined, 'a connection over the total cap must be refused');
    for (const socket of held) socket.destroy();
  });
});

describe('DNS over TCP write backpressure', () => {
  let zones: ZoneDir;
  let meridian: Meridian;
  let port: number;

  before(async () => {
    zones = await makeZoneDir();
    // A long idle timeout, so that only backpressure is at work while the client does not read.
    meridian = await startMeridian({
      zonesDir: zones.dir,
      listen: [{ host: '127.0.0.1', port: 0 }],
      logger: silentLogger,
      watch: false,
      tcpLimits: { ...LIMITS, idleTimeoutMs: 10_000 },
    });
    port = meridian.dnsEndpoints[0].port;
  });
  after(async () => {
    await meridian?.stop();
    await zones?.remove();
  });

  it('stops reading from a client that does not read its answers, and loses none once it does', async () => {
    // Each answer is ~1.8 kB (the big TXT record): 50,000 of them would be ~90 MB held in the server's memory if
    // it kept reading queries from a client that reads nothing.
    const QUERIES = 50_000;
    const answeredOverTcp = async () => {
      let text = '';
      for await (const chunk of meridian.metrics.render()) text += chunk;
      return Number(/^meridian_dns_queries_total\{zone="gslb\.example\.test",qtype="TXT",rcode="NOERROR",transport="tcp"\} (\S+)$/m.exec(text)?.[1] ?? 0);
    };
    const socket = await connect(port);
    socket.pause();
    socket.write(Buffer.concat(Array.from({ length: QUERIES }, (_, i) => frame(buildQuery({ name: 'big.gslb.example.test', type: 16, id: i & 0xffff })))));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Only what fits in the kernel's socket buffers plus 64 KiB of unflushed answers was answered; the rest of
    // the queries wait unread.
    const answeredWhilePaused = await answeredOverTcp();
    assert.ok(answeredWhilePaused < QUERIES / 4, `${answeredWhilePaused} of ${QUERIES} answered while the client read nothing: the server kept reading`);
    // Another client is served meanwhile.
    const other = await servedConnection(port, '127.0.0.2', frame(buildQuery({ name: 'shop.gslb.example.test', type: 1, id: 1 })));
    other.destroy();
    // Reading again, every answer arrives.
    let answers = 0;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let offset = 0;
      while (pending.length - offset >= 2 && pending.length - offset >= 2 + pending.readUInt16BE(offset)) {
        offset += 2 + pending.readUInt16BE(offset);
        answers++;
      }
      pending = pending.subarray(offset);
    });
    socket.resume();
    const deadline = Date.now() + 30_000;
    while (answers < QUERIES && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    assert.equal(answers, QUERIES);
    process.stdout.write(`# backpressure: ${answeredWhilePaused} of ${QUERIES} answered while the client read nothing; all ${answers} once it read\n`);
  });
});
