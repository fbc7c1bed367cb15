// The operator status page in a real browser: Debian's chromium, driven by playwright-core, opens the page the
// real `meridian serve` process serves at `/` on its admin port. Two real ingresses on 127.0.0.91 and
// 127.0.0.92 are probed over HTTP; one starts answering 503 and recovers, and the page must follow live (over
// server-sent events, without a reload). The assertions read what a person sees: visible text and computed
// colours. Every wait polls with a deadline. A full-page screenshot, taken while the primary is down, is saved to
// test-output/status-page.png.
//
// Then the page of a peer group: two real servers, a and b, probing the same ingresses and sending each other
// their verdicts (b serving one record more, as mid-rollout), and a third peer c that never answers. The page
// of a must show its peers, each address's vote chips, and b turning stale when b stops.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { MERIDIAN_BIN, REPO_ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const CHROMIUM = '/usr/bin/chromium';
const ZONE = 'gslb.example.test';
const RECORD = `shop.${ZONE}`;
const PRIMARY = '127.0.0.91';
const BACKUP = '127.0.0.92';
/** The geo record's two regions, each its own ingress. */
const EU = '127.0.0.93';
const US = '127.0.0.94';
/** Probing every 1 s with fall 1 and rise 1, a flip takes about a second; slow machines get room. */
const DEADLINE_MS = 15_000;
const SCREENSHOT = path.join(REPO_ROOT, 'test-output', 'status-page.png');
const BROKEN_FILE = 'broken.yaml';
const SIGNED_ZONE = 'signed.example.test';
const SIGNED_YAML = `zone: ${SIGNED_ZONE}\nsoa: { rname: hostmaster.example.test }\nnameservers: { ns1.${SIGNED_ZONE}: [127.0.0.1] }\ndnssec: {}\nrecords:\n  www: { a: [192.0.2.1] }\n`;
const BROKEN_ZONE = 'zone: broken.example.test\nsoa: { rname: hostmaster.example.test }\nnameservers: { ns1.broken.example.test: [127.0.0.1] }\nrecrods: {}\n';

/** The zone; with `geo`, also a client map and a geo record over the EU and US ingresses. */
function zoneYaml(port: number, geo = false): string {
  const map = `geo:
  clients:
    - { subnets: [10.2.0.0/16], prefer: [us-east, eu-west] }
  default: [eu-west, us-east]
`;
  const record = `  near:
    policy: geo
    check: { protocol: http, port: ${port}, path: /healthz, interval: 1s, timeout: 500ms, fastInterval: 1s, rise: 1, fall: 1 }
    targets: [ { address: ${EU}, region: eu-west }, { address: ${US}, region: us-east } ]
`;
  return `zone: ${ZONE}
ttl: 5
soa: { rname: hostmaster.example.test, minimum: 5 }
nameservers: { ns1.${ZONE}: [127.0.0.1] }
${geo ? map : ''}records:
${geo ? record : ''}  shop:
    policy: failover
    check: { protocol: http, port: ${port}, path: /healthz, interval: 1s, timeout: 500ms, fastInterval: 1s, rise: 1, fall: 1 }
    targets: [ { address: ${PRIMARY} }, { address: ${BACKUP} } ]
  www: { cname: shop.${ZONE} }
  pool:
    policy: weighted
    answers: 3
    targets:
${Array.from({ length: 8 }, (_, i) => `      - { address: 198.51.100.${i + 1} }`).join('\n')}
`;
}

/** The browser global the page functions below use (the project compiles without the DOM library). */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { readonly backgroundColor: string; readonly fill: string; readonly color: string };
}

/** What a person sees of an element: its rendered text and the colour name of its computed background. */
interface Looks {
  readonly visible: boolean;
  readonly text: string;
  readonly colour: string;
  readonly rgb: string;
}

