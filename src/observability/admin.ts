// The admin HTTP server: liveness, readiness, Prometheus metrics and a JSON status document, all read-only; and
// state-changing actions (POST), which exist only when a bearer token is configured and require it. It binds
// to loopback unless the operator chooses otherwise.

import http from 'node:http';
import { bearsToken, tokenDigest } from '../base/bearer-token.js';
import { Errors } from '../base/errors.js';
import { formatEndpoint, type ListenEndpoint } from '../dns/endpoint.js';
import type { Logger } from '../base/logger.js';
import { readStatusPage, type StatusPageAssets } from './status-page.js';

/** Readiness as an interface (as CoreDNS does): each part of the server says whether it is ready. */
export interface Readiness {
  ready(): boolean;
}

export interface AdminServerOptions {
  readonly endpoint: ListenEndpoint;
  readonly readiness: Readiness;
  /** The /status document as JSON text in chunks (built a few hundred records at a time). */
  readonly status: () => AsyncIterable<string>;
  /** Prometheus exposition, rendered in chunks so a large scrape never blocks the event loop for long. */
  readonly metrics?: { render(): AsyncIterable<string>; readonly contentType: string };
  /**
   * State-changing endpoints by path (POST only), each given the request's parsed JSON body. Served only when
   * `token` is set, and only to requests bearing it.
   */
  readonly actions?: Readonly<Record<string, AdminAction>>;
  /** The bearer token that state-changing requests must present; without one they are refused. */
  readonly token?: string;
  /** Read-only JSON endpoints by path (GET), given the query string. */
  readonly queries?: Readonly<Record<string, (query: URLSearchParams) => { readonly status: number; readonly body: unknown }>>;
  /** The built status page's directory (STATUS_PAGE_DIRECTORY): read at start, served at `/` and `/assets/`. */
  readonly page?: URL;
  /** The /events feed pushes the status document to each listener (server-sent events), once a second. */
  readonly events?: boolean;
  readonly logger: Logger;
}

/** Runs a state-changing request; resolves with the status code and the JSON document to send back. */
export type AdminAction = (body: unknown) => Promise<{ readonly status: number; readonly body: unknown }>;

/** Largest request body accepted by an action. */
const MAX_BODY_BYTES = 64 * 1024;
/** Status pages open at once; each costs one status document a second. */
const MAX_EVENT_LISTENERS = 32;
const EVENTS_EVERY_MS = 1_000;
/**
 * The feed may use at most this share of the event loop: with tens of thousands of records a status document
 * takes tens of milliseconds to build and serialise, and queries wait meanwhile. The interval stretches to fit.
 */
const EVENTS_MAX_SHARE = 0.02;

export interface AdminServer {
  readonly endpoint: ListenEndpoint;
  close(): Promise<void>;
}

/**
 * The status page's files, read once. A page that cannot be read is logged and answered 503: the operator's
 * page missing from a build must not stop the DNS server.
 */
async function loadPage(options: AdminServerOptions): Promise<StatusPageAssets | undefined> {
  if (options.page === undefined) return undefined;
  try {
    return await readStatusPage(options.page);
  } catch (error) {
    options.logger.error('status page unavailable', { error });
    return undefined;
  }
}

