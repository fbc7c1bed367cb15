// A UDP query stream at a fixed rate, in a worker thread of the benchmark, so that what the benchmark's main
// thread does meanwhile (accepting 4,000 probe connections a second, writing zone files) cannot delay the
// replies it times. Each query's latency is measured here, from send to reply; one unanswered after 1 s is lost.
//
// workerData: QueryLoadOptions. Post 'stop' to end it; it replies with a QueryLoadResult and exits.

import dgram from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { buildQuery } from '../helpers/dns-message.js';

export interface QueryLoadOptions {
  readonly host: string;
  readonly port: number;
  /** Queries go to `${prefix}${n % names}${suffix}`. */
  readonly prefix: string;
  readonly suffix: string;
  readonly names: number;
}

export interface QueryLoadResult {
  readonly latenciesMs: readonly number[];
  readonly lost: number;
}

const options = workerData as QueryLoadOptions;
const socket = dgram.createSocket('udp4');
await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
const sent = new Map<number, number>();
const latenciesMs: number[] = [];
socket.on('message', (message) => {
  const id = message.readUInt16BE(0);
  const at = sent.get(id);
  if (at === undefined) return;
  latenciesMs.push(performance.now() - at);
  sent.delete(id);
});
let id = 0;
// 2,000 queries a second, in bursts of 10 every 5 ms.
const timer = setInterval(() => {
  for (let n = 0; n < 10; n++) {
    id = (id + 1) & 0xffff;
    sent.set(id, performance.now());
    socket.send(buildQuery({ name: `${options.prefix}${id % options.names}${options.suffix}`, type: 1, id }), options.port, options.host);
  }
}, 5);
parentPort!.once('message', () => {
  clearInterval(timer);
  setTimeout(() => {
    socket.close();
    const result: QueryLoadResult = { latenciesMs, lost: sent.size };
    parentPort!.postMessage(result);
  }, 1000);
});