/** Names the colour a person would name, from a computed `rgb(r, g, b)`. */
function colourName(rgb: string): string {
  const match = /rgba?\((\d+), (\d+), (\d+)/.exec(rgb);
  if (!match) return `unparsed ${rgb}`;
  const [r, g, b] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (Math.max(r, g, b) - Math.min(r, g, b) < 30) return 'grey';
  if (g > r + 40 && g > b + 20) return 'green';
  if (r > g + 60 && r > b + 40) return 'red';
  if (b > g + 40 && r > g + 40) return 'purple';
  return `other ${rgb}`;
}

/** Polls `observe` until `done` holds, or fails after the deadline with what was last seen. */
async function eventually<T>(what: string, observe: () => Promise<T>, done: (seen: T) => boolean, deadlineMs = DEADLINE_MS): Promise<T> {
  const started = performance.now();
  let seen: T | undefined;
  let error: unknown;
  for (;;) {
    try {
      seen = await observe();
      error = undefined;
      if (done(seen)) return seen;
    } catch (caught) {
      error = caught;
    }
    if (performance.now() - started > deadlineMs) {
      assert.fail(
        `${what}: not seen within ${deadlineMs} ms; last seen: ${error === undefined ? JSON.stringify(seen, null, 2) : error instanceof Error ? error.message : JSON.stringify(error)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the status page, in a real browser', () => {
  let browser: Browser | undefined;
  let page: Page;
  let zones: ZoneDir | undefined;
  let server: ServerProcess | undefined;
  const ingresses: HttpIngress[] = [];
  let url: string;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];
  let navigations = 0;
  let keys: string | undefined;
  let screenshotTaken = false;
  /** The whole page as a person sees it, saved in test-output for a look after the run. */
  const screenshot = async () => {
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    screenshotTaken = true;
    process.stdout.write(`# screenshot: ${SCREENSHOT}\n`);
  };

  const record = () => page.locator(`[data-testid="record"][data-name="${RECORD}"]`);
  const cell = (address: string) => record().locator(`[data-testid="address-cell"][data-address="${address}"]`);
  const looks = async (locator: Locator): Promise<Looks> => {
    const visible = await locator.isVisible();
    const text = visible ? await locator.innerText({ timeout: 1_000 }) : '';
    const rgb = visible
      ? await locator.evaluate((element) => (globalThis as unknown as BrowserGlobals).getComputedStyle(element).backgroundColor, undefined, { timeout: 1_000 })
      : '';
    return { visible, text, rgb, colour: colourName(rgb) };
  };
  const answerText = async () => (await record().locator('[data-testid="record-answer"]').innerText({ timeout: 1_000 })).replace(/\s+/g, ' ');
  const isHealth = (seen: Looks, health: string, colour: string) =>
    seen.visible && new RegExp(`\\b${health}\\b`, 'i').test(seen.text) && seen.colour === colour;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      assert.fail(
        `${CHROMIUM} is missing: this test drives Debian's chromium. Run \`bash scripts/test.sh\` (it installs it), or \`apt-get install chromium\`.`,
      );
    }
    const primary = await startHttpIngress({ host: PRIMARY });
    ingresses.push(primary, await startHttpIngress({ host: BACKUP, port: primary.port }));
    ingresses.push(await startHttpIngress({ host: EU, port: primary.port }), await startHttpIngress({ host: US, port: primary.port }));
    // And a second team's file with a typo: it must not stop this zone, and the page must show it.
    // And a signed zone, to show its keys and signature expiry.
    keys = await mkdtemp(path.join(tmpdir(), 'meridian-page-keys-'));
    await promisify(execFile)(process.execPath, [MERIDIAN_BIN, 'dnssec', 'keygen', SIGNED_ZONE, '--dir', keys, '--ksk']);
    zones = await makeZoneDir({ 'zone.yaml': zoneYaml(primary.port, true), [BROKEN_FILE]: BROKEN_ZONE, 'signed.yaml': SIGNED_YAML });
    server = await startServerProcess({ zonesDir: zones.dir, args: ['--dnssec-keys', keys] });
    assert.ok(server.adminPort, 'the server logs its admin port');
    url = `http://127.0.0.1:${server.adminPort}/`;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(url) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
    const response = await page.goto(url);
    assert.equal(response?.status(), 200, `GET ${url} serves the status page`);
    assert.match(response?.headers()['content-type'] ?? '', /^text\/html/);
  });

  after(async () => {
    // Taken while the primary is down; if a test failed before that, what the page showed then.
    if (browser !== undefined && page !== undefined && !screenshotTaken) await screenshot();
    await browser?.close();
    await server?.stop();
    for (const ingress of ingresses) await ingress.close();
    await zones?.remove();
    if (keys !== undefined) await rm(keys, { recursive: true, force: true });
  });

  it('shows the record, both addresses up in green, and the answer from the primary', async () => {
    const name = record().locator('.record-name');
    await eventually(
      'the record name',
      async () => ({ visible: await name.isVisible(), text: await name.innerText({ timeout: 1_000 }) }),
      (s) => s.visible && s.text === RECORD,
    );
    const primary = await eventually(
      `${PRIMARY} up`,
      () => looks(cell(PRIMARY)),
      (s) => isHealth(s, 'up', 'green'),
    );
    await eventually(
      `${BACKUP} up`,
      () => looks(cell(BACKUP)),
      (s) => isHealth(s, 'up', 'green'),
    );
    assert.match(primary.text, new RegExp(PRIMARY.replaceAll('.', '\\.')));
    assert.match(primary.text, /up for \d+s/, 'the time since the last change is shown');
    const answer = await eventually('the answer from the primary', answerText, (text) => text.includes(PRIMARY));
    assert.match(answer, /healthy/);
    assert.doesNotMatch(answer, new RegExp(BACKUP.replaceAll('.', '\\.')));
    assert.match(await record().innerText(), /failover/, 'the policy is shown');

    const connection = await looks(page.locator('[data-testid="connection"]'));
    assert.equal(connection.text.trim(), 'live');
    assert.equal(connection.colour, 'green');
    assert.equal((await looks(page.locator('[data-testid="ready"]'))).text, 'ready');
    await page.evaluate('window.meridianTestMarker = "same document"');
  });

  it('shows several possible answers of a record answering 3 of 8 targets, then how many more', async () => {
    const pool = page.locator(`[data-testid="record"][data-name="pool.${ZONE}"] [data-testid="record-answer"]`);
    const sets = await eventually(
      'the answers of pool',
      async () => pool.locator('[data-testid="answer-set"]').allInnerTexts(),
      (seen) => seen.length > 0,
    );
    const distinct = new Set(sets.map((text) => text.replace(/ \(.*\)$/, '')));
    assert.ok(distinct.size > 1, `one answer shown: ${sets.join(' | ')}`);
    assert.ok(sets.length <= 4, `a few answers, not all: ${sets.length}`);
    assert.match(await pool.locator('[data-testid="answer-more"]').innerText({ timeout: 1_000 }), /^\+\d+ more$/);
  });

  it('turns the primary red with the reason, and switches the answer to the backup, live', async (t) => {
    const started = performance.now();
    ingresses[0].setBehaviour({ kind: 'status', status: 503 });
    const down = await eventually(
      `${PRIMARY} down`,
      () => looks(cell(PRIMARY)),
      (s) => isHealth(s, 'down', 'red'),
    );
    t.diagnostic(`the page showed ${PRIMARY} down after ${Math.round(performance.now() - started)} ms`);
    assert.match(down.text, /status 503/, 'the reason is shown');
    assert.match(down.text, /down for \d+s/);
    assert.ok(isHealth(await looks(cell(BACKUP)), 'up', 'green'), 'the backup stays up');
    const answer = await eventually('the answer from the backup', answerText, (text) => text.includes(BACKUP) && !text.includes(PRIMARY));
    assert.match(answer, /healthy/);
    assert.equal(await page.evaluate('window.meridianTestMarker'), 'same document', 'the page updated without a reload');
    assert.equal(navigations, 1, 'one navigation: the first load');
  });

  it("shows a geo record's regions with their health and each walk's answer, and follows a region going down", async () => {
    const near = page.locator(`[data-testid="record"][data-name="near.${ZONE}"]`);
    const regions = async () =>
      Object.fromEntries(
        await Promise.all(
          (await near.locator('[data-testid="region"]').all()).map(async (badge) => [
            await badge.getAttribute('data-region'),
            `${await badge.getAttribute('data-health')} ${colourName(await badge.evaluate((element) => (globalThis as unknown as BrowserGlobals).getComputedStyle(element).backgroundColor))}`,
          ]),
        ),
      ) as Record<string, string>;
    const walks = async () => (await near.locator('[data-testid="walk"]').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
    await eventually('both regions up, in green', regions, (seen) => seen['eu-west'] === 'up green' && seen['us-east'] === 'up green');
    assert.deepEqual(await walks(), [`geo.clients[0] (subnets 10.2.0.0/16) us-east > eu-west us-east ${US} -`, `default eu-west > us-east eu-west ${EU} -`]);
    assert.match(await near.locator('[data-testid="record-answer"]').innerText(), /answering clients no rule covers/);
    assert.deepEqual(await near.locator('[data-testid="target-region"]').allInnerTexts(), ['region eu-west', 'region us-east']);

    ingresses[2].setBehaviour({ kind: 'status', status: 503 });
    try {
      await eventually('eu-west down, in red', regions, (seen) => seen['eu-west'] === 'down red' && seen['us-east'] === 'up green');
      await eventually(
        'the default walk answers from us-east, skipping eu-west',
        walks,
        (seen) => seen[1] === `default eu-west > us-east us-east ${US} skipped eu-west -`,
      );
    } finally {
      ingresses[2].setBehaviour({ kind: 'ok' });
    }
    await eventually('eu-west up again', regions, (seen) => seen['eu-west'] === 'up green');
  });

  it('draws the transition on the timeline, red, with its reason in the marker title', async () => {
    const timeline = page.locator('[data-testid="timeline"]');
    const row = timeline.locator(`[data-testid="timeline-row"][data-address="${PRIMARY}"]`);
    await eventually(
      'a timeline row labelled with the primary',
      async () => ((await row.isVisible()) ? ((await row.locator('text').first().textContent({ timeout: 1_000 })) ?? '') : ''),
      (text) => text.includes(PRIMARY),
    );
    const marker = row.locator('[data-testid="transition"][data-to="down"]').last();
    assert.ok(await marker.isVisible(), 'the marker is drawn');
    const fill = colourName(await marker.evaluate((element) => (globalThis as unknown as BrowserGlobals).getComputedStyle(element).fill));
    assert.equal(fill, 'red');
    const title = (await marker.locator('title').textContent()) ?? '';
    assert.ok(title.includes(`${RECORD} ${PRIMARY}: up → down`), `the marker's title names the change: ${title}`);
    assert.ok(title.includes('status 503'), `the marker's title gives the reason: ${title}`);
    await screenshot();
  });

  it('turns the primary green again when it recovers, and serves it again', async () => {
    ingresses[0].setBehaviour({ kind: 'ok' });
    await eventually(
      `${PRIMARY} up again`,
      () => looks(cell(PRIMARY)),
      (s) => isHealth(s, 'up', 'green'),
    );
    await eventually('the answer from the primary again', answerText, (text) => text.includes(PRIMARY) && !text.includes(BACKUP));
    const up = page.locator(`[data-testid="timeline-row"][data-address="${PRIMARY}"] [data-testid="transition"][data-to="up"]`).last();
    await eventually(
      'a green recovery marker',
      async () =>
        colourName(await up.evaluate((element) => (globalThis as unknown as BrowserGlobals).getComputedStyle(element).fill, undefined, { timeout: 1_000 })),
      (c) => c === 'green',
    );
  });

  it('shows a signed zone with the time left on its signatures, in green, and its keys on hover', async () => {
    const signed = page.locator('summary', { hasText: SIGNED_ZONE }).locator('[data-testid="dnssec"]');
    const seen = await eventually(
      'the signed badge',
      () => looks(signed),
      (s) => s.visible && /^signed, expires in 13d 2\dh$/.test(s.text),
    );
    assert.equal(seen.colour, 'green');
    assert.match((await signed.getAttribute('title')) ?? '', /^DNSSEC keys: \d+ ECDSAP256SHA256 KSK$/);
  });

  it('lists the zone file that failed to load, with file:line:column and what its zone answers, in red', async () => {
    const failed = page.locator('[data-testid="failed-file"]');
    const seen = await eventually(
      'the failed file',
      () => looks(failed),
      (s) => s.visible && s.text.includes(BROKEN_FILE),
    );
    assert.match(seen.text, /zone broken\.example\.test/);
    assert.match(seen.text, new RegExp(`${BROKEN_FILE.replace('.', '\\.')}:4:1: unknown key 'recrods'`));
    const serving = await looks(failed.locator('[data-testid="failed-serving"]'));
    assert.equal(serving.text, 'answering SERVFAIL');
    assert.equal(serving.colour, 'red');
    assert.equal((await looks(page.locator('[data-testid="failed-count"]'))).text, '1 zone file failed to load');
    assert.equal((await looks(page.locator('[data-testid="ready"]'))).text, 'ready', 'a failed file of another zone does not make the server unready');
  });

  it('loaded nothing from elsewhere, and raised no error', () => {
    assert.deepEqual(foreignRequests, [], 'no external assets');
    assert.deepEqual(pageErrors, []);
  });
});

