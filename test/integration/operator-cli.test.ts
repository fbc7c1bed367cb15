// The operator commands (`meridian status`, `drain`, `undrain`, `explain`) run as an operator runs them: child
// processes talking to a real `meridian serve` through its admin API, with the answers checked with dig. A drain
// takes an address out of the DNS answer at once, explain says so, undrain restores it, and a drain kept in
// --state-file survives a restart. Transcripts go to stdout prefixed with '# ', so they show in the test log.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dig } from '../helpers/dig.js';
import { MERIDIAN_BIN, REPO_ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, TEST_ZONE_YAML, type ZoneDir } from '../helpers/zone-files.js';

const TOKEN = 'operator-cli-test-token-0123456789';
const RECORD = 'shop.gslb.example.test';
/** shop is failover [192.0.2.30, 192.0.2.40] without a health check: .30 answers until it is drained. */
const FIRST = '192.0.2.30';
/** pool answers 3 of 8 equally weighted targets: 336 ordered draws, more than the table keeps, so it samples. */
const POOL_ZONE_YAML = `zone: pool.example.test
ttl: 30
soa: { rname: hostmaster.example.test, refresh: 3600, retry: 600, expire: 86400, minimum: 20 }
nameservers:
  ns1.pool.example.test: [127.0.0.1]
records:
  pool:
    policy: weighted
    answers: 3
    targets:
${Array.from({ length: 8 }, (_, i) => `      - { address: 198.51.100.${i + 1} }`).join('\n')}
`;
const SECOND = '192.0.2.40';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of the commands: none of the operator's own MERIDIAN_ADMIN_* settings. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['MERIDIAN_ADMIN_URL', 'MERIDIAN_ADMIN_TOKEN', 'MERIDIAN_ADMIN_TOKEN_FILE', 'NO_COLOR']) delete env[name];
  return { ...env, ...extra };
}

function meridian(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MERIDIAN_BIN, ...args], { cwd: REPO_ROOT, timeout: 20_000, env: cleanEnv(env) }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Prints a command and its output to the test log, as an operator would see it. */
function transcript(args: readonly string[], run: Run): void {
  const shown = args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
  const output = `${run.stdout}${run.stderr}`.trimEnd();
  process.stdout.write(
    `# $ meridian ${shown}\n${output
      .split('\n')
      .map((line) => `# ${line}`)
      .join('\n')}\n#   (exit ${run.code})\n`,
  );
}

/** The lines from the first matching `start` to the next line indented no deeper than it (or a blank line). */
function block(text: string, start: RegExp): string {
  const lines = text.split('\n');
  const first = lines.findIndex((line) => start.test(line));
  if (first < 0) return '';
  const indent = /^ */.exec(lines[first])![0].length;
  let end = first + 1;
  while (end < lines.length && lines[end].trim() !== '' && /^ */.exec(lines[end])![0].length > indent) end++;
  return lines.slice(first, end).join('\n');
}

async function answersOf(server: ServerProcess): Promise<string[]> {
  const answer = await dig({ server: server.host, port: server.port, name: RECORD, type: 'A' });
  assert.equal(answer.status, 'NOERROR', answer.raw);
  return answer.answer.map((line) => line.split(' ').at(-1)!);
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, deadlineMs: number, what: string): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (performance.now() - started > deadlineMs) throw new Error(`${what}: not within ${deadlineMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitReady(server: ServerProcess): Promise<void> {
  await eventually(
    async () => (await fetch(`http://127.0.0.1:${server.adminPort}/readyz`)).status,
    (s) => s === 200,
    10_000,
    'ready',
  );
}

