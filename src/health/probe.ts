// The real probe adapter: one fresh connection per probe, straight to the address (never through a pool,
// a proxy or DNS), so a probe sees exactly what a client routed to that ingress would see.
//
// Every probe runs under a single timer covering connect, TLS handshake, headers and body. A socket idle
// timeout would be reset by every byte, so a server trickling bytes could hold a probe forever.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { ProbeFailure, ProbeResult, ProbeSpec, Prober } from './types.js';

/** How much of a response body is searched for `body`; a match beyond this counts as missing. */
export const BODY_READ_LIMIT_BYTES = 64 * 1024;

export const PROBE_USER_AGENT = 'meridian-health/1';

/** A probe's result before its duration is known. */
type Outcome = Omit<ProbeResult, 'durationMs'>;

/** Settles a probe. Only the first call counts; later calls (errors caused by our own cleanup) are ignored. */
type Finish = (outcome: Outcome) => void;

/** Starts the network side of a probe and returns how to tear it down. */
type Attempt = (spec: ProbeSpec, finish: Finish) => () => void;

export function createProber(): Prober {
  return { probe: runProbe };
}

function runProbe(spec: ProbeSpec): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let teardown: (() => void) | undefined;

    const finish: Finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      teardown?.();
      resolve({ ...outcome, durationMs: performance.now() - startedAt });
    };

    timer = setTimeout(() => finish(failure('timeout', `timeout after ${spec.timeoutMs} ms`)), spec.timeoutMs);
    try {
      const attempt: Attempt = spec.protocol === 'tcp' ? startTcpAttempt : startHttpAttempt;
      teardown = attempt(spec, finish);
      // Sockets report asynchronously, so this is defensive: never keep a socket of a settled probe.
      if (settled) teardown();
    } catch (error) {
      // Synchronous throws: an invalid path or header value, a malformed CA bundle.
      finish(describeProbeError(error));
    }
  });
}

function startTcpAttempt(spec: ProbeSpec, finish: Finish): () => void {
  const socket = net.connect({ host: spec.address, port: spec.port });
  socket.on('connect', () => finish({ ok: true, reason: 'connected' }));
  socket.on('error', (error) => finish(describeProbeError(error)));
  return () => socket.destroy();
}

function startHttpAttempt(spec: ProbeSpec, finish: Finish): () => void {
  const secure = spec.protocol === 'https';
  const options: https.RequestOptions = {
    host: spec.address,
    port: spec.port,
    method: 'GET',
    path: spec.path,
    headers: requestHeaders(spec),
    setHost: false,
    // A new agent per request: no pooled connection, no TLS session reuse.
    agent: false,
    ...(secure ? tlsOptions(spec) : {}),
  };
  const request = (secure ? https : http).request(options);
  request.on('error', (error) => finish(describeProbeError(error)));
  request.on('response', (response) => {
    const status = response.statusCode ?? 0;
    response.on('error', (error) => finish(describeProbeError(error)));
    if (!statusExpected(status, spec.expect)) {
      finish({ ok: false, failure: 'status', reason: `status ${status}`, status });
      return;
    }
    if (spec.body === undefined || spec.body === '') {
      // The status decides: don't wait for a body nobody reads.
      finish({ ok: true, reason: `status ${status}`, status });
      return;
    }
    const needle = spec.body;
    const search = new BodySearch(needle, BODY_READ_LIMIT_BYTES);
    const missing: Outcome = { ok: false, failure: 'body', reason: `body does not contain ${JSON.stringify(needle)}`, status };
    response.on('data', (chunk: Buffer) => {
      const verdict = search.push(chunk);
      if (verdict === 'found') finish({ ok: true, reason: `status ${status}`, status });
      else if (verdict === 'limit') finish(missing);
    });
    response.on('end', () => finish(missing));
  });
  request.end();
  return () => request.destroy();
}

/** The Host header value: the name, bracketed if it is an IPv6 literal, with the port unless it is the scheme's default. */
export function hostHeaderValue(host: string, port: number, protocol: 'http' | 'https'): string {
  const name = net.isIPv6(host) ? `[${host}]` : host;
  const defaultPort = protocol === 'https' ? 443 : 80;
  return port === defaultPort ? name : `${name}:${port}`;
}

