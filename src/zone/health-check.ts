// The health check of a balanced record: which keys each protocol takes, durations and their bounds, expected
// statuses, headers, the Host, and TLS with its CA file; with every default filled in.

import { DEFAULTS } from './defaults.js';
import { formatDuration, parseDuration } from './duration.js';
import { readCaFile } from './ca-files.js';
import { labelFor, report, type CheckContext } from './check-context.js';
import { childPointer } from './json-pointer.js';
import type { CheckConfig, ProbeProtocol, TlsConfig } from './model.js';
import { has, isInteger, isPlainMap } from './plain-data.js';
import { STATUS_RANGE_PATTERN } from './schema.js';
import { canonicalAddress } from './value-checks.js';
import { nameProblem, normaliseName } from '../base/names.js';

/** Longest probe interval or timeout we accept; far below the ~24.8 days where Node timers overflow. */
const MAX_CHECK_DURATION_MS = 24 * 3_600_000;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HTTP_ONLY_CHECK_KEYS = ['path', 'host', 'expect', 'body', 'headers', 'tls'] as const;

/** The check at `pointer` of the record `recordName`, normalised; undefined when any part of it is wrong. */
export function checkHealthCheck(ctx: CheckContext, pointer: string, value: unknown, recordName: string): CheckConfig | undefined {
  if (!isPlainMap(value)) return undefined;
  const label = labelFor(ctx.root, pointer);
  const protocols: readonly string[] = ['http', 'https', 'tcp', 'none'];
  const protocol = protocols.includes(value.protocol as string) ? (value.protocol as ProbeProtocol) : undefined;
  const keyAt = (key: string) => childPointer(pointer, key);
  const before = ctx.issues.length;

  if (protocol === 'none') {
    for (const key of Object.keys(value).filter((key) => key !== 'protocol')) {
      report(ctx, keyAt(key), 'key', `'${key}' has no meaning when protocol is none`);
    }
  } else if (protocol === 'tcp') {
    for (const key of HTTP_ONLY_CHECK_KEYS.filter((key) => has(value, key))) {
      report(ctx, keyAt(key), 'key', `'${key}' applies only to ${key === 'tls' ? 'https' : 'http and https'} checks`);
    }
    if (!has(value, 'port')) report(ctx, pointer, 'value', `missing required key 'port' in ${label} (a tcp check has no default port)`);
  } else if (protocol === 'http' && has(value, 'tls')) {
    report(ctx, keyAt('tls'), 'key', "'tls' applies only to https checks");
  }

  // undefined: present but not a duration, which the schema has reported.
  const duration = (key: 'interval' | 'timeout' | 'fastInterval', fallback: number): number | undefined => {
    if (!has(value, key)) return fallback;
    const raw = value[key];
    const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
    if (ms === undefined) return undefined;
    if (ms === 0) report(ctx, keyAt(key), 'value', `${label}.${key} must be longer than 0`);
    else if (ms > MAX_CHECK_DURATION_MS) report(ctx, keyAt(key), 'value', `${label}.${key} must be at most 24h`);
    return ms;
  };
  const intervalMs = duration('interval', DEFAULTS.check.intervalMs);
  const timeoutMs = duration('timeout', DEFAULTS.check.timeoutMs);
  const fastIntervalMs = duration('fastInterval', DEFAULTS.check.fastIntervalMs);
  if (protocol !== 'none' && intervalMs !== undefined && timeoutMs !== undefined && intervalMs < timeoutMs) {
    const explicitInterval = has(value, 'interval');
    report(
      ctx,
      keyAt(explicitInterval ? 'interval' : 'timeout'),
      'value',
      `${label}.interval (${formatDuration(intervalMs)}${explicitInterval ? '' : ', the default'}) is shorter than ` +
        `${label}.timeout (${formatDuration(timeoutMs)})`,
    );
  }

  const expect = checkExpect(ctx, keyAt('expect'), value.expect);
  const headers = checkHeaders(ctx, keyAt('headers'), value.headers);
  const host = has(value, 'host') ? checkHost(ctx, keyAt('host'), value.host) : recordName;
  const tls = checkTls(ctx, keyAt('tls'), value.tls);

  const port = isInteger(value.port, 1, 65535)
    ? value.port
    : protocol === 'https'
      ? DEFAULTS.check.httpsPort
      : protocol === 'http'
        ? DEFAULTS.check.httpPort
        : 0;
  if (protocol === undefined || ctx.issues.length > before) return undefined;
  if (intervalMs === undefined || timeoutMs === undefined || fastIntervalMs === undefined) return undefined;
  const count = (key: 'rise' | 'fall') => (isInteger(value[key], 1, Number.MAX_SAFE_INTEGER) ? value[key] : DEFAULTS.check[key]);
  return {
    protocol,
    port,
    path: typeof value.path === 'string' ? value.path : DEFAULTS.check.path,
    host: host ?? recordName,
    intervalMs,
    timeoutMs,
    fastIntervalMs,
    rise: count('rise'),
    fall: count('fall'),
    expect: expect ?? DEFAULTS.check.expect,
    ...(typeof value.body === 'string' ? { body: value.body } : {}),
    headers: headers ?? {},
    tls: tls ?? { insecureSkipVerify: false },
  };
}

