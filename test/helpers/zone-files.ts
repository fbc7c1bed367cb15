// Zone policy files for integration tests, written to a fresh temporary directory per test.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const BIG_TXT_STRINGS = Array.from({ length: 8 }, (_, i) => `${i}`.repeat(200));

export const TEST_ZONE_YAML = `zone: gslb.example.test
ttl: 30
soa: { rname: hostmaster.example.test, refresh: 3600, retry: 600, expire: 86400, minimum: 20 }
nameservers:
  ns1.gslb.example.test: [127.0.0.1]
  ns2.gslb.example.test: [127.0.0.2, "::1"]
records:
  app:
    policy: weighted
    targets:
      - { address: 192.0.2.10, weight: 3 }
      - { addresses: [192.0.2.20, "2001:db8::20"], weight: 1 }
  shop:
    policy: failover
    ttl: 15
    targets: [ { address: 192.0.2.30 }, { address: 192.0.2.40 } ]
  www: { cname: app.gslb.example.test }
  info: { txt: ["hello"] }
  api.eu: { a: [192.0.2.50] }
  big:
    txt:
${BIG_TXT_STRINGS.map((s) => `      - "${s}"`).join('\n')}
`;

/**
 * A zone with one failover record `shop`, primary then standby, probed over HTTP at interval 1 s / timeout 1 s
 * with rise and fall 1: each flip takes about one probe. For the tests that time or compare failovers.
 */
export function failoverZoneYaml(options: { readonly primary: string; readonly standby: string; readonly port: number; readonly nameserver: string }): string {
  return `zone: gslb.example.test
ttl: 5
soa: { rname: hostmaster.example.test, minimum: 5 }
nameservers: { ns1.gslb.example.test: [${options.nameserver}] }
records:
  shop:
    policy: failover
    check: { protocol: http, port: ${options.port}, path: /healthz, interval: 1s, timeout: 1s, fastInterval: 1s, rise: 1, fall: 1 }
    targets: [ { address: ${options.primary} }, { address: ${options.standby} } ]
`;
}

export interface ZoneDir {
  readonly dir: string;
  write(file: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

export async function makeZoneDir(files: Readonly<Record<string, string>> = { 'gslb.example.test.yaml': TEST_ZONE_YAML }): Promise<ZoneDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meridian-zones-'));
  const write = async (file: string, text: string) => {
    const target = path.join(dir, file);
    await writeFile(target, text);
    return target;
  };
  for (const [file, text] of Object.entries(files)) await write(file, text);
  return { dir, write, remove: () => rm(dir, { recursive: true, force: true }) };
}
