// Health checks through real ingresses on 127.0.0.x flip the DNS answers: a killed ingress (refused), a frozen
// one (accepts, never answers), a wrong status, a missing body, over HTTP, HTTPS (own CA, SNI checked on the
// server side) and TCP, and recovery. Each flip is timed and reported; the tests wait with deadlines and
// never assert on speed.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startMeridian, type Meridian } from '../../src/runtime/meridian.js';
import { silentLogger } from '../../src/base/logger.js';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { startHttpIngress, startTcpIngress, type HttpIngress, type IngressControls } from '../helpers/ingress.js';
import { createTlsFixtures } from '../helpers/tls-fixtures.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const ZONE = 'gslb.example.test';
/** Generous: probing every 1 s with fall 1, a flip takes about a second; CI machines can be slow. */
const DEADLINE_MS = 8_000;

function zoneYaml(ports: { http: number; https: number; tcp: number }): string {
  const fast = 'interval: 1s, timeout: 1s, fastInterval: 1s, rise: 1, fall: 1';
  return `zone: ${ZONE}
ttl: 5
soa: { rname: hostmaster.example.test, minimum: 5 }
nameservers: { ns1.${ZONE}: [127.0.0.1] }
records:
  web:
    policy: failover
    check: { protocol: http, port: ${ports.http}, path: /healthz, body: ok, ${fast} }
    targets: [ { address: 127.0.0.21 }, { address: 127.0.0.22 } ]
  secure:
    policy: failover
    check: { protocol: https, port: ${ports.https}, path: /healthz, tls: { ca: ca.pem }, ${fast} }
    targets: [ { address: 127.0.0.23 }, { address: 127.0.0.24 } ]
  plain:
    policy: failover
    check: { protocol: tcp, port: ${ports.tcp}, ${fast} }
    targets: [ { address: 127.0.0.25 }, { address: 127.0.0.26 } ]
  pool:
    policy: weighted
    answers: 2
    check: { protocol: http, port: ${ports.http}, path: /healthz, body: ok, ${fast} }
    targets: [ { address: 127.0.0.21 }, { address: 127.0.0.22 } ]
`;
}

/** Starts the backup on the same port as the primary (a check names one port for all targets). */
async function httpPair(primary: string, backup: string, tls?: { key: string; cert: string }): Promise<[HttpIngress, HttpIngress]> {
  const first = await startHttpIngress({ host: primary, ...(tls ? { tls } : {}) });
  const second = await startHttpIngress({ host: backup, port: first.port, ...(tls ? { tls } : {}) });
  return [first, second];
}

