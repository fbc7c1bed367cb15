// Health benchmark: how fast a dead target leaves the DNS answer (in-process, no peers; the full comparison
// with gdnsd and PowerDNS, and rebuild times at scale, are in `npm run bench`).
//
//   npm run bench:health
//
// 1. Failover time. Real ingresses on 127.0.0.31/.32, Meridian in-process, check `interval: 1s, timeout: 1s,
//    fall: 1, rise: 1`. Each trial breaks the primary at a random moment within the probe interval, then
//    queries every 10 ms until the answer changes. Refused = the listener is closed; frozen = it accepts
//    connections and never answers. Restore = the primary comes back.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startMeridian } from '../../src/runtime/meridian.js';
import { silentLogger } from '../../src/base/logger.js';
import { dnsClient, waitForValue } from '../helpers/dns-client.js';
import { startHttpIngress } from '../helpers/ingress.js';
import { makeZoneDir } from '../helpers/zone-files.js';

const TRIALS = Number(process.env.TRIALS ?? 10);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(values: number[]): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return `p50 ${s(percentile(values, 50))}  p90 ${s(percentile(values, 90))}  max ${s(Math.max(...values))}  (n=${values.length})`;
}

async function failoverTimes(): Promise<Record<string, number[]>> {
  const primary = await startHttpIngress({ host: '127.0.0.31' });
  const backup = await startHttpIngress({ host: '127.0.0.32', port: primary.port });
  const zones = await makeZoneDir({
    'bench.yaml': `zone: bench.test
ttl: 1
soa: { rname: hostmaster.bench.test, minimum: 1 }
nameservers: { ns1.bench.test: [127.0.0.1] }
records:
  web:
    policy: failover
    check: { protocol: http, port: ${primary.port}, path: /healthz, interval: 1s, timeout: 1s, fastInterval: 1s, rise: 1, fall: 1 }
    targets: [ { address: 127.0.0.31 }, { address: 127.0.0.32 } ]
`,
  });
  const meridian = await startMeridian({ zonesDir: zones.dir, listen: [{ host: '127.0.0.1', port: 0 }], logger: silentLogger, watch: false });
  const dns = await dnsClient(meridian.dnsEndpoints[0]);
  const answer = () => dns.addresses('web.bench.test');
  const results: Record<string, number[]> = { refused: [], frozen: [], restore: [] };
  try {
    await waitForValue(answer, '127.0.0.31', 10_000);
    for (let trial = 0; trial < TRIALS; trial++) {
      // Break at a random phase of the probe interval, as a real outage would.
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 1000));
      const fault = trial % 2 === 0 ? 'refused' : 'frozen';
      if (fault === 'refused') await primary.kill();
      else primary.freeze();
      results[fault].push(await waitForValue(answer, '127.0.0.32', 10_000, 10));
      if (fault === 'refused') await primary.revive();
      else primary.thaw();
      results.restore.push(await waitForValue(answer, '127.0.0.31', 10_000, 10));
    }
  } finally {
    dns.close();
    await meridian.stop();
    await primary.close();
    await backup.close();
    await zones.remove();
  }
  return results;
}

const lines: string[] = [];
const print = (line: string) => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};

print(`# Meridian health benchmark (${new Date().toISOString()}, Node ${process.version})`);
print('');
print('Failover, check interval 1s, timeout 1s, fall 1, rise 1; fault injected at a random phase:');
const failover = await failoverTimes();
print(`  drop a refused target   ${summary(failover.refused)}`);
print(`  drop a frozen target    ${summary(failover.frozen)}`);
print(`  restore a target        ${summary(failover.restore)}`);
print('');
print('Answer-table rebuild times at scale: npm run bench -- --only scale');
if (process.env.BENCH_OUT) await writeFile(path.resolve(process.env.BENCH_OUT), `${lines.join('\n')}\n`);
