// The admin HTTP server: liveness, readiness, Prometheus metrics and a JSON status document. It binds to loopback unless the
// operator chooses otherwise, and it has no state-changing endpoints.

import http from 'node:http';
import { Errors } from '../errors.js';
import { formatEndpoint, type ListenEndpoint } from '../dns/endpoint.js';
import type { Logger } from './logger.js';

/** Readiness as an interface (as CoreDNS does): each part of the server says whether it is ready. */
export interface Readiness {
  ready(): boolean;
}

export interface AdminServerOptions {
  readonly endpoint: ListenEndpoint;
  readonly readiness: Readiness;
  readonly status: () => unknown;
  /** Prometheus exposition, rendered in chunks so a large scrape never blocks the event loop for long. */
  readonly metrics?: { render(): AsyncIterable<string>; readonly contentType: string };
  readonly logger: Logger;
}

export interface AdminServer {
  readonly endpoint: ListenEndpoint;
  close(): Promise<void>;
}

export function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain', 'method not allowed\n');
      return;
    }
    switch (path) {
      case '/healthz':
        send(response, 200, 'text/plain', 'ok\n');
        return;
      case '/readyz': {
        const ready = options.readiness.ready();
        send(response, ready ? 200 : 503, 'text/plain', ready ? 'ready\n' : 'not ready\n');
        return;
      }
      case '/status':
        send(response, 200, 'application/json', `${JSON.stringify(options.status(), null, 2)}\n`);
        return;
      case '/metrics': {
        const metrics = options.metrics;
        if (metrics === undefined) break;
        void streamMetrics(response, metrics, request.method === 'HEAD');
        return;
      }
    }
    send(response, 404, 'text/plain', 'not found\n');
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;

  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(Errors.listenFailed(['admin HTTP', formatEndpoint(options.endpoint), error.code ?? error.message], { cause: error }));
    server.once('error', onError);
    server.listen(options.endpoint.port, options.endpoint.host, () => {
      server.off('error', onError);
      server.on('error', (error) => options.logger.warn('admin server error', { error }));
      const port = (server.address() as { port: number }).port;
      options.logger.info('admin listening', { address: options.endpoint.host, port });
      resolve({
        endpoint: { host: options.endpoint.host, port },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Writes the exposition chunk by chunk, waiting for the socket to drain, so a slow scraper costs no memory. */
async function streamMetrics(response: http.ServerResponse, metrics: { render(): AsyncIterable<string>; readonly contentType: string }, headOnly: boolean): Promise<void> {
  const chunks = metrics.render()[Symbol.asyncIterator]();
  let first: IteratorResult<string>;
  try {
    first = await chunks.next();
  } catch (error) {
    send(response, 500, 'text/plain', `metrics failed: ${String(error)}\n`);
    return;
  }
  response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
  if (headOnly) {
    response.end();
    await chunks.return?.();
    return;
  }
  try {
    for (let next = first; !next.done; next = await chunks.next()) {
      if (response.destroyed) break;
      if (!response.write(next.value)) await new Promise((resolve) => response.once('drain', resolve).once('close', resolve));
    }
  } catch {
    // The status line is out; all that can be done is to cut the response short so the scraper sees an error.
    response.destroy();
    return;
  }
  response.end();
}

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
