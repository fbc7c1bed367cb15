// Response rate limiting against the real server: a spoofed-source-style flood from one address must not turn
// Meridian into an amplifier, while a client in another prefix is served normally and the flooded prefix can
// still get its answer over TCP.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { dig } from '../helpers/dig.js';
import { buildQuery } from '../helpers/dns-message.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const FLOOD = 4_000;
const RATE = 20;
const FLAG2_TC = 0x02;

interface Received {
  full: number;
  truncated: number;
  bytes: number;
}

async function udpClient(address: string): Promise<{ socket: dgram.Socket; received: Received }> {
  const socket = dgram.createSocket('udp4');
  const received: Received = { full: 0, truncated: 0, bytes: 0 };
  socket.on('message', (msg) => {
    received.bytes += msg.length;
    if ((msg[2] & FLAG2_TC) !== 0) received.truncated++;
    else received.full++;
  });
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return { socket, received };
}

/** Polls until `done()` holds or the deadline passes (the replies to a burst arrive asynchronously). */
async function settle(done: () => boolean, deadlineMs = 3_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!done() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('response rate limiting (meridian serve)', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  before(async () => {
    zones = await makeZoneDir();
    // Loopback is exempt by default; the test clients are all on loopback, so the exemption is turned off.
    server = await startServerProcess({ zonesDir: zones.dir, args: ['--rrl-exempt', 'none', '--rrl-rate', String(RATE), '--rrl-slip', '2'] });
  });
  after(async () => {
    await server?.stop();
    await zones?.remove();
  });

  it('bounds the amplification of a flood from one address, and serves another prefix normally', async () => {
    const flood = await udpClient('127.0.0.1');
    const bystander = await udpClient('127.0.1.1');
    // The bystander behaves like a resolver: one query at a time, retried after 300 ms without an answer (the
    // flood fills the server's socket buffer, so the kernel may drop a datagram of anyone's).
    const BYSTANDER_QUERIES = 20;
    let floodDone = false;
    const bystanderRun = (async () => {
      let answered = 0;
      for (let q = 0; q < BYSTANDER_QUERIES; q++) {
        const before = bystander.received.full + bystander.received.truncated;
        for (let attempt = 0; attempt < 10 && bystander.received.full + bystander.received.truncated === before; attempt++) {
          bystander.socket.send(buildQuery({ name: 'app.gslb.example.test', type: 1, id: q }), server.port, server.host);
          await settle(() => bystander.received.full + bystander.received.truncated > before, 300);
        }
        if (bystander.received.full + bystander.received.truncated > before) answered++;
        // Spread over the flood, at the pace of a busy resolver (well under the rate).
        if (!floodDone) await new Promise((resolve) => setTimeout(resolve, 40));
      }
      return answered;
    })();
    // A query whose full answer is several times its size: what a reflection attack would pick.
    const query = buildQuery({ name: 'app.gslb.example.test', type: 1, id: 7 });
    const started = Date.now();
    for (let i = 0; i < FLOOD; i++) {
      flood.socket.send(query, server.port, server.host);
      // Paced so the kernel does not drop the flood before the server sees it (the limiter is under test, not
      // the socket buffer); the server's own counts below are checked too.
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const seconds = (Date.now() - started) / 1000;
    floodDone = true;
    const bystanderAnswered = await bystanderRun;
    await settle(() => false, 300); // the last replies to the flood
    flood.socket.close();
    bystander.socket.close();

    const fullAnswerSize = 100; // generous upper bound; the limit counts answers, not bytes
    // At most the initial burst plus the refill over the flood's duration got a full answer.
    const allowed = RATE + Math.ceil(RATE * (seconds + 3));
    assert.ok(flood.received.full <= allowed, `${flood.received.full} full answers to the flooding address (allowed ${allowed})`);
    assert.ok(flood.received.full >= 1, 'the first answers were sent');
    // Slip 2: about every second limited response goes out truncated, the size of the query.
    const metrics = await (await fetch(`http://127.0.0.1:${server.adminPort}/metrics`)).text();
    const counted = (action: string) =>
      Number(new RegExp(`^meridian_rrl_responses_total\\{kind="answer",action="${action}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    const limited = counted('dropped') + counted('slipped');
    // The kernel may drop some of the burst before the server reads it; the server must have seen most of it.
    const seen = limited + flood.received.full;
    assert.ok(seen >= FLOOD / 2, `the server saw ${seen} of ${FLOOD} queries`);
    // (A few replies may be lost in this client's own receive buffer.)
    assert.ok(
      flood.received.truncated <= counted('slipped') && flood.received.truncated >= counted('slipped') * 0.95,
      `${flood.received.truncated} truncated replies, ${counted('slipped')} slipped`,
    );
    assert.ok(Math.abs(counted('slipped') - limited / 2) <= 2, `${counted('slipped')} slipped of ${limited} limited`);
    // Bytes sent back per byte of query the server received.
    const amplification = flood.received.bytes / (seen * query.length);
    assert.ok(amplification < 1, `amplification ${amplification.toFixed(3)} (bytes out / bytes in) must stay below 1`);
    assert.ok(flood.received.full * fullAnswerSize < seen * query.length);
    // The other prefix was never limited.
    assert.equal(bystanderAnswered, BYSTANDER_QUERIES);
    assert.equal(bystander.received.truncated, 0);
    process.stdout.write(
      `# flood ${FLOOD} queries in ${seconds.toFixed(2)} s, ${seen} reached the server: ${flood.received.full} answered, ${flood.received.truncated} truncated, ` +
        `${seen - flood.received.full - flood.received.truncated} dropped; amplification ${amplification.toFixed(3)}; bystander answered ${bystanderAnswered}/${BYSTANDER_QUERIES}, none truncated\n`,
    );
  });

  it('still answers the limited prefix over TCP, where the source cannot be spoofed', async () => {
    const r = await dig({ server: server.host, port: server.port, name: 'app.gslb.example.test', options: ['+tcp'] });
    assert.equal(r.status, 'NOERROR');
    assert.ok(r.answer.length > 0);
  });

  it('counts limited responses in the metrics', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${server.adminPort}/metrics`)).text();
    const value = (action: string) => Number(new RegExp(`^meridian_rrl_responses_total\\{kind="answer",action="${action}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    assert.ok(value('dropped') > 1_000, `dropped ${value('dropped')}`);
    assert.ok(value('slipped') > 1_000, `slipped ${value('slipped')}`);
  });
});