function checkExpect(ctx: CheckContext, pointer: string, value: unknown): Array<readonly [number, number]> | undefined {
  if (!Array.isArray(value)) return undefined;
  const ranges: Array<readonly [number, number]> = [];
  value.forEach((item, i) => {
    if (typeof item === 'number' && Number.isInteger(item)) {
      ranges.push([item, item]);
    } else if (typeof item === 'string' && new RegExp(STATUS_RANGE_PATTERN).test(item)) {
      const [low, high = low] = item.split('-').map(Number) as [number, number?];
      if (low > high) {
        report(ctx, childPointer(pointer, String(i)), 'value', `status range '${item}' runs backwards (write ${high}-${low})`);
      }
      ranges.push([low, high]);
    }
  });
  return ranges;
}

function checkHeaders(ctx: CheckContext, pointer: string, value: unknown): Record<string, string> | undefined {
  if (!isPlainMap(value)) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    const headerPointer = childPointer(pointer, name);
    if (!HEADER_NAME.test(name)) {
      report(ctx, headerPointer, 'key', `'${name}' is not a valid HTTP header name`);
    } else if (name.toLowerCase() === 'host') {
      report(ctx, headerPointer, 'key', 'set the Host header with check.host, not in headers');
    }
    if (typeof headerValue === 'string') {
      if (/[\r\n\0]/.test(headerValue)) report(ctx, headerPointer, 'value', `header '${name}' must not contain line breaks`);
      headers[name] = headerValue;
    }
  }
  return headers;
}

function checkHost(ctx: CheckContext, pointer: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const address = canonicalAddress(value);
  if (address !== undefined) return address.address;
  const name = normaliseName(value);
  const problem = nameProblem(name);
  if (problem === undefined) return name;
  report(ctx, pointer, 'value', `'${value}' is not a valid host name or address (${problem})`);
  return undefined;
}

function checkTls(ctx: CheckContext, pointer: string, value: unknown): TlsConfig | undefined {
  if (!isPlainMap(value)) return undefined;
  const insecureSkipVerify = value.insecureSkipVerify === true;
  if (typeof value.ca !== 'string' || value.ca === '') return { insecureSkipVerify };
  const read = readCaFile(ctx.file, value.ca, ctx.readFile);
  if ('problem' in read) {
    report(ctx, childPointer(pointer, 'ca'), 'value', read.problem);
    return undefined;
  }
  return { insecureSkipVerify, caPem: read.caPem, caFile: read.caFile };
}
