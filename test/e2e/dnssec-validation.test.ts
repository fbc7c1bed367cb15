// DNSSEC end to end (issue 19): a signed zone served by `meridian serve --dnssec-keys`, with keys made by
// `meridian dnssec keygen`, checked by two validators from Debian that share no code with Meridian:
//
//   dig +dnssec ──►  Unbound (127.0.19.4:53), validator, trust anchor: the DS `meridian dnssec ds` prints
//                      └── stub ──►  `meridian serve` (127.0.19.2), probing ingresses 127.0.19.71 and .72
//   delv ──────────────────────────►  `meridian serve`, the same DS as its trust anchor
//
// Unbound must set AD=1 on a positive answer, a CNAME answer, a NODATA, an NXDOMAIN, a name below an existing
// name, and an empty non-terminal, and still right after a health flip changed the answer (the new answer's
// signature was made at rebuild time, not per query). delv must report each as fully validated. Unbound listens
// on port 53 of a loopback address of its own: this test needs root, as CI has.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it, type TestContext } from 'node:test';
import { dig } from '../helpers/dig.js';
import { startUnbound, type Unbound } from '../helpers/dns-daemons.js';
import { waitForValue } from '../helpers/dns-client.js';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { MERIDIAN_BIN, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const run = promisify(execFile);
const ZONE = 'signed.example.test';
const MERIDIAN = '127.0.19.2';
const RESOLVER = '127.0.19.4';
const PRIMARY = '127.0.19.71';
const BACKUP = '127.0.19.72';

function zoneYaml(port: number): string {
  return `zone: ${ZONE}
ttl: 2
soa: { rname: hostmaster.example.test, minimum: 1 }
nameservers: { ns1.${ZONE}: [${MERIDIAN}] }
dnssec: {}
records:
  shop:
    policy: failover
    ttl: 1
    check: { protocol: http, port: ${port}, path: /healthz, interval: 1s, timeout: 500ms, fastInterval: 1s, rise: 1, fall: 1 }
    targets: [ { address: ${PRIMARY} }, { address: ${BACKUP} } ]
  www: { cname: shop.${ZONE} }
  lost: { cname: gone.${ZONE} }
  static: { a: [192.0.2.1], aaaa: ["2001:db8::1"], txt: ["signed"] }
  api.eu: { a: [192.0.2.50] }
`;
}

const CHILD = `sub.${ZONE}`;
const CHILD_YAML = `zone: ${CHILD}
ttl: 2
soa: { rname: hostmaster.example.test, minimum: 1 }
nameservers: { ns1.${CHILD}: [${MERIDIAN}] }
dnssec: {}
records:
  app: { a: [192.0.2.77] }
`;

/** The same checks on a zone with NSEC3 denial (RFC 9276 settings), its own trust anchor. */
const HASHED = 'hashed.example.test';
const HASHED_YAML = `zone: ${HASHED}
ttl: 2
soa: { rname: hostmaster.example.test, minimum: 1 }
nameservers: { ns1.${HASHED}: [${MERIDIAN}] }
dnssec: { denial: nsec3 }
records:
  www: { a: [192.0.2.88] }
  api.eu: { a: [192.0.2.89] }
`;

const isRoot = process.getuid?.() === 0;

describe('DNSSEC: Unbound and delv validate what Meridian signs', { skip: isRoot ? false : 'needs root to bind port 53 on loopback (CI runs as root)' }, () => {
  let keys: string;
  let ds: string;
  let hashedDs: string;
  let zones: ZoneDir;
  let ingresses: HttpIngress[] = [];
  let meridian: ServerProcess;
  let unbound: Unbound;
  let anchorFile: string;

  const viaUnbound = (name: string, type = 'A') => dig({ server: RESOLVER, port: 53, name, type, options: ['+rec', '+dnssec', '+tries=1', '+time=3'] });
  const delv = async (name: string, type = 'A') => {
    const { stdout, stderr } = await run(
      'delv',
      [`@${MERIDIAN}`, '-p', String(meridian.port), '-a', anchorFile, `+root=${name === HASHED || name.endsWith(`.${HASHED}`) ? HASHED : ZONE}`, name, type],
      {
        timeout: 15_000,
      },
    ).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
    return `${stdout}${stderr}`;
  };

  before(async () => {
    keys = await mkdtemp(path.join(os.tmpdir(), 'meridian-keys-'));
    await run(process.execPath, [MERIDIAN_BIN, 'dnssec', 'keygen', ZONE, '--dir', keys, '--ksk']);
    await run(process.execPath, [MERIDIAN_BIN, 'dnssec', 'keygen', ZONE, '--dir', keys]);
    // A served child zone with its own key: validators reach it through the DS the parent side answers.
    await run(process.execPath, [MERIDIAN_BIN, 'dnssec', 'keygen', CHILD, '--dir', keys, '--ksk']);
    await run(process.execPath, [MERIDIAN_BIN, 'dnssec', 'keygen', HASHED, '--dir', keys, '--algorithm', 'ed25519']);
    hashedDs = (await run(process.execPath, [MERIDIAN_BIN, 'dnssec', 'ds', HASHED, '--dir', keys])).stdout
      .split('\n')
      .find((line) => / DS /.test(line))!
      .trim();
    const printed = (await run(process.execPath, [MERIDIAN_BIN, 'dnssec', 'ds', ZONE, '--dir', keys])).stdout;
    ds = printed.split('\n').find((line) => / DS /.test(line))!;
    assert.ok(ds, `a DS line in: ${printed}`);
    const [tag, algorithm, digestType, digest] = ds.trim().split(/\s+/).slice(-4);
    anchorFile = path.join(keys, 'anchor.conf');
    const [hTag, hAlgorithm, hDigestType, hDigest] = hashedDs.split(/\s+/).slice(-4);
    await writeFile(
      anchorFile,
      `trust-anchors {\n  ${ZONE}. static-ds ${tag} ${algorithm} ${digestType} "${digest}";\n  ${HASHED}. static-ds ${hTag} ${hAlgorithm} ${hDigestType} "${hDigest}";\n};\n`,
    );

    const first = await startHttpIngress({ host: PRIMARY });
    ingresses = [first, await startHttpIngress({ host: BACKUP, port: first.port })];
    zones = await makeZoneDir({ [`${ZONE}.yaml`]: zoneYaml(first.port), [`${CHILD}.yaml`]: CHILD_YAML, [`${HASHED}.yaml`]: HASHED_YAML });
    meridian = await startServerProcess({ zonesDir: zones.dir, host: MERIDIAN, args: ['--no-rrl', '--dnssec-keys', keys] });
    await waitForValue(async () => (await fetch(`http://127.0.0.1:${meridian.adminPort}/readyz`)).status, 200, 10_000);
    unbound = await startUnbound({
      address: RESOLVER,
      port: 53,
      controlPort: 8954,
      stubs: [
        { name: ZONE, addresses: [`${MERIDIAN}@${meridian.port}`] },
        { name: HASHED, addresses: [`${MERIDIAN}@${meridian.port}`] },
      ],
      trustAnchors: [ds.trim(), hashedDs],
    });
  });
  after(async () => {
    await unbound?.stop();
    await meridian?.stop();
    for (const ingress of ingresses) await ingress.close();
    await zones?.remove();
    if (keys !== undefined) await rm(keys, { recursive: true, force: true });
  });

  const cases: ReadonlyArray<[what: string, name: string, type: string, status: string, answer: RegExp | undefined]> = [
    ['a positive answer of a health-checked record', `shop.${ZONE}`, 'A', 'NOERROR', new RegExp(`\\bA ${PRIMARY.replaceAll('.', '\\.')}$`)],
    ['a static record', `static.${ZONE}`, 'AAAA', 'NOERROR', /AAAA 2001:db8::1$/],
    ['a CNAME answer', `www.${ZONE}`, 'A', 'NOERROR', /CNAME shop\.signed\.example\.test\.$/],
    ['a CNAME into a name that does not exist', `lost.${ZONE}`, 'A', 'NXDOMAIN', /CNAME gone\.signed\.example\.test\.$/],
    ['a CNAME into a name without the type', `www.${ZONE}`, 'MX', 'NOERROR', /CNAME shop\.signed\.example\.test\.$/],
    ['a NODATA', `static.${ZONE}`, 'MX', 'NOERROR', undefined],
    ['an NXDOMAIN', `nope.${ZONE}`, 'A', 'NXDOMAIN', undefined],
    ['a name below an existing name', `deep.below.static.${ZONE}`, 'A', 'NXDOMAIN', undefined],
    ['an empty non-terminal', `eu.${ZONE}`, 'A', 'NOERROR', undefined],
    ['the DNSKEY RRset', ZONE, 'DNSKEY', 'NOERROR', /DNSKEY 257 3 13 /],
    ["a served child zone's answer, through the DS its parent answers", `app.${CHILD}`, 'A', 'NOERROR', /\bA 192\.0\.2\.77$/],
    ["the child's DS, from the parent side", CHILD, 'DS', 'NOERROR', / DS \d+ 13 2 /],
    ['an answer in an NSEC3 zone', `www.${HASHED}`, 'A', 'NOERROR', /\bA 192\.0\.2\.88$/],
    ['an NSEC3 NODATA', `www.${HASHED}`, 'MX', 'NOERROR', undefined],
    ['an NSEC3 NXDOMAIN', `nope.${HASHED}`, 'A', 'NXDOMAIN', undefined],
    ['an NSEC3 NXDOMAIN below an existing name', `a.b.www.${HASHED}`, 'A', 'NXDOMAIN', undefined],
    ['an NSEC3 empty non-terminal', `eu.${HASHED}`, 'A', 'NOERROR', undefined],
  ];
  for (const [what, name, type, status, answer] of cases)
    it(`Unbound: AD=1 for ${what} (${name} ${type})`, async (t: TestContext) => {
      const reply = await viaUnbound(name, type);
      t.diagnostic(`${reply.status} ${reply.flags.join(' ')}: ${reply.answer.join(' | ')}`);
      assert.equal(reply.status, status, unbound.output());
      assert.ok(reply.flags.includes('ad'), `AD set: ${reply.flags.join(' ')}\n${unbound.output()}`);
      if (answer !== undefined)
        assert.ok(
          reply.answer.some((line) => answer.test(line)),
          reply.answer.join('\n'),
        );
      else assert.equal(reply.answer.filter((line) => !/\sRRSIG\s/.test(line)).length, 0);
    });

  for (const [what, name, type] of cases)
    it(`delv: ${what} is fully validated`, async () => {
      const output = await delv(name, type);
      assert.match(output, /; (negative response, )?fully validated/, output);
    });

  it('right after a health flip changes the answer, the new answer validates too (AD=1)', async (t: TestContext) => {
    ingresses[0].setBehaviour({ kind: 'status', status: 503 });
    try {
      const started = performance.now();
      await waitForValue(async () => (await viaUnbound(`shop.${ZONE}`)).answer.some((line) => line.endsWith(` A ${BACKUP}`)), true, 15_000);
      t.diagnostic(`Unbound answered the backup after ${Math.round(performance.now() - started)} ms`);
      const reply = await viaUnbound(`shop.${ZONE}`);
      assert.ok(reply.flags.includes('ad'), `AD set after the flip: ${reply.flags.join(' ')}\n${unbound.output()}`);
      assert.match(await delv(`shop.${ZONE}`), /; fully validated[\s\S]*127\.0\.19\.72/);
    } finally {
      ingresses[0].setBehaviour({ kind: 'ok' });
    }
    await waitForValue(async () => (await viaUnbound(`shop.${ZONE}`)).answer.some((line) => line.endsWith(` A ${PRIMARY}`)), true, 15_000);
    assert.ok((await viaUnbound(`shop.${ZONE}`)).flags.includes('ad'), 'and after the recovery');
  });
});