function requestHeaders(spec: ProbeSpec): Record<string, string> {
  // Lowercased so a configured User-Agent replaces ours instead of being sent beside it.
  const headers: Record<string, string> = { 'user-agent': PROBE_USER_AGENT };
  for (const [name, value] of Object.entries(spec.headers)) headers[name.toLowerCase()] = value;
  headers.host = hostHeaderValue(spec.host, spec.port, spec.protocol === 'https' ? 'https' : 'http');
  headers.connection = 'close';
  return headers;
}

function tlsOptions(spec: ProbeSpec): https.RequestOptions {
  return {
    // TLS forbids an IP address as SNI; '' tells the https agent not to derive one from the Host header.
    servername: net.isIP(spec.host) === 0 ? spec.host : '',
    rejectUnauthorized: !spec.tls.insecureSkipVerify,
    ...(spec.tls.caPem !== undefined ? { ca: spec.tls.caPem } : {}),
    // Node checks the certificate against servername, or the address when there is none; it must be the host.
    checkServerIdentity: (_servername, certificate) => tls.checkServerIdentity(spec.host, certificate),
  };
}

function statusExpected(status: number, expect: ProbeSpec['expect']): boolean {
  return expect.some(([low, high]) => status >= low && status <= high);
}

/**
 * Searches a body arriving in chunks for a byte string, looking only at the first `limitBytes` bytes.
 * Bytes rather than text, so a multi-byte character split across chunks still matches.
 */
class BodySearch {
  readonly #needle: Buffer;
  readonly #seen: Buffer;
  #length = 0;

  constructor(needle: string, limitBytes: number) {
    this.#needle = Buffer.from(needle, 'utf8');
    this.#seen = Buffer.alloc(limitBytes);
  }

  push(chunk: Buffer): 'found' | 'limit' | 'pending' {
    const copied = chunk.copy(this.#seen, this.#length);
    // Only the tail of the earlier bytes can start a match that ends in the new chunk.
    const from = Math.max(0, this.#length - this.#needle.length + 1);
    this.#length += copied;
    if (this.#seen.subarray(0, this.#length).indexOf(this.#needle, from) !== -1) return 'found';
    return this.#length === this.#seen.length ? 'limit' : 'pending';
  }
}

function failure(kind: ProbeFailure, reason: string): Outcome {
  return { ok: false, failure: kind, reason };
}

/** OpenSSL certificate verification results, as Node reports them in `error.code`. */
const CERTIFICATE_ERROR_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
]);

const UNREACHABLE_REASONS: Readonly<Record<string, string>> = {
  EHOSTUNREACH: 'host unreachable',
  EHOSTDOWN: 'host down',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network down',
  EADDRNOTAVAIL: 'address not available',
};

function isTlsErrorCode(code: string): boolean {
  return CERTIFICATE_ERROR_CODES.has(code) || code === 'EPROTO' || /^ERR_(SSL|TLS|OSSL)_/.test(code);
}

/** Maps a socket, HTTP or TLS error to a failure label and a short reason. */
export function describeProbeError(error: unknown): Outcome {
  // Connecting to a name with several addresses fails with an AggregateError; ours are literals, but be safe.
  const cause: unknown = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  const code = typeof (cause as { code?: unknown })?.code === 'string' ? (cause as { code: string }).code : '';
  const message = cause instanceof Error ? cause.message : String(cause);

  if (code === 'ECONNREFUSED') return failure('refused', 'connection refused');
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return failure('reset', 'connection reset');
  if (code === 'ETIMEDOUT') return failure('timeout', 'connection timed out');
  const unreachable = UNREACHABLE_REASONS[code];
  if (unreachable !== undefined) return failure('unreachable', unreachable);
  if (isTlsErrorCode(code)) return failure('tls', `TLS: ${shortTlsMessage(message)}`);
  return failure('error', message.split('\n')[0] || code || 'unknown error');
}

/**
 * OpenSSL errors read "C0A7...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl/...";
 * the part worth showing is "wrong version number". Node's own messages are kept, first line only.
 */
function shortTlsMessage(message: string): string {
  const openssl = /:(?:SSL|PEM|X509|asn1 encoding) routines:[^:]*:([^:\n]+)/.exec(message);
  const text = openssl?.[1] ?? message.split('\n')[0] ?? message;
  // Node 24 adds advice for its command line ("; if the root CA is installed locally, try --use-system-ca").
  return text.replace(/; if the root CA is installed locally.*$/, '').trim();
}