/** The page's policy: its own script and style only, the live feed, and nothing from elsewhere. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const page = await loadPage(options);
  const expectedToken = options.token === undefined ? undefined : tokenDigest(options.token);
  const listeners = new Set<http.ServerResponse>();
  // One document per tick, shared by every open page.
  let ticker: NodeJS.Timeout | undefined;
  const statusText = async () => {
    let text = '';
    for await (const chunk of options.status()) text += chunk;
    return text;
  };
  const tick = async () => {
    let costMs = 0;
    if (listeners.size > 0 && options.events === true) {
      const started = performance.now();
      const frame = eventFrame(await statusText());
      // Wall time, not only this work's: a conservative measure of what the feed takes from queries.
      costMs = performance.now() - started;
      for (const listener of listeners) listener.write(frame);
    }
    ticker = setTimeout(() => void tick(), Math.max(EVENTS_EVERY_MS, costMs / EVENTS_MAX_SHARE));
    ticker.unref();
  };
  void tick();
  const server = http.createServer((request, response) => {
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const action = options.actions?.[path];
    if (action !== undefined) {
      if (request.method !== 'POST') {
        send(response, 405, 'text/plain', 'method not allowed: use POST\n', { allow: 'POST' });
        return;
      }
      void runAction(request, response, action, expectedToken, options.logger, path);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain', 'method not allowed\n');
      return;
    }
    const query = options.queries?.[path];
    if (query !== undefined) {
      const result = query(new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1)));
      sendJson(response, result.status, result.body);
      return;
    }
    switch (path) {
      case '/':
        if (options.page === undefined) break;
        if (page === undefined) {
          send(response, 503, 'text/plain', 'the status page is not built (npm run build); the same information is at /status\n');
          return;
        }
        send(response, 200, 'text/html; charset=utf-8', page.html, { 'content-security-policy': PAGE_CSP, 'x-content-type-options': 'nosniff' });
        return;
      case '/assets/style.css':
        if (page === undefined) break;
        send(response, 200, 'text/css; charset=utf-8', page.css, { 'x-content-type-options': 'nosniff' });
        return;
      case '/assets/page.js':
        if (page === undefined) break;
        send(response, 200, 'text/javascript; charset=utf-8', page.script, { 'x-content-type-options': 'nosniff' });
        return;
      case '/events': {
        if (options.events !== true) break;
        if (listeners.size >= MAX_EVENT_LISTENERS) {
          send(response, 503, 'text/plain', 'too many status pages open\n');
          return;
        }
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        response.write('retry: 2000\n');
        // The first document at once, then the shared ticks.
        void statusText().then((text) => {
          if (response.destroyed) return;
          response.write(eventFrame(text));
          listeners.add(response);
        });
        response.once('close', () => listeners.delete(response));
        return;
      }
      case '/healthz':
        send(response, 200, 'text/plain', 'ok\n');
        return;
      case '/readyz': {
        const ready = options.readiness.ready();
        send(response, ready ? 200 : 503, 'text/plain', ready ? 'ready\n' : 'not ready\n');
        return;
      }
      case '/status':
        void streamChunks(response, 'application/json', options.status(), request.method === 'HEAD');
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
            clearTimeout(ticker);
            for (const listener of listeners) listener.end();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Writes the exposition chunk by chunk, waiting for the socket to drain, so a slow scraper costs no memory. */
function streamMetrics(
  response: http.ServerResponse,
  metrics: { render(): AsyncIterable<string>; readonly contentType: string },
  headOnly: boolean,
): Promise<void> {
  return streamChunks(response, metrics.contentType, metrics.render(), headOnly);
}

/** Writes a document chunk by chunk, waiting for the socket to drain; an error before the first chunk is a 500. */
async function streamChunks(response: http.ServerResponse, contentType: string, body: AsyncIterable<string>, headOnly: boolean): Promise<void> {
  const chunks = body[Symbol.asyncIterator]();
  let first: IteratorResult<string>;
  try {
    first = await chunks.next();
  } catch (error) {
    send(response, 500, 'text/plain', `failed: ${String(error)}\n`);
    return;
  }
  response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
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

function send(response: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(response, status, 'application/json', `${JSON.stringify(body, null, 2)}\n`, headers);
}

/** One server-sent event holding a JSON document (compact JSON has no newline, so one data line). */
function eventFrame(json: string): string {
  return `event: status\ndata: ${json}\n\n`;
}

async function runAction(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  action: AdminAction,
  expectedToken: Buffer | undefined,
  logger: Logger,
  path: string,
): Promise<void> {
  if (expectedToken === undefined) {
    request.resume();
    sendJson(response, 403, { error: 'state-changing endpoints are disabled: start meridian with --admin-token-file' });
    return;
  }
  if (!bearsToken(request.headers, expectedToken)) {
    request.resume();
    logger.warn('admin request refused: missing or wrong bearer token', { path, remote: request.socket.remoteAddress });
    sendJson(response, 401, { error: 'a valid bearer token is required (Authorization: Bearer TOKEN)' }, { 'www-authenticate': 'Bearer realm="meridian"' });
    return;
  }
  let text = '';
  try {
    for await (const chunk of request) {
      text += String(chunk);
      if (text.length > MAX_BODY_BYTES) {
        sendJson(response, 413, { error: `request body over ${MAX_BODY_BYTES} bytes` });
        request.destroy();
        return;
      }
    }
  } catch {
    return; // the client went away
  }
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      sendJson(response, 400, { error: 'the request body is not JSON' });
      return;
    }
  }
  try {
    const result = await action(body);
    logger.info('admin action', { path, status: result.status });
    sendJson(response, result.status, result.body);
  } catch (error) {
    sendJson(response, 500, { error: (error as Error).message });
  }
}
