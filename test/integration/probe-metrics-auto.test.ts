// `--probe-metrics auto` (the default): a server whose zones probe more addresses than the limit labels probe
// results per record, and says so at start; one under the limit labels them per address.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startMeridian, type Meridian } from '../../src/runtime/meridian.js';
import type { Prober } from '../../src/health/types.js';
import type { LogFields, Logger } from '../../src/base/logger.js';
import { AUTO_PER_ADDRESS_LIMIT } from '../../src/observability/target-metrics.js';
import { makeZoneDir } from '../helpers/zone-files.js';

/** Every probe succeeds at once: this is about labels, not probing. */
const prober: Prober = { probe: () => Promise.resolve({ ok: true, durationMs: 1, reason: 'connected' }) };

function zoneWith(addresses: number): string {
  const lines = ['zone: auto.test', 'soa: { rname: hostmaster.auto.test }', 'nameservers: { ns1.auto.test: [127.0.0.1] }', 'records:'];
  // Two targets per record, one address each, as in the scale benchmark.
  for (let i = 0; i < addresses / 2; i++) {
    const a = 2 * i;
    const b = a + 1;
    lines.push(`  r${i}:`, '    policy: failover', '    check: { protocol: tcp, port: 9, interval: 60s }');
    lines.push(`    targets: [ { address: 10.${a >> 16}.${(a >> 8) & 255}.${a & 255} }, { address: 10.${b >> 16}.${(b >> 8) & 255}.${b & 255} } ]`);
  }
  return `${lines.join('\n')}\n`;
}

function recordingLogger(): Logger & { readonly lines: Array<{ message: string; fields: LogFields }> } {
  const lines: Array<{ message: string; fields: LogFields }> = [];
  const log = (message: string, fields: LogFields = {}) => void lines.push({ message, fields });
  const logger = { lines, debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

describe('probe metrics: auto', () => {
  const servers: Meridian[] = [];
  const dirs: Array<{ remove(): Promise<void> }> = [];
  after(async () => {
    for (const server of servers) await server.stop();
    for (const dir of dirs) await dir.remove();
  });

  for (const [addresses, expected] of [
    [AUTO_PER_ADDRESS_LIMIT, 'address'],
    [AUTO_PER_ADDRESS_LIMIT + 2, 'record'],
  ] as const) {
    it(`${addresses} probed addresses: per ${expected}`, async () => {
      const zones = await makeZoneDir({ 'auto.test.yaml': zoneWith(addresses) });
      dirs.push(zones);
      const logger = recordingLogger();
      const meridian = await startMeridian({ zonesDir: zones.dir, listen: [{ host: '127.0.0.1', port: 0 }], logger, watch: false, prober });
      servers.push(meridian);
      assert.equal(meridian.metrics.targets.detail, expected);
      const said = logger.lines.some((l) => l.message.startsWith('probe results and durations are labelled per record'));
      assert.equal(said, expected === 'record');
    });
  }
});
