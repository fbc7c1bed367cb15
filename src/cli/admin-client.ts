// A small client for Meridian's admin HTTP API, used by the operator commands (`meridian status`, `drain`,
// `undrain`, `explain`). It turns every failure into an AdminClientError whose message tells the operator what
// to do next; the commands print that message and exit 1.

import { Errors, MeridianError } from '../base/errors.js';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:9153';
const REQUEST_TIMEOUT_MS = 10_000;

/** Errors.adminClient, with the HTTP status when the server answered. */
export class AdminClientError extends MeridianError {
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(Errors.adminClient.code, message);
    this.name = 'AdminClientError';
    this.status = status;
  }
}

/**
 * The admin base URL: --admin, else MERIDIAN_ADMIN_URL, else the default. `host:port` (as `meridian serve
 * --admin` takes it) is read as http://host:port. No trailing slash.
 */
export function resolveAdminUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = (flag ?? env.MERIDIAN_ADMIN_URL ?? '').trim() || DEFAULT_ADMIN_URL;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new AdminClientError(`'${raw}' is not an admin server URL such as ${DEFAULT_ADMIN_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AdminClientError(`'${raw}' is not an http(s) URL`);
  return url.href.replace(/\/+$/, '');
}

/**
 * The bearer token: the content of --token-file, else of MERIDIAN_ADMIN_TOKEN_FILE (trimmed, as the server
 * reads its own), else MERIDIAN_ADMIN_TOKEN; undefined when none is given (the server will then refuse).
 */
export function resolveToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = tokenFile ?? (env.MERIDIAN_ADMIN_TOKEN_FILE || undefined);
  if (file !== undefined) {
    let token: string;
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new AdminClientError(`cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (token === '') throw new AdminClientError(`the token file ${file} is empty`);
    return token;
  }
  const token = env.MERIDIAN_ADMIN_TOKEN?.trim();
  return token === undefined || token === '' ? undefined : token;
}

export interface AdminResponse {
  readonly status: number;
  /** The parsed JSON body, or the text when it is not JSON. */
  readonly body: unknown;
}

/** The network-level reason for a failed request: ECONNREFUSED, ENOTFOUND, EHOSTUNREACH, ... */
function networkReason(error: unknown): string {
  // Our own timeout says what happened in words; a system error's code (ECONNREFUSED) says it best.
  if (error instanceof MeridianError) return error.message;
  const e = error as { code?: unknown; errors?: unknown; message?: unknown };
  if (typeof e?.code === 'string') return e.code;
  // Happy eyeballs (localhost: ::1 and 127.0.0.1) fails with an AggregateError of each attempt.
  const inner = Array.isArray(e?.errors) ? (e.errors[0] as { code?: unknown } | undefined) : undefined;
  if (typeof inner?.code === 'string') return inner.code;
  return typeof e?.message === 'string' ? e.message : String(error);
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST';
  readonly body?: unknown;
  readonly token?: string;
  readonly timeoutMs?: number;
}

/**
 * One admin request; rejects with AdminClientError only when the server cannot be reached or breaks off. Made
 * with node:http rather than fetch, which refuses some ports outright (fetch's "bad ports") and hides the
 * network error code.
 */
export function adminRequest(baseUrl: string, path: string, options: RequestOptions = {}): Promise<AdminResponse> {
  const url = new URL(`${baseUrl}${path}`);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<AdminResponse>((resolve, reject) => {
    let answered = false;
    const unreachable = (reason: string) =>
      new AdminClientError(`cannot reach the admin server at ${baseUrl}: ${reason}; is meridian serve running? use --admin`);
    const req = request(url, { method: options.method ?? 'GET', headers, timeout: timeoutMs }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) =>
        reject(new AdminClientError(`the admin server at ${baseUrl} broke off its answer: ${networkReason(error)}`, response.statusCode)),
      );
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON (an older server, or a plain-text error): keep the text.
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(Errors.adminTimeout([timeoutMs / 1000])));
    req.on('error', (error) => {
      if (answered) reject(new AdminClientError(`the admin server at ${baseUrl} broke off its answer: ${networkReason(error)}`));
      else reject(unreachable(networkReason(error)));
    });
    req.end(payload);
  });
}

/** The `error` (or `message`) a server put in its error document, else its text. */
export function errorMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  if (typeof body === 'object' && body !== null) {
    const b = body as { error?: unknown; message?: unknown };
    if (typeof b.error === 'string') return b.error;
    if (typeof b.message === 'string') return b.message;
    return JSON.stringify(body);
  }
  return undefined;
}

/** GET a JSON document; any status but 200 is an AdminClientError with the server's message. */
export async function getJson(baseUrl: string, path: string): Promise<unknown> {
  const response = await adminRequest(baseUrl, path);
  if (response.status !== 200) {
    const message = errorMessage(response.body);
    throw new AdminClientError(
      `the admin server at ${baseUrl} answered ${response.status} to GET ${path}${message === undefined ? '' : `: ${message}`}`,
      response.status,
    );
  }
  if (typeof response.body === 'string') throw new AdminClientError(`the admin server at ${baseUrl} did not answer ${path} with JSON`, response.status);
  return response.body;
}

/** POST /drain or /undrain with the bearer token, the status codes mapped to what the operator should do. */
export async function postDrain(
  baseUrl: string,
  action: 'drain' | 'undrain',
  body: { target: string; reason?: string },
  token: string | undefined,
): Promise<unknown> {
  const response = await adminRequest(baseUrl, `/${action}`, { method: 'POST', body, ...(token === undefined ? {} : { token }) });
  if (response.status === 200) return response.body;
  const message = errorMessage(response.body);
  switch (response.status) {
    case 401:
      throw new AdminClientError(`the admin server refused the token (401): pass --token-file${token === undefined ? ' (no token was given)' : ''}`, 401);
    case 403:
      throw new AdminClientError('state-changing endpoints are disabled on this server: start it with --admin-token-file', 403);
    case 404:
      // A JSON error names the unknown target; plain text means the server has no such endpoint at all.
      if (typeof response.body === 'string')
        throw new AdminClientError(`the admin server at ${baseUrl} has no /${action} endpoint (404): is it an older meridian?`, 404);
      throw new AdminClientError(message ?? `${action}: not found (404)`, 404);
    default:
      throw new AdminClientError(
        `${action} failed: the admin server answered ${response.status}${message === undefined ? '' : `: ${message}`}`,
        response.status,
      );
  }
}
