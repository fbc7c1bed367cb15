import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { Errors } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { formatEndpoint, type ListenEndpoint } from './endpoint.js';
import type { HandlerErrorObserver, QueryHandler } from './handler.js';
import { RRL_DROP, RRL_SEND, type ResponseRateLimiter } from './rrl.js';

export interface UdpListener {
  readonly endpoint: ListenEndpoint;
  close(): Promise<void>;
  drain(timeoutMs: number): Promise<void>;
}

export function listenUdp(
  endpoint: ListenEndpoint,
  handler: QueryHandler,
  logger: Logger,
  reusePort = false,
  rrl?: ResponseRateLimiter,
  errors?: HandlerErrorObserver,
): Promise<UdpListener> {
  // reusePort (SO_REUSEPORT): several worker processes bind the same port and the kernel spreads datagrams.
  const socket = dgram.createSocket({ type: isIP(endpoint.host) === 6 ? 'udp6' : 'udp4', ipv6Only: isIP(endpoint.host) === 6, reusePort });
  return new Promise((resolve, reject) => {
    const onBindError = (error: NodeJS.ErrnoException) => {
      socket.close();
      reject(Errors.listenFailed(['UDP', formatEndpoint(endpoint), error.code ?? error.message], { cause: error }));
    };
    socket.once('error', onBindError);
    socket.bind(endpoint.port, endpoint.host, () => {
      socket.off('error', onBindError);
      // After binding, a socket error (an ICMP-induced send failure, say) concerns one datagram: log it and
      // keep serving.
      socket.on('error', (error) => logger.warn('udp socket error', { error }));
      socket.on('message', (msg, peer) => {
        // Nothing here is meant to throw; if anything ever does (handler, rate limiter, send), one datagram is
        // lost, not the server: an exception escaping an event handler would end the process.
        try {
          let response = handler.handle(msg, 'udp', peer.address);
          if (response === null) return;
          // Rate limiting applies to UDP only: over TCP the source address cannot be spoofed.
          if (rrl !== undefined) {
            const action = rrl.check(peer.address, peer.family === 'IPv6' ? 6 : 4, handler.lastKind, handler);
            if (action !== RRL_SEND) {
              if (action === RRL_DROP) return;
              response = handler.truncatedReply(msg);
            }
          }
          socket.send(response, peer.port, peer.address);
        } catch (error) {
          logger.error('dropped a UDP query: handling it threw', { error, peer: peer.address });
          errors?.onHandlerError('udp');
        }
      });
      const bound = socket.address();
      resolve({
        endpoint: { host: endpoint.host, port: bound.port },
        close: () => new Promise<void>((done) => socket.close(() => done())),
        // Every datagram read has been answered synchronously, so there is nothing in flight to wait for.
        drain: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
