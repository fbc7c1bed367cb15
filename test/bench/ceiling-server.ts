// The throughput ceiling for a DNS server written on Node: a bare node:dgram loop that checks the header, walks
// the question and sends back one precomputed answer with the query's ID and question copied in. Whatever a real
// Node server does beyond this (lookup, policy, metrics, logging) shows up as the gap to this row.
//
//   node dist/test/bench/ceiling-server.js --listen 127.0.0.70:15353 [--address 127.0.0.61] [--ttl 30]
//
// It prints "listening HOST:PORT" on stdout once bound, and exits on SIGTERM/SIGINT.

import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';

/** The answer section: one A record whose owner is a compression pointer to the question name (offset 12). */
function answerRecord(address: string, ttl: number): Buffer {
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0); // name: pointer to the question
  record.writeUInt16BE(1, 2); // type A
  record.writeUInt16BE(1, 4); // class IN
  record.writeUInt32BE(ttl, 6);
  record.writeUInt16BE(4, 10);
  address.split('.').forEach((octet, i) => (record[12 + i] = Number(octet)));
  return record;
}

/** End offset of the question (name + type + class), or -1 when the packet is not one plain question. */
function questionEnd(msg: Buffer): number {
  let offset = 12;
  for (;;) {
    if (offset >= msg.length) return -1;
    const length = msg[offset];
    if (length === 0) break;
    if (length > 63) return -1; // no compression in a question we accept
    offset += 1 + length;
  }
  offset += 1 + 4;
  return offset <= msg.length ? offset : -1;
}

export function startCeilingServer(host: string, port: number, address: string, ttl: number): Promise<dgram.Socket> {
  const answer = answerRecord(address, ttl);
  const socket = dgram.createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  socket.on('message', (msg, rinfo) => {
    if (msg.length < 12 || (msg[2] & 0xf8) !== 0 || msg.readUInt16BE(4) !== 1) return; // not QR=0, QUERY, QDCOUNT=1
    const end = questionEnd(msg);
    if (end < 0) return;
    // A fresh buffer per reply (from Node's pool): send() may still hold the previous one when the next query comes.
    const out = Buffer.allocUnsafe(end + answer.length);
    msg.copy(out, 0, 0, end);
    out[2] = 0x84 | (msg[2] & 0x01); // QR, AA, RD copied
    out[3] = 0; // RA=0, NOERROR
    out.writeUInt16BE(1, 6); // ANCOUNT
    out.writeUInt32BE(0, 8); // NSCOUNT, ARCOUNT (any OPT in the query is dropped)
    answer.copy(out, end);
    socket.send(out, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

// Run as a process (the benchmark pins it with taskset, like the other servers).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string', default: '127.0.0.70:15353' },
      address: { type: 'string', default: '127.0.0.61' },
      ttl: { type: 'string', default: '30' },
    },
  });
  const listen = values.listen;
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon);
  const socket = await startCeilingServer(host, Number(listen.slice(colon + 1)), values.address, Number(values.ttl));
  const bound = socket.address();
  process.stdout.write(`listening ${bound.address}:${bound.port}\n`);
  const stop = () => socket.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
