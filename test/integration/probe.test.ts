// The real prober against real servers on loopback: what counts as healthy, how each way of failing is
// reported, that the timeout is one deadline for the whole probe, and that no probe leaves anything open.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BODY_READ_LIMIT_BYTES, createProber, describeProbeError, hostHeaderValue, PROBE_USER_AGENT } from '../../src/health/probe.js';
import { probeKey, type ProbeResult, type ProbeSpec } from '../../src/health/types.js';
import { startHttpIngress, startRawIngress, startTcpIngress, type HttpIngress, type IngressBehaviour, type IngressControls } from '../helpers/ingress.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';

const HOST = 'app.gslb.example.test';
const HTTP_ADDRESS = '127.0.0.11';
const HTTPS_ADDRESS = '127.0.0.12';
const REFUSING_ADDRESS = '127.0.0.13';
const SELF_SIGNED_ADDRESS = '127.0.0.14';
const TCP_ADDRESS = '127.0.0.15';

const prober = createProber();

type SpecInput = Partial<Omit<ProbeSpec, 'key'>> & Pick<ProbeSpec, 'protocol' | 'address' | 'port'>;

function spec(input: SpecInput): ProbeSpec {
  const fields: Omit<ProbeSpec, 'key'> = {
    host: HOST,
    path: '/healthz',
    timeoutMs: 2_000,
    expect: [[200, 399]],
    headers: {},
    tls: { insecureSkipVerify: false },
    ...input,
  };
  return { key: probeKey(fields), ...fields };
}

function httpSpec(ingress: IngressControls, input: Partial<SpecInput> = {}): ProbeSpec {
  return spec({ protocol: 'http', address: ingress.address, port: ingress.port, ...input });
}

/** The result with its duration left out, for deepEqual. */
function outcome(result: ProbeResult): Omit<ProbeResult, 'durationMs'> {
  const { durationMs, ...rest } = result;
  assert.ok(Number.isFinite(durationMs) && durationMs >= 0, `durationMs ${durationMs}`);
  return rest;
}

function assertTimedOut(result: ProbeResult, timeoutMs: number): void {
  assert.deepEqual(outcome(result), { ok: false, failure: 'timeout', reason: `timeout after ${timeoutMs} ms` });
  // A correctness bound, not a speed requirement: the deadline is neither early nor extended.
  assert.ok(result.durationMs >= timeoutMs * 0.9, `gave up after ${result.durationMs} ms, before the ${timeoutMs} ms budget`);
  assert.ok(result.durationMs < timeoutMs + 1_000, `gave up after ${result.durationMs} ms, long after the ${timeoutMs} ms budget`);
}

/** A port on REFUSING_ADDRESS that nothing listens on: bound once, then released. */
async function refusingPort(): Promise<number> {
  const ingress = await startTcpIngress({ host: REFUSING_ADDRESS });
  await ingress.kill();
  return ingress.port;
}

/** Counts of the handle kinds a probe creates: sockets and timers. */
function probeResources(): { sockets: number; timers: number } {
  const active = process.getActiveResourcesInfo();
  return {
    sockets: active.filter((kind) => kind.startsWith('TCPSocketWrap') || kind.startsWith('TLSWrap')).length,
    timers: active.filter((kind) => kind === 'Timeout').length,
  };
}

