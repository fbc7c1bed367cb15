// Test ingresses: real servers on loopback addresses (every 127.0.0.0/8 address is local on Linux) standing in
// for a cluster's ingress. Tests steer them while probes run: change the answer, stop listening so connections
// are refused, or freeze so connections are accepted and never answered.
//
// Each ingress owns a plain net.Server and hands accepted sockets to an HTTP(S) server that never listens
// itself. That is what lets freeze() hold a connection before any HTTP or TLS happens, and kill()/revive()
// stop and restart listening on the same address and port.

import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';

/** How an HTTP ingress answers requests. Read per request, so a change applies to the next request. */
export type IngressBehaviour =
  /** 200 with body "ok". */
  | { readonly kind: 'ok' }
  /** The given status, with body "status N". */
  | { readonly kind: 'status'; readonly status: number }
  /** The given body, with status 200 unless given. */
  | { readonly kind: 'body'; readonly text: string; readonly status?: number }
  /** Reads the request and never answers. */
  | { readonly kind: 'hang' }
  /**
   * Sends one byte every intervalMs and never finishes: in the middle of the status line's headers, or after
   * complete 200 headers in the body. A probe with an idle timeout instead of a deadline never gives up.
   */
  | { readonly kind: 'trickle'; readonly phase: 'headers' | 'body'; readonly intervalMs: number };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The Host header as received. */
  readonly host: string | undefined;
  /** The TLS server name (SNI) the client sent; undefined over plain HTTP or when the client sent none. */
  readonly servername: string | undefined;
  /** Lowercased names, as Node parses them. */
  readonly headers: http.IncomingHttpHeaders;
}

/** What every ingress offers: where it is, and how to make it fail. */
export interface IngressControls {
  readonly address: string;
  readonly port: number;
  /** Connections accepted since start, frozen ones included. */
  acceptedConnections(): number;
  /** Connections currently open on the server side. */
  openConnections(): number;
  /** Resolves once no connection is open, or rejects after deadlineMs. */
  waitUntilIdle(deadlineMs?: number): Promise<void>;
  /** Stops listening and drops every connection: connecting is refused until revive(). */
  kill(): Promise<void>;
  /** Listens again on the same address and port. */
  revive(): Promise<void>;
  /**
   * Keeps accepting connections but never answers them: no HTTP response, no TLS handshake. What the client
   * sends is read and discarded, so a client closing its end still closes the connection.
   */
  freeze(): void;
  /** New connections are served again; connections accepted while frozen stay frozen. */
  thaw(): void;
  /** Stops listening and drops every connection, for good. */
  close(): Promise<void>;
}

export interface HttpIngress extends IngressControls {
  readonly secure: boolean;
  /** Every request received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  setBehaviour(behaviour: IngressBehaviour): void;
}

export interface HttpIngressOptions {
  /** A loopback address (127.0.0.x or ::1), or an ingress address of a network-namespace lab (netns-lab.ts). */
  readonly host: string;
  /** 0 (default) for an ephemeral port. */
  readonly port?: number;
  /** Serve HTTPS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string; readonly cert: string };
  readonly behaviour?: IngressBehaviour;
}

export interface TcpIngressOptions {
  readonly host: string;
  readonly port?: number;
}

/** An HTTP or, with `tls`, HTTPS ingress. */
export async function startHttpIngress(options: HttpIngressOptions): Promise<HttpIngress> {
  let behaviour: IngressBehaviour = options.behaviour ?? { kind: 'ok' };
  const requests: RecordedRequest[] = [];

  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const servername = (request.socket as Partial<TLSSocket>).servername;
    requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      host: request.headers.host,
      servername: typeof servername === 'string' && servername !== '' ? servername : undefined,
      headers: request.headers,
    });
    // The client may go away mid-answer (a probe stops reading once it has seen enough).
    response.on('error', () => {});
    answer(behaviour, request, response);
  };

  const protocolServer = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : http.createServer(onRequest);
  // Handshake failures and malformed requests are expected in tests. Answer bad requests the way Node's
  // default handler does (a TLS client talking to this plain port then sees "wrong version number").
  protocolServer.on('tlsClientError', () => {});
  protocolServer.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const listener = await startListener(options.host, options.port ?? 0, (socket) => protocolServer.emit('connection', socket));
  return {
    ...listener,
    close: async () => {
      await listener.close();
      protocolServer.close(); // never listened; this only stops its connection-tracking timer
    },
    secure: options.tls !== undefined,
    requests,
    setBehaviour: (next) => {
      behaviour = next;
    },
  };
}

/** A TCP ingress: accepts connections, reads and discards whatever arrives, closes when the client does. */
export async function startTcpIngress(options: TcpIngressOptions): Promise<IngressControls> {
  return startListener(options.host, options.port ?? 0, (socket) => socket.resume());
}

export interface RawIngressOptions extends TcpIngressOptions {
  /** Speaks for the server on each accepted connection; errors on the socket are already handled. */
  readonly serve: (socket: net.Socket) => void;
}

/** An ingress that says whatever `serve` writes: for responses no well-behaved HTTP server would send. */
export async function startRawIngress(options: RawIngressOptions): Promise<IngressControls> {
  return startListener(options.host, options.port ?? 0, options.serve);
}

function answer(behaviour: IngressBehaviour, request: http.IncomingMessage, response: http.ServerResponse): void {
  const text = (status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };
  switch (behaviour.kind) {
    case 'ok':
      return text(200, 'ok');
    case 'status':
      return text(behaviour.status, `status ${behaviour.status}`);
    case 'body':
      return text(behaviour.status ?? 200, behaviour.text);
    case 'hang':
      return;
    case 'trickle': {
      const socket = request.socket;
      let write: () => void;
      if (behaviour.phase === 'headers') {
        // Raw bytes on the socket: an HTTP response whose header block never ends.
        socket.write('HTTP/1.1 200 OK\r\nx-trickle: ');
        write = () => socket.write('a');
      } else {
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        response.flushHeaders();
        write = () => response.write('a');
      }
      const timer = setInterval(write, behaviour.intervalMs);
      socket.once('close', () => clearInterval(timer));
      return;
    }
  }
}

/** A net.Server on host:port that tracks its connections and passes the ones not frozen to `serve`. */
async function startListener(host: string, requestedPort: number, serve: (socket: net.Socket) => void): Promise<IngressControls> {
  const connections = new Set<net.Socket>();
  const idleWaiters = new Set<() => void>();
  let accepted = 0;
  let frozen = false;

  const server = net.createServer((socket) => {
    accepted += 1;
    connections.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => {
      connections.delete(socket);
      if (connections.size === 0) for (const wake of idleWaiters) wake();
    });
    if (frozen) socket.resume();
    else serve(socket);
  });

  const listen = async (port: number) => {
    server.listen({ host, port });
    await once(server, 'listening');
  };
  const stop = async () => {
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    for (const socket of connections) socket.destroy();
    await closed;
  };

  await listen(requestedPort);
  const port = (server.address() as net.AddressInfo).port;

  return {
    address: host,
    port,
    acceptedConnections: () => accepted,
    openConnections: () => connections.size,
    waitUntilIdle: (deadlineMs = 3_000) =>
      new Promise((resolve, reject) => {
        if (connections.size === 0) return resolve();
        const done = () => {
          clearTimeout(timer);
          idleWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          idleWaiters.delete(done);
          reject(new Error(`${connections.size} connection(s) to ${host}:${port} still open after ${deadlineMs} ms`));
        }, deadlineMs);
        idleWaiters.add(done);
      }),
    kill: stop,
    revive: () => listen(port),
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
    },
    close: stop,
  };
}