describe('meridian status, drain, undrain and explain against a real server', () => {
  let zones: ZoneDir;
  let scratch: string;
  let tokenFile: string;
  let stateFile: string;
  let server: ServerProcess;
  let admin: string;

  const start = async () => {
    server = await startServerProcess({ zonesDir: zones.dir, args: ['--admin-token-file', tokenFile, '--state-file', stateFile] });
    admin = `http://127.0.0.1:${server.adminPort}`;
    await waitReady(server);
  };

  before(async () => {
    zones = await makeZoneDir({ 'gslb.example.test.yaml': TEST_ZONE_YAML, 'pool.example.test.yaml': POOL_ZONE_YAML });
    scratch = await mkdtemp(path.join(tmpdir(), 'meridian-operator-'));
    tokenFile = path.join(scratch, 'token');
    stateFile = path.join(scratch, 'state.json');
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    await start();
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await zones?.remove();
    await rm(scratch, { recursive: true, force: true });
  });

  it('status shows every record, its policy and answer, and each address with its health', async () => {
    const args = ['status', '--admin', admin];
    const run = await meridian(args);
    transcript(args, run);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes('\u001b['), 'no colour when stdout is not a terminal');
    assert.match(run.stdout, new RegExp(`^Meridian at ${admin}: ready$`, 'm'));
    assert.match(run.stdout, /^ZONE gslb\.example\.test {2}serial \d+/m);
    assert.match(run.stdout, /^ {2}app\.gslb\.example\.test {2}weighted, when all down: all, no health check$/m);
    assert.match(run.stdout, /^ {4}#0 192\.0\.2\.10 +3 +192\.0\.2\.10 +up +- +no health check/m);
    assert.match(run.stdout, /^ +2001:db8::20 +up/m);
    assert.match(run.stdout, /^ {2}shop\.gslb\.example\.test {2}failover, when all down: all, no health check$/m);
    assert.match(run.stdout, /^ {4}answer: A 192\.0\.2\.30 {2}\[healthy\]$/m);
    assert.match(run.stdout, /^ {4}#1 192\.0\.2\.40 +2 +192\.0\.2\.40 +up/m);
    assert.match(run.stdout, /^ {4}www\.gslb\.example\.test +cname$/m);
    assert.match(run.stdout, /^DRAINS: none$/m);
  });

  it('status --json prints the /status document', async () => {
    const run = await meridian(['status', '--json', '--admin', admin]);
    assert.equal(run.code, 0, run.stderr);
    const document = JSON.parse(run.stdout) as { ready: boolean; zones: Array<{ zone: string; records: Array<{ name: string }> }> };
    assert.equal(document.ready, true);
    assert.equal(document.zones[0]?.zone, 'gslb.example.test');
    assert.ok(document.zones[0]?.records.some((r) => r.name === RECORD));
  });

  it('status shows the many answers of a record answering 3 of 8 targets, with shares summing to 1', async () => {
    const json = await meridian(['status', '--json', '--admin', admin]);
    assert.equal(json.code, 0, json.stderr);
    type Doc = { zones: Array<{ zone: string; records: Array<{ name: string; answer?: { A: Array<{ addresses: string[]; probability: number }> } }> }> };
    const pool = (JSON.parse(json.stdout) as Doc).zones.find((z) => z.zone === 'pool.example.test')?.records.find((r) => r.name === 'pool.pool.example.test');
    const sets = pool?.answer?.A ?? [];
    const distinct = new Set(sets.map((s) => s.addresses.join(',')));
    assert.ok(distinct.size > 1, `one answer set shown: ${[...distinct].join(' | ')}`);
    assert.equal(distinct.size, sets.length, 'each answer listed once');
    for (const set of sets) assert.equal(new Set(set.addresses).size, 3);
    const total = sets.reduce((sum, s) => sum + s.probability, 0);
    assert.ok(Math.abs(total - 1) < 1e-3, `shares sum to ${total}`);

    const args = ['status', '--admin', admin];
    const run = await meridian(args);
    transcript(args, run);
    assert.equal(run.code, 0, run.stderr);
    const line = block(run.stdout, /^ {2}pool\.pool\.example\.test/)
      .split('\n')
      .find((l) => l.trimStart().startsWith('answer: A '));
    assert.ok(line !== undefined, run.stdout);
    const shown = line
      .replace(/^ *answer: A /, '')
      .replace(/ {2}\[.*$/, '')
      .split(' | ')
      .filter((part) => !part.startsWith('+'));
    const shownSets = new Set(shown.map((part) => part.replace(/ \(.*\)$/, '')));
    assert.ok(shownSets.size > 1, `one answer set shown: ${line}`);
    assert.match(line, / \| \+\d+ more/);

    // explain lists the same answers (one function builds both), and says they are a sample.
    const explain = await meridian(['explain', 'pool.pool.example.test', '--json', '--admin', admin]);
    assert.equal(explain.code, 0, explain.stderr);
    const explained = JSON.parse(explain.stdout) as { sampled: boolean; answer: Array<{ addresses: string[]; probability: number }> };
    assert.equal(explained.sampled, true);
    assert.deepEqual(explained.answer, sets);
  });

  it('explain says why the first failover target answers', async () => {
    const args = ['explain', RECORD, '--admin', admin];
    const run = await meridian(args);
    transcript(args, run);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^record: balanced, policy failover, when all down: all$/m);
    assert.match(run.stdout, /^ {2}#0 192\.0\.2\.30 +1 +192\.0\.2\.30 up +- +chosen/m);
    assert.match(run.stdout, /^ {2}#1 192\.0\.2\.40 +2 +192\.0\.2\.40 up +- +-/m);
    assert.match(run.stdout, /^rule: healthy/m);
    assert.match(run.stdout, /^answer: 192\.0\.2\.30$/m);
  });

  it('refuses a wrong token with exit 1 and the 401 message, and changes nothing', async () => {
    const wrong = path.join(scratch, 'wrong-token');
    await writeFile(wrong, 'not-the-token-not-the-token\n');
    const args = ['drain', FIRST, '--admin', admin, '--token-file', wrong];
    const run = await meridian(args);
    transcript(args, run);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'meridian: the admin server refused the token (401): pass --token-file\n');
    assert.deepEqual(await answersOf(server), [FIRST]);
  });

  it('drain takes the address out of the answer at once, and explain says it is drained', async () => {
    const args = ['drain', FIRST, '--reason', 'test', '--admin', admin, '--token-file', tokenFile];
    const run = await meridian(args);
    transcript(args, run);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `drained ${FIRST} (reason: test): it is no longer served; 1 drain active\n`);
    const started = performance.now();
    await eventually(
      () => answersOf(server),
      (a) => a.length === 1 && a[0] === SECOND,
      2_000,
      'dig answers the second target',
    );
    process.stdout.write(`# dig ${RECORD} A answers ${SECOND} ${(performance.now() - started).toFixed(0)} ms after the drain returned\n`);

    const explainArgs = ['explain', RECORD, '--admin', admin];
    const explained = await meridian(explainArgs);
    transcript(explainArgs, explained);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /drained/);
    assert.match(explained.stdout, /^ {2}#0 192\.0\.2\.30 +1 +192\.0\.2\.30 up +drained +- /m);
    assert.match(explained.stdout, /^ {2}#1 192\.0\.2\.40 +2 +192\.0\.2\.40 up +- +chosen/m);
    assert.match(explained.stdout, /^answer: 192\.0\.2\.40$/m);

    const statusArgs = ['status', '--admin', admin];
    const status = await meridian(statusArgs);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^DRAINS\n {2}TARGET +SINCE +BY +REASON +UNTIL\n {2}192\.0\.2\.30 +\d+s ago +\S+ +test +-$/m);
    assert.match(status.stdout, /^ {4}answer: A 192\.0\.2\.40 {2}\[healthy\]$/m);
    assert.match(status.stdout, /^ {4}#0 192\.0\.2\.30 +1 +192\.0\.2\.30 +up +drained/m);
    // The parts of the picture that changed: the drains, and the record.
    transcript(statusArgs, { ...status, stdout: [block(status.stdout, /^DRAINS$/), '  ...', block(status.stdout, /^ {2}shop\./)].join('\n') });
  });

  it('a second drain of the same target is reported as such', async () => {
    const run = await meridian(['drain', FIRST, '--admin', admin, '--token-file', tokenFile]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${FIRST} was already drained; 1 drain active\n`);
  });

  it('a drain survives a restart with the same --state-file', async () => {
    await server.stop();
    await start();
    assert.deepEqual(await answersOf(server), [SECOND]);
    const run = await meridian(['status', '--json', '--admin', admin]);
    assert.equal(run.code, 0, run.stderr);
    const drains = (JSON.parse(run.stdout) as { drains: Array<{ target: string; reason?: string }> }).drains;
    assert.ok(
      drains.some((d) => d.target.includes(FIRST) && d.reason === 'test'),
      JSON.stringify(drains),
    );
    process.stdout.write(`# after a restart with the same --state-file: drains ${JSON.stringify(drains)}; dig answers ${SECOND}\n`);
  });

  it('undrain (token from MERIDIAN_ADMIN_TOKEN_FILE) puts the address back', async () => {
    const args = ['undrain', FIRST, '--admin', admin];
    const run = await meridian(args, { MERIDIAN_ADMIN_TOKEN_FILE: tokenFile });
    transcript(args, run);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `undrained ${FIRST}: it is served again when healthy; no drains active\n`);
    await eventually(
      () => answersOf(server),
      (a) => a.length === 1 && a[0] === FIRST,
      2_000,
      'dig answers the first target again',
    );
    const again = await meridian(['undrain', FIRST], { MERIDIAN_ADMIN_URL: admin, MERIDIAN_ADMIN_TOKEN: TOKEN });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `${FIRST} was not drained; no drains active\n`);
  });

  it('an unknown target is refused with the server message', async () => {
    const run = await meridian(['drain', '192.0.2.99', '--admin', admin, '--token-file', tokenFile]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^meridian: no cluster or address named '192\.0\.2\.99' in the zones served\n$/);
  });

  it('explain of an unknown name exits 1', async () => {
    const run = await meridian(['explain', 'nope.gslb.example.test', '--admin', admin]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'meridian: no record named nope.gslb.example.test in any zone served\n');
  });

  it('explain of static data, and of another type', async () => {
    const cname = await meridian(['explain', 'www.gslb.example.test', '--admin', admin]);
    assert.equal(cname.code, 0, cname.stderr);
    assert.match(cname.stdout, /^record: cname$/m);
    assert.match(cname.stdout, /app\.gslb\.example\.test/);
    const aaaa = await meridian(['explain', 'app.gslb.example.test', 'aaaa', '--admin', admin]);
    assert.equal(aaaa.code, 0, aaaa.stderr);
    assert.match(aaaa.stdout, /^app\.gslb\.example\.test AAAA {2}in zone gslb\.example\.test$/m);
    assert.match(aaaa.stdout, /^answer: 2001:db8::20$/m);
  });

  it('explain accepts a name relative to its zone, as an operator types it', async () => {
    const run = await meridian(['explain', 'shop', '--admin', admin]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^shop\.gslb\.example\.test A {2}in zone gslb\.example\.test$/m);
    assert.match(run.stdout, /^answer: 192\.0\.2\.30$/m);
  });

  it('explain refuses a type it does not explain, instead of explaining A', async () => {
    const run = await meridian(['explain', 'shop.gslb.example.test', 'MX', '--admin', admin]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^meridian: explain covers A and AAAA/);
    assert.equal(run.stdout, '');
    const response = await fetch(`${admin}/explain?name=shop.gslb.example.test&type=MX`);
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /explain covers A and AAAA/);
  });

  it('status exits 1 with a clear message when no server listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const args = ['status', '--admin', `127.0.0.1:${port}`];
    const run = await meridian(args);
    transcript(args, run);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `meridian: cannot reach the admin server at http://127.0.0.1:${port}: ECONNREFUSED; is meridian serve running? use --admin\n`);
    assert.equal(run.stdout, '');
  });
});

describe('meridian drain against a server without --admin-token-file', () => {
  let zones: ZoneDir;
  let server: ServerProcess;
  before(async () => {
    zones = await makeZoneDir();
    server = await startServerProcess({ zonesDir: zones.dir });
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await zones?.remove();
  });

  it('says the state-changing endpoints are disabled (403)', async () => {
    const run = await meridian(['drain', FIRST, '--admin', `http://127.0.0.1:${server.adminPort}`], { MERIDIAN_ADMIN_TOKEN: TOKEN });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'meridian: state-changing endpoints are disabled on this server: start it with --admin-token-file\n');
  });
});
