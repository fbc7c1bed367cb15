// The primary's side of `--workers N`: forks the DNS workers, keeps every one of them on the current answer
// inputs, restarts one that dies (with backoff), and collects their query counts for /metrics.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ResolvedTarget } from '../answers/select.js';
import type { ListenEndpoint } from '../dns/endpoint.js';
import type { RrlConfig, RrlCount } from '../dns/rrl.js';
import type { TcpLimits } from '../dns/tcp.js';
import { Errors } from '../base/errors.js';
import type { Logger, LogLevel } from '../base/logger.js';
import type { ZoneConfig } from '../zone/model.js';
import { guardAddresses, type AddressGuard } from './port-guard.js';
import { CHUNK, WORKER_SETTINGS_ENV, type FromWorker, type ToWorker, type WorkerSettings } from './protocol.js';
import { type QueryCountEntry, type RegionAnswerEntry } from '../observability/metrics.js';

const WORKER_MAIN = fileURLToPath(new URL('./worker-main.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export interface WorkerPoolOptions {
  readonly count: number;
  readonly endpoints: readonly ListenEndpoint[];
  readonly tcpLimits?: TcpLimits;
  readonly rrl?: RrlConfig;
  /** The GeoIP database file each worker opens for geo answers. */
  readonly geoipDb?: string;
  /** The DNSSEC key directory each worker reads to sign its table. */
  readonly dnssecKeys?: string;
  readonly logLevel: LogLevel;
  readonly logger: Logger;
}

interface Worker {
  readonly index: number;
  child: ChildProcess;
  listening: boolean;
  counts: readonly QueryCountEntry[];
  regions: readonly RegionAnswerEntry[];
  rrl: readonly RrlCount[];
  restarts: number;
}

export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #workers: Worker[] = [];
  /** The last full state, replayed to a restarted worker. */
  #zones: { zones: readonly ZoneConfig[]; failedZones: readonly string[]; targets: Map<string, readonly ResolvedTarget[]> } | undefined;
  #stopping = false;
  /** Held while the pool runs: no other server's workers can join these ports (see port-guard.ts). */
  readonly #guard: AddressGuard;

  private constructor(options: WorkerPoolOptions, guard: AddressGuard) {
    this.#options = options;
    this.#guard = guard;
  }

  /** Forks the workers and resolves once every one listens; rejects (and stops them) if one cannot. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    if (options.endpoints.some((e) => e.port === 0)) throw Errors.workersNeedPort([]);
    const pool = new WorkerPool(options, await guardAddresses(options.endpoints));
    try {
      await Promise.all(Array.from({ length: options.count }, (_, index) => pool.#spawn(index)));
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  get endpoints(): readonly ListenEndpoint[] {
    return this.#options.endpoints;
  }

  /** Every worker listens (a restarting one does not). */
  ready(): boolean {
    return this.#workers.length === this.#options.count && this.#workers.every((w) => w.listening);
  }

  /** New zones with every record's targets, and the zones to answer SERVFAIL for: each worker rebuilds its table. */
  sendZones(zones: readonly ZoneConfig[], targets: ReadonlyMap<string, readonly ResolvedTarget[]>, failedZones: readonly string[] = []): void {
    this.#zones = { zones, failedZones, targets: new Map(targets) };
    for (const message of zoneMessages(zones, failedZones, targets)) this.#broadcast(message);
  }

  /** Some records' targets or health changed. */
  sendTargets(targets: ReadonlyMap<string, readonly ResolvedTarget[]>): void {
    if (targets.size === 0) return;
    for (const [key, value] of targets) this.#zones?.targets.set(key, value);
    this.#broadcast({ type: 'targets', targets: [...targets] });
  }

  /** Every worker's rate-limiting counts. */
  *rrlCounts(): Generator<RrlCount> {
    for (const worker of this.#workers) yield* worker.rrl;
  }

  /** Every worker's latest cumulative counts (a restarted worker starts again from zero). */
  *queryCounts(): Generator<QueryCountEntry> {
    for (const worker of this.#workers) yield* worker.counts;
  }

  /** Every worker's latest cumulative geo answer counts by region, like queryCounts. */
  *regionCounts(): Generator<RegionAnswerEntry> {
    for (const worker of this.#workers) yield* worker.regions;
  }

  /** Stops every worker; with `drainMs`, each lets its TCP connections finish for up to that long first. */
  async stop(drainMs = 0): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
            worker.child.once('exit', () => resolve());
            if (worker.child.connected) worker.child.send({ type: 'stop', drainMs } satisfies ToWorker);
            else worker.child.kill('SIGTERM');
            // A worker that does not stop in time is killed.
            setTimeout(() => worker.child.kill('SIGKILL'), drainMs + 5_000).unref();
          }),
      ),
    );
    await this.#guard.release();
  }

  #broadcast(message: ToWorker): void {
    for (const worker of this.#workers) if (worker.child.connected) worker.child.send(message);
  }

  #spawn(index: number, restarts = 0): Promise<void> {
    const settings: WorkerSettings = {
      index,
      endpoints: this.#options.endpoints,
      logLevel: this.#options.logLevel,
      ...(this.#options.tcpLimits ? { tcpLimits: this.#options.tcpLimits } : {}),
      ...(this.#options.rrl ? { rrl: this.#options.rrl } : {}),
      ...(this.#options.geoipDb === undefined ? {} : { geoipDb: this.#options.geoipDb }),
      ...(this.#options.dnssecKeys === undefined ? {} : { dnssecKeys: this.#options.dnssecKeys }),
    };
    const child = fork(WORKER_MAIN, [], {
      env: { ...process.env, [WORKER_SETTINGS_ENV]: JSON.stringify(settings) },
      // Workers log to the same stderr, as JSON lines with their index.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const worker: Worker = { index, child, listening: false, counts: [], regions: [], rrl: [], restarts };
    this.#workers[index] = worker;
    if (this.#zones !== undefined) for (const message of zoneMessages(this.#zones.zones, this.#zones.failedZones, this.#zones.targets)) child.send(message);

    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(Errors.workerStart([index, `did not start within ${START_TIMEOUT_MS} ms`])), START_TIMEOUT_MS);
      child.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'listening':
            clearTimeout(timer);
            worker.listening = true;
            resolve();
            break;
          case 'failed':
            clearTimeout(timer);
            reject(Errors.listenFailed(['DNS (worker)', this.#options.endpoints.map((e) => `${e.host}:${e.port}`).join(', '), message.message]));
            break;
          case 'counts':
            worker.counts = message.counts;
            worker.regions = message.regions;
            worker.rrl = message.rrl;
            break;
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const wasListening = worker.listening;
        worker.listening = false;
        if (this.#stopping) return;
        if (!wasListening) {
          reject(Errors.workerStart([index, `exited before listening (${code ?? signal})`]));
          // At start that fails the start; a restart that fails is tried again below.
          if (restarts === 0) return;
        }
        // A worker died while serving: the others keep answering; start a new one after a pause that grows.
        const delay = Math.min(30_000, 500 * 2 ** Math.min(restarts, 6));
        this.#options.logger.error('DNS worker exited; restarting it', { worker: index, code, signal, restartInMs: delay });
        setTimeout(() => {
          if (!this.#stopping)
            this.#spawn(index, restarts + 1).catch((error: unknown) => this.#options.logger.error('DNS worker restart failed', { worker: index, error }));
        }, delay).unref();
      });
    });
  }
}

/** A zone set as a sequence of small messages (see ToWorker). */
function* zoneMessages(
  zones: readonly ZoneConfig[],
  failedZones: readonly string[],
  targets: ReadonlyMap<string, readonly ResolvedTarget[]>,
): Generator<ToWorker> {
  yield { type: 'zones', zones: zones.map((zone) => ({ ...zone, records: [] })), failedZones };
  for (const zone of zones) {
    for (let i = 0; i < zone.records.length; i += CHUNK) yield { type: 'records', zone: zone.zone, records: zone.records.slice(i, i + CHUNK) };
  }
  const entries = [...targets];
  for (let i = 0; i < entries.length; i += CHUNK) yield { type: 'staged-targets', targets: entries.slice(i, i + CHUNK) };
  yield { type: 'build' };
}