/** A port free on 127.0.0.1 now: b's peer port must be known before a starts, since each names the other. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

describe('the status page of a peer group, in a real browser', () => {
  let browser: Browser | undefined;
  let page: Page;
  const servers: ServerProcess[] = [];
  const ingresses: HttpIngress[] = [];
  const zoneDirs: ZoneDir[] = [];
  let secrets: string | undefined;
  const pageErrors: string[] = [];

  const peerRow = (instance: string) => page.locator(`[data-testid="peer"][data-instance="${instance}"]`);
  const vote = (address: string, instance: string) =>
    page.locator(
      `[data-testid="record"][data-name="${RECORD}"] [data-testid="address-cell"][data-address="${address}"] [data-testid="vote"][data-instance="${instance}"]`,
    );
  const attributes = async (locator: Locator, names: readonly string[]) => {
    if (!(await locator.isVisible())) return { visible: false };
    const seen: Record<string, string | boolean | null> = { visible: true, text: await locator.innerText({ timeout: 1_000 }) };
    for (const name of names) seen[name] = await locator.getAttribute(name, { timeout: 1_000 });
    return seen;
  };

  before(async () => {
    const primary = await startHttpIngress({ host: PRIMARY });
    ingresses.push(primary, await startHttpIngress({ host: BACKUP, port: primary.port }));
    secrets = await mkdtemp(path.join(tmpdir(), 'meridian-peer-token-'));
    const tokenFile = path.join(secrets, 'token');
    await writeFile(tokenFile, 'status-page-peer-token-0123456789\n', { mode: 0o600 });
    // b serves one checked record more: its verdicts on it are about a probe a does not have.
    const extra = `  extra:\n    policy: failover\n    check: { protocol: http, port: ${primary.port}, path: /extra, interval: 1s, timeout: 500ms, rise: 1, fall: 1 }\n    targets: [ { address: ${BACKUP} } ]\n`;
    zoneDirs.push(await makeZoneDir({ 'zone.yaml': zoneYaml(primary.port) }), await makeZoneDir({ 'zone.yaml': zoneYaml(primary.port) + extra }));
    const [bPeerPort, silentPort] = [await freePort(), await freePort()];
    const group = (instance: string) => ['--instance', instance, '--peer-token-file', tokenFile, '--peer-stale-after', '1s'];
    const a = await startServerProcess({
      zonesDir: zoneDirs[0].dir,
      args: [...group('a'), '--peer-listen', '127.0.0.1:0', '--peer', `b=http://127.0.0.1:${bPeerPort}`, '--peer', `c=http://127.0.0.1:${silentPort}`],
    });
    servers.push(a);
    const listening = await a.waitForLog((line) => line.msg === 'peer link listening');
    const b = await startServerProcess({
      zonesDir: zoneDirs[1].dir,
      args: [...group('b'), '--peer-listen', `127.0.0.1:${bPeerPort}`, '--peer', `a=http://127.0.0.1:${String(listening.port)}`],
    });
    servers.push(b);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    const response = await page.goto(`http://127.0.0.1:${a.adminPort}/`);
    assert.equal(response?.status(), 200);
  });

  after(async () => {
    await browser?.close();
    for (const server of servers) await server.stop();
    for (const ingress of ingresses) await ingress.close();
    for (const dir of zoneDirs) await dir.remove();
    if (secrets !== undefined) await rm(secrets, { recursive: true, force: true });
  });

  it('shows this instance, the quorum rule and every peer: b connected and voting, c down and never heard', async () => {
    const panel = page.locator('[data-testid="peer-group"]');
    await eventually(
      'the peer group panel',
      async () => ((await panel.isVisible()) ? await panel.innerText({ timeout: 1_000 }) : ''),
      (text) => text.includes('This instance: a'),
    );
    assert.match(await panel.innerText(), /Quorum: a strict majority; a peer silent for 1s no longer votes/);
    const b = await eventually(
      'b connected and fresh',
      () => attributes(peerRow('b'), ['data-connected', 'data-fresh']),
      (seen) => seen['data-connected'] === 'true' && seen['data-fresh'] === 'true',
    );
    assert.match(String(b.text), /connected/);
    assert.match(String(b.text), /\d+s ago/, 'its last message, as an age');
    assert.match(String(b.text), /[+−±]\d+ ms/, 'its clock skew');
    const c = await attributes(peerRow('c'), ['data-connected', 'data-fresh']);
    assert.equal(c['data-connected'], 'false');
    assert.match(String(c.text), /down/);
    assert.match(String(c.text), /stale: not voting/);
    assert.match(String(c.text), /never/);
  });

  it('warns that b sends verdicts about probes a does not have', async () => {
    const warning = peerRow('b').locator('[data-testid="peer-unknown"]');
    const text = await eventually(
      'the unknown-verdicts warning',
      async () => ((await warning.isVisible()) ? await warning.innerText({ timeout: 1_000 }) : ''),
      (seen) => seen !== '',
    );
    assert.match(text, /^\d+ about probes this instance does not have: serves other zone files\?$/);
    assert.equal(colourName(await warning.evaluate((element) => (globalThis as unknown as BrowserGlobals).getComputedStyle(element).color)), 'red', 'in red');
  });

  it('shows each vantage point on each address: here and b, both up', async () => {
    for (const address of [PRIMARY, BACKUP]) {
      for (const instance of ['self', 'b']) {
        const seen = await eventually(
          `${instance}'s vote on ${address}`,
          () => attributes(vote(address, instance), ['data-verdict', 'data-fresh']),
          (s) => s['data-verdict'] === 'up' && s['data-fresh'] === 'true',
        );
        assert.equal(seen.text, `${instance === 'self' ? 'here' : instance} up`);
      }
    }
    const title = await page
      .locator(`[data-testid="record"][data-name="${RECORD}"] [data-testid="address-cell"][data-address="${PRIMARY}"] [data-testid="votes"]`)
      .getAttribute('title');
    assert.match(title ?? '', /^up by quorum \(a strict majority\): 0 of 2 vantage points see it down \(here: up, b: up\)$/);
  });

  it('shows b down and stale, and its vote faded, once b stops', async () => {
    await servers[1].stop();
    await eventually(
      'b down and stale',
      () => attributes(peerRow('b'), ['data-connected', 'data-fresh']),
      (seen) => seen['data-connected'] === 'false' && seen['data-fresh'] === 'false',
    );
    await eventually(
      "b's vote stale",
      () => attributes(vote(PRIMARY, 'b'), ['data-fresh']),
      (seen) => seen['data-fresh'] === 'false',
    );
    assert.deepEqual(pageErrors, []);
  });
});
