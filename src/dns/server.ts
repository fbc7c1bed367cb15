// UDP and TCP listeners on each endpoint, on the same port: resolvers retry a truncated UDP answer over TCP
// at the address and port they used, so both must be there.

import type { Logger } from '../base/logger.js';
import type { ListenEndpoint } from './endpoint.js';
import type { HandlerErrorObserver, QueryHandler } from './handler.js';
import { DEFAULT_TCP_LIMITS, listenTcp, type TcpLimits, type TcpListener } from './tcp.js';
import type { ResponseRateLimiter } from './rrl.js';
import { listenUdp, type UdpListener } from './udp.js';

export interface DnsServer {
  /** The endpoints actually bound (port 0 resolved). */
  readonly endpoints: readonly ListenEndpoint[];
  close(): Promise<void>;
  /** Graceful close: TCP connections finish the message they are in, within `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
}

export interface DnsServerOptions {
  readonly endpoints: readonly ListenEndpoint[];
  readonly handler: QueryHandler;
  readonly logger: Logger;
  readonly tcpLimits?: TcpLimits;
  /** Share the ports with other processes (SO_REUSEPORT), for `--workers`. Needs explicit ports. */
  readonly reusePort?: boolean;
  /** Response rate limiting for UDP; none when omitted. */
  readonly rrl?: ResponseRateLimiter;
  /** Counts the packets and connections dropped because handling them threw. */
  readonly handlerErrors?: HandlerErrorObserver;
}

/** With port 0, TCP picks a free port and UDP must take the same one; another process may hold it for UDP. */
const EPHEMERAL_PORT_ATTEMPTS = 10;

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const listeners: Array<UdpListener | TcpListener> = [];
  const endpoints: ListenEndpoint[] = [];
  const closeAll = () => Promise.all(listeners.map((l) => l.close())).then(() => undefined);
  try {
    for (const endpoint of options.endpoints) {
      const [tcp, udp] = await listenPair(endpoint, options);
      listeners.push(tcp, udp);
      endpoints.push(tcp.endpoint);
      options.logger.info('listening', { address: tcp.endpoint.host, port: tcp.endpoint.port, transports: ['udp', 'tcp'] });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return { endpoints, close: closeAll, drain: (timeoutMs) => Promise.all(listeners.map((l) => l.drain(timeoutMs))).then(() => undefined) };
}

async function listenPair(endpoint: ListenEndpoint, options: DnsServerOptions): Promise<[TcpListener, UdpListener]> {
  const limits = options.tcpLimits ?? DEFAULT_TCP_LIMITS;
  for (let attempt = 1; ; attempt++) {
    const reusePort = options.reusePort ?? false;
    const tcp = await listenTcp(endpoint, options.handler, options.logger, limits, reusePort, options.handlerErrors);
    try {
      const udp = await listenUdp(tcp.endpoint, options.handler, options.logger, reusePort, options.rrl, options.handlerErrors);
      return [tcp, udp];
    } catch (error) {
      await tcp.close();
      if (endpoint.port !== 0 || attempt >= EPHEMERAL_PORT_ATTEMPTS) throw error;
    }
  }
}
