// Hostile traffic against the real server process: at least 10,000 random and malformed datagrams over UDP and
// garbage over TCP. Afterwards the process must be alive, error-free and answering correctly.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { dig } from '../helpers/dig.js';
import { buildQuery } from '../helpers/dns-message.js';
import { createFuzzer } from '../helpers/fuzz.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const NAMES = ['app.gslb.example.test', 'shop.gslb.example.test', 'gslb.example.test', 'big.gslb.example.test', 'nope.gslb.example.test', 'example.org'];
const UDP_PACKETS = 12_000;

async function expectCorrectAnswers(server: ServerProcess): Promise<void> {
  for (const options of [[], ['+tcp']]) {
    const r = await dig({ server: server.host, port: server.port, name: 'shop.gslb.example.test', options });
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.answer, ['shop.gslb.example.test. 15 IN A 192.0.2.30']);
  }
  const big = await dig({ server: server.host, port: server.port, name: 'big.gslb.example.test', type: 'TXT' });
  assert.equal(big.answer.length, 8);
}

/**
 * Sends a real query and waits for its answer, resending every 200 ms, for at most 5 s. Between bursts this
 * paces the flood to what the server takes in, so the datagrams are processed rather than dropped by the
 * kernel, and it fails the test if the server stops answering.
 */
async function probe(socket: dgram.Socket, server: ServerProcess): Promise<void> {
  const id = 0xbeef;
  const query = buildQuery({ name: 'shop.gslb.example.test', type: 1, id });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (msg: Buffer) => {
      if (msg.length > 12 && msg.readUInt16BE(0) === id && (msg[2] & 0x80) !== 0 && (msg[3] & 0x0f) === 0) finish();
    };
    const resend = setInterval(() => socket.send(query, server.port, server.host), 200);
    const deadline = setTimeout(() => finish(new Error('no answer to a valid query within 5 s')), 5_000);
    const finish = (error?: Error) => {
      clearInterval(resend);
      clearTimeout(deadline);
      socket.off('message', onMessage);
      if (error) reject(error);
      else resolve();
    };
    socket.on('message', onMessage);
    socket.send(query, server.port, server.host);
  });
}

describe('meridian serve under hostile traffic', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  before(async () => {
    zones = await makeZoneDir();
    server = await startServerProcess({ zonesDir: zones.dir, args: ['--log-level', 'info'] });
  });
  after(async () => {
    await server?.stop();
    await zones?.remove();
  });

  it(`survives ${UDP_PACKETS} random and malformed UDP datagrams`, async () => {
    const socket = dgram.createSocket('udp4');
    let replies = 0;
    socket.on('message', () => replies++);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const fuzzer = createFuzzer(1121, NAMES);
    for (let i = 0; i < UDP_PACKETS; i++) {
      const { packet } = fuzzer.next();
      await new Promise<void>((resolve) => socket.send(packet, server.port, server.host, () => resolve()));
      // Every 500 datagrams, wait for a real query's answer: it paces the flood to what the server takes in,
      // so the datagrams are processed rather than dropped by the kernel.
      if (i % 500 === 499) await probe(socket, server);
    }
    socket.close();
    assert.ok(replies > 0);
    assert.ok(server.alive(), 'server process exited');
    await expectCorrectAnswers(server);
  });

  it('survives garbage over TCP: random frames, lying length prefixes, half-sent messages', async () => {
    const fuzzer = createFuzzer(7766, NAMES);
    for (let connection = 0; connection < 40; connection++) {
      const socket = net.connect(server.port, server.host);
      socket.on('error', () => {});
      socket.resume();
      await once(socket, 'connect');
      for (let frame = 0; frame < 50; frame++) {
        const { packet } = fuzzer.next();
        const prefix = Buffer.alloc(2);
        // Mostly honest framing around hostile messages; sometimes a length that lies.
        prefix.writeUInt16BE(fuzzer.int(10) === 0 ? fuzzer.int(65536) : packet.length);
        socket.write(Buffer.concat([prefix, packet]));
      }
      if (connection % 4 === 0) socket.write(fuzzer.bytes(fuzzer.int(3000)));
      socket.end();
      await once(socket, 'close');
    }
    assert.ok(server.alive(), 'server process exited');
    await expectCorrectAnswers(server);
  });

  it('answers pipelined queries on one connection after a malformed frame', async () => {
    const socket = net.connect(server.port, server.host);
    await once(socket, 'connect');
    const frame = (msg: Buffer) => Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);
    // A query (QR=0) with impossible counts: FORMERR, after which the connection keeps serving.
    const garbage = Buffer.alloc(20, 0xff);
    garbage.writeUInt16BE(0x0102, 0);
    garbage.writeUInt16BE(0x0000, 2);
    socket.write(Buffer.concat([frame(garbage), ...[1, 2, 3].map((id) => frame(buildQuery({ name: 'shop.gslb.example.test', type: 1, id })))]));
    const ids: number[] = [];
    let pending = Buffer.alloc(0);
    for await (const chunk of socket) {
      pending = Buffer.concat([pending, chunk as Buffer]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const length = pending.readUInt16BE(0);
        ids.push(pending.readUInt16BE(2));
        pending = pending.subarray(2 + length);
      }
      if (ids.length >= 4) break;
    }
    socket.destroy();
    // FORMERR to the garbage (ID 0x0102), then the three queries in order.
    assert.deepEqual(ids, [0x0102, 1, 2, 3]);
  });

  it('logged no handler errors', () => {
    assert.deepEqual(
      server.logs.filter((l) => l.level === 'error'),
      [],
    );
  });
});
