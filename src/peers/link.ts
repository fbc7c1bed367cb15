// The peer link over HTTP (issue 17): each instance serves its own verdicts as a stream of JSON lines at
// GET /peer/v1/verdicts (hello, snapshot, then changes and heartbeats), to peers that present the shared token;
// and follows each peer's stream, checking every line before anything reads it. JSON lines over a chunked HTTP
// response are what Kubernetes watches use; node:http does the transport, this only splits lines, with a bound.

import { bearsToken, tokenDigest } from '../base/bearer-token.js';
import { Errors } from '../base/errors.js';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../base/logger.js';
import { Backoff, type BackoffPolicy } from '../discovery/kubernetes/backoff.js';
import { MAX_PEER_MESSAGE_OCTETS, PEER_PROTOCOL_VERSION, type PeerMessage, type PeerMessageReader, type RejectReason } from './protocol.js';

export const PEER_STREAM_PATH = '/peer/v1/verdicts';

/** What the link serves: this instance's verdicts (and drains), as messages. */
export interface VerdictFeed {
  /** What a stream starts with, after the hello: the snapshot, and the drains. */
  opening(): readonly PeerMessage[];
  /** Calls `listener` with each message for every open stream (changes, drains); returns the function that stops it. */
  subscribe(listener: (message: PeerMessage) => void): () => void;
}

export interface PeerServerOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly instance: string;
  readonly feed: VerdictFeed;
  readonly logger: Logger;
  readonly heartbeatMs?: number;
  /** Wall-clock milliseconds, sent in hello and heartbeats for the peers' skew display. */
  readonly wallNow?: () => number;
  /** A request without the right token (answered 401 and nothing else). */
  readonly onUnauthorized?: () => void;
  /** Streams open at once; more are answered 503. */
  readonly maxStreams?: number;
  /** Serve over TLS with this key and certificate (--peer-tls-key, --peer-tls-cert); plain HTTP without. */
  readonly tls?: { readonly keyPem: string; readonly certPem: string };
}

export interface PeerServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A stream whose peer reads slower than this much output behind is ended: it reconnects for a fresh snapshot. */
const MAX_BUFFERED_OCTETS = 8 * 1024 * 1024;

export function startPeerServer(options: PeerServerOptions): Promise<PeerServer> {
  const expected = tokenDigest(options.token);
  const wallNow = options.wallNow ?? (() => Date.now());
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const streams = new Set<http.ServerResponse>();
  const handler: http.RequestListener = (request, response) => {
    if (!bearsToken(request.headers, expected)) {
      options.onUnauthorized?.();
      options.logger.warn('peer request without the right token refused', { remote: request.socket.remoteAddress });
      response.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized\n');
      return;
    }
    if (request.method !== 'GET' || request.url !== PEER_STREAM_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (streams.size >= (options.maxStreams ?? 32)) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('too many peer streams\n');
      return;
    }
    streams.add(response);
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const send = (message: PeerMessage) => {
      response.write(`${JSON.stringify(message)}\n`);
      if (response.writableLength > MAX_BUFFERED_OCTETS) response.destroy();
    };
    send({ type: 'hello', protocol: PEER_PROTOCOL_VERSION, instance: options.instance, sentAt: wallNow() });
    for (const message of options.feed.opening()) send(message);
    const unsubscribe = options.feed.subscribe(send);
    const heartbeat = setInterval(() => send({ type: 'heartbeat', sentAt: wallNow() }), heartbeatMs);
    response.on('close', () => {
      streams.delete(response);
      unsubscribe();
      clearInterval(heartbeat);
    });
  };
  const server = options.tls === undefined ? http.createServer(handler) : https.createServer({ key: options.tls.keyPem, cert: options.tls.certPem }, handler);
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const address = options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
      reject(Errors.listenFailed(['the peer link', address, error.code ?? error.message], { cause: error }));
    };
    server.once('error', failed);
    server.listen(options.port, options.host, () => {
      server.off('error', failed);
      // A peer's connection error is that peer's problem, never this process's.
      server.on('error', (error) => options.logger.error('peer server error', { error }));
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : options.port,
        close: () =>
          new Promise<void>((done) => {
            for (const stream of streams) stream.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

export interface PeerClientOptions {
  /** The peer's name (from --peer NAME=URL): its hello must say the same. */
  readonly instance: string;
  readonly url: URL;
  readonly token: string;
  readonly reader: PeerMessageReader;
  readonly onMessage: (message: PeerMessage) => void;
  readonly onRejected: (reason: RejectReason | 'identity', detail: string) => void;
  readonly onConnected?: (connected: boolean) => void;
  readonly logger: Logger;
  readonly backoff?: BackoffPolicy;
  /** For https:// peers: the CA that signed their certificates (--peer-ca); the system's CAs without it. */
  readonly caPem?: string;
}

/** Follows one peer's stream, and connects again, with backoff, whenever it ends. */
export class PeerClient {
  readonly #options: PeerClientOptions;
  readonly #backoff: Backoff;
  #request: http.ClientRequest | undefined;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: PeerClientOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff ?? { initialMs: 250, maxMs: 5_000 });
  }

  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#request?.destroy();
  }

  #connect(): void {
    const { url, token, logger } = this.#options;
    // One end per attempt, whichever of the request and the response reports it first.
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.#closed();
    };
    const target = new URL(PEER_STREAM_PATH, url);
    const headers = { authorization: `Bearer ${token}` };
    const onResponse = (response: http.IncomingMessage) => {
      response.on('close', end);
      if (response.statusCode !== 200) {
        logger.warn('peer refused the stream', { peer: this.#options.instance, status: response.statusCode });
        response.resume();
        return;
      }
      this.#follow(response);
    };
    // A peer's certificate is always verified: the token must never go to whoever answers at its address.
    const request =
      target.protocol === 'https:'
        ? https.get(target, { headers, ...(this.#options.caPem === undefined ? {} : { ca: this.#options.caPem }) }, onResponse)
        : http.get(target, { headers }, onResponse);
    this.#request = request;
    request.on('error', (error) => logger.debug('peer link failed', { peer: this.#options.instance, error: error.message }));
    request.on('close', end);
  }

  #follow(response: http.IncomingMessage): void {
    let pending = '';
    const link = { greeted: false };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (!this.#line(line, link)) return;
      }
      // A line this long can never be a valid message, and the stream cannot be resynchronised inside it.
      if (pending.length > MAX_PEER_MESSAGE_OCTETS) {
        this.#options.onRejected('too-large', `a line of over ${MAX_PEER_MESSAGE_OCTETS} characters`);
        pending = '';
        this.#request?.destroy();
      }
    });
  }

  /** One line; false when the link must end (a stream whose first message is not the peer's hello). */
  #line(line: string, link: { greeted: boolean }): boolean {
    const result = this.#options.reader.read(line);
    if (!result.ok) {
      this.#options.onRejected(result.reason, result.detail);
      return true;
    }
    if (!link.greeted) {
      if (result.message.type !== 'hello' || result.message.instance !== this.#options.instance) {
        this.#options.onRejected('identity', `the stream of '${this.#options.instance}' did not start with its hello`);
        this.#request?.destroy();
        return false;
      }
      link.greeted = true;
      this.#backoff.reset();
      this.#options.onConnected?.(true);
    }
    this.#options.onMessage(result.message);
    return true;
  }

  #closed(): void {
    this.#options.onConnected?.(false);
    if (this.#stopped) return;
    this.#retry = setTimeout(() => this.#connect(), this.#backoff.next());
    this.#retry.unref();
  }
}
