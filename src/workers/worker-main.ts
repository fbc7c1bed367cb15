// A DNS worker process (`meridian serve --workers N`): it serves the DNS ports, shared with its siblings through
// SO_REUSEPORT, and builds its answer table from what the primary sends. It probes nothing and watches nothing.

import type { TargetSource } from '../answers/build.js';
import { AnswerTableBuilder } from '../answers/build.js';
import { GeoIpFile } from '../answers/geoip-file.js';
import { DnssecKeyDirectory } from '../dnssec/key-store.js';
import { ZoneSigner } from '../dnssec/zone-signer.js';
import type { ResolvedTarget } from '../answers/select.js';
import { AnswerTable } from '../answers/table.js';
import { QueryHandler } from '../dns/handler.js';
import { startDnsServer, type DnsServer } from '../dns/server.js';
import { createJsonLogger } from '../observability/logger.js';
import { QueryCounts } from '../observability/metrics.js';
import { ResponseRateLimiter } from '../dns/rrl.js';
import type { ZoneConfig } from '../zone/model.js';
import { serialQueue } from './serial-queue.js';
import { WORKER_SETTINGS_ENV, type FromWorker, type ToWorker, type WorkerSettings } from './protocol.js';
import { recordKey } from '../base/names.js';
import { type QueryCountEntry, type RegionAnswerEntry } from '../observability/metrics.js';

const COUNTS_EVERY_MS = 1_000;

function send(message: FromWorker): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env[WORKER_SETTINGS_ENV] ?? '{}') as WorkerSettings;
  const logger = createJsonLogger({ level: settings.logLevel }, { worker: settings.index });

  const targets = new Map<string, readonly ResolvedTarget[]>();
  const source: TargetSource = { resolve: (zone, record) => targets.get(recordKey(zone.zone, record.name)) ?? [] };
  const geoip = settings.geoipDb === undefined ? undefined : await GeoIpFile.open(settings.geoipDb, logger);
  geoip?.watch();
  // Signing: the worker reads the key directory itself before each build (the primary validated the zones with
  // it), and signs its own table; signatures are cached as in the primary, so a health change re-signs little.
  const keys = settings.dnssecKeys === undefined ? undefined : new DnssecKeyDirectory(settings.dnssecKeys, logger);
  const signer = keys === undefined ? undefined : new ZoneSigner(new Map());
  const builder = new AnswerTableBuilder(source, { ...(geoip === undefined ? {} : { geoip }), ...(signer === undefined ? {} : { signer }) });
  const tables = { current: AnswerTable.empty() };
  const counts = new QueryCounts();
  const handler = new QueryHandler(tables, { observer: counts });
  const rrl = settings.rrl === undefined ? undefined : new ResponseRateLimiter(settings.rrl, () => performance.now());

  // Messages are handled in order; a full build runs in slices, so queries keep being answered meanwhile. One
  // that fails is logged and the next ones are still handled: the next zones or targets mend the table.
  process.on(
    'message',
    serialQueue<ToWorker>(
      (message) => handle(message),
      (error, message) => logger.error('worker message failed', { type: message.type, error }),
    ),
  );
  // A new zone set being received in pieces; the current table keeps serving until it is built.
  let staged:
    | {
        zones: ZoneConfig[];
        failedZones: readonly string[];
        records: Map<string, ZoneConfig['records'][number][]>;
        targets: Map<string, readonly ResolvedTarget[]>;
      }
    | undefined;
  const handle = async (message: ToWorker): Promise<void> => {
    switch (message.type) {
      case 'zones':
        staged = { zones: [...message.zones], failedZones: message.failedZones, records: new Map(message.zones.map((z) => [z.zone, []])), targets: new Map() };
        break;
      case 'records':
        staged?.records.get(message.zone)?.push(...message.records);
        break;
      case 'staged-targets':
        for (const [key, value] of message.targets) staged?.targets.set(key, value);
        break;
      case 'build': {
        if (staged === undefined) break;
        const { zones, failedZones, records } = staged;
        targets.clear();
        for (const [key, value] of staged.targets) targets.set(key, value);
        staged = undefined;
        if (keys !== undefined && signer !== undefined) {
          await keys.read();
          signer.setKeys(keys.keySets);
        }
        tables.current = await builder.buildInSlices(
          zones.map((zone) => ({ ...zone, records: records.get(zone.zone) ?? [] })),
          failedZones,
        );
        break;
      }
      case 'targets': {
        const records = message.targets.map(([key, value]) => {
          targets.set(key, value);
          const [zone, name] = key.split('\n') as [string, string];
          return { zone, name };
        });
        tables.current = builder.refresh(records);
        break;
      }
      case 'stop':
        await (message.drainMs ? server?.drain(message.drainMs) : server?.close());
        process.exit(0);
    }
  };
  // Signals to the process group (Ctrl-C, a group kill) reach the workers too; the primary decides when they stop,
  // so that a draining server keeps answering until it is done.
  process.on('SIGTERM', () => {});
  process.on('SIGINT', () => {});
  // The primary is gone: a worker must not outlive it and keep answering with a frozen table.
  process.on('disconnect', () => process.exit(0));

  let server: DnsServer | undefined;
  try {
    server = await startDnsServer({
      endpoints: settings.endpoints,
      handler,
      logger,
      reusePort: true,
      ...(rrl ? { rrl } : {}),
      ...(settings.tcpLimits ? { tcpLimits: settings.tcpLimits } : {}),
    });
  } catch (error) {
    send({ type: 'failed', message: (error as Error).message });
    process.exit(1);
  }
  send({ type: 'listening', endpoints: server.endpoints });

  const report = () => {
    const names = builder.zoneNames();
    const entries: QueryCountEntry[] = [];
    for (const [labels, value] of counts.entries((id) => names[id] ?? '')) entries.push({ labels, value });
    const regionLabels = builder.regionLabels();
    const regions: RegionAnswerEntry[] = [];
    for (const [labels, value] of counts.regionEntries((slot) => regionLabels[slot])) regions.push({ labels, value });
    send({ type: 'counts', counts: entries, regions, rrl: rrl?.stats.counts() ?? [] });
  };
  setInterval(report, COUNTS_EVERY_MS).unref();
}

void main();
