// Real DNS software from Debian, started in the foreground for tests: Knot (knotd) as the parent zone's
// authoritative server, and Unbound as the recursive resolver that follows the delegation to Meridian.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { kdig } from './dig.js';

const run = promisify(execFile);

export interface Daemon {
  readonly child: ChildProcess;
  readonly dir: string;
  /** Everything the daemon printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

async function startDaemon(command: string, args: string[], dir: string, ready: () => Promise<boolean>, deadlineMs = 15_000): Promise<Daemon> {
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const daemon: Daemon = {
    child,
    dir,
    output: () => output,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await exit;
      await rm(dir, { recursive: true, force: true });
    },
  };
  const started = performance.now();
  for (;;) {
    if (exited) throw new Error(`${command} exited at start:\n${output}`);
    if (await ready().catch(() => false)) return daemon;
    if (performance.now() - started > deadlineMs) {
      await daemon.stop();
      throw new Error(`${command} did not become ready within ${deadlineMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A name server answers this query authoritatively. */
async function answers(server: string, port: number, name: string, type: string): Promise<boolean> {
  const result = await kdig({ server, port, name, type, options: ['+time=1'] });
  return result.status === 'NOERROR';
}

/** knotd serving `zones` (origin → zone file text) on address@port. */
export async function startKnot(address: string, port: number, zones: Readonly<Record<string, string>>): Promise<Daemon> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-knot-'));
  for (const [origin, text] of Object.entries(zones)) await writeFile(path.join(dir, `${origin}.zone`), text);
  const config = [
    'server:',
    `    rundir: "${dir}"`,
    `    listen: ${address}@${port}`,
    'database:',
    `    storage: "${dir}/db"`,
    'log:',
    '  - target: stderr',
    '    any: notice',
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    '    file: "%s.zone"',
    'zone:',
    ...Object.keys(zones).map((origin) => `  - domain: ${origin}`),
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'knot.conf'), config);
  const [firstZone] = Object.keys(zones);
  return startDaemon('knotd', ['-c', path.join(dir, 'knot.conf')], dir, () => answers(address, port, firstZone, 'SOA'));
}

export interface UnboundOptions {
  readonly address: string;
  readonly port: number;
  readonly controlPort: number;
  /** Zones to resolve through the given authoritative servers (the "root" of the test world). */
  readonly stubs: ReadonlyArray<{ readonly name: string; readonly addresses: readonly string[] }>;
  /**
   * Run the `subnetcache` module (EDNS Client Subnet, RFC 7871): Unbound sends each client's network, cut to
   * `maxIpv4` bits (default 24), to the authorities at `sendTo`, and caches their answers per the scope they return.
   */
  readonly clientSubnet?: { readonly sendTo: readonly string[]; readonly maxIpv4?: number };
  /**
   * Validate (the `validator` module) with these trust anchors, DS or DNSKEY records in presentation format
   * (`zone. IN DS 12345 13 2 ABCD...`): answers below them must be signed, and come back with AD=1 when they are.
   */
  readonly trustAnchors?: readonly string[];
}

export interface Unbound extends Daemon {
  /** unbound-control with this instance's configuration. */
  control(...args: string[]): Promise<string>;
}

/** Unbound as a recursive resolver whose only knowledge is the stub zones: delegations are followed for real. */
export async function startUnbound(options: UnboundOptions): Promise<Unbound> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-unbound-'));
  const configPath = path.join(dir, 'unbound.conf');
  const config = [
    'server:',
    `    interface: ${options.address}`,
    `    port: ${options.port}`,
    '    do-daemonize: no',
    '    username: ""',
    '    chroot: ""',
    `    directory: "${dir}"`,
    `    pidfile: "${dir}/unbound.pid"`,
    '    use-syslog: no',
    '    logfile: ""',
    '    verbosity: 1',
    '    access-control: 127.0.0.0/8 allow',
    // The test world lives on loopback; by default Unbound refuses to send queries there.
    '    do-not-query-localhost: no',
    // No DNSSEC in the test world unless anchors are given, and no caching tricks that would blur what is being tested.
    `    module-config: "${options.clientSubnet === undefined ? '' : 'subnetcache '}${options.trustAnchors === undefined ? '' : 'validator '}iterator"`,
    ...(options.trustAnchors ?? []).map((anchor) => `    trust-anchor: "${anchor}"`),
    // Why an answer is bogus, in Unbound's output, for a test that fails.
    ...(options.trustAnchors === undefined ? [] : ['    val-log-level: 2']),
    ...(options.clientSubnet === undefined
      ? []
      : [
          ...options.clientSubnet.sendTo.map((address) => `    send-client-subnet: ${address}`),
          `    max-client-subnet-ipv4: ${options.clientSubnet.maxIpv4 ?? 24}`,
          // The subnet counters (num.query.subnet, num.query.subnet_cache) are among the extended statistics.
          '    extended-statistics: yes',
        ]),
    '    prefetch: no',
    '    serve-expired: no',
    '    cache-min-ttl: 0',
    '    minimal-responses: yes',
    '    num-threads: 1',
    // Unbound answers the special-use names of RFC 6761 (test., invalid., ...) itself, with NXDOMAIN, unless told
    // not to: the test world lives under test.
    ...[...new Set(options.stubs.map((stub) => stub.name.split('.').at(-1)!))].map((tld) => `    local-zone: "${tld}." nodefault`),
    ...options.stubs.flatMap((stub) => ['stub-zone:', `    name: "${stub.name}"`, ...stub.addresses.map((a) => `    stub-addr: ${a}`)]),
    'remote-control:',
    '    control-enable: yes',
    '    control-use-cert: no',
    `    control-interface: ${options.address}`,
    `    control-port: ${options.controlPort}`,
    '',
  ].join('\n');
  await writeFile(configPath, config);
  await run('unbound-checkconf', [configPath]);
  const control = async (...args: string[]) => (await run('unbound-control', ['-c', configPath, ...args], { timeout: 10_000 })).stdout;
  const daemon = await startDaemon('unbound', ['-d', '-c', configPath], dir, async () => (await control('status')).includes('is running'));
  return { ...daemon, control };
}

/** The modules this Unbound build links (`unbound -V`, "Linked modules:"); empty when unbound is not installed. */
export async function unboundModules(): Promise<readonly string[]> {
  const version = await run('unbound', ['-V']).then(
    (result) => result.stdout,
    () => '',
  );
  return /^Linked modules: (.*)$/m.exec(version)?.[1].split(' ') ?? [];
}
