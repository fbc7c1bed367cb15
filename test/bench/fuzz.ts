// The full fuzz run of the reliability issue: at least 1,000,000 hostile datagrams over UDP and 100,000 hostile
// frames over TCP against the real `meridian serve` process; afterwards the process must still be up, error-free
// and answering correctly, with flat memory (heap and RSS reported before and after).
//
//   npm run fuzz                                    # 1,000,000 UDP datagrams, 100,000 TCP frames, seed 1121
//   npm run fuzz -- --udp 20000 --tcp 2000          # a quick run
//   node dist/test/bench/fuzz.js [--udp N] [--tcp N] [--seed S] [--json PATH]   # after `npx tsc -p .`
//
// The packets come from the seeded generator the integration test uses (test/helpers/fuzz.ts), so a failure can
// be replayed with the same --seed. A summary table goes to stdout, progress to stderr, the full report to
// test-output/fuzz/latest.json (or --json PATH). Exit code 1 if the server died, logged an error or answered
// wrongly; memory growth is reported with a verdict but does not fail the run.
//
// UDP goes in bursts of 100, each sent once the server has read its socket's queue down (watched in
// /proc/net/udp), so the kernel drops none of the flood; a real query every 10,000 datagrams checks the answer.
//
// Source addresses: the fuzz comes from 127.0.2.1, the probes and the final checks from 127.0.3.1 and the warm-up
// from 127.0.4.1. Response Rate Limiting keys on the client's /24, so the flood cannot rate-limit the checks.
// Nothing RRL-related is passed to the server, so it runs with its defaults (which exempt loopback clients).

import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dig } from '../helpers/dig.js';
import { buildQuery, decodeResponse } from '../helpers/dns-message.js';
import { createFuzzer } from '../helpers/fuzz.js';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { makeZoneDir, type ZoneDir } from '../helpers/zone-files.js';

const NAMES = ['app.gslb.example.test', 'shop.gslb.example.test', 'gslb.example.test', 'big.gslb.example.test', 'nope.gslb.example.test', 'example.org'];
const FUZZ_ADDRESS = '127.0.2.1';
const CHECK_ADDRESS = '127.0.3.1';
const WARMUP_ADDRESS = '127.0.4.1';
/**
 * Datagrams sent back to back before waiting for the server to catch up. The server's socket has the default
 * receive buffer (212,992 octets, about 190 small datagrams on loopback): bursts of 500 overflowed it and the
 * kernel dropped a quarter of the flood.
 */
const BURST = 100;
/** After a burst, wait until the server's socket holds fewer octets than this (see waitForQueues()). */
const QUEUE_LOW_WATER = 32 * 1024;
/**
 * A probe (a real query from the check socket, awaited) after this many datagrams: about 5 a second at the
 * rate this machine reaches, under RRL's default 20 responses a second per /24 and answer. Probing every burst
 * (about 480 a second) would have the check /24 itself rate-limited once RRL is on.
 */
const PROBE_EVERY = 10_000;
const FRAMES_PER_CONNECTION = 50;
/** Below the server's 32 connections per client: a closed connection leaves the server's count a moment later. */
const TCP_CONCURRENCY = 24;
const WARMUP_QUERIES = 5_000;
const SHOP_ANSWER = 'shop.gslb.example.test. 15 IN A 192.0.2.30';
/** "Flat" memory: growth over the whole run below these. */
const RSS_LIMIT_BYTES = 50 * 1024 * 1024;
const HEAP_LIMIT_BYTES = 20 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Settings

interface Settings {
  readonly udp: number;
  readonly tcp: number;
  readonly seed: number;
  readonly json: string;
}

function usage(message?: string): never {
  if (message) process.stderr.write(`fuzz: ${message}\n`);
  process.stderr.write('usage: node dist/test/bench/fuzz.js [--udp N] [--tcp N] [--seed S] [--json PATH]\n');
  process.exit(message ? 2 : 0);
}

