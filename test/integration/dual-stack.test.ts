// A dual-stack static target (`addresses: [127.0.0.31, "::1"]`) is one site: draining its IPv4 address through
// the admin API, or its IPv6 address going down, moves both A and AAAA away from it. With no other site
// having IPv6, AAAA answers NODATA (rule others-healthy) rather than the drained or dead ::1. Real server,
// real TCP probes against loopback ingresses; the tests poll the answers with deadlines.

import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startMeridian, type Meridian } from '../../src/runtime/meridian.js';
import { silentLogger } from '../../src/base/logger.js';
import { dnsClient, waitForValue, type DnsClient } from '../helpers/dns-client.js';
import { startTcpIngress, type IngressControls } from '../helpers/ingress.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const ZONE = 'gslb.example.test';
const NAME = `dual.${ZONE}`;
const TOKEN = 'dual-stack-test-token-0123456789';
/** Generous: probing every 1 s with fall 1, a flip takes about a second; CI machines can be slow. */
const DEADLINE_MS = 8_000;
const A = 1;
const AAAA = 28;

function zoneYaml(port: number): string {
  return `zone: ${ZONE}
ttl: 5
soa: { rname: hostmaster.example.test, minimum: 5 }
nameservers: { ns1.${ZONE}: [127.0.0.1] }
records:
  dual:
    policy: failover
    check: { protocol: tcp, port: ${port}, interval: 1s, timeout: 1s, fastInterval: 1s, rise: 1, fall: 1 }
    targets:
      - { addresses: [127.0.0.31, "::1"] }
      - { address: 127.0.0.32 }
`;
}

describe('a dual-stack static target is drained, judged and answered as one', () => {
  let zones: ZoneDir;
  let meridian: Meridian;
  let dns: DnsClient;
  let admin: string;
  const ingresses: IngressControls[] = [];
  let ipv6: IngressControls;
  /** The answer for `type` as 'NOERROR a,b' or 'NOERROR' (NODATA), so a poll sees the rcode too. */
  const answer = async (type: number) => {
    const response = await dns.query(NAME, type);
    const addresses = response.answer
      .map((a) => a.split(' ').at(-1)!)
      .sort()
      .join(',');
    return `${response.rcode === 0 ? 'NOERROR' : `rcode ${response.rcode}`}${addresses === '' ? '' : ` ${addresses}`}`;
  };
  const flip = async (t: TestContext, what: string, type: number, expected: string) => {
    const ms = await waitForValue(() => answer(type), expected, DEADLINE_MS);
    t.diagnostic(`${what}: ${type === AAAA ? 'AAAA' : 'A'} is '${expected}' after ${Math.round(ms)} ms`);
  };
  const post = async (action: 'drain' | 'undrain', target: string) => {
    const response = await fetch(`${admin}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target }),
    });
    assert.equal(response.status, 200, await response.text());
  };
  const explain = async (type: 'A' | 'AAAA') => {
    const response = await fetch(`${admin}/explain?name=${NAME}&type=${type}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    return (await response.json()) as { rule: string; summary: string; answer: unknown[] };
  };

  before(async () => {
    const first = await startTcpIngress({ host: '127.0.0.31' });
    ingresses.push(first);
    ipv6 = await startTcpIngress({ host: '::1', port: first.port });
    ingresses.push(ipv6, await startTcpIngress({ host: '127.0.0.32', port: first.port }));
    zones = await makeZoneDir({ 'zone.yaml': zoneYaml(first.port) });
    meridian = await startMeridian({
      zonesDir: zones.dir,
      listen: [{ host: '127.0.0.1', port: 0 }],
      admin: { host: '127.0.0.1', port: 0 },
      adminToken: TOKEN,
      logger: silentLogger,
      watch: false,
    });
    dns = await dnsClient(meridian.dnsEndpoints[0]);
    admin = `http://127.0.0.1:${meridian.adminEndpoint!.port}`;
    await waitForValue(() => meridian.ready(), true, DEADLINE_MS);
  });
  after(async () => {
    dns?.close();
    await meridian?.stop();
    for (const ingress of ingresses) await ingress.close();
    await zones?.remove();
  });

  it('serves the first site for both families while it is healthy', async (t) => {
    await flip(t, 'start', A, 'NOERROR 127.0.0.31');
    await flip(t, 'start', AAAA, 'NOERROR ::1');
  });

  it('draining the IPv4 address moves AAAA away from the site too: NODATA, not the drained ::1', async (t) => {
    await post('drain', '127.0.0.31');
    try {
      await flip(t, 'IPv4 drained', A, 'NOERROR 127.0.0.32');
      await flip(t, 'IPv4 drained', AAAA, 'NOERROR');
      const why = await explain('AAAA');
      assert.equal(why.rule, 'others-healthy');
      assert.deepEqual(why.answer, []);
      assert.match(why.summary, /no healthy IPv6 target; IPv4 answers/);
      assert.match(why.summary, /drained and never served: target 0/);
      t.diagnostic(`explain AAAA: ${why.summary}`);
      // /status shows the site drained as a whole, and the rule of the family that answers.
      const status = meridian.status() as {
        zones: Array<{ records: Array<{ name: string; answer: { rule: string }; targets: Array<{ drained: boolean }> }> }>;
      };
      const record = status.zones[0].records.find((r) => r.name === NAME)!;
      assert.deepEqual(
        record.targets.map((target) => target.drained),
        [true, false],
      );
      assert.equal(record.answer.rule, 'healthy');
    } finally {
      // The next test starts from the healthy, undrained site even when this one fails.
      await post('undrain', '127.0.0.31');
    }
    await flip(t, 'undrained', A, 'NOERROR 127.0.0.31');
    await flip(t, 'undrained', AAAA, 'NOERROR ::1');
  });

  it('the IPv6 address down takes the whole site down: A moves, AAAA does not fail open with the dead ::1', async (t) => {
    await ipv6.kill();
    try {
      await flip(t, '::1 down', A, 'NOERROR 127.0.0.32');
      await flip(t, '::1 down', AAAA, 'NOERROR');
      const why = await explain('A');
      assert.match(why.summary, /target 0 is one site: ::1 is down/);
      t.diagnostic(`explain A: ${why.summary}`);
      const whyAAAA = await explain('AAAA');
      assert.equal(whyAAAA.rule, 'others-healthy');
      t.diagnostic(`explain AAAA: ${whyAAAA.summary}`);
    } finally {
      await ipv6.revive();
    }
    await flip(t, '::1 up again', A, 'NOERROR 127.0.0.31');
    await flip(t, '::1 up again', AAAA, 'NOERROR ::1');
  });
});
