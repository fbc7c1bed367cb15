// Ports of the health subsystem: what a probe is asked to do and what it reports (the clock is base/clock.ts).
// The core (state machine, scheduler, monitor) depends only on these; adapters implement them with sockets
// and real timers, tests with fakes.

import { createHash } from 'node:crypto';
import type { ProbeProtocol, TlsConfig } from '../zone/model.js';

/** One probe of one address, fully specified. Two records that ask for the same spec share one probe. */
export interface ProbeSpec {
  /** Identity for sharing: equal keys mean interchangeable probes (see probeKey). */
  readonly key: string;
  readonly protocol: Exclude<ProbeProtocol, 'none'>;
  readonly address: string;
  readonly port: number;
  /** Host header and TLS SNI (http/https). */
  readonly host: string;
  readonly path: string;
  /** Budget for the whole probe: connect, TLS handshake, request and body. */
  readonly timeoutMs: number;
  /** Inclusive status ranges that count as success. */
  readonly expect: ReadonlyArray<readonly [number, number]>;
  /** A substring the response body must contain. */
  readonly body?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls: TlsConfig;
}

/** Why a probe failed, as a stable label for metrics and the status page. */
export type ProbeFailure = 'refused' | 'reset' | 'timeout' | 'status' | 'body' | 'tls' | 'unreachable' | 'error';

export interface ProbeResult {
  readonly ok: boolean;
  readonly durationMs: number;
  /** Present when ok is false. */
  readonly failure?: ProbeFailure;
  /** Human-readable: "connection refused", "timeout after 1000 ms", "status 503", "body does not contain \"ok\"". */
  readonly reason: string;
  /** HTTP status, when a response arrived. */
  readonly status?: number;
}

/** Runs one probe. Never rejects: every failure is a ProbeResult with ok false. */
export interface Prober {
  probe(spec: ProbeSpec): Promise<ProbeResult>;
}

/**
 * The identity of a probe: every field that can change its outcome, and nothing else. The address is kept
 * readable; everything else (which may include a CA bundle) is folded into a short fingerprint, so the key
 * costs tens of bytes per address rather than kilobytes.
 */
export function probeKey(spec: Omit<ProbeSpec, 'key'>): string {
  return `${checkFingerprint(spec)} ${spec.address}`;
}

/** The fingerprint of every probe field except the address: equal for all the addresses one check probes. */
export function checkFingerprint(spec: Omit<ProbeSpec, 'key' | 'address'>): string {
  const fields = JSON.stringify([
    spec.protocol,
    spec.port,
    spec.host,
    spec.path,
    spec.timeoutMs,
    spec.expect,
    spec.body ?? null,
    Object.entries(spec.headers).sort(([a], [b]) => a.localeCompare(b)),
    spec.tls.insecureSkipVerify,
    spec.tls.caPem ?? null,
  ]);
  return createHash('sha256').update(fields).digest('base64url').slice(0, 22);
}
