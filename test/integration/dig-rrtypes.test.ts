// MX, SRV and CAA from the real server (`meridian serve` on an ephemeral port), as dig (BIND) and kdig (Knot)
// print them, over UDP and TCP: the presentation form operators and certificate authorities see.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dig, kdig, type DigOptions } from '../helpers/dig.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const ZONE_YAML = `zone: rr.example.test
ttl: 30
soa: { rname: hostmaster.example.test, minimum: 20 }
nameservers:
  ns1.rr.example.test: [127.0.0.1]
records:
  "@":
    mx:
      - { preference: 10, exchange: mail.rr.example.test. }
      - { preference: 20, exchange: mx.example.net. }
    caa:
      - { flags: 0, tag: issue, value: "letsencrypt.org" }
      - { flags: 0, tag: issuewild, value: ";" }
      - { flags: 128, tag: iodef, value: "mailto:security@example.test" }
  mail: { a: [192.0.2.25], aaaa: ["2001:db8::25"] }
  _sip._tcp: { srv: [{ priority: 10, weight: 5, port: 5060, target: sip.rr.example.test. }] }
  sip: { a: [192.0.2.60] }
  nomail: { mx: [{ preference: 0, exchange: "." }] }
  _imap._tcp: { srv: [{ priority: 0, weight: 0, port: 0, target: "." }] }
`;

/** The lines of `+short` output: the RDATA of each answer record, as the tool presents it. */
async function short(tool: typeof dig, options: DigOptions): Promise<string[]> {
  const result = await tool({ ...options, options: [...(options.options ?? []), '+short'] });
  return result.raw
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

describe('MX, SRV and CAA, checked with dig and kdig', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  const at = (name: string, type: string, options: string[] = []): DigOptions => ({ server: server.host, port: server.port, name, type, options });

  before(async () => {
    zones = await makeZoneDir({ 'rr.example.test.yaml': ZONE_YAML });
    server = await startServerProcess({ zonesDir: zones.dir });
  });
  after(async () => {
    await server?.stop();
    await zones?.remove();
  });

  const expectations: ReadonlyArray<readonly [name: string, type: string, lines: readonly string[]]> = [
    ['rr.example.test', 'MX', ['10 mail.rr.example.test.', '20 mx.example.net.']],
    ['rr.example.test', 'CAA', ['0 issue "letsencrypt.org"', '0 issuewild ";"', '128 iodef "mailto:security@example.test"']],
    ['_sip._tcp.rr.example.test', 'SRV', ['10 5 5060 sip.rr.example.test.']],
    ['nomail.rr.example.test', 'MX', ['0 .']],
    ['_imap._tcp.rr.example.test', 'SRV', ['0 0 0 .']],
  ];

  for (const [toolName, tool] of [
    ['dig', dig],
    ['kdig', kdig],
  ] as const) {
    for (const transport of ['UDP', 'TCP'] as const) {
      it(`${toolName} over ${transport}: +short MX, CAA and SRV as written`, async () => {
        const options = transport === 'TCP' ? ['+tcp'] : [];
        for (const [name, type, lines] of expectations) {
          assert.deepEqual(await short(tool, at(name, type, options)), lines, `${name} ${type}`);
        }
      });
    }
  }

  it('dig: MX and SRV answers carry the in-zone targets’ addresses in the additional section', async () => {
    const mx = await dig(at('rr.example.test', 'MX'));
    assert.equal(mx.status, 'NOERROR');
    assert.ok(mx.flags.includes('aa'));
    assert.deepEqual(mx.additional, ['mail.rr.example.test. 30 IN A 192.0.2.25', 'mail.rr.example.test. 30 IN AAAA 2001:db8::25']);
    const srv = await kdig(at('_sip._tcp.rr.example.test', 'SRV'));
    assert.deepEqual(srv.answer, ['_sip._tcp.rr.example.test. 30 IN SRV 10 5 5060 sip.rr.example.test.']);
    assert.deepEqual(srv.additional, ['sip.rr.example.test. 30 IN A 192.0.2.60']);
  });

  it('NODATA for a type the name lacks, and ANY as one RRset (RFC 8482)', async () => {
    const nodata = await dig(at('mail.rr.example.test', 'MX'));
    assert.equal(nodata.status, 'NOERROR');
    assert.equal(nodata.answer.length, 0);
    assert.match(nodata.authority[0] ?? '', /^rr\.example\.test\. 20 IN SOA /);
    const any = await dig(at('rr.example.test', 'ANY'));
    assert.deepEqual(any.answer, ['rr.example.test. 30 IN MX 10 mail.rr.example.test.', 'rr.example.test. 30 IN MX 20 mx.example.net.']);
  });

  it('is still running and logged no handler errors', () => {
    assert.ok(server.alive());
    assert.equal(server.logs.filter((l) => l.level === 'error').length, 0);
  });
});
