// The DNS servers under test, each started in the foreground as a child process pinned to CPU 0, serving the
// same two names with the same health checks against the same two local ingresses:
//
//   app.bench.test  weighted 3:1 over 127.0.0.61 / 127.0.0.62
//   web.bench.test  failover: 127.0.0.61, else 127.0.0.62
//   both probed with GET http://<ingress>:<port>/healthz, Host: health.bench.test
//
// - Meridian: `meridian serve` (bin/meridian.js), interval 1s, timeout 1s, rise 1, fall 1.
// - gdnsd 3.8: plugin_weighted + plugin_simplefo, service type http_status with interval 2 (gdnsd's minimum),
//   timeout 1, up/ok/down_thresh 1.
// - PowerDNS 4.7: bind backend, LUA records calling ifurlup(), lua-health-checks-interval=1, timeout 1.
// - The ceiling: ceiling-server.ts, one precomputed answer.
//
// Every process is spawned in its own process group and tracked, so a crash or Ctrl-C of the benchmark still
// kills them (see killAllChildren).

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dnsClient } from '../helpers/dns-client.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MERIDIAN_BIN = path.join(REPO_ROOT, 'bin/meridian.js');
const CEILING_JS = fileURLToPath(new URL('./ceiling-server.js', import.meta.url));

export const ZONE = 'bench.test';
export const WEIGHTED_NAME = `app.${ZONE}`;
export const FAILOVER_NAME = `web.${ZONE}`;
export const HEALTH_HOST = `health.${ZONE}`;
export const PRIMARY = '127.0.0.61';
export const SECONDARY = '127.0.0.62';
/** Answer TTL everywhere (gdnsd refuses a dynamic TTL under 5 s by default; none of the servers cache answers). */
export const TTL = 30;
/** Every server listens on its own loopback address, on this port. */
export const DNS_PORT = 15353;
/** The core the servers are pinned to; dnsperf gets the other one. */
export const SERVER_CPU = '0';

export type ServerKind = 'ceiling' | 'meridian' | 'gdnsd' | 'pdns';

