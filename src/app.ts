// The composition root: the one place that wires adapters (files, sockets, HTTP) to the pure core.
// Data flows one way: zone files → targets → answer table → query handler → listeners.

import { buildAnswerTable, type TargetSource } from './answers/build.js';
import { AnswerTable } from './answers/table.js';
import { createStaticTargetSource } from './discovery/static.js';
import type { ListenEndpoint } from './dns/endpoint.js';
import { QueryHandler, type AnswerTableSource } from './dns/handler.js';
import { startDnsServer, type DnsServer } from './dns/server.js';
import type { TcpLimits } from './dns/tcp.js';
import { Errors } from './errors.js';
import { startAdminServer, type AdminServer } from './observability/admin.js';
import type { Logger } from './observability/logger.js';
import { loadZoneDirectory } from './zone/load.js';
import { formatZoneIssue, type ZoneConfig, type ZoneIssue } from './zone/model.js';
import { watchDirectory, type DirectoryWatcher } from './zone/watch.js';

export interface MeridianOptions {
  readonly zonesDir: string;
  readonly listen: readonly ListenEndpoint[];
  /** Omit to run without the admin HTTP server. */
  readonly admin?: ListenEndpoint;
  readonly logger: Logger;
  /** Watch the zone directory and reload on change (default true). */
  readonly watch?: boolean;
  readonly tcpLimits?: TcpLimits;
  readonly now?: () => Date;
}

export interface ReloadOutcome {
  readonly ok: boolean;
  readonly at: string;
  /** `file:line:column: message` for each problem; empty when ok. */
  readonly issues: readonly string[];
  /** Zone → SOA serial of the configuration now serving. */
  readonly serials: Readonly<Record<string, number>>;
}

export interface Meridian {
  readonly dnsEndpoints: readonly ListenEndpoint[];
  readonly adminEndpoint: ListenEndpoint | undefined;
  /** Re-reads the zone directory; an invalid change leaves the last good configuration serving. */
  reload(reason: string): Promise<ReloadOutcome>;
  status(): unknown;
  stop(): Promise<void>;
}

/** Holds the table the query path reads; replacing `current` is the atomic swap. */
class TableHolder implements AnswerTableSource {
  current: AnswerTable = AnswerTable.empty();
}

function serialsOf(zones: readonly ZoneConfig[]): Record<string, number> {
  return Object.fromEntries(zones.map((zone) => [zone.zone, zone.soa.serial]));
}

export async function startMeridian(options: MeridianOptions): Promise<Meridian> {
  const logger = options.logger;
  const now = options.now ?? (() => new Date());
  const targets: TargetSource = createStaticTargetSource(logger);
  const tables = new TableHolder();

  const initial = await loadZoneDirectory(options.zonesDir);
  if (!initial.ok) throw Errors.zonesInvalid([initial.issues.length, initial.issues.map(formatZoneIssue).join('\n')]);
  let zones = initial.zones;
  tables.current = buildAnswerTable(zones, targets);
  let lastReload: ReloadOutcome = { ok: true, at: now().toISOString(), issues: [], serials: serialsOf(zones) };
  logger.info('zones loaded', { dir: options.zonesDir, serials: lastReload.serials });

  let running: Promise<ReloadOutcome> | undefined;
  let again = false;
  const reloadOnce = async (reason: string): Promise<ReloadOutcome> => {
    const result = await loadZoneDirectory(options.zonesDir);
    if (!result.ok) {
      const issues = result.issues.map((issue: ZoneIssue) => formatZoneIssue(issue));
      for (const issue of issues) logger.error('zone policy invalid; keeping the last good configuration', { issue });
      lastReload = { ok: false, at: now().toISOString(), issues, serials: serialsOf(zones) };
      return lastReload;
    }
    const started = performance.now();
    const table = buildAnswerTable(result.zones, targets);
    const buildMs = performance.now() - started;
    const changed = JSON.stringify(serialsOf(result.zones)) !== JSON.stringify(serialsOf(zones));
    zones = result.zones;
    tables.current = table;
    lastReload = { ok: true, at: now().toISOString(), issues: [], serials: serialsOf(zones) };
    logger.info(changed ? 'zones reloaded' : 'zones reloaded, unchanged', {
      reason,
      serials: lastReload.serials,
      buildMs: Math.round(buildMs * 1000) / 1000,
    });
    return lastReload;
  };
  // Reloads never overlap: a request during a reload runs once more after it, with the newest files.
  const reload = (reason: string): Promise<ReloadOutcome> => {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      let outcome: ReloadOutcome;
      do {
        again = false;
        outcome = await reloadOnce(reason);
      } while (again);
      running = undefined;
      return outcome;
    })();
    return running;
  };

  const handler = new QueryHandler(tables);
  let dns: DnsServer | undefined;
  let admin: AdminServer | undefined;
  let watcher: DirectoryWatcher | undefined;
  const status = () => ({
    zones: zones.map((zone) => ({ zone: zone.zone, file: zone.file, serial: zone.soa.serial, records: zone.records.length })),
    lastReload,
  });
  try {
    dns = await startDnsServer({ endpoints: options.listen, handler, logger, ...(options.tcpLimits ? { tcpLimits: options.tcpLimits } : {}) });
    if (options.admin !== undefined) {
      admin = await startAdminServer({ endpoint: options.admin, readiness: { ready: () => true }, status, logger });
    }
  } catch (error) {
    await dns?.close();
    throw error;
  }
  if (options.watch ?? true) {
    watcher = watchDirectory(options.zonesDir, () => void reload('file change'), logger);
  }

  return {
    dnsEndpoints: dns.endpoints,
    adminEndpoint: admin?.endpoint,
    reload,
    status,
    async stop() {
      watcher?.close();
      await Promise.all([dns?.close(), admin?.close()]);
    },
  };
}
