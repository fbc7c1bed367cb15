// Runs the real `dig` (BIND 9, Debian's dnsutils) and `kdig` (Knot, knot-dnsutils) and parses what they print,
// so integration tests check the server the way operators do.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DigAnswer {
  readonly status: string;
  readonly flags: readonly string[];
  readonly question: readonly string[];
  readonly answer: readonly string[];
  readonly authority: readonly string[];
  readonly additional: readonly string[];
  /** The OPT pseudo-section line (`version: 0, flags: do; udp: 1232`), when present. */
  readonly edns: string | undefined;
  /** The EDNS Client Subnet option as printed, ADDRESS/SOURCE/SCOPE (`192.0.2.0/24/0`), when the reply has one. */
  readonly clientSubnet: string | undefined;
  /** Transport of the final answer as dig reports it ('UDP' or 'TCP'). */
  readonly transport: string | undefined;
  /** dig printed ";; Truncated, retrying in TCP mode." */
  readonly retriedOverTcp: boolean;
  readonly raw: string;
}

export interface DigOptions {
  readonly server: string;
  readonly port: number;
  readonly name: string;
  readonly type?: string;
  /** Extra dig options, e.g. '+tcp', '+noedns', '+bufsize=512', '+ignore'. */
  readonly options?: readonly string[];
}

function normalise(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

export function parseDig(raw: string): DigAnswer {
  const lines = raw.split('\n');
  const sections: Record<string, string[]> = { QUESTION: [], ANSWER: [], AUTHORITY: [], ADDITIONAL: [] };
  let current: string | undefined;
  let status = '';
  let flags: string[] = [];
  let edns: string | undefined;
  let clientSubnet: string | undefined;
  let transport: string | undefined;
  for (const line of lines) {
    const header = /->>HEADER<<- opcode: \w+[,;] status: (\w+)/.exec(line);
    if (header) status = header[1]!;
    const flagLine = /^;; [Ff]lags: ([^;]*);/.exec(line);
    if (flagLine) flags = flagLine[1].trim().split(/\s+/).filter(Boolean);
    const ednsLine = /^; EDNS: (.*)$/.exec(line);
    if (ednsLine) edns = ednsLine[1].trim();
    // dig: "; CLIENT-SUBNET: 192.0.2.0/24/0"; kdig: ";; CLIENT-SUBNET: 192.0.2.0/24/0".
    const subnetLine = /^;{1,2} CLIENT-SUBNET: (\S+)/.exec(line);
    if (subnetLine) clientSubnet = subnetLine[1];
    // dig: ";; SERVER: 127.0.0.1#53(127.0.0.1) (TCP)"; kdig: ";; From 127.0.0.1@53(TCP) in 0.1 ms".
    const server = /^;; SERVER: .*\((UDP|TCP)\)\s*$/.exec(line) ?? /^;; From \S+\((UDP|TCP)\)/.exec(line);
    if (server) transport = server[1];
    const section = /^;; (QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:/.exec(line);
    if (section) {
      current = section[1];
      continue;
    }
    if (line.trim() === '') {
      current = undefined;
      continue;
    }
    if (current !== undefined) sections[current].push(normalise(current === 'QUESTION' ? line.replace(/^;+\s*/, '') : line));
  }
  return {
    status,
    flags,
    question: sections.QUESTION,
    answer: sections.ANSWER,
    authority: sections.AUTHORITY,
    additional: sections.ADDITIONAL,
    edns,
    clientSubnet,
    transport,
    retriedOverTcp: raw.includes('Truncated, retrying in TCP mode'),
    raw,
  };
}

export async function dig(options: DigOptions): Promise<DigAnswer> {
  const args = [
    `@${options.server}`,
    '-p',
    String(options.port),
    options.name,
    options.type ?? 'A',
    '+norec',
    '+time=2',
    '+tries=1',
    ...(options.options ?? []),
  ];
  const { stdout } = await run('dig', args, { timeout: 15_000 });
  return parseDig(stdout);
}

export async function kdig(options: DigOptions): Promise<DigAnswer> {
  const args = [
    `@${options.server}`,
    '-p',
    String(options.port),
    options.name,
    options.type ?? 'A',
    '+norec',
    '+time=2',
    '+retry=0',
    ...(options.options ?? []),
  ];
  const { stdout } = await run('kdig', args, { timeout: 15_000 });
  return parseDig(stdout);
}
