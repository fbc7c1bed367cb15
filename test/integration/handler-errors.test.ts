// A query whose handling throws costs that packet (UDP) or that connection (TCP), never the server: the
// exception is logged and counted in meridian_dns_handler_errors_total, and other queries keep being answered.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { buildAnswerTable } from '../../src/answers/build.js';
import { QueryHandler, type Transport } from '../../src/dns/handler.js';
import { startDnsServer, type DnsServer } from '../../src/dns/server.js';
import { silentLogger, type Logger } from '../../src/base/logger.js';
import { MeridianMetrics } from '../../src/observability/metrics.js';
import { buildQuery, decodeResponse } from '../helpers/dns-message.js';
import { staticTargets, zoneOf } from '../helpers/fixture-zone.js';
import { firstResponse, frame } from '../helpers/tcp-frames.js';

const ZONE = 'errors.example.test';
const TXT = 16;
// Built without validation (which now rejects it): 2 × 40,000 octets of TXT, an answer no TCP frame can carry.
const table = buildAnswerTable(
  [
    zoneOf(ZONE, [
      { kind: 'static', name: `huge.${ZONE}`, ttl: 30, a: [], aaaa: [], txt: ['x'.repeat(40_000), 'y'.repeat(40_000)] },
      { kind: 'static', name: `ok.${ZONE}`, ttl: 30, a: ['192.0.2.1'], aaaa: [], txt: [] },
    ]),
  ],
  staticTargets(),
);

/** Throws for any query naming `boom`, as a handler bug would; answers the rest. */
class ThrowingHandler extends QueryHandler {
  override handle(msg: Buffer, transport: Transport): Buffer | null {
    if (msg.includes('boom')) throw new Error('handler bug');
    return super.handle(msg, transport);
  }
}

/** Over TCP: the first framed response, or undefined when the server closes the connection first. */
async function tcpQuery(port: number, name: string, type: number, deadlineMs = 3_000): Promise<Buffer | undefined> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(frame(buildQuery({ name, type, id: 7 })));
  try {
    return await firstResponse(socket, deadlineMs);
  } finally {
    socket.destroy();
  }
}

/** Over UDP, from one socket: sends `first` (expected to be lost), then `ok`, and returns the answers received. */
async function udpQueries(port: number, first: string, ok: string, deadlineMs = 3_000): Promise<Buffer[]> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const received: Buffer[] = [];
  try {
    // The server reads datagrams from one socket in order, so the answer to `ok` comes after `first` was handled.
    const answered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer for ${ok} within ${deadlineMs} ms`)), deadlineMs);
      socket.on('message', (msg) => {
        received.push(msg);
        if (decodeResponse(msg).id === 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    socket.send(buildQuery({ name: first, type: TXT, id: 1 }), port, '127.0.0.1');
    socket.send(buildQuery({ name: ok, type: 1, id: 2 }), port, '127.0.0.1');
    await answered;
    return received;
  } finally {
    socket.close();
  }
}

async function errorCount(metrics: MeridianMetrics, transport: Transport): Promise<number> {
  const family = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'meridian_dns_handler_errors_total');
  return Number(family?.values.find((v) => v.labels.transport === transport)?.value ?? 0);
}

function recordingLogger(errors: string[]): Logger {
  const logger: Logger = { ...silentLogger, error: (message) => errors.push(message), child: () => logger };
  return logger;
}

interface Case {
  readonly name: string;
  readonly transport: Transport;
  readonly handler: QueryHandler;
  /** The query whose handling throws. */
  readonly qname: string;
}

const cases: readonly Case[] = [
  { name: 'TCP: a handler that throws', transport: 'tcp', handler: new ThrowingHandler({ current: table }), qname: `boom.${ZONE}` },
  { name: 'UDP: a handler that throws', transport: 'udp', handler: new ThrowingHandler({ current: table }), qname: `boom.${ZONE}` },
];

describe('an exception while handling a query', () => {
  let server: DnsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  for (const testCase of cases) {
    it(`${testCase.name}: drops that query only, is logged and counted`, async () => {
      const metrics = new MeridianMetrics(new Registry());
      const logged: string[] = [];
      server = await startDnsServer({
        endpoints: [{ host: '127.0.0.1', port: 0 }],
        handler: testCase.handler,
        logger: recordingLogger(logged),
        handlerErrors: metrics,
      });
      const port = server.endpoints[0].port;

      if (testCase.transport === 'tcp') {
        assert.equal(await tcpQuery(port, testCase.qname, TXT), undefined, 'the connection is closed without an answer');
        const other = await tcpQuery(port, `ok.${ZONE}`, 1);
        assert.ok(other, 'another connection is answered');
        assert.deepEqual(decodeResponse(other).answer, [`ok.${ZONE}. 30 IN A 192.0.2.1`]);
      } else {
        const answers = await udpQueries(port, testCase.qname, `ok.${ZONE}`);
        assert.deepEqual(
          answers.map((msg) => decodeResponse(msg).id),
          [2],
          'only the other query is answered',
        );
      }
      assert.equal(await errorCount(metrics, testCase.transport), 1);
      assert.equal(await errorCount(metrics, testCase.transport === 'tcp' ? 'udp' : 'tcp'), 0);
      assert.equal(logged.length, 1, `one error logged (got: ${logged.join('; ')})`);
    });
  }

  // Not an exception: the answer goes through the precomputed cuts against one TCP message, as UDP answers go
  // through them against the payload size, so the client learns the answer does not fit instead of waiting.
  it('TCP: an answer too long for the two-octet length prefix gets TC and the question, and is no error', async () => {
    const metrics = new MeridianMetrics(new Registry());
    const logged: string[] = [];
    server = await startDnsServer({
      endpoints: [{ host: '127.0.0.1', port: 0 }],
      handler: new QueryHandler({ current: table }),
      logger: recordingLogger(logged),
      handlerErrors: metrics,
    });
    const port = server.endpoints[0].port;
    const huge = await tcpQuery(port, `huge.${ZONE}`, TXT);
    assert.ok(huge, 'answered');
    const decoded = decodeResponse(huge);
    assert.equal(decoded.flags.tc, true);
    assert.equal(decoded.flags.aa, true);
    assert.deepEqual(decoded.answer, []);
    assert.deepEqual(decoded.question, [`huge.${ZONE}. TXT`]);
    const other = await tcpQuery(port, `ok.${ZONE}`, 1);
    assert.deepEqual(decodeResponse(other!).answer, [`ok.${ZONE}. 30 IN A 192.0.2.1`]);
    assert.equal(await errorCount(metrics, 'tcp'), 0);
    assert.deepEqual(logged, []);
  });
});