function parseSettings(argv: readonly string[]): Settings {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { udp: { type: 'string' }, tcp: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  if (values.help) usage();
  const count = (value: string | undefined, flag: string, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 0) usage(`${flag} needs a whole number (got '${value}')`);
    return n;
  };
  return {
    udp: count(values.udp, '--udp', 1_000_000),
    tcp: count(values.tcp, '--tcp', 100_000),
    seed: count(values.seed, '--seed', 1121),
    // A given path is the caller's (relative to the working directory); the default lives in the repository.
    json: values.json === undefined ? path.join(REPO_ROOT, 'test-output', 'fuzz', 'latest.json') : path.resolve(values.json),
  };
}

const progress = (line: string) => process.stderr.write(`[fuzz ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const signedMb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;

// ---------------------------------------------------------------------------------------------------------------
// Observing the server: admin metrics, /proc

async function scrape(server: ServerProcess): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${server.adminPort}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

/** The value of an unlabelled metric. */
function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!match) throw new Error(`metric ${name} not in /metrics`);
  return Number(match[1]);
}

/** meridian_dns_queries_total summed per transport: the queries the server handled (answers it sent or rate-limited). */
function answeredByTransport(text: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const match of text.matchAll(/^meridian_dns_queries_total\{([^}]*)\} (\S+)$/gm)) {
    const transport = /transport="([^"]*)"/.exec(match[1])?.[1] ?? '?';
    totals[transport] = (totals[transport] ?? 0) + Number(match[2]);
  }
  return totals;
}

async function vmRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}

interface MemorySnapshot {
  /** Minimum over the samples: heap used rises and falls with garbage collection, its floor is what is live. */
  readonly heapUsedMinBytes: number;
  readonly heapUsedMaxBytes: number;
  /** RSS does not shrink back with GC the way heap used does; the last sample is the settled value. */
  readonly rssMetricBytes: number;
  readonly vmRssBytes: number;
  readonly samples: number;
}

async function memorySnapshot(server: ServerProcess, durationMs = 3_000, samples = 7): Promise<MemorySnapshot> {
  const heap: number[] = [];
  let rssMetric = 0;
  let rss = 0;
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(durationMs / (samples - 1));
    const text = await scrape(server);
    heap.push(metricValue(text, 'meridian_nodejs_heap_size_used_bytes'));
    rssMetric = metricValue(text, 'meridian_process_resident_memory_bytes');
    rss = await vmRss(server.child.pid!);
  }
  return { heapUsedMinBytes: Math.min(...heap), heapUsedMaxBytes: Math.max(...heap), rssMetricBytes: rssMetric, vmRssBytes: rss, samples };
}

interface UdpSocketState {
  /** Octets (of buffer, not payload) waiting to be read. */
  readonly rxQueue: number;
  /** Datagrams dropped because the receive buffer was full. */
  readonly drops: number;
}

/**
 * Local UDP sockets as the kernel sees them (/proc/net/udp), each undefined where not found or /proc is not
 * readable (not Linux). One read for all: it is polled between bursts (about 55 µs here), synchronously.
 */
function udpSocketStates(...sockets: ReadonlyArray<{ address: string; port: number }>): Array<UdpSocketState | undefined> {
  let table: string;
  try {
    table = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return sockets.map(() => undefined);
  }
  const byLocal = new Map<string, UdpSocketState>();
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length > 4) byLocal.set(fields[1], { rxQueue: parseInt(fields[4].split(':')[1], 16), drops: Number(fields[fields.length - 1]) });
  }
  return sockets.map(({ address, port }) => {
    const hex = address
      .split('.')
      .map((o) => Number(o).toString(16).padStart(2, '0'))
      .reverse()
      .join('')
      .toUpperCase();
    return byLocal.get(`${hex}:${port.toString(16).toUpperCase().padStart(4, '0')}`);
  });
}

/**
 * Waits until the server has read its socket's queue down to QUEUE_LOW_WATER, and we have read the replies
 * waiting on ours: the flood then goes at the rate the server takes it in, the kernel drops nothing on either
 * side, and, unlike pacing with a DNS probe, this works the same when Response Rate Limiting withholds answers.
 * Throws if the server stops reading for 5 s.
 */
async function waitForQueues(server: ServerProcess, fuzzPort: number): Promise<void> {
  const deadline = performance.now() + 5_000;
  for (;;) {
    // Yield to the event loop first, every time. dgram sends after a next-tick address lookup, so only then does
    // the burst show in the server's queue; and only a turn of the loop reads the replies on the fuzz socket
    // (everything else here completes in next-ticks and microtasks). libuv reads 32 datagrams per turn, so
    // sending on as soon as the server had caught up left the replies piling up until the kernel dropped them.
    // setImmediate, not a timer: the server drains a burst in about 2 ms, a 1 ms timer would halve the rate.
    await new Promise((resolve) => setImmediate(resolve));
    const [theirs, ours] = udpSocketStates({ address: server.host, port: server.port }, { address: FUZZ_ADDRESS, port: fuzzPort });
    if (theirs === undefined || (theirs.rxQueue < QUEUE_LOW_WATER && (ours?.rxQueue ?? 0) === 0)) return;
    if (performance.now() > deadline) throw new Error(`the server has not read its UDP socket for 5 s (${theirs.rxQueue} octets queued)`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// UDP

async function udpSocket(address: string): Promise<dgram.Socket> {
  // A large receive buffer (up to net.core.rmem_max) so replies arriving while we generate a burst are not lost.
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

interface ProbeTally {
  probes: number;
  correct: number;
  /** TC=1 without the answer: what RRL "slip" sends. Valid pacing, not a wrong answer. */
  truncated: number;
  wrong: number;
  wrongExamples: string[];
  maxWaitMs: number;
}

/**
 * Sends a real query from the check socket and waits for its answer, resending every 200 ms, for at most 5 s
 * (as probe() in test/integration/fuzz.test.ts): it throws if the server stops answering, and counts a wrong
 * answer. It also paces the bursts where /proc/net/udp cannot be read. Each probe has its own ID, so a late
 * answer to an earlier resend cannot end a later probe.
 */
async function probe(socket: dgram.Socket, server: ServerProcess, tally: ProbeTally): Promise<void> {
  const id = (0x4000 + tally.probes++) & 0xffff;
  const query = buildQuery({ name: 'shop.gslb.example.test', type: 1, id });
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const onMessage = (msg: Buffer) => {
      if (msg.length < 12 || msg.readUInt16BE(0) !== id || (msg[2] & 0x80) === 0) return;
      try {
        const response = decodeResponse(msg);
        if (response.flags.tc && response.answer.length === 0) tally.truncated++;
        else if (response.rcode === 0 && response.answer.length === 1 && response.answer[0] === SHOP_ANSWER) tally.correct++;
        else throw new Error(`rcode ${response.rcode}, answer ${JSON.stringify(response.answer)}`);
      } catch (error) {
        tally.wrong++;
        if (tally.wrongExamples.length < 5) tally.wrongExamples.push((error as Error).message);
      }
      finish();
    };
    const resend = setInterval(() => socket.send(query, server.port, server.host), 200);
    const deadline = setTimeout(() => finish(new Error(`no answer to a valid query within 5 s (probe ${tally.probes})`)), 5_000);
    const finish = (error?: Error) => {
      clearInterval(resend);
      clearTimeout(deadline);
      socket.off('message', onMessage);
      if (error) reject(error);
      else resolve();
    };
    socket.on('message', onMessage);
    socket.send(query, server.port, server.host);
  });
  tally.maxWaitMs = Math.max(tally.maxWaitMs, performance.now() - started);
}

interface UdpResult {
  readonly sent: number;
  readonly responses: number;
  readonly elapsedMs: number;
  readonly ratePerSecond: number;
  readonly kinds: Record<string, number>;
  readonly probes: ProbeTally;
  /** How bursts were paced: by the server socket's queue (/proc), or by a probe per burst where /proc is missing. */
  readonly pacing: 'kernel-queue' | 'probe';
  /** Kernel drops on the server's socket during the flood (undefined: not readable). */
  readonly serverSocketDrops: number | undefined;
  readonly fuzzSocketDrops: number | undefined;
}

async function fuzzUdp(server: ServerProcess, count: number, seed: number, check: dgram.Socket, tally: ProbeTally): Promise<UdpResult> {
  const socket = await udpSocket(FUZZ_ADDRESS);
  let responses = 0;
  socket.on('message', () => responses++);
  const fuzzPort = socket.address().port;
  const serverDropsBefore = udpSocketStates({ address: server.host, port: server.port })[0]?.drops;
  const pacing = serverDropsBefore === undefined ? 'probe' : 'kernel-queue';
  const fuzzer = createFuzzer(seed, NAMES);
  const kinds: Record<string, number> = {};
  const started = performance.now();
  let lastReport = started;
  try {
    for (let i = 0; i < count; i++) {
      const { kind, packet } = fuzzer.next();
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      // No per-datagram await: a burst goes out at once, and the wait below keeps bursts from outrunning the
      // server.
      socket.send(packet, server.port, server.host);
      const last = i === count - 1;
      if (i % BURST === BURST - 1 || last) {
        try {
          if (pacing === 'kernel-queue') await waitForQueues(server, fuzzPort);
          if (pacing === 'probe' || i % PROBE_EVERY === PROBE_EVERY - 1 || last) await probe(check, server, tally);
        } catch (error) {
          throw new Error(`${(error as Error).message}, after ${i + 1} datagrams`, { cause: error });
        }
        if (performance.now() - lastReport > 5_000) {
          lastReport = performance.now();
          const seconds = (lastReport - started) / 1000;
          progress(`udp ${i + 1}/${count} sent, ${responses} responses, ${Math.round((i + 1) / seconds)}/s`);
        }
      }
    }
    // Let the last replies arrive before counting.
    await sleep(200);
    const elapsedMs = performance.now() - started;
    const [serverAfter, fuzzAfter] = udpSocketStates({ address: server.host, port: server.port }, { address: FUZZ_ADDRESS, port: fuzzPort });
    const serverDropsAfter = serverAfter?.drops;
    return {
      sent: count,
      responses,
      elapsedMs: Math.round(elapsedMs),
      ratePerSecond: Math.round(count / (elapsedMs / 1000)),
      kinds,
      probes: tally,
      pacing,
      serverSocketDrops: serverDropsBefore === undefined || serverDropsAfter === undefined ? undefined : serverDropsAfter - serverDropsBefore,
      fuzzSocketDrops: fuzzAfter?.drops,
    };
  } finally {
    socket.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// TCP

interface Session {
  readonly connected: boolean;
  readonly responses: number;
  readonly error: string | undefined;
}

/**
 * One connection from `localAddress`: writes everything, half-closes, counts the framed responses and waits for
 * the close. Never rejects: the server may reset a connection it does not like, and the run moves on.
 */
function tcpSession(server: ServerProcess, localAddress: string, payload: Buffer): Promise<Session> {
  return new Promise((resolve) => {
    const socket = net.connect({ port: server.port, host: server.host, localAddress });
    let connected = false;
    let responses = 0;
    let error: string | undefined;
    let pending: Buffer = Buffer.alloc(0);
    socket.setTimeout(15_000, () => socket.destroy(new Error('client timeout')));
    socket.on('connect', () => {
      connected = true;
      socket.end(payload);
    });
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let offset = 0;
      while (pending.length - offset >= 2 && pending.length - offset - 2 >= pending.readUInt16BE(offset)) {
        offset += 2 + pending.readUInt16BE(offset);
        responses++;
      }
      pending = pending.subarray(offset);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ connected, responses, error }));
  });
}

type FrameKind = 'honest' | 'zero-length' | 'long-prefix' | 'short-prefix' | 'garbage';

/**
 * The bytes of one hostile connection: fuzzed messages in honest frames, zero-length frames, and in about a third
 * of the connections one framing lie at a random position. A lie desynchronises the server's view for the rest
 * of the connection (a long prefix swallows what follows, a short one or raw garbage turns message bytes into
 * length prefixes), so one per connection at most: otherwise few of the frames would ever reach the parser.
 */
function hostileConnection(fuzzer: ReturnType<typeof createFuzzer>, frames: number, kinds: Record<string, number>): Buffer {
  const prefix = (length: number) => Buffer.from([length >> 8, length & 0xff]);
  const lieAt = fuzzer.int(3) === 0 ? fuzzer.int(frames) : -1;
  const parts: Buffer[] = [];
  for (let f = 0; f < frames; f++) {
    let kind: FrameKind;
    if (f === lieAt) kind = (['long-prefix', 'short-prefix', 'garbage'] as const)[fuzzer.int(3)]!;
    else kind = fuzzer.int(100) < 8 ? 'zero-length' : 'honest';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    if (kind === 'zero-length') parts.push(prefix(0));
    else if (kind === 'garbage') parts.push(fuzzer.bytes(1 + fuzzer.int(100)));
    else {
      const { packet } = fuzzer.next();
      const length =
        kind === 'long-prefix'
          ? packet.length + 1 + fuzzer.int(65535 - packet.length)
          : kind === 'short-prefix'
            ? fuzzer.int(packet.length + 1)
            : packet.length;
      parts.push(prefix(length), packet);
    }
  }
  // A quarter of the connections end in the middle of a message, as a client that gives up would.
  if (fuzzer.int(4) === 0) parts.push(prefix(256 + fuzzer.int(256)), fuzzer.bytes(fuzzer.int(200)));
  return Buffer.concat(parts);
}

interface TcpResult {
  readonly frames: number;
  readonly connections: number;
  readonly connected: number;
  readonly responses: number;
  readonly errors: Record<string, number>;
  readonly kinds: Record<string, number>;
  readonly elapsedMs: number;
  readonly framesPerSecond: number;
}

async function fuzzTcp(server: ServerProcess, count: number, seed: number): Promise<TcpResult> {
  const fuzzer = createFuzzer(seed, NAMES);
  const connections = Math.ceil(count / FRAMES_PER_CONNECTION);
  const kinds: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let next = 0;
  let framesSent = 0;
  let connected = 0;
  let responses = 0;
  let done = 0;
  const started = performance.now();
  let lastReport = started;
  const worker = async () => {
    while (next < connections) {
      const index = next++;
      // Built synchronously right after taking the index, so connection N always gets the same bytes for a seed.
      const frames = Math.min(FRAMES_PER_CONNECTION, count - index * FRAMES_PER_CONNECTION);
      const payload = hostileConnection(fuzzer, frames, kinds);
      framesSent += frames;
      const session = await tcpSession(server, FUZZ_ADDRESS, payload);
      if (session.connected) connected++;
      responses += session.responses;
      if (session.error) errors[session.error] = (errors[session.error] ?? 0) + 1;
      done++;
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        progress(`tcp ${done}/${connections} connections, ${framesSent} frames, ${responses} responses`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(TCP_CONCURRENCY, connections) }, worker));
  const elapsedMs = performance.now() - started;
  return {
    frames: framesSent,
    connections,
    connected,
    responses,
    errors,
    kinds,
    elapsedMs: Math.round(elapsedMs),
    framesPerSecond: elapsedMs > 0 ? Math.round(framesSent / (elapsedMs / 1000)) : 0,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Warm-up and correctness

/**
 * Valid queries over UDP and TCP before the "before" memory reading, so JIT compilation, lazily created
 * buffers and first-use allocations are not counted as growth caused by the fuzz.
 */
async function warmUp(server: ServerProcess): Promise<{ udpAnswered: number; tcpAnswered: number }> {
  const socket = await udpSocket(WARMUP_ADDRESS);
  let udpAnswered = 0;
  socket.on('message', () => udpAnswered++);
  const types = [1, 28, 16, 6, 2, 255];
  const query = (i: number) =>
    buildQuery({ name: NAMES[i % NAMES.length], type: types[i % types.length], id: i & 0xffff, ...(i % 2 ? { edns: { udp: 1232 } } : {}) });
  try {
    for (let i = 0; i < WARMUP_QUERIES; i += 100) {
      const before = udpAnswered;
      for (let j = i; j < Math.min(i + 100, WARMUP_QUERIES); j++) socket.send(query(j), server.port, server.host);
      // Wait for the batch, but not for answers that are not coming (rate-limited or lost: no error here).
      for (let waited = 0, seen = -1; udpAnswered - before < 100 && udpAnswered !== seen && waited < 250; waited += 10) {
        seen = udpAnswered;
        await sleep(10);
      }
    }
  } finally {
    socket.close();
  }
  let tcpAnswered = 0;
  for (let c = 0; c < 10; c++) {
    const frames = Array.from({ length: 50 }, (_, j) => {
      const q = query(c * 50 + j);
      return Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q]);
    });
    tcpAnswered += (await tcpSession(server, WARMUP_ADDRESS, Buffer.concat(frames))).responses;
  }
  return { udpAnswered, tcpAnswered };
}

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The expectations of expectCorrectAnswers() in test/integration/fuzz.test.ts, asked with dig from the check /24. */
async function checkAnswers(server: ServerProcess): Promise<Check[]> {
  const checks: Check[] = [];
  const ask = async (name: string, run: () => Promise<string | undefined>) => {
    try {
      const problem = await run();
      checks.push({ name, ok: problem === undefined, detail: problem ?? 'ok' });
    } catch (error) {
      checks.push({ name, ok: false, detail: (error as Error).message.split('\n')[0] });
    }
  };
  const source = ['-b', CHECK_ADDRESS];
  for (const [label, options] of [
    ['udp', []],
    ['tcp', ['+tcp']],
  ] as const) {
    await ask(`shop.gslb.example.test A over ${label}`, async () => {
      const r = await dig({ server: server.host, port: server.port, name: 'shop.gslb.example.test', options: [...source, ...options] });
      if (r.status !== 'NOERROR') return `status ${r.status || '(none)'}`;
      if (r.answer.length !== 1 || r.answer[0] !== SHOP_ANSWER) return `answer ${JSON.stringify(r.answer)}`;
      return undefined;
    });
  }
  await ask('big.gslb.example.test TXT (8 strings)', async () => {
    const r = await dig({ server: server.host, port: server.port, name: 'big.gslb.example.test', type: 'TXT', options: source });
    return r.answer.length === 8 ? undefined : `status ${r.status || '(none)'}, ${r.answer.length} answers`;
  });
  return checks;
}

// ---------------------------------------------------------------------------------------------------------------
// The run

const settings = parseSettings(process.argv.slice(2));
const startedAt = new Date();
const failures: string[] = [];
let zones: ZoneDir | undefined;
let server: ServerProcess | undefined;
let check: dgram.Socket | undefined;
const report: Record<string, unknown> = {
  startedAt: startedAt.toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  settings: {
    ...settings,
    burst: BURST,
    queueLowWater: QUEUE_LOW_WATER,
    probeEvery: PROBE_EVERY,
    framesPerConnection: FRAMES_PER_CONNECTION,
    tcpConcurrency: TCP_CONCURRENCY,
    fuzzAddress: FUZZ_ADDRESS,
    checkAddress: CHECK_ADDRESS,
  },
};
let udp: UdpResult | undefined;
let tcp: TcpResult | undefined;
let memory:
  { before: MemorySnapshot; after: MemorySnapshot; rssDeltaBytes: number; vmRssDeltaBytes: number; heapUsedMinDeltaBytes: number; flat: boolean } | undefined;
let checks: Check[] = [];
/** Read before the server is stopped in `finally`. */
let aliveAfter = false;
let answered: { before: Record<string, number>; after: Record<string, number> } | undefined;

try {
  zones = await makeZoneDir();
  // startServerProcess passes --log-level debug first; commander keeps the last value. Not warn: the readiness
  // line ('listening') it waits for is logged at info.
  server = await startServerProcess({ zonesDir: zones.dir, args: ['--log-level', 'info'] });
  progress(`meridian pid ${server.child.pid} on ${server.host}:${server.port}, admin 127.0.0.1:${server.adminPort}`);
  if (server.adminPort === undefined) throw new Error('the admin server did not start: no /metrics to read memory from');
  check = await udpSocket(CHECK_ADDRESS);
  const tally: ProbeTally = { probes: 0, correct: 0, truncated: 0, wrong: 0, wrongExamples: [], maxWaitMs: 0 };

  const warm = await warmUp(server);
  progress(`warm-up: ${warm.udpAnswered}/${WARMUP_QUERIES} UDP and ${warm.tcpAnswered}/500 TCP queries answered`);
  report.warmUp = warm;
  const before = await memorySnapshot(server);
  const answeredBefore = answeredByTransport(await scrape(server));
  progress(`memory before: heap used (min) ${mb(before.heapUsedMinBytes)}, RSS ${mb(before.vmRssBytes)}`);

  try {
    if (settings.udp > 0) {
      progress(`udp: ${settings.udp} datagrams from ${FUZZ_ADDRESS} in bursts of ${BURST}, a probe from ${CHECK_ADDRESS} every ${PROBE_EVERY}`);
      udp = await fuzzUdp(server, settings.udp, settings.seed, check, tally);
      progress(`udp done: ${udp.sent} sent, ${udp.responses} responses in ${(udp.elapsedMs / 1000).toFixed(1)} s`);
    }
    if (settings.tcp > 0) {
      progress(`tcp: ${settings.tcp} frames over ${Math.ceil(settings.tcp / FRAMES_PER_CONNECTION)} connections from ${FUZZ_ADDRESS}`);
      tcp = await fuzzTcp(server, settings.tcp, settings.seed + 1);
      progress(`tcp done: ${tcp.frames} frames, ${tcp.responses} responses in ${(tcp.elapsedMs / 1000).toFixed(1)} s`);
    }
  } catch (error) {
    // Typically a probe that got no answer: still look at the process, its logs and its memory below.
    failures.push(`fuzz aborted: ${(error as Error).message}`);
  }
  if (tally.wrong > 0) failures.push(`${tally.wrong} probe(s) answered wrongly: ${tally.wrongExamples.join('; ')}`);

  if (server.alive()) {
    const after = await memorySnapshot(server);
    answered = { before: answeredBefore, after: answeredByTransport(await scrape(server)) };
    const rssDeltaBytes = after.rssMetricBytes - before.rssMetricBytes;
    const vmRssDeltaBytes = after.vmRssBytes - before.vmRssBytes;
    const heapUsedMinDeltaBytes = after.heapUsedMinBytes - before.heapUsedMinBytes;
    memory = {
      before,
      after,
      rssDeltaBytes,
      vmRssDeltaBytes,
      heapUsedMinDeltaBytes,
      flat: vmRssDeltaBytes < RSS_LIMIT_BYTES && heapUsedMinDeltaBytes < HEAP_LIMIT_BYTES,
    };
    checks = await checkAnswers(server);
    for (const c of checks) if (!c.ok) failures.push(`wrong answer: ${c.name}: ${c.detail}`);
  }
  aliveAfter = server.alive();
  if (!aliveAfter) failures.push(`the server exited (code ${server.child.exitCode}, signal ${server.child.signalCode})`);
} catch (error) {
  failures.push(`run failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  check?.close();
  await server?.stop();
  await zones?.remove();
}

