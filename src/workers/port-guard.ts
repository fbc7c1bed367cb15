// Keeps `--workers` SO_REUSEPORT sharing to one server's own workers. Linux lets any SO_REUSEPORT socket of the
// same user join a port's group, so a second `serve --workers` on the same address would start and silently take
// a share of the queries. The primary therefore, before forking the workers, (1) takes a lock named after the
// address: a listening Unix socket in Linux's abstract namespace, which only one process can hold, that the
// kernel releases when the process dies, and that is per network namespace like the ports themselves; and
// (2) binds each address once without SO_REUSEPORT, which fails while any other socket holds it (another
// server's reuseport group, a wildcard address overlapping it), then closes it for the workers.

import dgram from 'node:dgram';
import net from 'node:net';
import type { ListenEndpoint } from '../dns/endpoint.js';
import { formatEndpoint } from '../dns/endpoint.js';
import { Errors } from '../base/errors.js';

export interface AddressGuard {
  release(): Promise<void>;
}

export async function guardAddresses(endpoints: readonly ListenEndpoint[]): Promise<AddressGuard> {
  const locks: net.Server[] = [];
  const release = () => Promise.all(locks.map((lock) => new Promise<void>((done) => lock.close(() => done())))).then(() => undefined);
  try {
    for (const endpoint of endpoints) {
      // The abstract namespace is Linux's; elsewhere only the exclusive bind below guards.
      if (process.platform === 'linux') locks.push(await lock(endpoint));
      await bindExclusively(endpoint);
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}

function lock(endpoint: ListenEndpoint): Promise<net.Server> {
  const server = net.createServer((socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        Errors.listenFailed(['DNS', formatEndpoint(endpoint), `another Meridian server with --workers holds it (${error.code ?? error.message})`], {
          cause: error,
        }),
      ),
    );
    server.listen(`\0meridian-dns-workers:${formatEndpoint(endpoint)}`, () => resolve(server));
  });
}

async function bindExclusively(endpoint: ListenEndpoint): Promise<void> {
  const address = formatEndpoint(endpoint);
  const v6 = net.isIP(endpoint.host) === 6;
  const tcp = net.createServer();
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', (error: NodeJS.ErrnoException) => reject(Errors.listenFailed(['TCP', address, error.code ?? error.message], { cause: error })));
    tcp.listen({ host: endpoint.host, port: endpoint.port, ipv6Only: v6 }, () => resolve());
  });
  await new Promise((resolve) => tcp.close(resolve));
  const udp = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', (error: NodeJS.ErrnoException) => {
      udp.close();
      reject(Errors.listenFailed(['UDP', address, error.code ?? error.message], { cause: error }));
    });
    udp.bind(endpoint.port, endpoint.host, () => resolve());
  });
  await new Promise<void>((resolve) => udp.close(() => resolve()));
}