export interface BenchServer {
  readonly kind: ServerKind;
  /** Row label, e.g. "meridian" or "meridian --workers 2". */
  readonly label: string;
  readonly host: string;
  readonly port: number;
  /** The server's process (taskset execs it), for its CPU time; undefined if the spawn failed. */
  readonly pid: number | undefined;
  /** How it is configured, for the report. */
  readonly settings: string;
  /** Everything it printed (last 64 KiB), for error messages. */
  output(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

/** Health-check settings, one per server kind, as written into each configuration. */
export const CHECK_SETTINGS: Record<Exclude<ServerKind, 'ceiling'>, string> = {
  meridian: 'interval 1s, timeout 1s, rise 1, fall 1',
  gdnsd: 'interval 2s (minimum), timeout 1s, up/ok/down_thresh 1',
  pdns: 'lua-health-checks-interval 1s, timeout 1s, first failure is down',
};

// ---------------------------------------------------------------------------------------------------------------
// Child processes

const children = new Set<ChildProcess>();
/** Configuration directories of servers not stopped yet. */
const tempDirs = new Set<string>();

/**
 * SIGKILLs every process group still running and removes their configuration directories. Synchronous, so it
 * also works from an 'exit' handler after Ctrl-C.
 */
export function killAllChildren(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** A fresh configuration directory, removed by the returned function (or by killAllChildren). */
export async function configDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return {
    dir,
    cleanup: async () => {
      tempDirs.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Spawned {
  readonly child: ChildProcess;
  output(): string;
  alive(): boolean;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `command` pinned to `cpu` (a taskset list, SERVER_CPU unless given), in a process group of its own, capturing its output. */
function spawnPinned(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env, cpu = SERVER_CPU): Spawned {
  const child = spawn('taskset', ['-c', cpu, command, ...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 65_536) output = output.slice(-65_536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      children.delete(child);
      resolve();
    }),
  );
  child.once('error', (error) => keep(Buffer.from(`spawn error: ${error.message}\n`)));
  return {
    child,
    output: () => output,
    alive: () => !exited,
    async stop(graceMs = 5_000) {
      if (exited || child.pid === undefined) return;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, name);
        } catch {
          // gone between the check and the kill
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the server answers the failover name with `expect` (the primary, when the ingresses are up).
 * Throws with the server's output if it exits or does not get there within `deadlineMs`.
 */
async function waitForAnswer(spawned: Spawned, host: string, port: number, expect: string, name: string, deadlineMs: number): Promise<void> {
  const dns = await dnsClient({ host, port });
  const started = performance.now();
  let last = '(no answer)';
  try {
    while (performance.now() - started < deadlineMs) {
      if (!spawned.alive()) throw new Error(`${name} exited during start-up:\n${spawned.output()}`);
      try {
        last = await dns.addresses(FAILOVER_NAME, 1);
        if (last === expect) return;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(100);
    }
  } finally {
    dns.close();
  }
  await spawned.stop();
  throw new Error(`${name} did not answer ${FAILOVER_NAME} with ${expect} within ${deadlineMs} ms (last: ${last}):\n${spawned.output()}`);
}

/**
 * Fails if something already holds host:port over UDP. gdnsd and Meridian's workers bind with SO_REUSEPORT, so a
 * stray server from an earlier run would not make them fail: it would silently take a share of the queries.
 * A bind without SO_REUSEPORT fails on any port already taken.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    });
  } catch (error) {
    throw new Error(
      `${host}:${port}/udp is already in use (${(error as NodeJS.ErrnoException).code}): a server left over from an earlier run? Stop it first.`,
      {
        cause: error,
      },
    );
  } finally {
    socket.close();
  }
}

function server(kind: ServerKind, label: string, host: string, settings: string, spawned: Spawned, cleanup: () => Promise<void>): BenchServer {
  return {
    kind,
    label,
    host,
    port: DNS_PORT,
    pid: spawned.child.pid,
    settings,
    output: () => spawned.output(),
    alive: () => spawned.alive(),
    async stop() {
      try {
        await spawned.stop();
      } finally {
        await cleanup();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The servers

export interface StartOptions {
  /** The port both ingresses listen on. */
  readonly ingressPort: number;
  readonly host: string;
  readonly startTimeoutMs?: number;
}

/** The Node ceiling: answers every query with one precomputed A record (the primary). */
export async function startCeiling(options: { host: string }): Promise<BenchServer> {
  await assertPortFree(options.host, DNS_PORT);
  const spawned = spawnPinned(process.execPath, [CEILING_JS, '--listen', `${options.host}:${DNS_PORT}`, '--address', PRIMARY, '--ttl', String(TTL)], REPO_ROOT);
  await waitForAnswer(spawned, options.host, DNS_PORT, PRIMARY, 'ceiling server', 10_000);
  return server('ceiling', 'node:dgram ceiling', options.host, 'one precomputed answer, ID patched, question echoed', spawned, async () => {});
}

/** The health check of every Meridian record here, in zone-file YAML (CHECK_SETTINGS.meridian). */
export function meridianCheck(ingressPort: number): string {
  return `{ protocol: http, port: ${ingressPort}, path: /healthz, host: ${HEALTH_HOST}, interval: 1s, timeout: 1s, fastInterval: 1s, rise: 1, fall: 1 }`;
}

/**
 * The benchmark zone: the checked weighted `app` and failover `web`. A section can add top-level keys before
 * `records:` (`head`, e.g. a geo client map) and records after these two (`records`, indented as records are).
 */
export function meridianZone(options: { ingressPort: number; host: string; head?: string; records?: string }): string {
  const check = meridianCheck(options.ingressPort);
  return `zone: ${ZONE}
ttl: ${TTL}
soa: { rname: hostmaster.${ZONE}, minimum: 5 }
nameservers: { ns1.${ZONE}: [${options.host}] }
${options.head ?? ''}records:
  app:
    policy: weighted
    check: ${check}
    targets: [ { address: ${PRIMARY}, weight: 3 }, { address: ${SECONDARY}, weight: 1 } ]
  web:
    policy: failover
    check: ${check}
    targets: [ { address: ${PRIMARY} }, { address: ${SECONDARY} } ]
${options.records ?? ''}`;
}

export class WorkersUnsupported extends Error {}

/** NODE_OPTIONS as deploy/Dockerfile sets it (the one place the production V8 settings are written down). */
export function imageNodeOptions(): string {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8');
  return /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile)?.[1] ?? '';
}

export interface MeridianStartOptions extends StartOptions {
  readonly workers?: number;
  /** The zone file's text (default: meridianZone()). */
  readonly zone?: string;
  /** The admin server's addr:port (default: --no-admin). */
  readonly admin?: string;
  /** More `serve` flags (the peer group's). */
  readonly extraArgs?: readonly string[];
  /** A taskset CPU list (default SERVER_CPU). */
  readonly cpu?: string;
  /** Row label (default "meridian", or "meridian --workers N"). */
  readonly label?: string;
}

/**
 * `meridian serve` as an operator runs it (with the container image's Node options), logging only warnings
 * (per-query work only). With `workers`, passes
 * `--workers N`; throws WorkersUnsupported if this Meridian rejects the flag.
 */
export async function startMeridian(options: MeridianStartOptions): Promise<BenchServer> {
  await assertPortFree(options.host, DNS_PORT);
  const { dir, cleanup } = await configDir('meridian-bench-');
  try {
    await writeFile(path.join(dir, `${ZONE}.yaml`), options.zone ?? meridianZone(options));
    const workerArgs = options.workers === undefined ? [] : ['--workers', String(options.workers)];
    const adminArgs = options.admin === undefined ? ['--no-admin'] : ['--admin', options.admin];
    const spawned = spawnPinned(
      process.execPath,
      [
        MERIDIAN_BIN,
        'serve',
        '--zones',
        dir,
        '--listen',
        `${options.host}:${DNS_PORT}`,
        ...adminArgs,
        '--log-level',
        'warn',
        ...workerArgs,
        ...(options.extraArgs ?? []),
      ],
      REPO_ROOT,
      { ...process.env, NODE_OPTIONS: imageNodeOptions() },
      options.cpu,
    );
    try {
      await waitForAnswer(spawned, options.host, DNS_PORT, PRIMARY, 'meridian', options.startTimeoutMs ?? 20_000);
    } catch (error) {
      if (options.workers !== undefined && /unknown option|workers/i.test(spawned.output()) && !spawned.alive()) {
        throw new WorkersUnsupported(`meridian rejected --workers ${options.workers}: ${spawned.output().trim().split('\n')[0]}`);
      }
      throw error;
    }
    const label = options.label ?? (options.workers === undefined ? 'meridian' : `meridian --workers ${options.workers}`);
    return server(
      'meridian',
      label,
      options.host,
      `${CHECK_SETTINGS.meridian}${options.workers === undefined ? '' : `, --workers ${options.workers}`}`,
      spawned,
      cleanup,
    );
  } catch (error) {
    await cleanup();
    throw error;
  }
}

export function gdnsdConfig(options: { ingressPort: number; host: string; dir: string }): { config: string; zone: string } {
  const config = `options => {
  listen => [ ${options.host}:${DNS_PORT} ]
  run_dir => ${options.dir}/run
  state_dir => ${options.dir}/state
}
service_types => {
  bench_http => {
    plugin => http_status
    port => ${options.ingressPort}
    url_path => /healthz
    vhost => ${HEALTH_HOST}
    ok_codes => [ 200 ]
    # the tightest gdnsd allows: interval >= 2, timeout < interval; one result flips the state
    interval => 2
    timeout => 1
    up_thresh => 1
    ok_thresh => 1
    down_thresh => 1
  }
}
plugins => {
  weighted => {
    app => {
      service_types => bench_http
      # default 0.5 of the summed weight would fail open as soon as the weight-3 target is down;
      # Meridian fails open only when no target is up
      up_thresh => 0.01
      primary => [ ${PRIMARY}, 3 ]
      secondary => [ ${SECONDARY}, 1 ]
    }
  }
  # simplefo, not multifo: multifo answers every address that is up (all-active), simplefo answers the primary
  # alone while it is up, which is what a Meridian failover record does
  simplefo => {
    web => {
      service_types => bench_http
      primary => ${PRIMARY}
      secondary => ${SECONDARY}
    }
  }
}
`;
  const zone = `$TTL ${TTL}
@ SOA ns1 hostmaster ( 1 3600 600 86400 5 )
@ NS ns1
ns1 A ${options.host}
app ${TTL} DYNA weighted!app
web ${TTL} DYNA simplefo!web
`;
  return { config, zone };
}

/** gdnsd in the foreground (`start`), with a configuration directory of its own. */
export async function startGdnsd(options: StartOptions): Promise<BenchServer> {
  await assertPortFree(options.host, DNS_PORT);
  const { dir, cleanup } = await configDir('meridian-bench-gdnsd-');
  try {
    const { config, zone } = gdnsdConfig({ ...options, dir });
    await mkdir(path.join(dir, 'zones'));
    await writeFile(path.join(dir, 'config'), config);
    await writeFile(path.join(dir, 'zones', ZONE), zone);
    const spawned = spawnPinned('gdnsd', ['-c', dir, 'start'], dir);
    await waitForAnswer(spawned, options.host, DNS_PORT, PRIMARY, 'gdnsd', options.startTimeoutMs ?? 20_000);
    return server('gdnsd', 'gdnsd', options.host, CHECK_SETTINGS.gdnsd, spawned, cleanup);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

export function pdnsConfig(options: { ingressPort: number; host: string; dir: string }): { config: string; named: string; zone: string } {
  const url = `http://${HEALTH_HOST}:${options.ingressPort}/healthz`;
  // ifurlup() checks each address with the URL's host name mapped to it, so the Host header is HEALTH_HOST.
  // Options are strings; timeout is whole seconds. Weighted: 4.7 has no weighted selector for ifurlup, so
  // the primary is listed three times and the default selector picks one up address at random (3:1).
  // Failover: a list of sets; the first set with an up address answers.
  const opts = "{timeout='1'}";
  const config = [
    'launch=bind',
    `bind-config=${options.dir}/named.conf`,
    'bind-check-interval=0',
    `local-address=${options.host}`,
    `local-port=${DNS_PORT}`,
    `socket-dir=${options.dir}`,
    'guardian=no',
    'daemon=no',
    'disable-syslog=yes',
    'write-pid=no',
    'webserver=no',
    'api=no',
    'security-poll-suffix=',
    'enable-lua-records=yes',
    // Every LUA health check runs once per interval (default 5 s); 1 s is the minimum.
    'lua-health-checks-interval=1',
    '',
  ].join('\n');
  const named = `zone "${ZONE}" { type master; file "${options.dir}/${ZONE}.zone"; };\n`;
  const zone = `$TTL ${TTL}
@ IN SOA ns1.${ZONE}. hostmaster.${ZONE}. ( 1 3600 600 86400 5 )
@ IN NS ns1.${ZONE}.
ns1 IN A ${options.host}
app IN LUA A "ifurlup('${url}', {{'${PRIMARY}','${PRIMARY}','${PRIMARY}','${SECONDARY}'}}, ${opts})"
web IN LUA A "ifurlup('${url}', {{'${PRIMARY}'},{'${SECONDARY}'}}, ${opts})"
`;
  return { config, named, zone };
}

/** pdns_server in the foreground with its own configuration directory (no guardian, no syslog, no setuid). */
export async function startPdns(options: StartOptions): Promise<BenchServer> {
  await assertPortFree(options.host, DNS_PORT);
  const { dir, cleanup } = await configDir('meridian-bench-pdns-');
  try {
    const { config, named, zone } = pdnsConfig({ ...options, dir });
    await writeFile(path.join(dir, 'pdns.conf'), config);
    await writeFile(path.join(dir, 'named.conf'), named);
    await writeFile(path.join(dir, `${ZONE}.zone`), zone);
    const spawned = spawnPinned('pdns_server', [`--config-dir=${dir}`], dir);
    // The first ifurlup() call registers the checks and answers as if every address were down (a random one);
    // the primary appears once the first checks have run.
    await waitForAnswer(spawned, options.host, DNS_PORT, PRIMARY, 'pdns_server', options.startTimeoutMs ?? 20_000);
    return server('pdns', 'powerdns', options.host, CHECK_SETTINGS.pdns, spawned, cleanup);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

export interface AnswerSample {
  readonly queries: number;
  /** Share of weighted answers that were the primary (3:1 configured: about 0.75). */
  readonly weightedPrimaryShare: number;
  /** Distinct answers to the failover name (the primary alone while both ingresses are up). */
  readonly failoverAnswers: readonly string[];
}

/**
 * Asks both names `queries` times: a check that the servers really were configured alike (the weighted record
 * splits 3:1, the failover record answers the primary), recorded next to their numbers.
 */
export async function sampleAnswers(server: { host: string; port: number }, queries = 400): Promise<AnswerSample> {
  const dns = await dnsClient(server);
  try {
    let primary = 0;
    const failover = new Set<string>();
    for (let i = 0; i < queries; i++) {
      if ((await dns.addresses(WEIGHTED_NAME, 1)) === PRIMARY) primary += 1;
      failover.add(await dns.addresses(FAILOVER_NAME, 1));
    }
    return { queries, weightedPrimaryShare: primary / queries, failoverAnswers: [...failover].sort() };
  } finally {
    dns.close();
  }
}
