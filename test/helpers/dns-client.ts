// A minimal UDP DNS client for tests that poll answers quickly (dig costs a process per query).

import dgram from 'node:dgram';
import { buildQuery, decodeResponse, type DecodedResponse } from './dns-message.js';

export interface DnsClient {
  query(name: string, type?: number, timeoutMs?: number, edns?: Parameters<typeof buildQuery>[0]['edns']): Promise<DecodedResponse>;
  /** The addresses in the answer, sorted, joined by commas ('' for none). */
  addresses(name: string, type?: number): Promise<string>;
  close(): void;
}

/** `from`: the local address to send from (a 127.0.0.x address stands for a client in another subnet). */
export async function dnsClient(server: { host: string; port: number }, from?: string): Promise<DnsClient> {
  const socket = dgram.createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve) => socket.bind(0, from, resolve));
  const waiting = new Map<number, (response: DecodedResponse) => void>();
  socket.on('message', (msg) => {
    const response = decodeResponse(msg);
    waiting.get(response.id)?.(response);
  });
  let nextId = 1;
  const query = (name: string, type = 1, timeoutMs = 2000, edns?: Parameters<typeof buildQuery>[0]['edns']) =>
    new Promise<DecodedResponse>((resolve, reject) => {
      const id = nextId++ & 0xffff;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`no answer for ${name} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, (response) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(response);
      });
      socket.send(buildQuery({ name, type, id, ...(edns === undefined ? {} : { edns }) }), server.port, server.host);
    });
  return {
    query,
    async addresses(name, type = 1) {
      const response = await query(name, type);
      return response.answer
        .map((a) => a.split(' ').at(-1)!)
        .sort()
        .join(',');
    },
    close: () => socket.close(),
  };
}

/**
 * Polls `read` every `everyMs` until it returns `expected`; resolves with the milliseconds that took, or
 * rejects after `deadlineMs` with the last value seen. `read` may answer at once (a status field) or later (a query).
 */
export async function waitForValue<T>(read: () => T | Promise<T>, expected: T, deadlineMs: number, everyMs = 20): Promise<number> {
  const start = performance.now();
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (last === expected) return performance.now() - start;
    if (performance.now() - start > deadlineMs) throw new Error(`still ${String(last)} after ${deadlineMs} ms, expected ${String(expected)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
