// DNS over TCP, RFC 7766: two-octet length framing, pipelined queries answered as they are read, an idle
// timeout, and limits that keep one client from holding the server: a connection cap (total and per client),
// a deadline for finishing a started message (slowloris) and write backpressure (a reader that never reads).

import net from 'node:net';
import { Errors } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { formatEndpoint, type ListenEndpoint } from './endpoint.js';
import type { HandlerErrorObserver, QueryHandler } from './handler.js';

export interface TcpLimits {
  /** Connections open at once, over all clients. */
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
  /** Close a connection with no traffic for this long (RFC 7766 §6.2.3). */
  readonly idleTimeoutMs: number;
  /** A message whose first octet has arrived must be complete within this time. */
  readonly readDeadlineMs: number;
  /** Stop reading from a client while this many response octets wait to be sent to it. */
  readonly maxPendingWriteBytes: number;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = {
  maxConnections: 1000,
  maxConnectionsPerClient: 32,
  idleTimeoutMs: 10_000,
  readDeadlineMs: 5_000,
  maxPendingWriteBytes: 64 * 1024,
};

export interface TcpListener {
  readonly endpoint: ListenEndpoint;
  /** Open connections now (for tests and metrics). */
  readonly connections: number;
  close(): Promise<void>;
  /** Stops accepting, lets open connections finish the message they are in, and closes them; cuts the rest at the deadline. */
  drain(timeoutMs: number): Promise<void>;
}

export function listenTcp(
  endpoint: ListenEndpoint,
  handler: QueryHandler,
  logger: Logger,
  limits: TcpLimits = DEFAULT_TCP_LIMITS,
  reusePort = false,
  errors?: HandlerErrorObserver,
): Promise<TcpListener> {
  // Each open connection, with whether it is between messages (nothing half-received).
  const sockets = new Map<net.Socket, () => boolean>();
  const draining = { on: false };
  const perClient = new Map<string, number>();
  // An exception escaping a socket event handler would end the process; it costs only its connection.
  const drop = (socket: net.Socket, error: unknown) => {
    logger.error('dropped a TCP connection: handling it threw', { error, peer: socket.remoteAddress });
    errors?.onHandlerError('tcp');
    socket.destroy();
  };

  const server = net.createServer({ noDelay: true }, (socket) => {
    try {
      accept(socket);
    } catch (error) {
      drop(socket, error);
    }
  });
  const accept = (socket: net.Socket) => {
    const client = socket.remoteAddress ?? '';
    const open = perClient.get(client) ?? 0;
    if (sockets.size >= limits.maxConnections || open >= limits.maxConnectionsPerClient) {
      socket.destroy();
      return;
    }
    perClient.set(client, open + 1);
    socket.once('close', () => {
      sockets.delete(socket);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left <= 0) perClient.delete(client);
      else perClient.set(client, left);
    });
    sockets.set(
      socket,
      serveConnection(socket, handler, limits, draining, (error) => drop(socket, error)),
    );
  };

  return new Promise((resolve, reject) => {
    const onListenError = (error: NodeJS.ErrnoException) => {
      reject(Errors.listenFailed(['TCP', formatEndpoint(endpoint), error.code ?? error.message], { cause: error }));
    };
    server.once('error', onListenError);
    server.listen({ host: endpoint.host, port: endpoint.port, ipv6Only: net.isIP(endpoint.host) === 6, reusePort }, () => {
      server.off('error', onListenError);
      server.on('error', (error) => logger.warn('tcp server error', { error }));
      const address = server.address() as net.AddressInfo;
      resolve({
        endpoint: { host: endpoint.host, port: address.port },
        get connections() {
          return sockets.size;
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets.keys()) socket.destroy();
          }),
        drain: (timeoutMs: number) =>
          new Promise<void>((done) => {
            // No new connections; each open one is closed (after its answers are written) once it is between
            // messages; whatever is left at the deadline is cut.
            draining.on = true;
            const deadline = setTimeout(() => {
              for (const socket of sockets.keys()) socket.destroy();
            }, timeoutMs);
            // Resolves once every connection has closed.
            server.close(() => {
              clearTimeout(deadline);
              done();
            });
            for (const [socket, idle] of sockets) if (idle()) socket.end();
          }),
      });
    });
  });
}

/** Serves one connection; returns whether it is between messages (for a graceful drain). */
function serveConnection(
  socket: net.Socket,
  handler: QueryHandler,
  limits: TcpLimits,
  draining: { readonly on: boolean },
  drop: (error: unknown) => void,
): () => boolean {
  let pending: Buffer = Buffer.alloc(0);
  let readDeadline: NodeJS.Timeout | undefined;
  const guarded =
    <A extends unknown[]>(listener: (...args: A) => void) =>
    (...args: A) => {
      try {
        listener(...args);
      } catch (error) {
        drop(error);
      }
    };

  socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.once('close', () => clearTimeout(readDeadline));
  socket.on(
    'drain',
    guarded(() => {
      socket.resume();
      // Reading again: a half-received message must now arrive in time.
      if (pending.length > 0 && readDeadline === undefined) readDeadline = setTimeout(() => socket.destroy(), limits.readDeadlineMs);
    }),
  );

  socket.on(
    'data',
    guarded((chunk: Buffer) => {
      const continuing = pending.length > 0;
      pending = continuing ? Buffer.concat([pending, chunk]) : chunk;
      let offset = 0;
      while (pending.length - offset >= 2) {
        const length = pending.readUInt16BE(offset);
        if (pending.length - offset - 2 < length) break;
        const message = pending.subarray(offset + 2, offset + 2 + length);
        offset += 2 + length;
        respond(socket, handler, message);
        if (socket.destroyed) return;
      }
      pending = offset === pending.length ? Buffer.alloc(0) : pending.subarray(offset);

      // The deadline runs from the first octet of a message, so dripping octets cannot extend it.
      const sameMessage = continuing && offset === 0;
      if (pending.length === 0) {
        clearTimeout(readDeadline);
        readDeadline = undefined;
      } else if (!sameMessage) {
        clearTimeout(readDeadline);
        readDeadline = setTimeout(() => socket.destroy(), limits.readDeadlineMs);
      }
      if (socket.writableLength > limits.maxPendingWriteBytes) {
        // The client is not reading its answers: stop reading its queries until it does (the idle timeout
        // still ends a connection that never reads). The read deadline is ours to hold meanwhile, not the
        // client's to meet: it restarts on drain.
        socket.pause();
        clearTimeout(readDeadline);
        readDeadline = undefined;
      }
      // Draining: the last complete message has been answered; end() flushes those answers, then closes.
      if (draining.on && pending.length === 0) socket.end();
    }),
  );
  return () => pending.length === 0;
}

/** Throws when the query cannot be answered (never expected); the caller then drops the connection rather than answer out of order. */
function respond(socket: net.Socket, handler: QueryHandler, message: Buffer): void {
  const response = handler.handle(message, 'tcp', socket.remoteAddress);
  if (response === null) return;
  // Validation (zone/static-records.ts) and the build (answers/build.ts) bound every answer; this catches whatever
  // would still not fit the length prefix.
  if (response.length > 0xffff) throw Errors.responseTooLong([response.length]);
  const framed = Buffer.allocUnsafe(response.length + 2);
  framed.writeUInt16BE(response.length, 0);
  response.copy(framed, 2);
  socket.write(framed);
}