/** Waits until sockets and timers are back to a baseline; closing handles takes a turn of the event loop. */
async function assertResourcesBackTo(baseline: { sockets: number; timers: number }, deadlineMs = 3_000): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const now = probeResources();
    if (now.sockets <= baseline.sockets && now.timers <= baseline.timers) return;
    if (performance.now() > deadline) {
      assert.fail(`still open after ${deadlineMs} ms: ${JSON.stringify(now)}, before the probes: ${JSON.stringify(baseline)}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('http probe', () => {
  let ingress: HttpIngress;
  before(async () => {
    ingress = await startHttpIngress({ host: HTTP_ADDRESS });
  });
  after(() => ingress?.close());

  const needle = 'ready';
  const filler = (bytes: number) => 'x'.repeat(bytes);
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly behaviour: IngressBehaviour;
    readonly probe?: Partial<SpecInput>;
    readonly expected: Omit<ProbeResult, 'durationMs'>;
  }> = [
    { name: '200 is healthy', behaviour: { kind: 'ok' }, expected: { ok: true, reason: 'status 200', status: 200 } },
    {
      name: '503 fails on status',
      behaviour: { kind: 'status', status: 503 },
      expected: { ok: false, failure: 'status', reason: 'status 503', status: 503 },
    },
    {
      name: 'a redirect is healthy by default (200-399)',
      behaviour: { kind: 'status', status: 302 },
      expected: { ok: true, reason: 'status 302', status: 302 },
    },
    {
      name: '204 fails when only 200 is expected',
      behaviour: { kind: 'status', status: 204 },
      probe: { expect: [[200, 200]] },
      expected: { ok: false, failure: 'status', reason: 'status 204', status: 204 },
    },
    {
      name: '204 is healthy when any of several ranges holds it',
      behaviour: { kind: 'status', status: 204 },
      probe: {
        expect: [
          [200, 200],
          [204, 204],
        ],
      },
      expected: { ok: true, reason: 'status 204', status: 204 },
    },
    {
      name: 'a body containing the text is healthy',
      behaviour: { kind: 'body', text: `status: ${needle}\n` },
      probe: { body: needle },
      expected: { ok: true, reason: 'status 200', status: 200 },
    },
    {
      name: 'a body without the text fails on body',
      behaviour: { kind: 'body', text: 'status: starting\n' },
      probe: { body: needle },
      expected: { ok: false, failure: 'body', reason: 'body does not contain "ready"', status: 200 },
    },
    {
      name: 'an unexpected status fails on status even when the body matches',
      behaviour: { kind: 'body', text: needle, status: 500 },
      probe: { body: needle },
      expected: { ok: false, failure: 'status', reason: 'status 500', status: 500 },
    },
    {
      name: 'a body far larger than the read limit matches when the text comes first',
      behaviour: { kind: 'body', text: needle + filler(4 * BODY_READ_LIMIT_BYTES) },
      probe: { body: needle },
      expected: { ok: true, reason: 'status 200', status: 200 },
    },
    {
      name: 'text ending exactly at the read limit matches',
      behaviour: { kind: 'body', text: filler(BODY_READ_LIMIT_BYTES - needle.length) + needle + filler(1_000) },
      probe: { body: needle },
      expected: { ok: true, reason: 'status 200', status: 200 },
    },
    {
      name: 'text straddling the read limit counts as missing',
      behaviour: { kind: 'body', text: filler(BODY_READ_LIMIT_BYTES - 2) + needle + filler(1_000) },
      probe: { body: needle },
      expected: { ok: false, failure: 'body', reason: 'body does not contain "ready"', status: 200 },
    },
    {
      name: 'text past the read limit counts as missing',
      behaviour: { kind: 'body', text: filler(BODY_READ_LIMIT_BYTES + 10) + needle },
      probe: { body: needle },
      expected: { ok: false, failure: 'body', reason: 'body does not contain "ready"', status: 200 },
    },
    {
      name: 'multi-byte text matches',
      behaviour: { kind: 'body', text: 'état: prêt ✓' },
      probe: { body: 'prêt ✓' },
      expected: { ok: true, reason: 'status 200', status: 200 },
    },
  ];

  for (const { name, behaviour, probe, expected } of cases) {
    it(name, async () => {
      ingress.setBehaviour(behaviour);
      const result = await prober.probe(httpSpec(ingress, probe));
      assert.deepEqual(outcome(result), expected);
    });
  }

  it('sends one GET with the Host header, its own user agent, Connection: close and the configured headers', async () => {
    ingress.setBehaviour({ kind: 'ok' });
    const before = ingress.requests.length;
    const result = await prober.probe(httpSpec(ingress, { path: '/health/ready?full=1', headers: { 'X-Probe-Token': 's3cret', Accept: 'text/plain' } }));
    assert.equal(result.ok, true, result.reason);
    assert.equal(ingress.requests.length, before + 1);
    const request = ingress.requests.at(-1)!;
    assert.equal(request.method, 'GET');
    assert.equal(request.path, '/health/ready?full=1');
    assert.equal(request.host, `${HOST}:${ingress.port}`);
    assert.equal(request.servername, undefined);
    assert.equal(request.headers['user-agent'], PROBE_USER_AGENT);
    assert.equal(request.headers.connection, 'close');
    assert.equal(request.headers['x-probe-token'], 's3cret');
    assert.equal(request.headers.accept, 'text/plain');
  });

  it('a configured User-Agent replaces its own rather than adding a second', async () => {
    ingress.setBehaviour({ kind: 'ok' });
    await prober.probe(httpSpec(ingress, { headers: { 'User-Agent': 'kube-probe/1.31' } }));
    const request = ingress.requests.at(-1)!;
    assert.equal(request.headers['user-agent'], 'kube-probe/1.31');
  });

  it('does not wait for the body when no body is asked for', async () => {
    // The body never finishes: a probe waiting for it would time out.
    ingress.setBehaviour({ kind: 'trickle', phase: 'body', intervalMs: 100 });
    const result = await prober.probe(httpSpec(ingress, { timeoutMs: 5_000 }));
    assert.deepEqual(outcome(result), { ok: true, reason: 'status 200', status: 200 });
  });

  it('reports a request it cannot even send as an error, without throwing', async () => {
    const badPath = await prober.probe(httpSpec(ingress, { path: '/with space' }));
    assert.equal(badPath.ok, false);
    assert.equal(badPath.failure, 'error');
    assert.match(badPath.reason, /unescaped characters/i);
    const badHeader = await prober.probe(httpSpec(ingress, { headers: { 'x-bad': 'line\nbreak' } }));
    assert.equal(badHeader.ok, false);
    assert.equal(badHeader.failure, 'error');
  });

  it('is refused while the ingress is down, and healthy once it is back', async () => {
    const down = await startHttpIngress({ host: REFUSING_ADDRESS });
    try {
      await down.kill();
      const refused = await prober.probe(httpSpec(down));
      assert.deepEqual(outcome(refused), { ok: false, failure: 'refused', reason: 'connection refused' });
      await down.revive();
      const back = await prober.probe(httpSpec(down));
      assert.deepEqual(outcome(back), { ok: true, reason: 'status 200', status: 200 });
    } finally {
      await down.close();
    }
  });

  // Servers that misbehave below HTTP, written against raw sockets.
  const brokenServers: ReadonlyArray<{
    readonly name: string;
    readonly serve: (socket: net.Socket) => void;
    readonly probe?: Partial<SpecInput>;
    /** reason may be a pattern where the text is Node's own. */
    readonly expected: Omit<ProbeResult, 'durationMs' | 'reason'> & { readonly reason: string | RegExp };
  }> = [
    {
      name: 'a reset (RST) on the request is a reset',
      serve: (socket) => socket.once('data', () => socket.resetAndDestroy()),
      expected: { ok: false, failure: 'reset', reason: 'connection reset' },
    },
    {
      name: 'a close before any response is a reset',
      serve: (socket) => socket.once('data', () => socket.end()),
      expected: { ok: false, failure: 'reset', reason: 'connection reset' },
    },
    {
      name: 'a body cut short of its Content-Length is a reset',
      serve: (socket) => socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nnot ready')),
      probe: { body: 'ready!' },
      expected: { ok: false, failure: 'reset', reason: 'connection reset' },
    },
    {
      name: 'a body ended by closing the connection is complete',
      serve: (socket) => socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nnot ready')),
      probe: { body: 'ready!' },
      expected: { ok: false, failure: 'body', reason: 'body does not contain "ready!"', status: 200 },
    },
    {
      // Without the cap the probe would wait for an end that never comes, and time out instead.
      name: 'a body that passes the read limit without the text, and never ends, fails on body at once',
      serve: (socket) => socket.once('data', () => socket.write(`HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(BODY_READ_LIMIT_BYTES + 1)}`)),
      probe: { body: 'ready', timeoutMs: 10_000 },
      expected: { ok: false, failure: 'body', reason: 'body does not contain "ready"', status: 200 },
    },
    {
      name: 'a body with the text, that never ends, is healthy at once',
      serve: (socket) => socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\n\r\nstatus: ready, and more to come')),
      probe: { body: 'ready', timeoutMs: 10_000 },
      expected: { ok: true, reason: 'status 200', status: 200 },
    },
    {
      name: 'a response that is not HTTP is an error',
      serve: (socket) => socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n')),
      expected: { ok: false, failure: 'error', reason: /^Parse Error: / },
    },
  ];
  for (const { name, serve, probe, expected } of brokenServers) {
    it(name, { timeout: 15_000 }, async () => {
      const server = await startRawIngress({ host: HTTP_ADDRESS, serve });
      try {
        const { reason, ...rest } = outcome(await prober.probe(httpSpec(server, probe)));
        const { reason: expectedReason, ...expectedRest } = expected;
        assert.deepEqual(rest, expectedRest, reason);
        if (typeof expectedReason === 'string') assert.equal(reason, expectedReason);
        else assert.match(reason, expectedReason);
        // Including the servers that would keep talking: the probe closed its end.
        await server.waitUntilIdle();
      } finally {
        await server.close();
      }
    });
  }
});

describe('the timeout is one deadline for the whole probe', () => {
  const timeoutMs = 600;
  const cases: ReadonlyArray<{ readonly name: string; readonly behaviour?: IngressBehaviour; readonly frozen?: boolean; readonly probe?: Partial<SpecInput> }> =
    [
      { name: 'a server that reads the request and never answers', behaviour: { kind: 'hang' } },
      { name: 'a server that accepts connections and never reads them', frozen: true },
      // An idle timeout would be reset by every byte and never fire; the per-test timeout below catches that.
      { name: 'headers trickling in one byte every 100 ms', behaviour: { kind: 'trickle', phase: 'headers', intervalMs: 100 } },
      { name: 'a body trickling in one byte every 100 ms', behaviour: { kind: 'trickle', phase: 'body', intervalMs: 100 }, probe: { body: 'ready' } },
    ];
  for (const { name, behaviour, frozen, probe } of cases) {
    it(name, { timeout: 10_000 }, async () => {
      const ingress = await startHttpIngress({ host: HTTP_ADDRESS, ...(behaviour ? { behaviour } : {}) });
      try {
        if (frozen) ingress.freeze();
        const result = await prober.probe(httpSpec(ingress, { timeoutMs, ...probe }));
        assertTimedOut(result, timeoutMs);
        // The probe gave up by closing its connection, not by leaving it to the server.
        await ingress.waitUntilIdle();
      } finally {
        await ingress.close();
      }
    });
  }
});

describe('https probe', () => {
  let fixtures: TlsFixtures;
  let trusted: HttpIngress;
  let selfSigned: HttpIngress;
  before(async () => {
    fixtures = await createTlsFixtures({ dnsNames: [HOST], ipAddresses: [HTTPS_ADDRESS] });
    trusted = await startHttpIngress({ host: HTTPS_ADDRESS, tls: { key: fixtures.server.keyPem, cert: fixtures.server.certPem } });
    selfSigned = await startHttpIngress({ host: SELF_SIGNED_ADDRESS, tls: { key: fixtures.unrelated.keyPem, cert: fixtures.unrelated.certPem } });
  });
  after(async () => {
    await trusted?.close();
    await selfSigned?.close();
  });

  const httpsSpec = (ingress: IngressControls, input: Partial<SpecInput> = {}) =>
    spec({ protocol: 'https', address: ingress.address, port: ingress.port, ...input });
  const withCa = () => ({ insecureSkipVerify: false, caPem: fixtures.caPem });

  it('is healthy with the CA, sending the host as SNI and in the Host header', async () => {
    const before = trusted.requests.length;
    const result = await prober.probe(httpsSpec(trusted, { tls: withCa() }));
    assert.deepEqual(outcome(result), { ok: true, reason: 'status 200', status: 200 });
    assert.equal(trusted.requests.length, before + 1);
    const request = trusted.requests.at(-1)!;
    assert.equal(request.servername, HOST);
    assert.equal(request.host, `${HOST}:${trusted.port}`);
  });

  it('checks the body over TLS too', async () => {
    trusted.setBehaviour({ kind: 'body', text: 'not yet' });
    try {
      const result = await prober.probe(httpsSpec(trusted, { tls: withCa(), body: 'ready' }));
      assert.deepEqual(outcome(result), { ok: false, failure: 'body', reason: 'body does not contain "ready"', status: 200 });
    } finally {
      trusted.setBehaviour({ kind: 'ok' });
    }
  });

  const tlsFailures: ReadonlyArray<{
    readonly name: string;
    readonly target: () => IngressControls;
    readonly probe: () => Partial<SpecInput>;
    readonly reason: RegExp;
  }> = [
    { name: 'a certificate from a CA it was not given', target: () => trusted, probe: () => ({}), reason: /^TLS: unable to verify the first certificate$/ },
    {
      name: 'a self-signed certificate, even for the right name',
      target: () => selfSigned,
      probe: () => ({ tls: withCa() }),
      reason: /^TLS: self[- ]signed certificate$/,
    },
    {
      name: 'a trusted certificate for another name',
      target: () => trusted,
      probe: () => ({ host: 'other.gslb.example.test', tls: withCa() }),
      reason: /^TLS: .*does not match certificate's altnames.*other\.gslb\.example\.test/,
    },
    {
      // Node would check the certificate against the address it connected to; the probe checks the host.
      name: 'a trusted certificate for the address connected to, when the host is another address',
      target: () => trusted,
      probe: () => ({ host: '127.0.0.99', tls: withCa() }),
      reason: /^TLS: .*127\.0\.0\.99/,
    },
  ];
  for (const { name, target, probe, reason } of tlsFailures) {
    it(`fails on TLS with ${name}`, async () => {
      const result = await prober.probe(httpsSpec(target(), probe()));
      assert.equal(result.ok, false);
      assert.equal(result.failure, 'tls', result.reason);
      assert.match(result.reason, reason);
      assert.equal(result.status, undefined);
    });
  }

  it('fails on TLS when the port speaks plain HTTP', async () => {
    const plain = await startHttpIngress({ host: HTTPS_ADDRESS });
    try {
      const result = await prober.probe(httpsSpec(plain, { tls: withCa() }));
      assert.equal(result.failure, 'tls', result.reason);
      assert.match(result.reason, /^TLS: wrong version number$/);
      assert.equal(plain.requests.length, 0);
    } finally {
      await plain.close();
    }
  });

  it('with insecureSkipVerify, accepts an untrusted certificate and a wrong name', async () => {
    const insecure = { insecureSkipVerify: true };
    const untrusted = await prober.probe(httpsSpec(selfSigned, { tls: insecure }));
    assert.deepEqual(outcome(untrusted), { ok: true, reason: 'status 200', status: 200 });
    const wrongName = await prober.probe(httpsSpec(trusted, { host: 'other.gslb.example.test', tls: insecure }));
    assert.deepEqual(outcome(wrongName), { ok: true, reason: 'status 200', status: 200 });
    assert.equal(trusted.requests.at(-1)?.servername, 'other.gslb.example.test');
  });

  it('sends no SNI for an IP address host, and checks the certificate against that address', async () => {
    const result = await prober.probe(httpsSpec(trusted, { host: HTTPS_ADDRESS, tls: withCa() }));
    assert.deepEqual(outcome(result), { ok: true, reason: 'status 200', status: 200 });
    const request = trusted.requests.at(-1)!;
    assert.equal(request.servername, undefined);
    assert.equal(request.host, `${HTTPS_ADDRESS}:${trusted.port}`);
  });

  it('counts the TLS handshake against the timeout', { timeout: 10_000 }, async () => {
    const frozen = await startHttpIngress({ host: HTTPS_ADDRESS, tls: { key: fixtures.server.keyPem, cert: fixtures.server.certPem } });
    try {
      frozen.freeze();
      assertTimedOut(await prober.probe(httpsSpec(frozen, { tls: withCa(), timeoutMs: 500 })), 500);
      assert.equal(frozen.acceptedConnections(), 1);
      await frozen.waitUntilIdle();
    } finally {
      await frozen.close();
    }
  });
});

describe('tcp probe', () => {
  it('is healthy when the connection completes, and closes it at once', async () => {
    const ingress = await startTcpIngress({ host: TCP_ADDRESS });
    try {
      const result = await prober.probe(spec({ protocol: 'tcp', address: ingress.address, port: ingress.port }));
      assert.deepEqual(outcome(result), { ok: true, reason: 'connected' });
      assert.equal(ingress.acceptedConnections(), 1);
      await ingress.waitUntilIdle();
    } finally {
      await ingress.close();
    }
  });

  it('is refused when nothing listens', async () => {
    const result = await prober.probe(spec({ protocol: 'tcp', address: REFUSING_ADDRESS, port: await refusingPort() }));
    assert.deepEqual(outcome(result), { ok: false, failure: 'refused', reason: 'connection refused' });
  });
});

describe('IPv6', () => {
  it('probes ::1 over http', async (t) => {
    let ingress: HttpIngress;
    try {
      ingress = await startHttpIngress({ host: '::1' });
    } catch (error) {
      t.skip(`::1 is not available: ${(error as Error).message}`);
      return;
    }
    try {
      const result = await prober.probe(httpSpec(ingress));
      assert.deepEqual(outcome(result), { ok: true, reason: 'status 200', status: 200 });
      assert.equal(ingress.requests.at(-1)?.host, `${HOST}:${ingress.port}`);
      const literalHost = await prober.probe(httpSpec(ingress, { host: '::1' }));
      assert.equal(literalHost.ok, true, literalHost.reason);
      assert.equal(ingress.requests.at(-1)?.host, `[::1]:${ingress.port}`);
    } finally {
      await ingress.close();
    }
  });
});

describe('no probe leaves a socket or timer behind', () => {
  it('100 refused probes', async () => {
    const port = await refusingPort();
    const baseline = probeResources();
    // A long budget, so a timer the probe forgot to clear would still be pending when counted.
    const probe = spec({ protocol: 'http', address: REFUSING_ADDRESS, port, timeoutMs: 60_000 });
    const pending = Array.from({ length: 100 }, () => prober.probe(probe));
    // The count sees what probes hold while they run, so its return to the baseline means something.
    const during = probeResources();
    assert.ok(during.sockets >= baseline.sockets + 100 && during.timers >= baseline.timers + 100, JSON.stringify(during));
    const results = await Promise.all(pending);
    assert.deepEqual(new Set(results.map((r) => r.failure)), new Set(['refused']));
    await assertResourcesBackTo(baseline);
  });

  it('probes ending every way an ingress can end them', { timeout: 20_000 }, async () => {
    const ingresses = await Promise.all(
      (
        [
          { kind: 'ok' },
          { kind: 'status', status: 503 },
          { kind: 'body', text: 'x'.repeat(200_000) },
          { kind: 'hang' },
          { kind: 'trickle', phase: 'body', intervalMs: 20 },
        ] as const
      ).map((behaviour) => startHttpIngress({ host: HTTP_ADDRESS, behaviour })),
    );
    const tcp = await startTcpIngress({ host: TCP_ADDRESS });
    try {
      const baseline = probeResources();
      const probes = [
        ...ingresses.flatMap((ingress) => [httpSpec(ingress, { timeoutMs: 300 }), httpSpec(ingress, { timeoutMs: 300, body: 'ready' })]),
        spec({ protocol: 'tcp', address: tcp.address, port: tcp.port, timeoutMs: 300 }),
      ];
      const results = await Promise.all(Array.from({ length: 10 }, () => probes.map((probe) => prober.probe(probe))).flat());
      // Every kind of ending happened: success, status, body limit, timeout.
      assert.deepEqual(new Set(results.map((r) => r.failure ?? 'ok')), new Set(['ok', 'status', 'body', 'timeout']));
      await Promise.all([...ingresses, tcp].map((ingress) => ingress.waitUntilIdle()));
      await assertResourcesBackTo(baseline);
    } finally {
      await Promise.all([...ingresses, tcp].map((ingress) => ingress.close()));
    }
  });
});

describe('describeProbeError', () => {
  const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });
  const cases: ReadonlyArray<readonly [unknown, string, string]> = [
    [withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.13:80'), 'refused', 'connection refused'],
    [withCode('ECONNRESET', 'socket hang up'), 'reset', 'connection reset'],
    [withCode('EPIPE'), 'reset', 'connection reset'],
    [withCode('EHOSTUNREACH'), 'unreachable', 'host unreachable'],
    [withCode('ENETUNREACH'), 'unreachable', 'network unreachable'],
    [withCode('EADDRNOTAVAIL'), 'unreachable', 'address not available'],
    [withCode('CERT_HAS_EXPIRED', 'certificate has expired'), 'tls', 'TLS: certificate has expired'],
    [withCode('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), 'tls', 'TLS: self-signed certificate in certificate chain'],
    [
      withCode(
        'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
        'C0A7D2F7:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1605:\n',
      ),
      'tls',
      'TLS: tlsv1 alert unknown ca',
    ],
    [withCode('EPROTO', 'write EPROTO'), 'tls', 'TLS: write EPROTO'],
    [withCode('HPE_INVALID_CONSTANT', 'Parse Error: Expected HTTP/'), 'error', 'Parse Error: Expected HTTP/'],
    [new AggregateError([withCode('ECONNREFUSED')], 'connect failed'), 'refused', 'connection refused'],
    ['not even an Error', 'error', 'not even an Error'],
  ];
  for (const [error, failure, reason] of cases) {
    it(`${String((error as { code?: string }).code ?? error)} → ${failure}`, () => {
      assert.deepEqual(describeProbeError(error), { ok: false, failure, reason });
    });
  }
});

describe('hostHeaderValue', () => {
  const cases: ReadonlyArray<readonly [string, number, 'http' | 'https', string]> = [
    [HOST, 80, 'http', HOST],
    [HOST, 443, 'https', HOST],
    [HOST, 443, 'http', `${HOST}:443`],
    [HOST, 8443, 'https', `${HOST}:8443`],
    ['2001:db8::1', 443, 'https', '[2001:db8::1]'],
    ['2001:db8::1', 8080, 'http', '[2001:db8::1]:8080'],
    ['192.0.2.1', 8080, 'http', '192.0.2.1:8080'],
  ];
  for (const [host, port, protocol, expected] of cases) {
    it(`${protocol} ${host} port ${port} → ${expected}`, () => assert.equal(hostHeaderValue(host, port, protocol), expected));
  }
});