const logs = server?.logs ?? [];
const errorLogs = logs.filter((l) => l.level === 'error' || l.level === 'fatal');
const warnLogs = logs.filter((l) => l.level === 'warn');
// Lines that are not JSON: a stack trace or a Node warning written past the logger.
const rawLogs = logs.filter((l) => l.level === 'raw');
if (errorLogs.length > 0) failures.push(`${errorLogs.length} error log line(s), first: ${JSON.stringify(errorLogs[0])}`);

// ---------------------------------------------------------------------------------------------------------------
// Report

const finishedAt = new Date();
const delta = (key: string) => (answered ? (answered.after[key] ?? 0) - (answered.before[key] ?? 0) : undefined);
const lines: string[] = [`# Meridian fuzz run (${startedAt.toISOString()}, Node ${process.version}, ${os.cpus().length} CPUs, seed ${settings.seed})`, ''];
const row = (label: string, value: string) => lines.push(`  ${label.padEnd(40)} ${value}`);
if (udp) {
  lines.push(
    `UDP  (from ${FUZZ_ADDRESS}, bursts of ${BURST} paced by ${udp.pacing === 'kernel-queue' ? "the server socket's queue" : 'a probe each'}; a probe from ${CHECK_ADDRESS} every ${PROBE_EVERY.toLocaleString('en-US')})`,
  );
  row('datagrams sent', udp.sent.toLocaleString('en-US'));
  row('responses received (fuzz socket)', `${udp.responses.toLocaleString('en-US')} (${((100 * udp.responses) / udp.sent).toFixed(1)} %)`);
  row('handled, by meridian_dns_queries_total', `${(delta('udp') ?? NaN).toLocaleString('en-US')} (fuzz + probes, sent or rate-limited)`);
  row('dropped by the kernel: server socket', udp.serverSocketDrops === undefined ? 'unknown' : udp.serverSocketDrops.toLocaleString('en-US'));
  row('dropped by the kernel: fuzz socket', udp.fuzzSocketDrops === undefined ? 'unknown' : udp.fuzzSocketDrops.toLocaleString('en-US'));
  row('elapsed', `${(udp.elapsedMs / 1000).toFixed(1)} s (${udp.ratePerSecond.toLocaleString('en-US')} datagrams/s)`);
  row(
    'probes: correct / TC / wrong',
    `${udp.probes.correct} / ${udp.probes.truncated} / ${udp.probes.wrong} of ${udp.probes.probes} (slowest ${Math.round(udp.probes.maxWaitMs)} ms)`,
  );
  lines.push('');
}
if (tcp) {
  lines.push(`TCP  (from ${FUZZ_ADDRESS}, at most ${TCP_CONCURRENCY} connections at once)`);
  row('frames sent', tcp.frames.toLocaleString('en-US'));
  row('connections opened / connected', `${tcp.connections.toLocaleString('en-US')} / ${tcp.connected.toLocaleString('en-US')}`);
  row('response frames received', `${tcp.responses.toLocaleString('en-US')} (server metrics: ${(delta('tcp') ?? NaN).toLocaleString('en-US')})`);
  row(
    'connection errors',
    Object.keys(tcp.errors).length === 0
      ? 'none'
      : Object.entries(tcp.errors)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
  );
  row('elapsed', `${(tcp.elapsedMs / 1000).toFixed(1)} s (${tcp.framesPerSecond.toLocaleString('en-US')} frames/s)`);
  lines.push('');
}
if (memory) {
  const { before, after } = memory;
  lines.push(`MEMORY  (heap used: minimum of ${after.samples} samples over 3 s; RSS: settled value)`);
  lines.push(`  ${''.padEnd(40)} ${'before'.padStart(10)} ${'after'.padStart(10)} ${'delta'.padStart(10)}`);
  const memRow = (label: string, b: number, a: number) =>
    lines.push(`  ${label.padEnd(40)} ${mb(b).padStart(10)} ${mb(a).padStart(10)} ${signedMb(a - b).padStart(10)}`);
  memRow('RSS (/proc VmRSS)', before.vmRssBytes, after.vmRssBytes);
  memRow('RSS (meridian_process_resident_...)', before.rssMetricBytes, after.rssMetricBytes);
  memRow('heap used, min (meridian_nodejs_...)', before.heapUsedMinBytes, after.heapUsedMinBytes);
  memRow('heap used, max', before.heapUsedMaxBytes, after.heapUsedMaxBytes);
  row(
    'verdict',
    memory.flat
      ? `flat (RSS < +${mb(RSS_LIMIT_BYTES)}, heap < +${mb(HEAP_LIMIT_BYTES)})`
      : `NOT flat (limits: RSS +${mb(RSS_LIMIT_BYTES)}, heap +${mb(HEAP_LIMIT_BYTES)})`,
  );
  lines.push('');
}
lines.push('AFTERWARDS');
row('server alive', aliveAfter ? 'yes' : 'NO');
for (const c of checks) row(c.name, c.ok ? 'correct' : `WRONG: ${c.detail}`);
row('log lines: error+fatal / warn / raw', `${errorLogs.length} / ${warnLogs.length} / ${rawLogs.length}`);
lines.push('');
lines.push(failures.length === 0 ? 'RESULT  pass' : `RESULT  FAIL\n${failures.map((f) => `  - ${f}`).join('\n')}`);
const table = lines.join('\n');
process.stdout.write(`${table}\n`);

Object.assign(report, {
  finishedAt: finishedAt.toISOString(),
  elapsedSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
  udp,
  tcp,
  serverAnswered: answered,
  memory: memory && { ...memory, limits: { rssBytes: RSS_LIMIT_BYTES, heapUsedBytes: HEAP_LIMIT_BYTES } },
  checks,
  logs: { error: errorLogs, warn: warnLogs.slice(0, 50), warnCount: warnLogs.length, raw: rawLogs.slice(0, 50), rawCount: rawLogs.length },
  failures,
  ok: failures.length === 0,
  table,
});
await mkdir(path.dirname(settings.json), { recursive: true });
await writeFile(settings.json, `${JSON.stringify(report, null, 2)}\n`);
const shown = path.relative(process.cwd(), settings.json);
process.stdout.write(`written ${shown.startsWith('..') ? settings.json : shown}\n`);
// Explicit: a socket some peer left half-open must not keep a finished run waiting.
process.exit(failures.length === 0 ? 0 : 1);
