// The `meridian` command line. Thin: it parses flags, builds a logger and hands over to the composition root.

import { Command, InvalidArgumentError, Option } from 'commander';
import { startMeridian } from '../runtime/meridian.js';
import { AUTO_PER_ADDRESS_LIMIT, type ProbeMetricsSetting } from '../observability/target-metrics.js';
import { lowerV8HelperPriority, V8_HELPER_NICE } from '../base/thread-priority.js';
import { runDemo } from './demo.js';
import { registerOperatorCommands } from './operator.js';
import { registerDnssecCommands } from './dnssec.js';
import { discoverySettings } from '../discovery/kubernetes/registration.js';
import { parseDuration } from '../zone/duration.js';
import { parseListenEndpoint, type ListenEndpoint } from '../dns/endpoint.js';
import { MeridianError } from '../base/errors.js';
import { createJsonLogger } from '../observability/logger.js';
import { isLogLevel, LOG_LEVELS, silentLogger, type LogLevel } from '../base/logger.js';
import { DnssecKeyDirectory } from '../dnssec/key-store.js';
import type { DnssecKeysValidation } from '../zone/check-context.js';
import { loadZonePaths } from '../zone/load.js';
import { blockingIssues, formatZoneIssue, isWarning } from '../zone/model.js';
import { validateRrlConfig, type RrlConfig } from '../dns/rrl.js';
import { Errors } from '../base/errors.js';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DEFAULT_PEER_STALE_AFTER, peerGroupConfig, type PeerFlags } from './peer-flags.js';

const DEFAULT_LISTEN = '127.0.0.1:5353';
const DEFAULT_ADMIN = '127.0.0.1:9153';

