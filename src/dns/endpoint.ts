import { isIP } from 'node:net';
import { Errors } from '../base/errors.js';

export interface ListenEndpoint {
  readonly host: string;
  readonly port: number;
}

/** "127.0.0.1:5353" or "[::1]:5353" → { host, port }. Port 0 asks the system for a free port. */
export function parseListenEndpoint(value: string): ListenEndpoint {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || isIP(host) === 0 || !Number.isInteger(port) || port > 65535) {
    throw Errors.badListenAddress([value]);
  }
  return { host, port };
}

export function formatEndpoint(endpoint: ListenEndpoint): string {
  return isIP(endpoint.host) === 6 ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}