describe('health checks flip the answers', () => {
  let zones: ZoneDir;
  let meridian: Meridian;
  let dns: DnsClient;
  let web: [HttpIngress, HttpIngress];
  let secure: [HttpIngress, HttpIngress];
  let plain: [IngressControls, IngressControls];
  const answer = (name: string) => dns.addresses(`${name}.${ZONE}`);
  const flip = async (t: TestContext, what: string, name: string, expected: string) => {
    const ms = await waitForValue(() => answer(name), expected, DEADLINE_MS);
    t.diagnostic(`${what}: answer changed after ${Math.round(ms)} ms`);
    return ms;
  };

  before(async () => {
    const tls = await createTlsFixtures({ dnsNames: [`secure.${ZONE}`] });
    web = await httpPair('127.0.0.21', '127.0.0.22');
    secure = await httpPair('127.0.0.23', '127.0.0.24', { key: tls.server.keyPem, cert: tls.server.certPem });
    const tcpFirst = await startTcpIngress({ host: '127.0.0.25' });
    plain = [tcpFirst, await startTcpIngress({ host: '127.0.0.26', port: tcpFirst.port })];
    zones = await makeZoneDir({ 'zone.yaml': zoneYaml({ http: web[0].port, https: secure[0].port, tcp: plain[0].port }) });
    await writeFile(path.join(zones.dir, 'ca.pem'), tls.caPem);
    meridian = await startMeridian({
      zonesDir: zones.dir,
      listen: [{ host: '127.0.0.1', port: 0 }],
      admin: { host: '127.0.0.1', port: 0 },
      logger: silentLogger,
      watch: false,
    });
    dns = await dnsClient(meridian.dnsEndpoints[0]);
    await waitForValue(() => meridian.ready(), true, DEADLINE_MS);
  });
  after(async () => {
    dns?.close();
    await meridian?.stop();
    for (const ingress of [...(web ?? []), ...(secure ?? []), ...(plain ?? [])]) await ingress.close();
    await zones?.remove();
  });

  it('serves the primaries once the first probe round is done', async () => {
    assert.equal(await answer('web'), '127.0.0.21');
    assert.equal(await answer('secure'), '127.0.0.23');
    assert.equal(await answer('plain'), '127.0.0.25');
    assert.equal(await answer('pool'), '127.0.0.21,127.0.0.22');
  });

  it('HTTPS probes send the record name as SNI and Host, and verify against the configured CA', () => {
    const seen = secure[0].requests.at(-1);
    assert.ok(seen, 'the HTTPS ingress received probes');
    assert.equal(seen.servername, `secure.${ZONE}`);
    assert.equal(seen.host, `secure.${ZONE}:${secure[0].port}`);
    assert.equal(seen.path, '/healthz');
  });

  it('HTTP: a killed ingress (refused) is dropped, and restored when it returns', async (t) => {
    await web[0].kill();
    await flip(t, 'http killed (refused)', 'web', '127.0.0.22');
    // pool probes with its own name as Host, so its probe of 127.0.0.21 is separate and runs on its own phase.
    await flip(t, 'http killed (refused), weighted answers: 2', 'pool', '127.0.0.22');
    await web[0].revive();
    await flip(t, 'http recovered', 'web', '127.0.0.21');
  });

  it('HTTP: a frozen ingress (accepts, never answers) is dropped on timeout', async (t) => {
    web[0].freeze();
    await flip(t, 'http frozen (timeout)', 'web', '127.0.0.22');
    web[0].thaw();
    await flip(t, 'http thawed', 'web', '127.0.0.21');
  });

  it('HTTP: a wrong status drops it', async (t) => {
    web[0].setBehaviour({ kind: 'status', status: 503 });
    await flip(t, 'http status 503', 'web', '127.0.0.22');
    web[0].setBehaviour({ kind: 'ok' });
    await flip(t, 'http status 200 again', 'web', '127.0.0.21');
  });

  it('HTTP: a body without the expected text drops it', async (t) => {
    web[0].setBehaviour({ kind: 'body', text: 'maintenance' });
    await flip(t, 'http body mismatch', 'web', '127.0.0.22');
    web[0].setBehaviour({ kind: 'ok' });
    await flip(t, 'http body ok again', 'web', '127.0.0.21');
  });

  it('HTTPS: killed and frozen ingresses are dropped, and restored', async (t) => {
    await secure[0].kill();
    await flip(t, 'https killed (refused)', 'secure', '127.0.0.24');
    await secure[0].revive();
    await flip(t, 'https recovered', 'secure', '127.0.0.23');
    secure[0].freeze();
    await flip(t, 'https frozen (TLS handshake timeout)', 'secure', '127.0.0.24');
    secure[0].thaw();
    await flip(t, 'https thawed', 'secure', '127.0.0.23');
  });

  it('TCP: a killed listener is dropped, and restored', async (t) => {
    await plain[0].kill();
    await flip(t, 'tcp killed (refused)', 'plain', '127.0.0.26');
    await plain[0].revive();
    await flip(t, 'tcp recovered', 'plain', '127.0.0.25');
  });

  it('every target down: failover fails open to the first target', async (t) => {
    await web[0].kill();
    await web[1].kill();
    await waitForValue(
      () => (meridian.status() as StatusDoc).zones[0].records.find((r) => r.name === `web.${ZONE}`)!.targets.every((x) => x.addresses[0].health === 'down'),
      true,
      DEADLINE_MS,
    );
    assert.equal(await answer('web'), '127.0.0.21');
    await web[0].revive();
    await web[1].revive();
    await flip(t, 'both back', 'pool', '127.0.0.21,127.0.0.22');
  });

  it('/status shows the reason for each down target, and /metrics parses with the probe results', async () => {
    await plain[0].kill();
    await waitForValue(() => answer('plain'), '127.0.0.26', DEADLINE_MS);
    const admin = meridian.adminEndpoint!;
    const status = (await (await fetch(`http://127.0.0.1:${admin.port}/status`)).json()) as StatusDoc;
    const record = status.zones[0].records.find((r) => r.name === `plain.${ZONE}`)!;
    const down = record.targets[0].addresses[0];
    assert.equal(down.health, 'down');
    assert.equal(down.reason, 'connection refused');
    assert.ok(down.since && down.lastResult?.at, 'times are given');

    const text = await (await fetch(`http://127.0.0.1:${admin.port}/metrics`)).text();
    const samples = parsePrometheus(text);
    const health = samples.find((s) => s.name === 'meridian_target_health' && s.labels.record === `plain.${ZONE}` && s.labels.address === '127.0.0.25');
    assert.equal(health?.value, 0);
    const refused = samples.filter((s) => s.name === 'meridian_probe_results_total' && s.labels.result === 'refused');
    assert.ok(refused.reduce((sum, s) => sum + s.value, 0) > 0);
    const queries = samples.filter(
      (s) =>
        s.name === 'meridian_dns_queries_total' &&
        s.labels.zone === ZONE &&
        s.labels.qtype === 'A' &&
        s.labels.rcode === 'NOERROR' &&
        s.labels.transport === 'udp',
    );
    assert.ok(queries[0].value > 0);
    assert.ok(samples.some((s) => s.name === 'meridian_answer_rebuild_seconds_count' && s.labels.kind === 'partial' && s.value > 0));
    assert.ok(samples.some((s) => s.name === 'meridian_process_resident_memory_bytes'));
    await plain[0].revive();
  });
});

interface StatusDoc {
  zones: Array<{
    records: Array<{ name: string; targets: Array<{ addresses: Array<{ health: string; reason: string; since?: string; lastResult?: { at: string } }> }> }>;
  }>;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, as far as these tests need it: one sample per line, labels in braces. */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value!;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}