function endpointArg(value: string): ListenEndpoint {
  try {
    return parseListenEndpoint(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function collectEndpoint(value: string, previous: ListenEndpoint[] | undefined): ListenEndpoint[] {
  return [...(previous ?? []), endpointArg(value)];
}

interface ServeFlags extends PeerFlags {
  geoipDb?: string;
  dnssecKeys?: string;
  zones: string;
  listen?: ListenEndpoint[];
  admin: ListenEndpoint | false;
  logLevel: string;
  cluster?: string[];
  inCluster?: string;
  namespace?: string;
  clusterSyncTimeout: number;
  workers: number;
  probeMetrics: string;
  adminTokenFile?: string;
  stateFile?: string;
  drainDelay: number;
  drainTimeout: number;
  rrl: boolean;
  rrlRate?: number;
  rrlNodataRate?: number;
  rrlNxdomainRate?: number;
  rrlErrorRate?: number;
  rrlWindow?: number;
  rrlSlip?: number;
  rrlIpv4Prefix?: number;
  rrlIpv6Prefix?: number;
  rrlExempt?: string[];
  rrlLogOnly?: boolean;
  strict?: boolean;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a whole number`);
  return n;
}

/** The admin token: the file's content without surrounding whitespace (a Kubernetes Secret mounted as a file). */
function readAdminToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw Errors.adminToken([file, (error as NodeJS.ErrnoException).code ?? (error as Error).message]);
  }
  if (token.length < 16) throw Errors.adminToken([file, 'the token must be at least 16 characters']);
  return token;
}

/** The --rrl-* flags as a limiter configuration, or undefined with --no-rrl. */
export function rrlSettings(
  flags: Pick<
    ServeFlags,
    | 'rrl'
    | 'rrlRate'
    | 'rrlNodataRate'
    | 'rrlNxdomainRate'
    | 'rrlErrorRate'
    | 'rrlWindow'
    | 'rrlSlip'
    | 'rrlIpv4Prefix'
    | 'rrlIpv6Prefix'
    | 'rrlExempt'
    | 'rrlLogOnly'
  >,
): RrlConfig | undefined {
  if (!flags.rrl) return undefined;
  const rate = flags.rrlRate;
  const exempt = flags.rrlExempt
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '' && v !== 'none');
  try {
    return validateRrlConfig({
      ...(rate === undefined ? {} : { responsesPerSecond: rate, nodataPerSecond: rate, nxdomainsPerSecond: rate, errorsPerSecond: rate }),
      ...(flags.rrlNodataRate === undefined ? {} : { nodataPerSecond: flags.rrlNodataRate }),
      ...(flags.rrlNxdomainRate === undefined ? {} : { nxdomainsPerSecond: flags.rrlNxdomainRate }),
      ...(flags.rrlErrorRate === undefined ? {} : { errorsPerSecond: flags.rrlErrorRate }),
      ...(flags.rrlWindow === undefined ? {} : { windowSeconds: flags.rrlWindow }),
      ...(flags.rrlSlip === undefined ? {} : { slip: flags.rrlSlip }),
      ...(flags.rrlIpv4Prefix === undefined ? {} : { ipv4PrefixLength: flags.rrlIpv4Prefix }),
      ...(flags.rrlIpv6Prefix === undefined ? {} : { ipv6PrefixLength: flags.rrlIpv6Prefix }),
      ...(exempt === undefined ? {} : { exempt }),
      ...(flags.rrlLogOnly ? { logOnly: true } : {}),
    });
  } catch (error) {
    if (error instanceof MeridianError) throw error;
    throw Errors.badRrlConfig([(error as Error).message]);
  }
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError(`'${value}' is not a whole number from 1 to 64`);
  return n;
}

function collectString(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError(`'${value}' is not a duration such as 30s or 2m`);
  return ms;
}

/** A duration flag whose default is written, and shown in --help, the way an operator writes it ("30s", not 30000). */
function durationOption(flags: string, description: string, defaultText: string): Option {
  return new Option(flags, description).argParser(durationArg).default(durationArg(defaultText), defaultText);
}

function fail(error: unknown): never {
  const message = error instanceof MeridianError ? `${error.code}: ${error.message}` : String((error as Error)?.stack ?? error);
  process.stderr.write(`meridian: ${message}\n`);
  process.exit(1);
}

export function buildProgram(): Command {
  const program = new Command('meridian')
    .description('Health-checking authoritative DNS server for multi-cluster Kubernetes (GSLB)')
    // The error and where to look: the whole help after a typo buries the one line that matters.
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('serve')
    .description('serve the zones in a directory over UDP and TCP')
    .option('--zones <dir>', 'directory of zone policy files', './zones')
    .option('--listen <addr:port>', `DNS listen address, repeatable (default ${DEFAULT_LISTEN})`, collectEndpoint)
    .addOption(
      new Option('--admin <addr:port>', 'admin HTTP address (/healthz, /readyz, /status, /metrics); loopback unless you choose otherwise')
        .argParser(endpointArg)
        .default(parseListenEndpoint(DEFAULT_ADMIN), DEFAULT_ADMIN),
    )
    .option('--no-admin', 'run without the admin HTTP server')
    .option('--state-file <path>', 'file where manual drains (meridian drain) are kept across restarts (also MERIDIAN_STATE_FILE)')
    .option('--admin-token-file <path>', 'file holding the bearer token that state-changing admin endpoints (POST) require; without it they are disabled')
    .option('--cluster <name=kubeconfig[#context]>', 'watch a Kubernetes cluster through a kubeconfig, repeatable (also MERIDIAN_CLUSTERS)', collectString)
    .option('--in-cluster <name>', 'watch the cluster Meridian runs in, through its service account (also MERIDIAN_IN_CLUSTER)')
    .option('--namespace <namespace>', 'watch one namespace only (also MERIDIAN_NAMESPACE)')
    .addOption(durationOption('--cluster-sync-timeout <duration>', '/readyz waits at most this long for every cluster to sync', '30s'))
    .addOption(
      new Option(
        '--probe-metrics <detail>',
        `label probe result and duration metrics per address, or per record; auto: per record above ${AUTO_PER_ADDRESS_LIMIT} probed addresses`,
      )
        .choices(['auto', 'address', 'record'])
        .default('auto'),
    )
    .addOption(durationOption('--drain-delay <duration>', 'on SIGTERM, keep answering this long after /readyz turns false, so traffic moves away first', '5s'))
    .addOption(durationOption('--drain-timeout <duration>', 'then give open TCP connections at most this long to finish', '10s'))
    .option('--no-rrl', 'turn off response rate limiting (on by default for UDP; see docs/reliability.md)')
    .option('--rrl-rate <n>', 'UDP responses per second per client prefix and response, for every kind (default 20; 0: no limit)', wholeNumber)
    .option('--rrl-nodata-rate <n>', 'NODATA responses per second per client prefix and name (default: --rrl-rate)', wholeNumber)
    .option('--rrl-nxdomain-rate <n>', 'NXDOMAIN responses per second per client prefix and zone (default: --rrl-rate)', wholeNumber)
    .option('--rrl-error-rate <n>', 'error responses (REFUSED, FORMERR, ...) per second per client prefix (default: --rrl-rate)', wholeNumber)
    .option('--rrl-window <seconds>', 'how long a flood is remembered (default 15)', wholeNumber)
    .option('--rrl-slip <n>', 'send every Nth limited response truncated (TC=1) instead of dropping it; 0 never (default 2)', wholeNumber)
    .option('--rrl-ipv4-prefix <bits>', 'IPv4 client prefix length (default 24)', wholeNumber)
    .option('--rrl-ipv6-prefix <bits>', 'IPv6 client prefix length (default 56)', wholeNumber)
    .option('--rrl-exempt <cidr>', 'never limit these clients, repeatable; replaces the default (loopback); "none" for none', collectString)
    .option('--rrl-log-only', 'count what would be limited, but send everything')
    .option(
      '--strict',
      'fail fast: any zone policy problem, warnings included, stops the start and rejects a reload whole (by default a failed file does not stop the other zones)',
    )
    .option('--workers <n>', 'DNS worker processes sharing the listen ports; probing and watching stay in one process', positiveInteger, 1)
    .option(
      '--geoip-db <file>',
      'GeoIP database (.mmdb, GeoIP2/GeoLite2 Country or City) for client rules by country or continent; reloaded when it changes (also MERIDIAN_GEOIP_DB)',
    )
    .option(
      '--dnssec-keys <dir>',
      'DNSSEC key directory (K<zone>.+NNN+NNNNN.key/.private, as meridian dnssec keygen or dnssec-keygen write them): zones with dnssec: are signed with its keys (also MERIDIAN_DNSSEC_KEYS)',
    )
    .option('--instance <name>', "this instance's name in its peer group, a DNS label (default: the host name; also MERIDIAN_INSTANCE)")
    .option('--peer <name=url>', 'another instance of the peer group, http:// or https://, repeatable; oneself is ignored (also MERIDIAN_PEERS)', collectString)
    .option('--peer-listen <addr:port>', "where this instance accepts its peers' connections (also MERIDIAN_PEER_LISTEN)")
    .option('--peer-token-file <path>', 'file holding the secret the peers share; required with --peer (also MERIDIAN_PEER_TOKEN_FILE)')
    .option('--peer-tls-cert <path>', 'serve the peer link over TLS with this certificate (also MERIDIAN_PEER_TLS_CERT)')
    .option('--peer-tls-key <path>', "the peer link certificate's key (also MERIDIAN_PEER_TLS_KEY)")
    .option('--peer-ca <path>', "verify https:// peers' certificates against this CA (also MERIDIAN_PEER_CA)")
    .option('--quorum <rule>', 'majority (down when more than half see it down), or N% (up when at least N% see it up); also MERIDIAN_QUORUM')
    .option('--peer-stale-after <duration>', `a peer silent this long no longer votes (default ${DEFAULT_PEER_STALE_AFTER}; also MERIDIAN_PEER_STALE_AFTER)`)
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .action(async (flags: ServeFlags) => {
      const level: LogLevel = isLogLevel(flags.logLevel) ? flags.logLevel : 'info';
      const logger = createJsonLogger({ level });
      try {
        // Installed before anything starts: SIGHUP's default action is to end the process, and a reload asked for
        // while starting is moot (the zones are being read right now).
        let running: { reload(reason: string): Promise<unknown> } | undefined;
        process.on('SIGHUP', () => {
          if (running === undefined) logger.info('SIGHUP while starting: the zones are being loaded now');
          // A failed reload is logged and counted by reload() itself; an unhandled rejection would end the process.
          else void running.reload('SIGHUP').catch(() => {});
        });
        const helpers = lowerV8HelperPriority(V8_HELPER_NICE);
        logger.debug('V8 helper threads below the query thread', { threads: helpers, nice: V8_HELPER_NICE });
        const discovery = discoverySettings(flags, process.env);
        const rrl = rrlSettings(flags);
        const adminToken = flags.adminTokenFile === undefined ? undefined : readAdminToken(flags.adminTokenFile);
        const peerGroup = peerGroupConfig(flags, process.env, hostname(), (file) => readFileSync(file, 'utf8'));
        const meridian = await startMeridian({
          zonesDir: flags.zones,
          listen: flags.listen ?? [parseListenEndpoint(DEFAULT_LISTEN)],
          ...(flags.admin === false ? {} : { admin: flags.admin }),
          logger,
          clusters: discovery.clusters,
          ...(discovery.namespace === undefined ? {} : { namespace: discovery.namespace }),
          clusterSyncTimeoutMs: flags.clusterSyncTimeout,
          workers: flags.workers,
          probeMetrics: flags.probeMetrics as ProbeMetricsSetting,
          ...(rrl === undefined ? {} : { rrl }),
          ...(adminToken === undefined ? {} : { adminToken }),
          ...(peerGroup === undefined ? {} : { peerGroup }),
          ...((flags.geoipDb ?? process.env.MERIDIAN_GEOIP_DB) ? { geoipDb: flags.geoipDb ?? process.env.MERIDIAN_GEOIP_DB! } : {}),
          ...((flags.dnssecKeys ?? process.env.MERIDIAN_DNSSEC_KEYS) ? { dnssecKeys: flags.dnssecKeys ?? process.env.MERIDIAN_DNSSEC_KEYS! } : {}),
          ...((flags.stateFile ?? process.env.MERIDIAN_STATE_FILE) ? { stateFile: flags.stateFile ?? process.env.MERIDIAN_STATE_FILE! } : {}),
          workerLogLevel: level,
          strict: flags.strict === true,
        });
        running = meridian;
        let stopping = false;
        const stop = (signal: string, graceful: boolean) => {
          if (stopping) {
            // A second signal: stop waiting.
            logger.warn('second signal; exiting now', { signal });
            process.exit(1);
          }
          stopping = true;
          logger.info('stopping', { signal, graceful });
          // Whatever happens, the process is gone within the drain budget (plus a margin).
          setTimeout(
            () => {
              logger.error('drain did not finish in time; exiting');
              process.exit(1);
            },
            flags.drainDelay + flags.drainTimeout + 5_000,
          ).unref();
          const done = graceful ? meridian.drain({ delayMs: flags.drainDelay, timeoutMs: flags.drainTimeout }) : meridian.stop();
          void done.then(() => {
            logger.info('stopped', { signal });
            process.exit(0);
          });
        };
        // SIGTERM is how Kubernetes (and systemd, and docker stop) ask a server to go: drain. Ctrl-C stops at once.
        process.on('SIGTERM', () => stop('SIGTERM', true));
        process.on('SIGINT', () => stop('SIGINT', false));
      } catch (error) {
        fail(error);
      }
    });

  program
    .command('demo')
    .description('run two local cluster ingresses (127.0.0.11, 127.0.0.12) and serve the example zone against them')
    .option('--zones <dir>', 'directory of zone policy files', './zones')
    .option('--listen <addr:port>', 'DNS listen address', endpointArg, parseListenEndpoint(DEFAULT_LISTEN))
    .option('--admin <addr:port>', 'admin HTTP address', endpointArg, parseListenEndpoint(DEFAULT_ADMIN))
    .option('--control <addr:port>', 'demo control HTTP address', endpointArg, parseListenEndpoint('127.0.0.1:8081'))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .action(async (flags: { zones: string; listen: ListenEndpoint; admin: ListenEndpoint; control: ListenEndpoint; logLevel: string }) => {
      const logger = createJsonLogger({ level: isLogLevel(flags.logLevel) ? flags.logLevel : 'info' });
      try {
        const demo = await runDemo({ ...flags, zonesDir: flags.zones, logger, print: (text) => process.stdout.write(text) });
        const stop = () => void demo.stop().then(() => process.exit(0));
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      } catch (error) {
        fail(error);
      }
    });

  program
    .command('validate')
    .description('check zone policy files; prints every problem as file:line:column, and exits non-zero on an error (or, with --strict, a warning)')
    .argument('<path...>', 'zone files or directories of them')
    .option('--clusters <names>', 'comma-separated names of the registered clusters: a target naming another is an error')
    .option('--geoip-db <file>', 'the GeoIP database (.mmdb) the server will read: client rules by country or continent need one')
    .option('--dnssec-keys <dir>', 'the DNSSEC key directory the server will read: zones with dnssec: need a usable key there')
    .option('--strict', 'treat warnings as errors')
    .action(async (paths: string[], flags: { clusters?: string; geoipDb?: string; dnssecKeys?: string; strict?: boolean }) => {
      const knownClusters =
        flags.clusters === undefined
          ? undefined
          : new Set(
              flags.clusters
                .split(',')
                .map((n) => n.trim())
                .filter(Boolean),
            );
      // Only whether there is a database matters to validation; the server reads the file itself.
      let dnssecKeys: DnssecKeysValidation | undefined;
      if (flags.dnssecKeys !== undefined) {
        const directory = new DnssecKeyDirectory(flags.dnssecKeys, silentLogger);
        await directory.read();
        dnssecKeys = directory.validation;
      }
      const result = await loadZonePaths(paths, {
        ...(knownClusters === undefined ? {} : { knownClusters }),
        hasGeoipDatabase: flags.geoipDb !== undefined,
        ...(dnssecKeys === undefined ? {} : { dnssecKeys }),
      });
      const strict = flags.strict === true;
      for (const issue of result.issues) process.stderr.write(`${formatZoneIssue(issue)}\n`);
      const problems = blockingIssues(result.issues, strict).length;
      const warnings = result.issues.filter(isWarning).length;
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      if (!result.ok || problems > 0) {
        const note = strict ? (warnings > 0 ? ' (warnings count with --strict)' : '') : warnings > 0 ? ` and ${plural(warnings, 'warning')}` : '';
        process.stderr.write(`${plural(problems, 'problem')} found${note}\n`);
        process.exit(1);
      }
      if (warnings > 0) process.stderr.write(`${plural(warnings, 'warning')} (with --strict, warnings fail validation)\n`);
      for (const zone of result.zones) {
        process.stdout.write(`ok ${zone.file}: zone ${zone.zone}, ${zone.records.length} records, serial ${zone.soa.serial}\n`);
      }
    });

  registerOperatorCommands(program);
  registerDnssecCommands(program);
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}
